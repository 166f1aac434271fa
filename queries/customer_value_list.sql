-- name: customer_value_list
-- grain: one row per customer of a group (all, most_valuable, below_marginal_cost, fastest_growing, most_contacts), over customers with a non-cancelled order or a contact in the range; the first :limit rows in the group's order (every :every-th customer by margin rank for all)
-- params: as customer_value_cells, plus :group, :every (sampling step for all, 1 = every customer), :limit
-- returns: customer_id, name, segment, region, contacts_count, revenue, cost_to_serve, margin, revenue_last_6m, revenue_prior_6m, revenue_growth, margin_rank, is_most_valuable, is_below_marginal_cost, is_fastest_growing, group_count
with

filtered_customers as (
    select
        customer_id,
        name,
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
        filtered_customers.name,
        filtered_customers.segment,
        filtered_customers.region,
        coalesce(contacts.contacts_count, 0) as contacts_count,
        coalesce(revenue.revenue, 0) as revenue,
        coalesce(contacts.cost_to_serve, 0) as cost_to_serve,
        coalesce(revenue.revenue, 0) * cast(:gross_margin as double precision)
            - coalesce(contacts.cost_to_serve, 0) as margin,
        coalesce(revenue.revenue_last_6m, 0) as revenue_last_6m,
        coalesce(revenue.revenue_prior_6m, 0) as revenue_prior_6m,
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
        name,
        segment,
        region,
        contacts_count,
        revenue,
        cost_to_serve,
        margin,
        revenue_last_6m,
        revenue_prior_6m,
        revenue_growth,
        count(*) over () as population_count,
        row_number() over (order by margin desc, customer_id) as margin_rank,
        row_number() over (order by revenue_growth desc, customer_id) as growth_rank,
        row_number() over (order by contacts_count desc, customer_id) as contacts_rank
    from customer_values
),

-- the same groups as customer_value_cells: top 20% (ceil) by margin and by growth, margin below 0
flagged as (
    select
        customer_id,
        name,
        segment,
        region,
        contacts_count,
        revenue,
        cost_to_serve,
        margin,
        revenue_last_6m,
        revenue_prior_6m,
        revenue_growth,
        margin_rank,
        contacts_rank,
        margin_rank <= ceil(0.2 * population_count) as is_most_valuable,
        margin < 0 as is_below_marginal_cost,
        revenue_growth > 0 and growth_rank <= ceil(0.2 * population_count) as is_fastest_growing
    from ranked
),

chosen as (
    select
        customer_id,
        name,
        segment,
        region,
        contacts_count,
        revenue,
        cost_to_serve,
        margin,
        revenue_last_6m,
        revenue_prior_6m,
        revenue_growth,
        margin_rank,
        is_most_valuable,
        is_below_marginal_cost,
        is_fastest_growing,
        case :group
            when 'below_marginal_cost' then margin
            when 'fastest_growing' then -revenue_growth
            when 'most_contacts' then contacts_rank
            else margin_rank
        end as sort_key
    from flagged
    where (:group = 'all' and mod(margin_rank, cast(:every as bigint)) = 0)
        or (:group = 'most_contacts' and contacts_count > 0)
        or (:group = 'most_valuable' and is_most_valuable)
        or (:group = 'below_marginal_cost' and is_below_marginal_cost)
        or (:group = 'fastest_growing' and is_fastest_growing)
),

final as (
    select
        customer_id,
        name,
        segment,
        region,
        contacts_count,
        revenue,
        cost_to_serve,
        margin,
        revenue_last_6m,
        revenue_prior_6m,
        revenue_growth,
        margin_rank,
        is_most_valuable,
        is_below_marginal_cost,
        is_fastest_growing,
        count(*) over () as group_count,
        sort_key
    from chosen
)

select * from final
order by sort_key, customer_id
limit :limit
