-- name: kpi_orders_daily
-- grain: one row per local calendar day with orders that were not cancelled
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :segments, :regions (each with its all_ flag); channel and team do not apply to orders
-- returns: order_date, orders_count, revenue_sum, returns_count, delivered_count, on_time_count
with

returns_per_order as (
    select
        order_id,
        count(*) as returns_count
    from returns
    group by order_id
),

orders_in_range as (
    select
        orders.ordered_at,
        orders.amount,
        orders.promised_at,
        orders.delivered_at,
        coalesce(returns_per_order.returns_count, 0) as returns_count
    from orders
    left join returns_per_order on returns_per_order.order_id = orders.order_id
    where orders.ordered_at >= :start_ts
        and orders.ordered_at < :end_ts
        and coalesce(orders.status, 'placed') <> 'cancelled'
        and (:all_segments or orders.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or orders.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
),

final as (
    select
        cast((ordered_at at time zone 'UTC') at time zone :tz as date) as order_date,
        count(*) as orders_count,
        coalesce(sum(amount), 0) as revenue_sum,
        cast(coalesce(sum(returns_count), 0) as bigint) as returns_count,
        count(*) filter (where delivered_at is not null and promised_at is not null) as delivered_count,
        count(*) filter (where delivered_at <= promised_at) as on_time_count
    from orders_in_range
    group by 1
)

select * from final
order by order_date
