-- name: customer_value
-- grain: over customers with a non-cancelled order or a contact in the range, ranked once, three kinds of row (row_kind, each in its own order, line = position): 'cell', one per segment, region, margin percentile (customers by margin from the top, 1-100) and group flags; 'point', every ceil(customers / :points)-th customer by margin rank (an even sample for the scatter, at most :points); 'listed', the first :limit customers of :group (all, most_valuable, below_marginal_cost, fastest_growing, most_contacts) in the group's order
-- params: :start_ts (inclusive), :end_ts (exclusive), :orders_from_ts (earliest order read), :recent_start_ts and :prior_start_ts (growth windows: the 6 months before :end_ts and the 6 before them), :gross_margin, :cost_voice, :cost_email, :cost_chat, :cost_web, :cost_sms, :cost_social, :cost_fax, :cost_in_person, :group, :limit, :points, :channels, :segments, :regions, :teams (each with its all_ flag); channel and team filter contacts, not orders; :from_rollup (true: read the customers' values, ranks and flags from rollup_customer_values, which the caller has checked hold exactly this view)
-- returns: row_kind, line, segment, region, margin_percentile, is_most_valuable, is_below_marginal_cost, is_fastest_growing, in_pareto, customers_count, contacts_count, revenue_sum, cost_to_serve_sum, margin_sum, positive_margin_sum, revenue_growth_sum (a cell's columns; the rest null for a cell), customer_id, name, revenue, cost_to_serve, margin, revenue_last_6m, revenue_prior_6m, revenue_growth, margin_rank, population_count (customers ranked), group_count (customers in :group, listed rows only); a point or listed customer has segment, region, margin_percentile, the group flags, in_pareto, contacts_count and these, the other cell columns null
with

-- contacts and orders per customer, then only customers in the customers table and the filters
-- (`not :all_teams` empties the team subquery when the filter is off: DuckDB then skips its join)
contacts as (
    select
        customer_id,
        count(*) as contacts_count,
        sum(case channel
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
    where started_at >= :start_ts
        and started_at < :end_ts
        and (:all_channels or channel in :channels)
        and (:all_teams or agent_id in (select agent_id from agents where not :all_teams and team in :teams))
    group by customer_id
),

revenue as (
    select
        customer_id,
        count(*) filter (where ordered_at >= :start_ts) as orders_count,
        coalesce(sum(amount) filter (where ordered_at >= :start_ts), 0) as revenue,
        coalesce(sum(amount) filter (where ordered_at >= :recent_start_ts), 0) as revenue_last_6m,
        coalesce(sum(amount) filter (
            where ordered_at >= :prior_start_ts and ordered_at < :recent_start_ts), 0) as revenue_prior_6m
    from orders
    where ordered_at >= :orders_from_ts
        and ordered_at < :end_ts
        and coalesce(status, 'placed') <> 'cancelled'
    group by customer_id
),

customer_values as (
    select
        customers.customer_id,
        customers.name,
        customers.segment,
        customers.region,
        coalesce(contacts.contacts_count, 0) as contacts_count,
        coalesce(revenue.revenue, 0) as revenue,
        coalesce(contacts.cost_to_serve, 0) as cost_to_serve,
        coalesce(revenue.revenue, 0) * cast(:gross_margin as double precision)
            - coalesce(contacts.cost_to_serve, 0) as margin,
        coalesce(revenue.revenue_last_6m, 0) as revenue_last_6m,
        coalesce(revenue.revenue_prior_6m, 0) as revenue_prior_6m,
        coalesce(revenue.revenue_last_6m, 0) - coalesce(revenue.revenue_prior_6m, 0) as revenue_growth
    from customers
    left join contacts on contacts.customer_id = customers.customer_id
    left join revenue on revenue.customer_id = customers.customer_id
    where (contacts.contacts_count > 0 or revenue.orders_count > 0)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
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
        -- values equal to a millionth are ties, ranked by customer_id: a float sum's last bits depend on the order
        -- its rows were added in (0.1 + 0.2 + 0.3 > 0.3 + 0.2 + 0.1), which differs between runs and engines
        row_number() over (order by round(margin * 1000000) desc, customer_id) as margin_rank,
        ntile(100) over (order by round(margin * 1000000) desc, customer_id) as margin_percentile,
        row_number() over (order by round(revenue_growth * 1000000) desc, customer_id) as growth_rank,
        -- a running sum minus the row itself: PostgreSQL re-adds a frame ending before the row for every row
        sum(margin) over (
            order by round(margin * 1000000) desc, customer_id rows between unbounded preceding and current row)
            - margin as margin_before,
        sum(greatest(margin, 0)) over () as positive_margin_total
    from customer_values
),

-- top 20% (ceil) by margin and by growth; the Pareto set: customers taken from the top until their
-- margin reaches 80% of the positive margin (relative tolerance 1e-9 absorbs floating-point noise)
computed as materialized (
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
        population_count,
        margin_rank,
        margin_percentile,
        margin_rank <= ceil(0.2 * population_count) as is_most_valuable,
        margin < 0 as is_below_marginal_cost,
        revenue_growth > 0 and growth_rank <= ceil(0.2 * population_count) as is_fastest_growing,
        positive_margin_total > 0
            and margin_before < (0.8 - 0.000000001) * positive_margin_total as in_pareto
    from ranked
),

-- the default view as the last load ranked it (rollup_customer_values: its customers and its cells), read only
-- when the caller checked that it was ranked with these parameters, unfiltered; the raw ranking is then skipped.
-- `computed` runs once when it runs (materialized); the kept rows are read by each consumer, with only the
-- columns it needs
flagged as not materialized (
    select
        customer_id, name, segment, region, contacts_count, revenue, cost_to_serve, margin,
        revenue_last_6m, revenue_prior_6m, revenue_growth, population_count, margin_rank,
        margin_percentile, is_most_valuable, is_below_marginal_cost, is_fastest_growing, in_pareto
    from rollup_customer_values
    where :from_rollup and row_kind = 'listed'
    union all
    select
        customer_id, name, segment, region, contacts_count, revenue, cost_to_serve, margin,
        revenue_last_6m, revenue_prior_6m, revenue_growth, population_count, margin_rank,
        margin_percentile, is_most_valuable, is_below_marginal_cost, is_fastest_growing, in_pareto
    from computed
    where not :from_rollup
),

cells as (
    select
        segment, region, margin_percentile, is_most_valuable, is_below_marginal_cost, is_fastest_growing,
        in_pareto, customers_count, contacts_count, revenue_sum, cost_to_serve_sum, margin_sum, positive_margin_sum,
        revenue_growth_sum
    from rollup_customer_values
    where :from_rollup and row_kind = 'cell'
    union all
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
    from computed
    where not :from_rollup
    group by segment, region, margin_percentile, is_most_valuable, is_below_marginal_cost, is_fastest_growing,
        in_pareto
),

-- the group's order: most valuable (and all) by margin rank, below marginal cost most negative margin first,
-- fastest growing most growth first, most contacts most contacts first; ties by customer_id
chosen as (
    select
        customer_id,
        count(*) over () as group_count,
        case :group
            when 'below_marginal_cost' then round(margin * 1000000)
            when 'fastest_growing' then -round(revenue_growth * 1000000)
            when 'most_contacts' then -contacts_count
            else margin_rank
        end as sort_key
    from flagged
    where :group = 'all'
        or (:group = 'most_contacts' and contacts_count > 0)
        or (:group = 'most_valuable' and is_most_valuable)
        or (:group = 'below_marginal_cost' and is_below_marginal_cost)
        or (:group = 'fastest_growing' and is_fastest_growing)
),

listed as (
    select
        customer_id,
        group_count,
        row_number() over (order by sort_key, customer_id) as line
    from (
        select customer_id, group_count, sort_key
        from chosen
        order by sort_key, customer_id
        limit :limit
    ) as first_rows
),

-- the customers shown one by one, each once per kind of row it is: a point of the scatter's even sample (every
-- ceil(customers / :points)-th by margin rank), a listed row of the group, or both. A left join of the few listed
-- rows, not a join back by customer: PostgreSQL cannot estimate the latter through `flagged` and sorts every customer
shown as (
    select
        kinds.row_kind,
        case when kinds.row_kind = 'point' then flagged.margin_rank else listed.line end as line,
        case when kinds.row_kind = 'listed' then listed.group_count end as group_count,
        flagged.*
    from flagged
    left join listed on listed.customer_id = flagged.customer_id
    inner join (values ('point'), ('listed')) as kinds (row_kind)
        on case kinds.row_kind
            when 'point' then mod(flagged.margin_rank, cast(greatest(1, ceil(
                flagged.population_count / cast(:points as double precision))) as bigint)) = 0
            else listed.line is not null
        end
),

final as (
    select
        'cell' as row_kind,
        row_number() over (
            order by margin_percentile, segment, region, is_most_valuable, is_below_marginal_cost,
                is_fastest_growing, in_pareto) as line,
        segment,
        region,
        margin_percentile,
        is_most_valuable,
        is_below_marginal_cost,
        is_fastest_growing,
        in_pareto,
        customers_count,
        contacts_count,
        revenue_sum,
        cost_to_serve_sum,
        margin_sum,
        positive_margin_sum,
        revenue_growth_sum,
        cast(null as varchar) as customer_id,
        cast(null as varchar) as name,
        cast(null as double precision) as revenue,
        cast(null as double precision) as cost_to_serve,
        cast(null as double precision) as margin,
        cast(null as double precision) as revenue_last_6m,
        cast(null as double precision) as revenue_prior_6m,
        cast(null as double precision) as revenue_growth,
        cast(null as bigint) as margin_rank,
        cast(null as bigint) as population_count,
        cast(null as bigint) as group_count
    from cells

    union all

    select
        row_kind,
        line,
        segment,
        region,
        margin_percentile,
        is_most_valuable,
        is_below_marginal_cost,
        is_fastest_growing,
        in_pareto,
        cast(null as bigint) as customers_count,
        contacts_count,
        cast(null as double precision) as revenue_sum,
        cast(null as double precision) as cost_to_serve_sum,
        cast(null as double precision) as margin_sum,
        cast(null as double precision) as positive_margin_sum,
        cast(null as double precision) as revenue_growth_sum,
        customer_id,
        name,
        revenue,
        cost_to_serve,
        margin,
        revenue_last_6m,
        revenue_prior_6m,
        revenue_growth,
        margin_rank,
        population_count,
        group_count
    from shown
)

select * from final
order by row_kind, line
