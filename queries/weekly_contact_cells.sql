-- name: weekly_contact_cells
-- grain: one row per period (0 = last week, 1 = this week), dimension and its value, over agent contacts
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :repeat_window_sec, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: period, dimension (channel, reason, region, segment, team), value, agent_contacts_count, handle_count, handle_sec_sum, repeat_count, resolved_known_count, fcr_count
with

contacts as (
    select
        case when interactions.started_at >= :split_ts then 1 else 0 end as period,
        interactions.channel,
        interactions.reason,
        customers.region,
        customers.segment,
        agents.team,
        interactions.handle_seconds,
        interactions.resolved,
        coalesce(interactions.next_contact_gap_sec <= :repeat_window_sec, false) as is_repeat
    from interactions
    left join customers on customers.customer_id = interactions.customer_id
    left join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and interactions.agent_id is not null
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
        and (:all_teams or agents.team in :teams)
),

cells as (
    select
        period,
        case
            when grouping(channel) = 0 then 'channel'
            when grouping(reason) = 0 then 'reason'
            when grouping(region) = 0 then 'region'
            when grouping(segment) = 0 then 'segment'
            else 'team'
        end as dimension,
        case
            when grouping(channel) = 0 then channel
            when grouping(reason) = 0 then reason
            when grouping(region) = 0 then region
            when grouping(segment) = 0 then segment
            else team
        end as value,
        count(*) as agent_contacts_count,
        count(handle_seconds) as handle_count,
        coalesce(cast(sum(handle_seconds) as double precision), 0) as handle_sec_sum,
        count(*) filter (where is_repeat) as repeat_count,
        count(resolved) as resolved_known_count,
        count(*) filter (where resolved and not is_repeat) as fcr_count
    from contacts
    group by grouping sets (
        (period, channel), (period, reason), (period, region), (period, segment), (period, team)
    )
),

final as (
    select * from cells
)

select * from final
order by dimension, value, period
