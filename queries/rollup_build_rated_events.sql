-- name: rollup_build_rated_events
-- grain: one row per rated journey event of the customers listed in the load's temp table touched_rated_customers
-- params: :tz (the rollup's time zone); reads touched_rated_customers(customer_id), filled by journey.rollups during a load
-- returns: day, event_id, customer_id, journey_id, stage, channel, rating, occurred_at, prev_at (the customer's previous rated event at the stage, in occurred_at then event_id order), next_buy_at (receive and return only: the customer's first completed buy event of another journey after the event)
-- (UTC days skip the time zone conversion: DuckDB spends ~0.25 s per million rows on it)
with

events as (
    select
        event_id,
        customer_id,
        journey_id,
        stage,
        channel,
        outcome,
        rating,
        occurred_at
    from journey_events
    where customer_id in (select customer_id from touched_rated_customers)
),

rated as (
    select
        case when :tz = 'UTC' then cast(occurred_at as date)
            else cast((occurred_at at time zone 'UTC') at time zone :tz as date) end as day,
        event_id,
        customer_id,
        journey_id,
        stage,
        channel,
        rating,
        occurred_at,
        lag(occurred_at) over (partition by customer_id, stage order by occurred_at, event_id) as prev_at
    from events
    where rating is not null
),

purchases as (
    select
        customer_id,
        journey_id,
        occurred_at
    from events
    where stage = 'buy'
        and outcome = 'completed'
),

next_buys as (
    select
        rated.event_id,
        min(purchases.occurred_at) as next_buy_at
    from rated
    inner join purchases on purchases.customer_id = rated.customer_id
    where rated.stage in ('receive', 'return')
        and purchases.journey_id <> rated.journey_id
        and purchases.occurred_at > rated.occurred_at
    group by rated.event_id
),

final as (
    select
        rated.day,
        rated.event_id,
        rated.customer_id,
        rated.journey_id,
        rated.stage,
        rated.channel,
        rated.rating,
        rated.occurred_at,
        rated.prev_at,
        next_buys.next_buy_at
    from rated
    left join next_buys on next_buys.event_id = rated.event_id
)

select * from final
order by day, stage, occurred_at, event_id
