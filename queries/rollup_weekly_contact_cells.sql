-- name: rollup_weekly_contact_cells
-- grain: one row per period (0 = last week, 1 = this week), dimension and its value, over agent contacts (weekly_contact_cells read from rollup_contact_cells)
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag); the three instants are local midnights of :tz, the rollup's time zone, with its repeat window (journey.rollups checks)
-- returns: period, dimension (channel, reason, region, segment, team), value, agent_contacts_count, handle_count, handle_sec_sum, repeat_count, resolved_known_count, fcr_count
with

contacts as (
    select
        case when rollup_contact_cells.day >= cast((cast(:split_ts as timestamp) at time zone 'UTC') at time zone :tz as date) then 1 else 0 end as period,
        rollup_contact_cells.channel,
        rollup_contact_cells.reason,
        rollup_contact_cells.region,
        rollup_contact_cells.segment,
        agents.team,
        rollup_contact_cells.contacts_count,
        rollup_contact_cells.handle_count,
        rollup_contact_cells.handle_sec_sum,
        rollup_contact_cells.repeat_count,
        rollup_contact_cells.resolved_known_count,
        rollup_contact_cells.fcr_count
    from rollup_contact_cells
    left join agents on agents.agent_id = rollup_contact_cells.agent_id
    where rollup_contact_cells.day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and rollup_contact_cells.day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_channels or rollup_contact_cells.channel in :channels)
        and (:all_segments or rollup_contact_cells.segment in :segments)
        and (:all_regions or rollup_contact_cells.region in :regions)
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
        cast(sum(contacts_count) as bigint) as agent_contacts_count,
        cast(sum(handle_count) as bigint) as handle_count,
        coalesce(cast(sum(handle_sec_sum) as double precision), 0) as handle_sec_sum,
        cast(sum(repeat_count) as bigint) as repeat_count,
        cast(sum(resolved_known_count) as bigint) as resolved_known_count,
        cast(sum(fcr_count) as bigint) as fcr_count
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
