-- name: rollup_kpi_orders_daily
-- grain: one row per local calendar day with orders that were not cancelled (kpi_orders_daily read from rollup_order_days)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :segments, :regions (each with its all_ flag); :start_ts and :end_ts are local midnights of :tz, the rollup's time zone (journey.rollups checks); channel and team do not apply to orders
-- returns: order_date, orders_count, revenue_sum, returns_count, delivered_count, on_time_count
with

cells as (
    select *
    from rollup_order_days
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_segments or segment in :segments)
        and (:all_regions or region in :regions)
),

final as (
    select
        day as order_date,
        cast(sum(orders_count) as bigint) as orders_count,
        coalesce(sum(revenue_sum), 0) as revenue_sum,
        cast(sum(returns_count) as bigint) as returns_count,
        cast(sum(delivered_count) as bigint) as delivered_count,
        cast(sum(on_time_count) as bigint) as on_time_count
    from cells
    group by day
)

select * from final
order by order_date
