-- name: rollup_pipeline_timing_cells
-- grain: as pipeline_timing_cells, from rollup_opportunity_spell_months (built with the same first stage and time zone)
-- params: as pipeline_timing_cells, but :first_stage is the rollup's own (journey.rollups compares it)
-- returns: snapshot_date, stage, age_bucket, won_month_offset (0 = the snapshot's own month, null = not won within the horizon), deal_count
with

snapshots as (
    select
        cast(cast(:base_date as date) - step * interval '1 month' as date) as snapshot_date
    from generate_series(cast(:first_step as integer), cast(:last_step as integer)) as steps(step)
),

local_midnights as (
    select
        snapshot_date,
        (cast(snapshot_date as timestamp) at time zone :tz) at time zone 'UTC' as snapshot_ts
    from snapshots
),

snapshot_instants as materialized (
    select
        snapshot_date,
        snapshot_ts,
        cast(date_trunc('month', snapshot_ts) as date) as month,  -- UTC, as the rows' months
        cast(extract(year from snapshot_date) * 12 + extract(month from snapshot_date) - 1 as integer)
            as snapshot_month_index
    from local_midnights
),

months_in_scope as not materialized (
    select
        spell_months.month,
        spell_months.open_ended,
        spell_months.stage,
        spell_months.hold_start,
        spell_months.hold_end,
        spell_months.created_day,
        spell_months.won_month_index
    from rollup_opportunity_spell_months as spell_months
    where (:all_segments or spell_months.segment in :segments)
        and (:all_regions or spell_months.region in :regions)
        and (:all_teams or spell_months.owner_id in (select agent_id from agents where team in :teams))
),

-- each snapshot's pipeline (SPEC "Pipeline as of D"), in the stage spell that holds the snapshot: the spell's
-- rows of the snapshot's UTC month, then the exact instant; a spell still open also holds every later month
held as (
    select
        snapshot_instants.snapshot_date,
        snapshot_instants.snapshot_month_index,
        months_in_scope.stage,
        months_in_scope.created_day,
        months_in_scope.won_month_index
    from snapshot_instants
    inner join months_in_scope on months_in_scope.month = snapshot_instants.month
    where months_in_scope.hold_start < snapshot_instants.snapshot_ts
        and (months_in_scope.hold_end is null or months_in_scope.hold_end >= snapshot_instants.snapshot_ts)
    union all
    select
        snapshot_instants.snapshot_date,
        snapshot_instants.snapshot_month_index,
        months_in_scope.stage,
        months_in_scope.created_day,
        months_in_scope.won_month_index
    from snapshot_instants
    inner join months_in_scope
        on months_in_scope.open_ended
        and months_in_scope.month < snapshot_instants.month
),

outcomes as (
    select
        snapshot_date,
        stage,
        snapshot_date - created_day as age_days,
        won_month_index - snapshot_month_index as won_month_offset
    from held
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
