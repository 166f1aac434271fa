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
        -- customers only when a filter needs them: DuckDB would otherwise hash every customer for nothing
        and ((:all_segments and :all_regions) or interactions.customer_id in (
            select customer_id from customers
            where (:all_segments or segment in :segments) and (:all_regions or region in :regions)))
),

reason_medians as (
    select
        reason,
        percentile_cont(0.5) within group (order by handle_seconds) as median_handle_sec
    from raw_handles
    group by reason
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

cells as (
    select
        case when :all_agents_visible or rolled.agent_id in :visible_agents
            then rolled.agent_id else '~' || md5(:scope_salt || rolled.agent_id) end as agent_id,
        case when :all_agents_visible or rolled.agent_id in :visible_agents then agents.name end as agent_name,
        agents.team,
        rolled.reason,
        rolled.channel,
        case when :by_week then cast(date_trunc('week', cast(rolled.day as timestamp)) as date) end as week_start,
        rolled.contacts_count,
        rolled.handle_count,
        rolled.handle_sec_sum,
        rolled.repeat_count,
        rolled.resolved_known_count,
        rolled.fcr_count,
        rolled.transferred_known_count,
        rolled.transferred_count,
        rolled.escalated_known_count,
        rolled.escalated_count,
        rolled.sentiment_count,
        rolled.sentiment_lift_sum,
        rolled.qa_count,
        rolled.qa_sum,
        rolled.csat_count,
        rolled.csat_top_count
    from rolled
    inner join agents on agents.agent_id = rolled.agent_id
    where (:all_channels or rolled.channel in :channels)
        and (:all_segments or rolled.segment in :segments)
        and (:all_regions or rolled.region in :regions)
        and (:all_teams or agents.team in :teams)
),

selected as (
    select
        cells.*,
        reason_medians.median_handle_sec
    from cells
    inner join reason_medians on reason_medians.reason = cells.reason
    where (:all_agents or cells.agent_id in :agent_ids)
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
    from selected
    group by agent_id, agent_name, team, reason, channel, week_start
)

select * from final
order by agent_id, reason, channel, week_start
