-- name: rollup_pipeline_stage_outcomes
-- grain: as pipeline_stage_outcomes, from rollup_opportunity_spells (built with the same first stage)
-- params: as pipeline_stage_outcomes, but :first_stage is the rollup's own (journey.rollups compares it)
-- returns: as_of_date, stage, closed_count, won_count
with

days as (
    select cast(:as_of_date as date) as as_of_date
    union
    select cast(cast(:base_date as date) - step * interval '1 month' as date) as as_of_date
    from generate_series(cast(:first_step as integer), cast(:last_step as integer)) as steps(step)
),

day_instants as materialized (
    select
        as_of_date,
        (cast(as_of_date as timestamp) at time zone :tz) at time zone 'UTC' as as_of_ts,
        (cast(as_of_date - 365 as timestamp) at time zone :tz) at time zone 'UTC' as window_start_ts
    from days
),

closed_spells as (
    select
        spells.stage,
        spells.status,
        spells.closed_at,
        spells.spell_start
    from rollup_opportunity_spells as spells
    where spells.status in ('won', 'lost')
        and spells.first_in_stage
        and (:all_segments or spells.segment in :segments)
        and (:all_regions or spells.region in :regions)
        and (:all_teams or spells.owner_id in (select agent_id from agents where team in :teams))
),

final as (
    select
        day_instants.as_of_date,
        closed_spells.stage,
        count(*) as closed_count,
        count(*) filter (where closed_spells.status = 'won') as won_count
    from closed_spells
    inner join day_instants
        on closed_spells.closed_at >= day_instants.window_start_ts
        and closed_spells.closed_at < day_instants.as_of_ts
        and closed_spells.spell_start < day_instants.as_of_ts
    group by day_instants.as_of_date, closed_spells.stage
)

select * from final
order by as_of_date, stage
