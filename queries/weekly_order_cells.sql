-- name: weekly_order_cells
-- grain: one row per period (0 = last week, 1 = this week), dimension and its value, over orders that were not cancelled
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :segments, :regions (each with its all_ flag); channel and team do not apply to orders
-- returns: period, dimension (region, segment, product), value, orders_count, returns_count, delivered_count, on_time_count
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
        case when orders.ordered_at >= :split_ts then 1 else 0 end as period,
        customers.region,
        customers.segment,
        orders.product,
        orders.promised_at,
        orders.delivered_at,
        coalesce(returns_per_order.returns_count, 0) as returns_count
    from orders
    left join customers on customers.customer_id = orders.customer_id
    left join returns_per_order on returns_per_order.order_id = orders.order_id
    where orders.ordered_at >= :start_ts
        and orders.ordered_at < :end_ts
        and coalesce(orders.status, 'placed') <> 'cancelled'
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
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
        count(*) as orders_count,
        cast(coalesce(sum(returns_count), 0) as bigint) as returns_count,
        count(*) filter (where delivered_at is not null and promised_at is not null) as delivered_count,
        count(*) filter (where delivered_at <= promised_at) as on_time_count
    from orders_in_range
    group by grouping sets ((period, region), (period, segment), (period, product))
)

select * from final
order by dimension, value, period
