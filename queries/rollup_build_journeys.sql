-- name: rollup_build_journeys
-- grain: one row per journey listed in the load's temp table touched_journeys that still has events: its first event and whole-journey flags
-- params: :tz (the rollup's time zone); reads touched_journeys(journey_id), filled by journey.rollups during a load; segment and region are the largest over the journey's events (as weekly_journey_cells takes them), mixed = its events do not all share one segment and one region (a segment or region filter would split it)
-- returns: day, journey_id, segment, region, first_at, mixed, converted, has_peak, reached_<stage> and abandoned_<stage> for find, choose, buy, receive, return
with

events as (
    select
        journey_events.journey_id,
        journey_events.occurred_at,
        journey_events.stage,
        journey_events.outcome,
        journey_events.rating,
        customers.segment,
        customers.region
    from journey_events
    left join customers on customers.customer_id = journey_events.customer_id
    where journey_events.journey_id in (select journey_id from touched_journeys)
),

final as (
    select
        case when :tz = 'UTC' then cast(min(occurred_at) as date)
            else cast((min(occurred_at) at time zone 'UTC') at time zone :tz as date) end as day,
        journey_id,
        max(segment) as segment,
        max(region) as region,
        min(occurred_at) as first_at,
        -- two values differ exactly when the least and the greatest do (count(distinct) costs two more passes)
        coalesce(min(segment) <> max(segment) or min(region) <> max(region), false)
            or (count(segment) > 0 and count(segment) < count(*))
            or (count(region) > 0 and count(region) < count(*)) as mixed,
        count(*) filter (where stage = 'buy' and outcome = 'completed') > 0 as converted,
        count(*) filter (where stage in ('find', 'choose') and rating = 5) > 0 as has_peak,
        count(*) filter (where stage = 'find') > 0 as reached_find,
        count(*) filter (where stage = 'choose') > 0 as reached_choose,
        count(*) filter (where stage = 'buy') > 0 as reached_buy,
        count(*) filter (where stage = 'receive') > 0 as reached_receive,
        count(*) filter (where stage = 'return') > 0 as reached_return,
        count(*) filter (where stage = 'find' and outcome = 'abandoned') > 0 as abandoned_find,
        count(*) filter (where stage = 'choose' and outcome = 'abandoned') > 0 as abandoned_choose,
        count(*) filter (where stage = 'buy' and outcome = 'abandoned') > 0 as abandoned_buy,
        count(*) filter (where stage = 'receive' and outcome = 'abandoned') > 0 as abandoned_receive,
        count(*) filter (where stage = 'return' and outcome = 'abandoned') > 0 as abandoned_return
    from events
    group by journey_id
)

select * from final
order by day, journey_id
