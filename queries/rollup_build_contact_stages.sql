-- name: rollup_build_contact_stages
-- grain: one row per local day (of :tz), journey stage, contact reason, team of the contact's agent (null for self-service and agents without a team), channel, segment and region, over contacts whose stage is set, for the days listed in the load's temp table touched_days
-- params: :tz (the rollup's time zone); reads touched_days(day), filled by journey.rollups during a load
-- returns: day, team, stage, reason, channel, segment, region, contacts_count, resolved_known_count, resolved_count
-- (UTC days skip the time zone conversion: DuckDB spends ~0.25 s per million rows on it)
with

bounds as (
    -- a UTC window around the touched days, so PostgreSQL can use the started_at index
    select
        cast(min(day) as timestamp) - interval '1 day' as low_at,
        cast(max(day) as timestamp) + interval '2 days' as high_at
    from touched_days
),

contacts as (
    select
        case when :tz = 'UTC' then cast(interactions.started_at as date)
            else cast((interactions.started_at at time zone 'UTC') at time zone :tz as date) end as day,
        agents.team,
        interactions.stage,
        interactions.reason,
        interactions.channel,
        customers.segment,
        customers.region,
        interactions.resolved
    from interactions
    left join customers on customers.customer_id = interactions.customer_id
    left join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= (select low_at from bounds)
        and interactions.started_at < (select high_at from bounds)
        and interactions.stage is not null
),

final as (
    select
        day,
        team,
        stage,
        reason,
        channel,
        segment,
        region,
        count(*) as contacts_count,
        count(resolved) as resolved_known_count,
        count(*) filter (where resolved) as resolved_count
    from contacts
    where day in (select day from touched_days)
    group by day, team, stage, reason, channel, segment, region
)

select * from final
order by day, team, stage, reason, channel, segment, region
