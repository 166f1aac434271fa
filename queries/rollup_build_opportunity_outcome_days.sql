-- name: rollup_build_opportunity_outcome_days
-- grain: one row per day of the close (as the pipeline's windows take days: the last day of :tz whose local midnight instant is not after the close), start of a spell that starts after its deal's close (null for every other spell), stage, segment, region and owner, over the first spell in each stage of won and lost deals, for the days listed in the load's temp table touched_days; read from rollup_opportunity_spells, which the load rebuilt first
-- params: :tz (the rollup's time zone); reads touched_days(day), filled by journey.rollups during a load
-- returns: day, late_start, stage, segment, region, owner_id, closed_count, won_count
-- (a pipeline window runs from one day's midnight instant to another's, exactly the closes of the days between;
-- the day is computed with the same instants, so a midnight that a time-zone change skips or repeats counts alike)
with

bounds as (
    select
        cast(min(day) as timestamp) - interval '2 days' as low_at,
        cast(max(day) as timestamp) + interval '3 days' as high_at
    from touched_days
),

closed_spells as (
    select
        spells.stage,
        spells.segment,
        spells.region,
        spells.owner_id,
        spells.status,
        spells.closed_at,
        case when spells.spell_start > spells.closed_at then spells.spell_start end as late_start,
        case when :tz = 'UTC' then cast(spells.closed_at as date)
            else cast((spells.closed_at at time zone 'UTC') at time zone :tz as date) end as local_day
    from rollup_opportunity_spells as spells
    where spells.status in ('won', 'lost')
        and spells.first_in_stage
        and spells.closed_at is not null
        and spells.spell_start is not null
        and spells.closed_at >= (select low_at from bounds)
        and spells.closed_at < (select high_at from bounds)
),

days as (
    select
        stage,
        segment,
        region,
        owner_id,
        status,
        late_start,
        case
            when :tz = 'UTC' then local_day
            when closed_at < (cast(local_day as timestamp) at time zone :tz) at time zone 'UTC' then local_day - 1
            when closed_at >= (cast(local_day + 1 as timestamp) at time zone :tz) at time zone 'UTC'
                then local_day + 1
            else local_day
        end as day
    from closed_spells
),

final as (
    select
        day,
        late_start,
        stage,
        segment,
        region,
        owner_id,
        count(*) as closed_count,
        count(*) filter (where status = 'won') as won_count
    from days
    where day in (select day from touched_days)
    group by day, late_start, stage, segment, region, owner_id
)

select * from final
order by day, stage
