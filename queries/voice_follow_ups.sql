-- name: voice_follow_ups
-- grain: one row per agent (null = unassigned) with follow-ups open at :as_of_ts
-- params: :as_of_ts (open = created before it and not completed before it), :segments, :regions, :teams (each with its all_ flag), :visible_agents (with all_agents_visible: the signed-in user's scope; unassigned follow-ups only with every agent visible); channel does not apply to follow-ups, team is the follow-up's agent's
-- returns: agent_id, name, team, open_follow_ups_count, due_count (due at or after :as_of_ts), overdue_count (due before it), oldest_due_at (of the overdue ones)
with

open_follow_ups as (
    select
        follow_ups.agent_id,
        agents.name,
        agents.team,
        follow_ups.due_at
    from follow_ups
    left join customers on customers.customer_id = follow_ups.customer_id
    left join agents on agents.agent_id = follow_ups.agent_id
    where follow_ups.created_at < :as_of_ts
        and (follow_ups.completed_at is null or follow_ups.completed_at >= :as_of_ts)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
        and (:all_teams or agents.team in :teams)
        and (:all_agents_visible or follow_ups.agent_id in :visible_agents)
),

final as (
    select
        agent_id,
        min(name) as name,
        min(team) as team,
        count(*) as open_follow_ups_count,
        count(*) filter (where due_at >= :as_of_ts) as due_count,
        count(*) filter (where due_at < :as_of_ts) as overdue_count,
        min(due_at) filter (where due_at < :as_of_ts) as oldest_due_at
    from open_follow_ups
    group by agent_id
)

select * from final
order by overdue_count desc, due_count desc, agent_id
