-- name: health_imports
-- grain: one row per import recorded by `journey import`, newest first, the first :limit of them
-- params: :limit
-- returns: import_id, started_at, finished_at, source, loaded_json, rejected_json, rejects_file, stored_rejects_count (rejected rows kept in import_rejects)
with

stored_rejects as (
    select
        import_id,
        count(*) as stored_rejects_count
    from import_rejects
    group by import_id
),

final as (
    select
        imports.import_id,
        imports.started_at,
        imports.finished_at,
        imports.source,
        imports.loaded_json,
        imports.rejected_json,
        imports.rejects_file,
        coalesce(stored_rejects.stored_rejects_count, 0) as stored_rejects_count
    from imports
    left join stored_rejects on stored_rejects.import_id = imports.import_id
)

select * from final
order by started_at desc, import_id
limit :limit
