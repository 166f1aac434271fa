-- name: rollup_journey_worst
-- grain: one row per event of the worst journeys at a stage (at most :journeys_limit journeys): journey_worst, its rated events read from rollup_rated_events
-- params: :start_ts (inclusive), :end_ts (exclusive), :stage, :journeys_limit, :channels, :segments, :regions (each with its all_ flag); a journey qualifies by a rated event of the stage in the range after the filters; all its events are listed
-- returns: journey_rank (1 = worst), journey_id, customer_id, stage_rating (its lowest rating at the stage), event_id, stage, occurred_at, channel, product, outcome, rating
with

stage_ratings as (
    select
        journey_id,
        customer_id,
        occurred_at,
        rating
    from rollup_rated_events
    where stage = :stage
        and occurred_at >= :start_ts
        and occurred_at < :end_ts
        and (:all_channels or channel in :channels)
        and (:all_segments or customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
),

per_journey as (
    select
        journey_id,
        min(customer_id) as customer_id,
        min(rating) as stage_rating,
        max(occurred_at) as last_rated_at
    from stage_ratings
    group by journey_id
),

worst as (
    -- the few worst journeys by a top-n sort, not a rank of every journey
    select
        journey_id,
        customer_id,
        stage_rating,
        last_rated_at
    from per_journey
    -- a limit PostgreSQL can see: it then fetches the few journeys' events by index, not the whole table
    order by stage_rating, last_rated_at desc, journey_id
    limit :journeys_limit
),

chosen as (
    select
        journey_id,
        customer_id,
        stage_rating,
        row_number() over (order by stage_rating, last_rated_at desc, journey_id) as journey_rank
    from worst
),

final as (
    select
        chosen.journey_rank,
        chosen.journey_id,
        chosen.customer_id,
        chosen.stage_rating,
        journey_events.event_id,
        journey_events.stage,
        journey_events.occurred_at,
        journey_events.channel,
        journey_events.product,
        journey_events.outcome,
        journey_events.rating
    from chosen
    inner join journey_events on journey_events.journey_id = chosen.journey_id
)

select * from final
order by journey_rank, occurred_at, event_id
