-- name: access_users
-- grain: one row per user
-- params: none
-- returns: user_name, role, agent_id, teams (comma-separated), has_password, created_at
with

listed as (
    select
        user_name,
        role,
        agent_id,
        teams,
        password_hash is not null as has_password,
        created_at
    from users
),

final as (
    select * from listed
)

select * from final
order by user_name
