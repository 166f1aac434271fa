-- name: rollup_agent_contact_cells
-- grain: one row per agent, reason, channel (and local week starting Monday when :by_week is true, else week_start is null): agent_contact_cells read from rollup_contact_cells and rollup_contact_csat
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag), :by_week, :agent_ids (with all_agents), :all_agents_visible, :visible_agents, :scope_salt (as in agent_contact_cells); :start_ts and :end_ts are local midnights of :tz, the rollup's time zone, with its repeat window (journey.rollups checks); the reason medians behind the AHT ratio are not additive, so they alone are read from the raw contacts
-- returns: agent_id, agent_name, team, reason, channel, week_start, contacts_count, handle_count, handle_sec_sum, aht_ratio_count, aht_ratio_sum, repeat_count, resolved_known_count, fcr_count, transferred_known_count, transferred_count, escalated_known_count, escalated_count, sentiment_count, sentiment_lift_sum, qa_count, qa_sum, csat_count, csat_top_count
with

raw_handles as (
    select
        interactions.reason,
        interactions.handle_seconds
    from interactions
    inner join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_teams or agents.team in :teams)
        -- the guard inside the subquery lets DuckDB skip reading customers when there is no filter
        and (:all_segments or interactions.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or interactions.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
),

-- the median per reason as percentile_cont(0.5) takes it, from counts of each handle time: a hash
-- aggregate instead of sorting every contact of the range
handle_counts as (
    select
        reason,
        handle_seconds,
        count(*) as contacts_count
    from raw_handles
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

reason_medians as (
    select
        reasons.reason,
        middles.lower_middle + (middles.upper_middle - middles.lower_middle) * 0.5 as median_handle_sec
    -- from the counts, not the contacts: PostgreSQL would keep every contact of a twice-read CTE
    from (select distinct reason from handle_counts) as reasons
    left join middles on middles.reason = reasons.reason
),

rolled as (
    select
        day, agent_id, reason, channel, segment, region, contacts_count, handle_count, handle_sec_sum, repeat_count,
        resolved_known_count, fcr_count, transferred_known_count, transferred_count, escalated_known_count,
        escalated_count, sentiment_count, sentiment_lift_sum, qa_count, qa_sum,
        0 as csat_count, 0 as csat_top_count
    from rollup_contact_cells
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
    union all
    select
        day, agent_id, reason, channel, segment, region, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        csat_count, csat_top_count
    from rollup_contact_csat
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
),

-- summed per agent, reason, channel (and week) first: the joins and the scope below then see a few
-- thousand rows, not every day's
weeks as (
    select
        rolled.*,
        case when :by_week then cast(date_trunc('week', cast(day as timestamp)) as date) end as week_start
    from rolled
    where (:all_channels or channel in :channels)
        and (:all_segments or segment in :segments)
        and (:all_regions or region in :regions)
),

summed as (
    select
        agent_id,
        reason,
        channel,
        week_start,
        sum(contacts_count) as contacts_count,
        sum(handle_count) as handle_count,
        sum(handle_sec_sum) as handle_sec_sum,
        sum(repeat_count) as repeat_count,
        sum(resolved_known_count) as resolved_known_count,
        sum(fcr_count) as fcr_count,
        sum(transferred_known_count) as transferred_known_count,
        sum(transferred_count) as transferred_count,
        sum(escalated_known_count) as escalated_known_count,
        sum(escalated_count) as escalated_count,
        sum(sentiment_count) as sentiment_count,
        sum(sentiment_lift_sum) as sentiment_lift_sum,
        sum(qa_count) as qa_count,
        sum(qa_sum) as qa_sum,
        sum(csat_count) as csat_count,
        sum(csat_top_count) as csat_top_count
    from weeks
    group by agent_id, reason, channel, week_start
),

cells as (
    select
        case when :all_agents_visible or summed.agent_id in :visible_agents
            then summed.agent_id else '~' || md5(:scope_salt || summed.agent_id) end as agent_id,
        case when :all_agents_visible or summed.agent_id in :visible_agents then agents.name end as agent_name,
        agents.team,
        summed.reason,
        summed.channel,
        summed.week_start,
        summed.contacts_count,
        summed.handle_count,
        summed.handle_sec_sum,
        summed.repeat_count,
        summed.resolved_known_count,
        summed.fcr_count,
        summed.transferred_known_count,
        summed.transferred_count,
        summed.escalated_known_count,
        summed.escalated_count,
        summed.sentiment_count,
        summed.sentiment_lift_sum,
        summed.qa_count,
        summed.qa_sum,
        summed.csat_count,
        summed.csat_top_count,
        reason_medians.median_handle_sec
    from summed
    inner join agents on agents.agent_id = summed.agent_id
    inner join reason_medians on reason_medians.reason = summed.reason
    where (:all_teams or agents.team in :teams)
),

final as (
    select
        agent_id,
        agent_name,
        team,
        reason,
        channel,
        week_start,
        cast(sum(contacts_count) as bigint) as contacts_count,
        cast(sum(handle_count) as bigint) as handle_count,
        coalesce(cast(sum(handle_sec_sum) as double precision), 0) as handle_sec_sum,
        cast(coalesce(sum(handle_count) filter (where median_handle_sec <> 0), 0) as bigint) as aht_ratio_count,
        coalesce(cast(sum(handle_sec_sum / nullif(median_handle_sec, 0)) as double precision), 0) as aht_ratio_sum,
        cast(sum(repeat_count) as bigint) as repeat_count,
        cast(sum(resolved_known_count) as bigint) as resolved_known_count,
        cast(sum(fcr_count) as bigint) as fcr_count,
        cast(sum(transferred_known_count) as bigint) as transferred_known_count,
        cast(sum(transferred_count) as bigint) as transferred_count,
        cast(sum(escalated_known_count) as bigint) as escalated_known_count,
        cast(sum(escalated_count) as bigint) as escalated_count,
        cast(sum(sentiment_count) as bigint) as sentiment_count,
        coalesce(cast(sum(sentiment_lift_sum) as double precision), 0) as sentiment_lift_sum,
        cast(sum(qa_count) as bigint) as qa_count,
        coalesce(cast(sum(qa_sum) as double precision), 0) as qa_sum,
        cast(sum(csat_count) as bigint) as csat_count,
        cast(sum(csat_top_count) as bigint) as csat_top_count
    from cells
    where (:all_agents or agent_id in :agent_ids)
    group by agent_id, agent_name, team, reason, channel, week_start
)

select * from final
order by agent_id, reason, channel, week_start
