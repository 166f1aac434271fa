-- name: store_extent
-- grain: one row for the whole store
-- params: :tz
-- returns: oldest_date, newest_date (local calendar days of the first and last contact), contacts_count
with

bounds as (
    select
        min(started_at) as oldest_at,
        max(started_at) as newest_at,
        count(*) as contacts_count
    from interactions
),

final as (
    select
        cast((oldest_at at time zone 'UTC') at time zone :tz as date) as oldest_date,
        cast((newest_at at time zone 'UTC') at time zone :tz as date) as newest_date,
        contacts_count
    from bounds
)

select * from final
order by newest_date
