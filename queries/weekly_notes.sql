-- name: weekly_notes
-- grain: one row per ISO week with saved notes (at most one row here)
-- params: :week (ISO week, e.g. 2026-W47)
-- returns: week, notes, updated_at
with

saved as (
    select
        week,
        notes,
        updated_at
    from weekly_notes
    where week = :week
),

final as (
    select * from saved
)

select * from final
order by week
