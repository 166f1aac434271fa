-- name: rollup_health_newest
-- grain: one row per table of the interchange format (health_newest read from rollup_tables, which every load updates)
-- params: none
-- returns: table_name, newest_at (the newest value of the table's main time column; null for reference tables without one, agents, quotas and benchmarks, and for empty tables)
with

final as (
    select
        table_name,
        newest_at
    from rollup_tables
)

select * from final
order by table_name
