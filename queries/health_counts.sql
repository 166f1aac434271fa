-- name: health_counts
-- grain: one row per table of the interchange format
-- params: none
-- returns: table_name, rows_count
with

counts as (
    select 'customers' as table_name, count(*) as rows_count from customers
    union all select 'agents', count(*) from agents
    union all select 'interactions', count(*) from interactions
    union all select 'surveys', count(*) from surveys
    union all select 'journey_events', count(*) from journey_events
    union all select 'orders', count(*) from orders
    union all select 'returns', count(*) from returns
    union all select 'opportunities', count(*) from opportunities
    union all select 'opportunity_stages', count(*) from opportunity_stages
    union all select 'quotas', count(*) from quotas
    union all select 'follow_ups', count(*) from follow_ups
    union all select 'benchmarks', count(*) from benchmarks
),

final as (
    select
        table_name,
        rows_count
    from counts
)

select * from final
order by table_name
