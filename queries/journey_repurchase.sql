-- name: journey_repurchase
-- grain: one row per stage (receive, return) and rating group (top box = rated 5, others = rated 1 to 4)
-- params: :start_ts (inclusive), :end_ts (exclusive), :repurchase_window_sec, :channels, :segments, :regions (each with its all_ flag); rated events by occurred_at, channel filters them, team does not apply; the look-ahead sees every completed buy event in the store
-- returns: stage, top_box (true, false), customers_count (customers whose first rated event of the stage in the range falls in the group), repurchased_count (of them, with a completed buy event of another journey after that event and at most the window later)
with

rated as (
    select
        journey_events.customer_id,
        journey_events.journey_id,
        journey_events.stage,
        journey_events.occurred_at,
        journey_events.rating,
        row_number() over (
            partition by journey_events.customer_id, journey_events.stage
            order by journey_events.occurred_at, journey_events.event_id
        ) as nth
    from journey_events
    where journey_events.occurred_at >= :start_ts
        and journey_events.occurred_at < :end_ts
        and journey_events.stage in ('receive', 'return')
        and journey_events.rating is not null
        and (:all_channels or journey_events.channel in :channels)
        and (:all_segments or journey_events.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or journey_events.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
),

first_rated as (
    select
        customer_id,
        journey_id,
        stage,
        occurred_at,
        rating = 5 as top_box
    from rated
    where nth = 1
),

purchases as (
    select
        customer_id,
        journey_id,
        occurred_at
    from journey_events
    where stage = 'buy'
        and outcome = 'completed'
        -- a repurchase follows a rating in the range, so it is after the range starts: not the whole history
        and occurred_at > :start_ts
),

repurchased as (
    select
        first_rated.customer_id,
        first_rated.stage
    from first_rated
    inner join purchases on purchases.customer_id = first_rated.customer_id
    where purchases.journey_id <> first_rated.journey_id
        and purchases.occurred_at > first_rated.occurred_at
        and extract(epoch from (purchases.occurred_at - first_rated.occurred_at)) <= :repurchase_window_sec
    group by first_rated.customer_id, first_rated.stage
),

final as (
    select
        first_rated.stage,
        first_rated.top_box,
        count(*) as customers_count,
        count(repurchased.customer_id) as repurchased_count
    from first_rated
    left join repurchased
        on repurchased.customer_id = first_rated.customer_id
        and repurchased.stage = first_rated.stage
    group by first_rated.stage, first_rated.top_box
)

select * from final
order by stage, top_box desc
