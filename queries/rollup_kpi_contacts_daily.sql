-- name: rollup_kpi_contacts_daily
-- grain: one row per local calendar day with contacts (kpi_contacts_daily read from rollup_contact_days)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag); :start_ts and :end_ts are local midnights of :tz, the rollup's time zone, and the rollup's repeat window is kpi_contacts_daily's :repeat_window_sec (journey.rollups checks both)
-- returns: contact_date, contacts_count, agent_contacts_count, handle_count, handle_sec_sum, repeat_count, resolved_known_count, fcr_count
with

cells as (
    select *
    from rollup_contact_days
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_channels or channel in :channels)
        and (:all_segments or segment in :segments)
        and (:all_regions or region in :regions)
        and (:all_teams or team in :teams)
),

final as (
    select
        day as contact_date,
        cast(sum(contacts_count) as bigint) as contacts_count,
        cast(sum(agent_contacts_count) as bigint) as agent_contacts_count,
        cast(sum(handle_count) as bigint) as handle_count,
        coalesce(sum(handle_sec_sum), 0) as handle_sec_sum,
        cast(sum(repeat_count) as bigint) as repeat_count,
        cast(sum(resolved_known_count) as bigint) as resolved_known_count,
        cast(sum(fcr_count) as bigint) as fcr_count
    from cells
    group by day
)

select * from final
order by contact_date
