-- name: rollup_weekly_journey_cells
-- grain: one row per period (0 = last week, 1 = this week), dimension and its value, over journeys by their first event (weekly_journey_cells read from rollup_journey_days)
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :tz, :segments, :regions (each with its all_ flag); no channel filter (journey.rollups sends that to weekly_journey_cells, as it does a segment or region filter while some journey spans several); the three instants are local midnights of :tz, the rollup's time zone
-- returns: period, dimension (region, segment), value, journeys_count, converted_count
with

journeys_in_range as (
    select
        case when day >= cast((cast(:split_ts as timestamp) at time zone 'UTC') at time zone :tz as date) then 1 else 0 end as period,
        region,
        segment,
        journeys_count,
        converted_count
    from rollup_journey_days
    where day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_segments or segment in :segments)
        and (:all_regions or region in :regions)
),

final as (
    select
        period,
        case when grouping(region) = 0 then 'region' else 'segment' end as dimension,
        case when grouping(region) = 0 then region else segment end as value,
        cast(sum(journeys_count) as bigint) as journeys_count,
        cast(sum(converted_count) as bigint) as converted_count
    from journeys_in_range
    group by grouping sets ((period, region), (period, segment))
)

select * from final
order by dimension, value, period
