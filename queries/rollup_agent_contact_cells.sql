-- name: rollup_agent_contact_cells
-- grain: one row per agent, reason, channel (and local week starting Monday when :by_week is true, else week_start is null): agent_contact_cells read from rollup_contact_cells and rollup_contact_csat
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag), :by_week, :agent_ids (with all_agents), :all_agents_visible, :visible_agents, :scope_salt (as in agent_contact_cells); :start_ts and :end_ts are local midnights of :tz, the rollup's time zone, with its repeat window (journey.rollups checks)
-- returns: agent_id, agent_name, team, reason, channel, week_start, contacts_count, handle_count, handle_sec_sum, repeat_count, resolved_known_count, fcr_count, transferred_known_count, transferred_count, escalated_known_count, escalated_count, sentiment_count, sentiment_lift_sum, qa_count, qa_sum, csat_count, csat_top_count
with

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
        -- one agent's rows early (an agent outside the scope is asked for by pseudonym: filtered below)
        and (:all_agents or agent_id in :agent_ids or not (:all_agents_visible or agent_id in :visible_agents))
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
        summed.csat_top_count
    from summed
    inner join agents on agents.agent_id = summed.agent_id
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
