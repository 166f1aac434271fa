-- name: rollup_store_extent
-- grain: one row for the whole store (store_extent read from rollup_channel_days)
-- params: :tz (the rollup's time zone: journey.rollups checks)
-- returns: oldest_date, newest_date (local calendar days of the first and last contact), contacts_count
with

bounds as (
    select
        min(first_at) as oldest_at,
        max(last_at) as newest_at,
        cast(coalesce(sum(contacts_count), 0) as bigint) as contacts_count
    from rollup_channel_days
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
