-- name: rollup_build_rating_days
-- grain: one row per local day (of :tz), stage, rating, event channel, and segment and region of the event's customer, over rated journey events, for the days listed in the load's temp table touched_days
-- params: :tz (the rollup's time zone); :low_at, :high_at (a UTC window around the touched days, from the day before the first to two days after the last: DuckDB reads only the blocks in it, PostgreSQL the index); reads touched_days(day), filled by journey.rollups during a load
-- returns: day, stage, rating, channel, segment, region, ratings_count
-- (UTC days skip the time zone conversion: DuckDB spends ~0.25 s per million rows on it)
with

ratings as (
    select
        case when :tz = 'UTC' then cast(journey_events.occurred_at as date)
            else cast((journey_events.occurred_at at time zone 'UTC') at time zone :tz as date) end as day,
        journey_events.stage,
        journey_events.rating,
        journey_events.channel,
        customers.segment,
        customers.region
    from journey_events
    left join customers on customers.customer_id = journey_events.customer_id
    where journey_events.rating is not null
        and journey_events.occurred_at >= :low_at
        and journey_events.occurred_at < :high_at
),

final as (
    select
        day,
        stage,
        rating,
        channel,
        segment,
        region,
        count(*) as ratings_count
    from ratings
    where day in (select day from touched_days)
    group by day, stage, rating, channel, segment, region
)

select * from final
order by day, stage, rating, channel, segment, region
