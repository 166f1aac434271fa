-- name: rollup_weekly_order_cells
-- grain: one row per period (0 = last week, 1 = this week), dimension and its value, over orders that were not cancelled (weekly_order_cells read from rollup_order_days)
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :tz, :segments, :regions (each with its all_ flag); the three instants are local midnights of :tz, the rollup's time zone (journey.rollups checks); channel and team do not apply to orders
-- returns: period, dimension (region, segment, product), value, orders_count, returns_count, delivered_count, on_time_count
with

orders_in_range as (
    select
        case when day >= cast((cast(:split_ts as timestamp) at time zone 'UTC') at time zone :tz as date) then 1 else 0 end as period,
        region,
        segment,
        product,
        orders_count,
        returns_count,
        delivered_count,
        on_time_count
    from rollup_order_days
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_segments or segment in :segments)
        and (:all_regions or region in :regions)
),

final as (
    select
        period,
        case
            when grouping(region) = 0 then 'region'
            when grouping(segment) = 0 then 'segment'
            else 'product'
        end as dimension,
        case
            when grouping(region) = 0 then region
            when grouping(segment) = 0 then segment
            else product
        end as value,
        cast(sum(orders_count) as bigint) as orders_count,
        cast(sum(returns_count) as bigint) as returns_count,
        cast(sum(delivered_count) as bigint) as delivered_count,
        cast(sum(on_time_count) as bigint) as on_time_count
    from orders_in_range
    group by grouping sets ((period, region), (period, segment), (period, product))
)

select * from final
order by dimension, value, period
