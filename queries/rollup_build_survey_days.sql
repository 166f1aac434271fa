-- name: rollup_build_survey_days
-- grain: one row per local day (of :tz) of the answer, and agent, channel and reason of the survey's contact (null without one), segment and region of the survey's customer, for the days listed in the load's temp table touched_days
-- params: :tz (the rollup's time zone); :low_at, :high_at (a UTC window around the touched days, from the day before the first to two days after the last: DuckDB reads only the blocks in it, PostgreSQL the index); reads touched_days(day), filled by journey.rollups during a load
-- returns: day, agent_id, channel, reason, segment, region, surveys_count, csat_count, csat_top_count, nps_count, promoter_count, detractor_count, ces_count, ces_sum, first_at, last_at
-- (UTC days skip the time zone conversion: DuckDB spends ~0.25 s per million rows on it)
with

answers as (
    select
        case when :tz = 'UTC' then cast(surveys.answered_at as date)
            else cast((surveys.answered_at at time zone 'UTC') at time zone :tz as date) end as day,
        interactions.agent_id,
        interactions.channel,
        interactions.reason,
        customers.segment,
        customers.region,
        surveys.answered_at,
        surveys.csat,
        surveys.nps,
        surveys.ces
    from surveys
    left join customers on customers.customer_id = surveys.customer_id
    left join interactions on interactions.interaction_id = surveys.interaction_id
    where surveys.answered_at >= :low_at
        and surveys.answered_at < :high_at
),

final as (
    select
        day,
        agent_id,
        channel,
        reason,
        segment,
        region,
        count(*) as surveys_count,
        count(csat) as csat_count,
        count(*) filter (where csat >= 4) as csat_top_count,
        count(nps) as nps_count,
        count(*) filter (where nps >= 9) as promoter_count,
        count(*) filter (where nps <= 6) as detractor_count,
        count(ces) as ces_count,
        coalesce(cast(sum(ces) as double precision), 0) as ces_sum,
        min(answered_at) as first_at,
        max(answered_at) as last_at
    from answers
    where day in (select day from touched_days)
    group by day, agent_id, channel, reason, segment, region
)

select * from final
order by day, agent_id, channel, reason, segment, region
