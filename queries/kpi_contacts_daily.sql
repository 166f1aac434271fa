-- name: kpi_contacts_daily
-- grain: one row per local calendar day with contacts
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :repeat_window_sec, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: contact_date, contacts_count, agent_contacts_count, handle_count, handle_sec_sum, repeat_count, resolved_known_count, fcr_count
with

contacts as (
    select
        interactions.started_at,
        interactions.agent_id,
        interactions.handle_seconds,
        interactions.resolved,
        coalesce(interactions.next_contact_gap_sec <= :repeat_window_sec, false) as is_repeat
    from interactions
    left join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or interactions.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or interactions.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

final as (
    select
        cast((started_at at time zone 'UTC') at time zone :tz as date) as contact_date,
        count(*) as contacts_count,
        count(agent_id) as agent_contacts_count,
        count(handle_seconds) filter (where agent_id is not null) as handle_count,
        coalesce(sum(handle_seconds) filter (where agent_id is not null), 0) as handle_sec_sum,
        count(*) filter (where agent_id is not null and is_repeat) as repeat_count,
        count(resolved) filter (where agent_id is not null) as resolved_known_count,
        count(*) filter (where agent_id is not null and resolved and not is_repeat) as fcr_count
    from contacts
    group by 1
)

select * from final
order by contact_date
