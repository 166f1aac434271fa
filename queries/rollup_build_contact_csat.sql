-- name: rollup_build_contact_csat
-- grain: one row per local day (of :tz) of the contact, agent, reason, channel, segment and region over surveyed agent contacts, for the days listed in the load's temp table touched_days
-- params: :tz (the rollup's time zone); :low_at, :high_at (a UTC window around the touched days, from the day before the first to two days after the last: DuckDB reads only the blocks in it, PostgreSQL the index); reads touched_days(day), filled by journey.rollups during a load; counts every survey of the contact, whenever answered
-- returns: day, agent_id, reason, channel, segment, region, csat_count, csat_top_count
-- (UTC days skip the time zone conversion: DuckDB spends ~0.25 s per million rows on it)
with

answers as (
    select
        case when :tz = 'UTC' then cast(interactions.started_at as date)
            else cast((interactions.started_at at time zone 'UTC') at time zone :tz as date) end as day,
        interactions.agent_id,
        interactions.reason,
        interactions.channel,
        customers.segment,
        customers.region,
        surveys.csat
    from surveys
    inner join interactions on interactions.interaction_id = surveys.interaction_id
    left join customers on customers.customer_id = interactions.customer_id
    where interactions.agent_id is not null
        and interactions.started_at >= :low_at
        and interactions.started_at < :high_at
),

final as (
    select
        day,
        agent_id,
        reason,
        channel,
        segment,
        region,
        count(csat) as csat_count,
        count(*) filter (where csat >= 4) as csat_top_count
    from answers
    where day in (select day from touched_days)
    group by day, agent_id, reason, channel, segment, region
)

select * from final
order by day, agent_id, reason, channel, segment, region
