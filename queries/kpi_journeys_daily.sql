-- name: kpi_journeys_daily
-- grain: one row per local calendar day on which journeys began (their first event)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions (each with its all_ flag); channel filters events, team does not apply
-- returns: journey_date, journeys_count, converted_count (with a completed buy event), peak_count (a find or choose event rated 5), peak_converted_count, <stage>_reached_count (with an event of the stage), <stage>_abandoned_count (with an abandoned event of the stage) for find, choose, buy, receive, return, and <stage>_continued_count (reached it and a later stage) for find, choose, buy, receive
with

events as (
    select
        journey_events.journey_id,
        journey_events.occurred_at,
        journey_events.stage,
        journey_events.outcome,
        journey_events.rating
    from journey_events
    where (:all_channels or journey_events.channel in :channels)
        and (:all_segments or journey_events.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or journey_events.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
),

journeys as (
    select
        journey_id,
        min(occurred_at) as first_at,
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
),

final as (
    select
        cast((first_at at time zone 'UTC') at time zone :tz as date) as journey_date,
        count(*) as journeys_count,
        count(*) filter (where converted) as converted_count,
        count(*) filter (where has_peak) as peak_count,
        count(*) filter (where has_peak and converted) as peak_converted_count,
        count(*) filter (where reached_find) as find_reached_count,
        count(*) filter (where reached_choose) as choose_reached_count,
        count(*) filter (where reached_buy) as buy_reached_count,
        count(*) filter (where reached_receive) as receive_reached_count,
        count(*) filter (where reached_return) as return_reached_count,
        count(*) filter (where abandoned_find) as find_abandoned_count,
        count(*) filter (where abandoned_choose) as choose_abandoned_count,
        count(*) filter (where abandoned_buy) as buy_abandoned_count,
        count(*) filter (where abandoned_receive) as receive_abandoned_count,
        count(*) filter (where abandoned_return) as return_abandoned_count,
        count(*) filter (where reached_find and (reached_choose or reached_buy or reached_receive or reached_return))
            as find_continued_count,
        count(*) filter (where reached_choose and (reached_buy or reached_receive or reached_return))
            as choose_continued_count,
        count(*) filter (where reached_buy and (reached_receive or reached_return)) as buy_continued_count,
        count(*) filter (where reached_receive and reached_return) as receive_continued_count
    from journeys
    where first_at >= :start_ts
        and first_at < :end_ts
    group by 1
)

select * from final
order by journey_date
