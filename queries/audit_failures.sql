-- name: audit_failures
-- grain: one row: failed sign-ins of one user name since a time
-- params: :user_name, :since (UTC)
-- returns: failures_count
with

failures as (
    select
        count(*) as failures_count
    from audit_log
    where event = 'sign_in_failed'
        and user_name = :user_name
        and occurred_at >= :since
),

final as (
    select * from failures
)

select * from final
order by failures_count
