-- name: health_import_rejects
-- grain: one row per rejected row of one import, in file order, the first :limit of them
-- params: :import_id, :limit
-- returns: table_name, file, line, column_name, reason, value, rejects_count (rejected rows of the import in all)
with

rejects as (
    select
        reject_number,
        table_name,
        file,
        line,
        column_name,
        reason,
        value
    from import_rejects
    where import_id = :import_id
),

final as (
    select
        table_name,
        file,
        line,
        column_name,
        reason,
        value,
        count(*) over () as rejects_count,
        reject_number
    from rejects
)

select * from final
order by reject_number
limit :limit
