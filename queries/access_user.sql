-- name: access_user
-- grain: one row per user (at most one: the one named)
-- params: :user_name
-- returns: user_name, role, agent_id, teams (comma-separated), password_hash (null: signs in through a proxy or OIDC), created_at
with

named as (
    select
        user_name,
        role,
        agent_id,
        teams,
        password_hash,
        created_at
    from users
    where user_name = :user_name
),

final as (
    select * from named
)

select * from final
order by user_name
