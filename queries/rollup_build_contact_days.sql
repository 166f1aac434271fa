-- name: rollup_build_contact_days
-- grain: one row per local day (of :tz), team of the contact's agent (null for self-service and agents without a team), channel, segment and region, for the days listed in the load's temp table touched_days
-- params: :tz, :repeat_window_sec (the rollup's settings); :low_at, :high_at (a UTC window around the touched days, from the day before the first to two days after the last: DuckDB reads only the blocks in it, PostgreSQL the index); reads touched_days(day), filled by journey.rollups during a load; measures other than contacts_count are over agent contacts, as the KPIs take them
-- returns: day, team, channel, segment, region, contacts_count, agent_contacts_count, handle_count, repeat_count, resolved_known_count, fcr_count, handle_sec_sum
-- (UTC days skip the time zone conversion: DuckDB spends ~0.25 s per million rows on it)
with

contacts as (
    select
        case when :tz = 'UTC' then cast(interactions.started_at as date)
            else cast((interactions.started_at at time zone 'UTC') at time zone :tz as date) end as day,
        agents.team,
        interactions.channel,
        customers.segment,
        customers.region,
        interactions.agent_id,
        interactions.handle_seconds,
        interactions.resolved,
        coalesce(interactions.next_contact_gap_sec <= :repeat_window_sec, false) as is_repeat
    from interactions
    left join customers on customers.customer_id = interactions.customer_id
    left join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= :low_at
        and interactions.started_at < :high_at
),

final as (
    select
        day,
        team,
        channel,
        segment,
        region,
        count(*) as contacts_count,
        count(agent_id) as agent_contacts_count,
        count(handle_seconds) filter (where agent_id is not null) as handle_count,
        count(*) filter (where agent_id is not null and is_repeat) as repeat_count,
        count(resolved) filter (where agent_id is not null) as resolved_known_count,
        count(*) filter (where agent_id is not null and resolved and not is_repeat) as fcr_count,
        coalesce(sum(handle_seconds) filter (where agent_id is not null), 0) as handle_sec_sum
    from contacts
    where day in (select day from touched_days)
    group by day, team, channel, segment, region
)

select * from final
order by day, team, channel, segment, region
