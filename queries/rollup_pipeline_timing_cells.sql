-- name: rollup_pipeline_timing_cells
-- grain: as pipeline_timing_cells, from rollup_opportunity_spells (built with the same first stage)
-- params: as pipeline_timing_cells, but :first_stage is the rollup's own (journey.rollups compares it)
-- returns: snapshot_date, stage, age_bucket, won_month_offset (0 = the snapshot's own month, null = not won within the horizon), deal_count
with

snapshots as (
    select
        cast(cast(:base_date as date) - step * interval '1 month' as date) as snapshot_date
    from generate_series(cast(:first_step as integer), cast(:last_step as integer)) as steps(step)
),

snapshot_instants as materialized (
    select
        snapshot_date,
        (cast(snapshot_date as timestamp) at time zone :tz) at time zone 'UTC' as snapshot_ts
    from snapshots
),

spells_in_scope as (
    select
        spells.stage,
        spells.status,
        spells.created_at,
        spells.closed_at,
        spells.spell_start,
        spells.spell_end
    from rollup_opportunity_spells as spells
    where (:all_segments or spells.segment in :segments)
        and (:all_regions or spells.region in :regions)
        and (:all_teams or spells.owner_id in (select agent_id from agents where team in :teams))
),

-- each snapshot's pipeline (SPEC "Pipeline as of D"), in the stage spell that holds the snapshot
outcomes as (
    select
        snapshot_instants.snapshot_date,
        spells_in_scope.stage,
        snapshot_instants.snapshot_date
            - case when :tz = 'UTC' then cast(spells_in_scope.created_at as date)
                else cast((spells_in_scope.created_at at time zone 'UTC') at time zone :tz as date) end as age_days,
        case when spells_in_scope.status = 'won' then cast(
            (extract(year from (spells_in_scope.closed_at at time zone 'UTC') at time zone :tz)
                - extract(year from snapshot_instants.snapshot_date)) * 12
            + extract(month from (spells_in_scope.closed_at at time zone 'UTC') at time zone :tz)
            - extract(month from snapshot_instants.snapshot_date) as integer) end as won_month_offset
    from snapshot_instants
    inner join spells_in_scope
        on spells_in_scope.created_at < snapshot_instants.snapshot_ts
        and (spells_in_scope.closed_at is null or spells_in_scope.closed_at >= snapshot_instants.snapshot_ts)
        and spells_in_scope.spell_start < snapshot_instants.snapshot_ts
        and (spells_in_scope.spell_end is null or spells_in_scope.spell_end >= snapshot_instants.snapshot_ts)
),

final as (
    select
        snapshot_date,
        stage,
        case when age_days <= 30 then 0 when age_days <= 90 then 1 when age_days <= 180 then 2 else 3 end as age_bucket,
        case when won_month_offset < cast(:horizon_months as integer) then won_month_offset end as won_month_offset,
        count(*) as deal_count
    from outcomes
    group by 1, 2, 3, 4
)

select * from final
order by snapshot_date, stage, age_bucket, won_month_offset
