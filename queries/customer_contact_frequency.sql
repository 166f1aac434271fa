-- name: customer_contact_frequency
-- grain: one row per number of inbound contacts (service requests) a customer made in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: contacts_per_customer, customers_count
with

-- `not :all_...` empties a filter's subquery when the filter is off (DuckDB then skips its join)
requests as (
    select
        interactions.customer_id,
        count(*) as contacts_per_customer
    from interactions
    where (interactions.direction = 'inbound' or interactions.direction is null)
        and interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or interactions.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or interactions.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or interactions.agent_id in (
            select agent_id from agents where not :all_teams and team in :teams))
    group by interactions.customer_id
),

final as (
    select
        contacts_per_customer,
        count(*) as customers_count
    from requests
    group by contacts_per_customer
)

select * from final
order by contacts_per_customer
