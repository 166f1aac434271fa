-- name: customer_value_cells
-- grain: one row per segment, region, margin percentile (customers by margin from the top, 1-100) and group flags, over customers with a non-cancelled order or a contact in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :orders_from_ts (earliest order read), :recent_start_ts and :prior_start_ts (growth windows: the 6 months before :end_ts and the 6 before them), :gross_margin, :cost_voice, :cost_email, :cost_chat, :cost_web, :cost_sms, :cost_social, :cost_fax, :cost_in_person, :channels, :segments, :regions, :teams (each with its all_ flag); channel and team filter contacts, not orders
-- returns: segment, region, margin_percentile, is_most_valuable, is_below_marginal_cost, is_fastest_growing, in_pareto, customers_count, contacts_count, revenue_sum, cost_to_serve_sum, margin_sum, positive_margin_sum, revenue_growth_sum
with

filtered_customers as (
    select
        customer_id,
        segment,
        region
    from customers
    where (:all_segments or segment in :segments)
        and (:all_regions or region in :regions)
),

contacts as (
    select
        interactions.customer_id,
        count(*) as contacts_count,
        sum(case interactions.channel
            when 'voice' then cast(:cost_voice as double precision)
            when 'email' then cast(:cost_email as double precision)
            when 'chat' then cast(:cost_chat as double precision)
            when 'web' then cast(:cost_web as double precision)
            when 'sms' then cast(:cost_sms as double precision)
            when 'social' then cast(:cost_social as double precision)
            when 'fax' then cast(:cost_fax as double precision)
            when 'in_person' then cast(:cost_in_person as double precision)
            else 0.0
        end) as cost_to_serve
    from interactions
    inner join filtered_customers on filtered_customers.customer_id = interactions.customer_id
    left join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_teams or agents.team in :teams)
    group by interactions.customer_id
),

revenue as (
    select
        orders.customer_id,
        count(*) filter (where orders.ordered_at >= :start_ts) as orders_count,
        coalesce(sum(orders.amount) filter (where orders.ordered_at >= :start_ts), 0) as revenue,
        coalesce(sum(orders.amount) filter (where orders.ordered_at >= :recent_start_ts), 0) as revenue_last_6m,
        coalesce(sum(orders.amount) filter (
            where orders.ordered_at >= :prior_start_ts and orders.ordered_at < :recent_start_ts), 0) as revenue_prior_6m
    from orders
    inner join filtered_customers on filtered_customers.customer_id = orders.customer_id
    where orders.ordered_at >= :orders_from_ts
        and orders.ordered_at < :end_ts
        and coalesce(orders.status, 'placed') <> 'cancelled'
    group by orders.customer_id
),

customer_values as (
    select
        filtered_customers.customer_id,
        filtered_customers.segment,
        filtered_customers.region,
        coalesce(contacts.contacts_count, 0) as contacts_count,
        coalesce(revenue.revenue, 0) as revenue,
        coalesce(contacts.cost_to_serve, 0) as cost_to_serve,
        coalesce(revenue.revenue, 0) * cast(:gross_margin as double precision)
            - coalesce(contacts.cost_to_serve, 0) as margin,
        coalesce(revenue.revenue_last_6m, 0) - coalesce(revenue.revenue_prior_6m, 0) as revenue_growth
    from filtered_customers
    left join contacts on contacts.customer_id = filtered_customers.customer_id
    left join revenue on revenue.customer_id = filtered_customers.customer_id
    where contacts.contacts_count > 0
        or revenue.orders_count > 0
),

ranked as (
    select
        customer_id,
        segment,
        region,
        contacts_count,
        revenue,
        cost_to_serve,
        margin,
        revenue_growth,
        count(*) over () as population_count,
        row_number() over (order by margin desc, customer_id) as margin_rank,
        ntile(100) over (order by margin desc, customer_id) as margin_percentile,
        row_number() over (order by revenue_growth desc, customer_id) as growth_rank,
        -- a running sum minus the row itself: PostgreSQL re-adds a frame ending before the row for every row
        sum(margin) over (
            order by margin desc, customer_id rows between unbounded preceding and current row) - margin
            as margin_before,
        sum(greatest(margin, 0)) over () as positive_margin_total
    from customer_values
),

-- top 20% (ceil) by margin and by growth; the Pareto set: customers taken from the top until their
-- margin reaches 80% of the positive margin (relative tolerance 1e-9 absorbs floating-point noise)
flagged as (
    select
        segment,
        region,
        margin_percentile,
        margin_rank <= ceil(0.2 * population_count) as is_most_valuable,
        margin < 0 as is_below_marginal_cost,
        revenue_growth > 0 and growth_rank <= ceil(0.2 * population_count) as is_fastest_growing,
        positive_margin_total > 0
            and margin_before < (0.8 - 0.000000001) * positive_margin_total as in_pareto,
        contacts_count,
        revenue,
        cost_to_serve,
        margin,
        revenue_growth
    from ranked
),

final as (
    select
        segment,
        region,
        margin_percentile,
        is_most_valuable,
        is_below_marginal_cost,
        is_fastest_growing,
        in_pareto,
        count(*) as customers_count,
        cast(sum(contacts_count) as bigint) as contacts_count,
        sum(revenue) as revenue_sum,
        sum(cost_to_serve) as cost_to_serve_sum,
        sum(margin) as margin_sum,
        sum(greatest(margin, 0)) as positive_margin_sum,
        sum(revenue_growth) as revenue_growth_sum
    from flagged
    group by segment, region, margin_percentile, is_most_valuable, is_below_marginal_cost, is_fastest_growing,
        in_pareto
)

select * from final
order by margin_percentile, segment, region, is_most_valuable, is_below_marginal_cost, is_fastest_growing, in_pareto
