-- name: access_team_agents
-- grain: one row per agent of the named teams (a manager's scope)
-- params: :teams (list)
-- returns: agent_id, team
with

members as (
    select
        agent_id,
        team
    from agents
    where team in :teams
),

final as (
    select * from members
)

select * from final
order by agent_id
