-- name: health_newest
-- grain: one row per table of the interchange format
-- params: none
-- returns: table_name, newest_at (the newest value of the table's main time column; null for reference tables without one, agents, quotas and benchmarks, and for empty tables)
with

newest as (
    select 'customers' as table_name, max(updated_at) as newest_at from customers
    union all select 'agents', cast(null as timestamp)
    union all select 'interactions', max(started_at) from interactions
    union all select 'surveys', max(answered_at) from surveys
    union all select 'journey_events', max(occurred_at) from journey_events
    union all select 'orders', max(ordered_at) from orders
    union all select 'returns', max(requested_at) from returns
    union all select 'opportunities', max(created_at) from opportunities
    union all select 'opportunity_stages', max(entered_at) from opportunity_stages
    union all select 'quotas', cast(null as timestamp)
    union all select 'follow_ups', max(created_at) from follow_ups
    union all select 'benchmarks', cast(null as timestamp)
),

final as (
    select
        table_name,
        newest_at
    from newest
)

select * from final
order by table_name
