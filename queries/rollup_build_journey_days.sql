-- name: rollup_build_journey_days
-- grain: one row per local day (of the rollup time zone) on which journeys began, segment and region, for the days listed in the load's temp table touched_days
-- params: none; reads rollup_journeys and touched_days(day), filled by journey.rollups during a load
-- returns: day, segment, region, journeys_count, converted_count, peak_count, peak_converted_count, <stage>_reached_count and <stage>_abandoned_count for find, choose, buy, receive, return, <stage>_continued_count for find, choose, buy, receive
with

journeys as (
    select * from rollup_journeys
    where day in (select day from touched_days)
),

final as (
    select
        day,
        segment,
        region,
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
    group by day, segment, region
)

select * from final
order by day, segment, region
