-- name: audit_log
-- grain: one row per audit event, newest first, the first :limit of them
-- params: :limit, :events (list, with all_events)
-- returns: occurred_at (UTC), user_name, event (sign_in, sign_in_failed, sign_out, export, report, denied), detail
with

events as (
    select
        occurred_at,
        user_name,
        event,
        detail,
        event_id
    from audit_log
    where :all_events or event in :events
),

final as (
    select * from events
)

select occurred_at, user_name, event, detail from final
order by occurred_at desc, event_id
limit :limit
