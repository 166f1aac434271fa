-- name: rollup_journey_repurchase
-- grain: one row per stage (receive, return) and rating group (top box = rated 5, others = rated 1 to 4): journey_repurchase read from rollup_rated_events
-- params: :start_ts (inclusive), :end_ts (exclusive), :repurchase_window_sec, :segments, :regions (each with its all_ flag); no channel filter (a channel filter changes which rating is a customer's first: journey.rollups sends it to journey_repurchase)
-- returns: stage, top_box (true, false), customers_count (customers whose first rated event of the stage in the range falls in the group), repurchased_count (of them, with a completed buy event of another journey after that event and at most the window later)
with

first_rated as (
    -- the customer's first rating of the stage in the range: the previous one, if any, is before the range
    select
        stage,
        rating = 5 as top_box,
        occurred_at,
        next_buy_at
    from rollup_rated_events
    where stage in ('receive', 'return')
        and occurred_at >= :start_ts
        and occurred_at < :end_ts
        and (prev_at is null or prev_at < :start_ts)
        and (:all_segments or customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
),

final as (
    select
        stage,
        top_box,
        count(*) as customers_count,
        -- the next buy of another journey is the earliest that can fall in the window
        count(*) filter (
            where extract(epoch from (next_buy_at - occurred_at)) <= :repurchase_window_sec
        ) as repurchased_count
    from first_rated
    group by stage, top_box
)

select * from final
order by stage, top_box desc
