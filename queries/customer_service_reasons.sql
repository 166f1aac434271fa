-- name: customer_service_reasons
-- grain: one row per contact reason of inbound contacts (service requests) in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :repeat_window_sec, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: reason, contacts_count, customers_count, repeat_count (followed by a contact of the same customer and reason within the repeat window, whole store looked at), escalated_count, escalation_known_count
with

requests as (
    select
        interactions.reason,
        interactions.customer_id,
        coalesce(interactions.next_contact_gap_sec <= :repeat_window_sec, false) as is_repeat,
        interactions.escalated
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
),

final as (
    select
        reason,
        count(*) as contacts_count,
        count(distinct customer_id) as customers_count,
        count(*) filter (where is_repeat) as repeat_count,
        count(*) filter (where escalated) as escalated_count,
        count(escalated) as escalation_known_count
    from requests
    group by reason
)

select * from final
order by repeat_count + escalated_count desc, reason
