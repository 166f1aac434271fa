-- name: rollup_health_counts
-- grain: one row per table of the interchange format (health_counts read from rollup_tables, which every load updates)
-- params: none
-- returns: table_name, rows_count
with

final as (
    select
        table_name,
        rows_count
    from rollup_tables
)

select * from final
order by table_name
