-- name: rollup_journey_stage_reasons
-- grain: one row per journey stage and contact reason (journey_stage_reasons read from rollup_contact_stages)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag); :start_ts and :end_ts are local midnights of :tz, the rollup's time zone (journey.rollups checks)
-- returns: stage, reason, contacts_count, resolved_known_count, resolved_count
with

cells as (
    select
        stage,
        reason,
        contacts_count,
        resolved_known_count,
        resolved_count
    from rollup_contact_stages
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_channels or channel in :channels)
        and (:all_segments or segment in :segments)
        and (:all_regions or region in :regions)
        and (:all_teams or team in :teams)
),

final as (
    select
        stage,
        reason,
        cast(sum(contacts_count) as bigint) as contacts_count,
        cast(sum(resolved_known_count) as bigint) as resolved_known_count,
        cast(sum(resolved_count) as bigint) as resolved_count
    from cells
    group by stage, reason
)

select * from final
order by stage, contacts_count desc, reason
