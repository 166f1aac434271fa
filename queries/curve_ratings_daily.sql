-- name: curve_ratings_daily
-- grain: one row per local calendar day, stage, and dimension value (dimension 'all' has one row per day and stage, value null)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions (each with its all_ flag); rated journey events by occurred_at, channel filters events, team does not apply
-- returns: rating_date, stage, dimension (all, segment, region, channel, product), value, rating_1_count, rating_2_count, rating_3_count, rating_4_count, rating_5_count
with

ratings as (
    select
        cast((journey_events.occurred_at at time zone 'UTC') at time zone :tz as date) as rating_date,
        journey_events.stage,
        customers.segment,
        customers.region,
        journey_events.channel,
        journey_events.product,
        journey_events.rating
    from journey_events
    left join customers on customers.customer_id = journey_events.customer_id
    where journey_events.occurred_at >= :start_ts
        and journey_events.occurred_at < :end_ts
        and journey_events.rating is not null
        and (:all_channels or journey_events.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
),

cells as (
    select
        rating_date,
        stage,
        case
            when grouping(segment) = 0 then 'segment'
            when grouping(region) = 0 then 'region'
            when grouping(channel) = 0 then 'channel'
            when grouping(product) = 0 then 'product'
            else 'all'
        end as dimension,
        case
            when grouping(segment) = 0 then segment
            when grouping(region) = 0 then region
            when grouping(channel) = 0 then channel
            when grouping(product) = 0 then product
        end as value,
        count(*) filter (where rating = 1) as rating_1_count,
        count(*) filter (where rating = 2) as rating_2_count,
        count(*) filter (where rating = 3) as rating_3_count,
        count(*) filter (where rating = 4) as rating_4_count,
        count(*) filter (where rating = 5) as rating_5_count
    from ratings
    group by grouping sets (
        (rating_date, stage),
        (rating_date, stage, segment),
        (rating_date, stage, region),
        (rating_date, stage, channel),
        (rating_date, stage, product)
    )
),

final as (
    select * from cells
)

select * from final
order by rating_date, stage, dimension, value
