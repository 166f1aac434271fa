-- name: voice_follow_ups
-- grain: one row per agent (null = unassigned) with follow-ups open at :as_of_ts
-- params: :as_of_ts (open = created before it and not completed before it), :segments, :regions, :teams (each with its all_ flag), :visible_agents (with all_agents_visible: the signed-in user's scope; unassigned follow-ups only with every agent visible); channel does not apply to follow-ups, team is the follow-up's agent's
-- returns: agent_id, name, team, open_follow_ups_count, due_count (due at or after :as_of_ts), overdue_count (due before it), oldest_due_at (of the overdue ones)
with

-- `not :all_...` empties a filter's subquery when the filter is off (DuckDB then skips its join)
per_agent as (
    select
        agent_id,
        count(*) as open_follow_ups_count,
        count(*) filter (where due_at >= :as_of_ts) as due_count,
        count(*) filter (where due_at < :as_of_ts) as overdue_count,
        min(due_at) filter (where due_at < :as_of_ts) as oldest_due_at
    from follow_ups
    where created_at < :as_of_ts
        and (completed_at is null or completed_at >= :as_of_ts)
        and (:all_segments or customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_agents_visible or agent_id in :visible_agents)
    group by agent_id
),

final as (
    select
        per_agent.agent_id,
        agents.name,
        agents.team,
        per_agent.open_follow_ups_count,
        per_agent.due_count,
        per_agent.overdue_count,
        per_agent.oldest_due_at
    from per_agent
    left join agents on agents.agent_id = per_agent.agent_id
    where :all_teams or agents.team in :teams
)

select * from final
order by overdue_count desc, due_count desc, agent_id
