-- name: rollup_pipeline_open_cells
-- grain: as pipeline_open_cells, from rollup_opportunity_spells (built with the same first stage)
-- params: as pipeline_open_cells, but :first_stage is the rollup's own (journey.rollups compares it)
-- returns: as_of_date, owner_id, owner_name, team, stage, age_bucket, close_month, overdue, open_count, amount_sum, amount_sq_sum
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
        (cast(as_of_date as timestamp) at time zone :tz) at time zone 'UTC' as as_of_ts
    from days
),

spells_in_scope as (
    select
        spells.owner_id,
        spells.stage,
        spells.amount,
        spells.expected_close_date,
        spells.created_at,
        spells.closed_at,
        spells.spell_start,
        spells.spell_end
    from rollup_opportunity_spells as spells
    where (:all_segments or spells.segment in :segments)
        and (:all_regions or spells.region in :regions)
        and (:all_teams or spells.owner_id in (select agent_id from agents where team in :teams))
),

-- open as of the day (SPEC "Pipeline as of D"), in the stage spell that holds the day's start
open_deals as (
    select
        day_instants.as_of_date,
        spells_in_scope.owner_id,
        spells_in_scope.stage,
        spells_in_scope.amount,
        spells_in_scope.expected_close_date,
        day_instants.as_of_date
            - case when :tz = 'UTC' then cast(spells_in_scope.created_at as date)
                else cast((spells_in_scope.created_at at time zone 'UTC') at time zone :tz as date) end as age_days
    from spells_in_scope
    inner join day_instants
        on spells_in_scope.created_at < day_instants.as_of_ts
        and (spells_in_scope.closed_at is null or spells_in_scope.closed_at >= day_instants.as_of_ts)
        and spells_in_scope.spell_start < day_instants.as_of_ts
        and (spells_in_scope.spell_end is null or spells_in_scope.spell_end >= day_instants.as_of_ts)
),

cells as (
    select
        as_of_date,
        owner_id,
        stage,
        case when age_days <= 30 then 0 when age_days <= 90 then 1 when age_days <= 180 then 2 else 3 end as age_bucket,
        cast(date_trunc('month', expected_close_date) as date) as close_month,
        coalesce(expected_close_date < as_of_date, false) as overdue,
        count(*) as open_count,
        cast(sum(amount) as double precision) as amount_sum,
        cast(sum(amount * amount) as double precision) as amount_sq_sum
    from open_deals
    group by as_of_date, owner_id, stage, age_bucket, close_month, overdue
),

-- owners outside the user's scope under a salted pseudonym, one per owner: the cells stay as they are
final as (
    select
        cells.as_of_date,
        case when :all_agents_visible or cells.owner_id in :visible_agents then cells.owner_id
            else '~' || md5(:scope_salt || cells.owner_id) end as owner_id,
        case when :all_agents_visible or cells.owner_id in :visible_agents then agents.name end as owner_name,
        agents.team,
        cells.stage,
        cells.age_bucket,
        cells.close_month,
        cells.overdue,
        cells.open_count,
        cells.amount_sum,
        cells.amount_sq_sum
    from cells
    left join agents on agents.agent_id = cells.owner_id
)

select * from final
order by as_of_date, owner_id, stage, age_bucket, close_month, overdue
