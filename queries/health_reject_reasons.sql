-- name: health_reject_reasons
-- grain: one row per table, column and reason of one import's rejected rows
-- params: :import_id
-- returns: table_name, column_name, reason, rows_count
with

final as (
    select
        table_name,
        column_name,
        reason,
        count(*) as rows_count
    from import_rejects
    where import_id = :import_id
    group by table_name, column_name, reason
)

select * from final
order by rows_count desc, table_name, column_name, reason
