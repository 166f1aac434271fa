-- name: coordination_customers
-- grain: one row per customer with uncoordinated days (outbound contacts from two or more departments on one local calendar day), most such days first, the first :limit of them
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :limit, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: customer_id, name, segment, region, uncoordinated_count, last_date (the newest such day), customers_count (customers with one in all)
with

-- `not :all_...` empties a filter's subquery when the filter is off (DuckDB then skips its join)
outbound as (
    select distinct
        interactions.customer_id,
        cast((interactions.started_at at time zone 'UTC') at time zone :tz as date) as contact_date,
        coalesce(interactions.department, 'service') as department
    from interactions
    where interactions.direction = 'outbound'
        and interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or interactions.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or interactions.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or interactions.agent_id in (
            select agent_id from agents where not :all_teams and team in :teams))
),

uncoordinated as (
    select
        customer_id,
        contact_date
    from outbound
    group by customer_id, contact_date
    having count(*) >= 2
),

per_customer as (
    select
        customer_id,
        count(*) as uncoordinated_count,
        max(contact_date) as last_date
    from uncoordinated
    group by customer_id
),

listed as (
    select
        customer_id,
        uncoordinated_count,
        last_date,
        count(*) over () as customers_count
    from per_customer
    order by uncoordinated_count desc, last_date desc, customer_id
    limit :limit
),

final as (
    select
        listed.customer_id,
        customers.name,
        customers.segment,
        customers.region,
        listed.uncoordinated_count,
        listed.last_date,
        listed.customers_count
    from listed
    left join customers on customers.customer_id = listed.customer_id
)

select * from final
order by uncoordinated_count desc, last_date desc, customer_id
