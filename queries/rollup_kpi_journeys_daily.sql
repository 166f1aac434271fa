-- name: rollup_kpi_journeys_daily
-- grain: one row per local calendar day on which journeys began (kpi_journeys_daily read from rollup_journey_days)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :segments, :regions (each with its all_ flag); no channel filter (it splits journeys by their events, so journey.rollups sends it to kpi_journeys_daily, as it does a segment or region filter while some journey's events span customers of several segments or regions); :start_ts and :end_ts are local midnights of :tz, the rollup's time zone
-- returns: journey_date, journeys_count, converted_count, peak_count, peak_converted_count, <stage>_reached_count, <stage>_abandoned_count for find, choose, buy, receive, return, and <stage>_continued_count for find, choose, buy, receive
with

cells as (
    select *
    from rollup_journey_days
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_segments or segment in :segments)
        and (:all_regions or region in :regions)
),

final as (
    select
        day as journey_date,
        cast(sum(journeys_count) as bigint) as journeys_count,
        cast(sum(converted_count) as bigint) as converted_count,
        cast(sum(peak_count) as bigint) as peak_count,
        cast(sum(peak_converted_count) as bigint) as peak_converted_count,
        cast(sum(find_reached_count) as bigint) as find_reached_count,
        cast(sum(choose_reached_count) as bigint) as choose_reached_count,
        cast(sum(buy_reached_count) as bigint) as buy_reached_count,
        cast(sum(receive_reached_count) as bigint) as receive_reached_count,
        cast(sum(return_reached_count) as bigint) as return_reached_count,
        cast(sum(find_abandoned_count) as bigint) as find_abandoned_count,
        cast(sum(choose_abandoned_count) as bigint) as choose_abandoned_count,
        cast(sum(buy_abandoned_count) as bigint) as buy_abandoned_count,
        cast(sum(receive_abandoned_count) as bigint) as receive_abandoned_count,
        cast(sum(return_abandoned_count) as bigint) as return_abandoned_count,
        cast(sum(find_continued_count) as bigint) as find_continued_count,
        cast(sum(choose_continued_count) as bigint) as choose_continued_count,
        cast(sum(buy_continued_count) as bigint) as buy_continued_count,
        cast(sum(receive_continued_count) as bigint) as receive_continued_count
    from cells
    group by day
)

select * from final
order by journey_date
