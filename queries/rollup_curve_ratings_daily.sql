-- name: rollup_curve_ratings_daily
-- grain: one row per local calendar day, stage, and dimension value (dimension 'all' has one row per day and stage, value null): curve_ratings_daily read from rollup_rating_days and rollup_rating_products
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz; no filter (products are rolled up without the filter dimensions, so journey.rollups sends a filtered view to curve_ratings_daily); :start_ts and :end_ts are local midnights of :tz, the rollup's time zone
-- returns: rating_date, stage, dimension (all, segment, region, channel, product), value, rating_1_count, rating_2_count, rating_3_count, rating_4_count, rating_5_count
with

ratings as (
    select day, stage, rating, segment, region, channel, ratings_count
    from rollup_rating_days
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
),

cells as (
    select
        day as rating_date,
        stage,
        case
            when grouping(segment) = 0 then 'segment'
            when grouping(region) = 0 then 'region'
            when grouping(channel) = 0 then 'channel'
            else 'all'
        end as dimension,
        case
            when grouping(segment) = 0 then segment
            when grouping(region) = 0 then region
            when grouping(channel) = 0 then channel
        end as value,
        cast(coalesce(sum(ratings_count) filter (where rating = 1), 0) as bigint) as rating_1_count,
        cast(coalesce(sum(ratings_count) filter (where rating = 2), 0) as bigint) as rating_2_count,
        cast(coalesce(sum(ratings_count) filter (where rating = 3), 0) as bigint) as rating_3_count,
        cast(coalesce(sum(ratings_count) filter (where rating = 4), 0) as bigint) as rating_4_count,
        cast(coalesce(sum(ratings_count) filter (where rating = 5), 0) as bigint) as rating_5_count
    from ratings
    group by grouping sets ((day, stage), (day, stage, segment), (day, stage, region), (day, stage, channel))
),

product_cells as (
    select
        day as rating_date,
        stage,
        'product' as dimension,
        product as value,
        cast(coalesce(sum(ratings_count) filter (where rating = 1), 0) as bigint) as rating_1_count,
        cast(coalesce(sum(ratings_count) filter (where rating = 2), 0) as bigint) as rating_2_count,
        cast(coalesce(sum(ratings_count) filter (where rating = 3), 0) as bigint) as rating_3_count,
        cast(coalesce(sum(ratings_count) filter (where rating = 4), 0) as bigint) as rating_4_count,
        cast(coalesce(sum(ratings_count) filter (where rating = 5), 0) as bigint) as rating_5_count
    from rollup_rating_products
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
    group by day, stage, product
),

final as (
    select * from cells
    union all
    select * from product_cells
)

select * from final
order by rating_date, stage, dimension, value
