-- name: customer_service_reasons
-- grain: one row per contact reason of inbound contacts (service requests) in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :repeat_window_sec, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: reason, contacts_count, customers_count, repeat_count (followed by a contact of the same customer and reason within the repeat window, whole store looked at), escalated_count, escalation_known_count
with

-- `not :all_...` empties a filter's subquery when the filter is off (DuckDB then skips its join)
requests as (
    select
        interactions.reason,
        interactions.customer_id,
        coalesce(interactions.next_contact_gap_sec <= :repeat_window_sec, false) as is_repeat,
        interactions.escalated
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
),

-- per reason and customer first: counting each reason's customers is then a plain count (no distinct)
reason_customers as (
    select
        reason,
        customer_id,
        count(*) as contacts_count,
        count(*) filter (where is_repeat) as repeat_count,
        count(*) filter (where escalated) as escalated_count,
        count(escalated) as escalation_known_count
    from requests
    group by reason, customer_id
),

final as (
    select
        reason,
        cast(sum(contacts_count) as bigint) as contacts_count,
        count(customer_id) as customers_count,
        cast(sum(repeat_count) as bigint) as repeat_count,
        cast(sum(escalated_count) as bigint) as escalated_count,
        cast(sum(escalation_known_count) as bigint) as escalation_known_count
    from reason_customers
    group by reason
)

select * from final
order by repeat_count + escalated_count desc, reason
