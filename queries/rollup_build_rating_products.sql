-- name: rollup_build_rating_products
-- grain: one row per local day (of :tz), stage, rating and product over rated journey events, for the days listed in the load's temp table touched_days
-- params: :tz (the rollup's time zone); :low_at, :high_at (a UTC window around the touched days, from the day before the first to two days after the last: DuckDB reads only the blocks in it, PostgreSQL the index); reads touched_days(day), filled by journey.rollups during a load
-- returns: day, stage, rating, product, ratings_count
-- (UTC days skip the time zone conversion: DuckDB spends ~0.25 s per million rows on it)
with

ratings as (
    select
        case when :tz = 'UTC' then cast(occurred_at as date)
            else cast((occurred_at at time zone 'UTC') at time zone :tz as date) end as day,
        stage,
        rating,
        product
    from journey_events
    where rating is not null
        and occurred_at >= :low_at
        and occurred_at < :high_at
),

final as (
    select
        day,
        stage,
        rating,
        product,
        count(*) as ratings_count
    from ratings
    where day in (select day from touched_days)
    group by day, stage, rating, product
)

select * from final
order by day, stage, rating, product
