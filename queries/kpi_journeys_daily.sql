-- name: kpi_journeys_daily
-- grain: one row per local calendar day on which journeys began (their first event)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions (each with its all_ flag); channel filters events, team does not apply
-- returns: journey_date, journeys_count, converted_count
with

events as (
    select
        journey_events.journey_id,
        journey_events.occurred_at,
        journey_events.stage,
        journey_events.outcome
    from journey_events
    left join customers on customers.customer_id = journey_events.customer_id
    where (:all_channels or journey_events.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
),

journeys as (
    select
        journey_id,
        min(occurred_at) as first_at,
        count(*) filter (where stage = 'buy' and outcome = 'completed') > 0 as converted
    from events
    group by journey_id
),

final as (
    select
        cast((first_at at time zone 'UTC') at time zone :tz as date) as journey_date,
        count(*) as journeys_count,
        count(*) filter (where converted) as converted_count
    from journeys
    where first_at >= :start_ts
        and first_at < :end_ts
    group by 1
)

select * from final
order by journey_date
