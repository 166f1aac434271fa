-- name: agent_reason_medians
-- grain: one row per contact reason with a handled contact in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: reason, median_handle_sec (the median handle time of the reason's contacts handled by an agent, as percentile_cont(0.5) takes it; null when none has a handle time)
with

handles as (
    select
        interactions.reason,
        interactions.handle_seconds
    from interactions
    -- handled by an agent: an import rejects a contact whose agent_id names no agent, so no join to agents
    where interactions.agent_id is not null
        and interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_teams or interactions.agent_id in (
            select agent_id from agents where not :all_teams and team in :teams))
        -- the guard inside the subquery lets DuckDB skip reading customers when there is no filter
        and (:all_segments or interactions.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or interactions.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
),

-- the median from counts of each handle time: a hash aggregate instead of sorting every contact of the range
handle_counts as (
    select
        reason,
        handle_seconds,
        count(*) as contacts_count
    from handles
    group by reason, handle_seconds
),

positions as (
    select
        reason,
        handle_seconds,
        sum(contacts_count) over (partition by reason order by handle_seconds rows unbounded preceding) as up_to,
        sum(contacts_count) over (partition by reason) as total
    from handle_counts
    where handle_seconds is not null
),

middles as (
    select
        reason,
        min(handle_seconds) filter (where up_to >= floor((total + 1) / 2.0)) as lower_middle,
        min(handle_seconds) filter (where up_to >= floor(total / 2.0) + 1) as upper_middle
    from positions
    group by reason
),

final as (
    select
        reasons.reason,
        cast(middles.lower_middle + (middles.upper_middle - middles.lower_middle) * 0.5 as double precision)
            as median_handle_sec
    -- from the counts, not the contacts: PostgreSQL would keep every contact of a twice-read CTE
    from (select distinct reason from handle_counts) as reasons
    left join middles on middles.reason = reasons.reason
)

select * from final
order by reason
