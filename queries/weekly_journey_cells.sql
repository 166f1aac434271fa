-- name: weekly_journey_cells
-- grain: one row per period (0 = last week, 1 = this week), dimension and its value, over journeys by their first event
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :channels, :segments, :regions (each with its all_ flag); channel filters events, team does not apply
-- returns: period, dimension (region, segment), value, journeys_count, converted_count
with

events as (
    select
        journey_events.journey_id,
        journey_events.occurred_at,
        journey_events.stage,
        journey_events.outcome,
        customers.region,
        customers.segment
    from journey_events
    left join customers on customers.customer_id = journey_events.customer_id
    where (:all_channels or journey_events.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
),

-- a journey and its conversion as kpi_journeys_daily defines them, plus its customer's region and segment;
-- test_journey_cells_count_journeys_as_kpi_journeys_daily_does keeps the two in step
journeys as (
    select
        journey_id,
        min(occurred_at) as first_at,
        max(region) as region,
        max(segment) as segment,
        count(*) filter (where stage = 'buy' and outcome = 'completed') > 0 as converted
    from events
    group by journey_id
),

journeys_in_range as (
    select
        case when first_at >= :split_ts then 1 else 0 end as period,
        region,
        segment,
        converted
    from journeys
    where first_at >= :start_ts
        and first_at < :end_ts
),

final as (
    select
        period,
        case when grouping(region) = 0 then 'region' else 'segment' end as dimension,
        case when grouping(region) = 0 then region else segment end as value,
        count(*) as journeys_count,
        count(*) filter (where converted) as converted_count
    from journeys_in_range
    group by grouping sets ((period, region), (period, segment))
)

select * from final
order by dimension, value, period
