-- name: rollup_pipeline_stage_outcomes
-- grain: as pipeline_stage_outcomes, from rollup_opportunity_outcome_days (built with the same first stage and time zone)
-- params: as pipeline_stage_outcomes, but :first_stage is the rollup's own (journey.rollups compares it)
-- returns: as_of_date, stage, closed_count, won_count
-- (the window from the midnight of the day 365 days before to the as-of day's holds exactly the closes of the
-- rollup days between; a stage entered after the close counts only when entered before the as-of instant)
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

-- the filters first, down to a few thousand cells per day, stage and late start
cells as (
    select
        outcomes.day,
        outcomes.late_start,
        outcomes.stage,
        sum(outcomes.closed_count) as closed_count,
        sum(outcomes.won_count) as won_count
    from rollup_opportunity_outcome_days as outcomes
    where (:all_segments or outcomes.segment in :segments)
        and (:all_regions or outcomes.region in :regions)
        and (:all_teams or outcomes.owner_id in (select agent_id from agents where team in :teams))
    group by outcomes.day, outcomes.late_start, outcomes.stage
),

final as (
    select
        day_instants.as_of_date,
        cells.stage,
        cast(sum(cells.closed_count) as bigint) as closed_count,
        cast(sum(cells.won_count) as bigint) as won_count
    from cells
    inner join day_instants
        on cells.day >= day_instants.as_of_date - 365
        and cells.day < day_instants.as_of_date
        and (cells.late_start is null or cells.late_start < day_instants.as_of_ts)
    group by day_instants.as_of_date, cells.stage
)

select * from final
order by as_of_date, stage
