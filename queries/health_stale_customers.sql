-- name: health_stale_customers
-- grain: one row per stale customer record (last updated before :stale_before_ts; no updated_at: created_at stands in; neither: stale), least recently updated first, the first :limit of them
-- params: :stale_before_ts, :limit
-- returns: customer_id, name, segment, region, created_at, updated_at, stale_count (stale records in all), missing_updated_count (of them, without updated_at)
with

stale as (
    select
        customer_id,
        name,
        segment,
        region,
        created_at,
        updated_at,
        coalesce(updated_at, created_at) as last_known_at
    from customers
    where coalesce(updated_at, created_at) is null
        or coalesce(updated_at, created_at) < :stale_before_ts
),

-- counted apart from the list: a count over () window would sort every stale record, not only the first :limit
counts as (
    select
        count(*) as stale_count,
        count(*) filter (where updated_at is null) as missing_updated_count
    from stale
),

listed as (
    select *
    from stale
    order by last_known_at nulls first, customer_id
    limit :limit
),

final as (
    select
        listed.customer_id,
        listed.name,
        listed.segment,
        listed.region,
        listed.created_at,
        listed.updated_at,
        counts.stale_count,
        counts.missing_updated_count,
        listed.last_known_at
    from listed
    cross join counts
)

select * from final
order by last_known_at nulls first, customer_id
