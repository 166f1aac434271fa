-- name: agent_contact_cells
-- grain: one row per agent, reason, channel (and local week starting Monday when :by_week is true, else week_start is null)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :repeat_window_sec, :channels, :segments, :regions, :teams (each with its all_ flag), :by_week, :agent_ids (with all_agents), :all_agents_visible, :visible_agents, :scope_salt (the signed-in user's scope: other agents' rows come back under a salted pseudonym starting with ~ and without a name, so cell rates and z-scores stay exact); cell rates need every agent, so :agent_ids only narrows the rows returned
-- returns: agent_id, agent_name, team, reason, channel, week_start, contacts_count, handle_count, handle_sec_sum, repeat_count, resolved_known_count, fcr_count, transferred_known_count, transferred_count, escalated_known_count, escalated_count, sentiment_count, sentiment_lift_sum, qa_count, qa_sum, csat_count, csat_top_count
with

contacts as (
    select
        interactions.interaction_id,
        case when :all_agents_visible or interactions.agent_id in :visible_agents then interactions.agent_id else '~' || md5(:scope_salt || interactions.agent_id) end as agent_id,
        case when :all_agents_visible or interactions.agent_id in :visible_agents then agents.name end as agent_name,
        agents.team,
        interactions.reason,
        interactions.channel,
        interactions.started_at,
        interactions.handle_seconds,
        interactions.resolved,
        interactions.transferred,
        interactions.escalated,
        interactions.sentiment_end - interactions.sentiment_start as sentiment_lift,
        interactions.qa_score,
        coalesce(interactions.next_contact_gap_sec <= :repeat_window_sec, false) as is_repeat
    from interactions
    inner join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or interactions.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or interactions.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

contact_surveys as (
    select
        interaction_id,
        count(csat) as csat_count,
        count(*) filter (where csat >= 4) as csat_top_count
    from surveys
    where interaction_id is not null
    group by interaction_id
),

selected as (
    select
        contacts.*,
        case when :by_week then
            cast(date_trunc('week', (contacts.started_at at time zone 'UTC') at time zone :tz) as date)
        end as week_start,
        coalesce(contact_surveys.csat_count, 0) as csat_count,
        coalesce(contact_surveys.csat_top_count, 0) as csat_top_count
    from contacts
    left join contact_surveys on contact_surveys.interaction_id = contacts.interaction_id
    where (:all_agents or contacts.agent_id in :agent_ids)
),

final as (
    select
        agent_id,
        agent_name,
        team,
        reason,
        channel,
        week_start,
        count(*) as contacts_count,
        count(handle_seconds) as handle_count,
        coalesce(cast(sum(handle_seconds) as double precision), 0) as handle_sec_sum,
        count(*) filter (where is_repeat) as repeat_count,
        count(resolved) as resolved_known_count,
        count(*) filter (where resolved and not is_repeat) as fcr_count,
        count(transferred) as transferred_known_count,
        count(*) filter (where transferred) as transferred_count,
        count(escalated) as escalated_known_count,
        count(*) filter (where escalated) as escalated_count,
        count(sentiment_lift) as sentiment_count,
        coalesce(cast(sum(sentiment_lift) as double precision), 0) as sentiment_lift_sum,
        count(qa_score) as qa_count,
        coalesce(cast(sum(qa_score) as double precision), 0) as qa_sum,
        cast(sum(csat_count) as bigint) as csat_count,
        cast(sum(csat_top_count) as bigint) as csat_top_count
    from selected
    group by agent_id, agent_name, team, reason, channel, week_start
)

select * from final
order by agent_id, reason, channel, week_start
