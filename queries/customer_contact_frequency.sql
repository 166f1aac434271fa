-- name: customer_contact_frequency
-- grain: one row per number of inbound contacts (service requests) a customer made in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: contacts_per_customer, customers_count
with

requests as (
    select
        interactions.customer_id,
        count(*) as contacts_per_customer
    from interactions
    left join customers on customers.customer_id = interactions.customer_id
    left join agents on agents.agent_id = interactions.agent_id
    where coalesce(interactions.direction, 'inbound') = 'inbound'
        and interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
        and (:all_teams or agents.team in :teams)
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
