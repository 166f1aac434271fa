-- name: rollup_build_contact_cells
-- grain: one row per local day (of :tz), agent, reason, channel, segment and region over agent contacts, for the days listed in the load's temp table touched_days
-- params: :tz, :repeat_window_sec (the rollup's settings); :low_at, :high_at (a UTC window around the touched days, from the day before the first to two days after the last: DuckDB reads only the blocks in it, PostgreSQL the index); reads touched_days(day), filled by journey.rollups during a load; the csat counts of these cells are in rollup_contact_csat, so a survey load leaves this rollup alone
-- returns: day, agent_id, reason, channel, segment, region, contacts_count, handle_count, repeat_count, resolved_known_count, fcr_count, transferred_known_count, transferred_count, escalated_known_count, escalated_count, sentiment_count, qa_count, handle_sec_sum, sentiment_lift_sum, qa_sum
-- (UTC days skip the time zone conversion: DuckDB spends ~0.25 s per million rows on it)
with

contacts as (
    select
        case when :tz = 'UTC' then cast(interactions.started_at as date)
            else cast((interactions.started_at at time zone 'UTC') at time zone :tz as date) end as day,
        interactions.agent_id,
        interactions.reason,
        interactions.channel,
        customers.segment,
        customers.region,
        interactions.handle_seconds,
        interactions.resolved,
        interactions.transferred,
        interactions.escalated,
        interactions.sentiment_end - interactions.sentiment_start as sentiment_lift,
        interactions.qa_score,
        coalesce(interactions.next_contact_gap_sec <= :repeat_window_sec, false) as is_repeat
    from interactions
    left join customers on customers.customer_id = interactions.customer_id
    where interactions.agent_id is not null
        and interactions.started_at >= :low_at
        and interactions.started_at < :high_at
),

touched as (
    select * from contacts where day in (select day from touched_days)
),

final as (
    select
        touched.day,
        touched.agent_id,
        touched.reason,
        touched.channel,
        touched.segment,
        touched.region,
        count(*) as contacts_count,
        count(touched.handle_seconds) as handle_count,
        count(*) filter (where touched.is_repeat) as repeat_count,
        count(touched.resolved) as resolved_known_count,
        count(*) filter (where touched.resolved and not touched.is_repeat) as fcr_count,
        count(touched.transferred) as transferred_known_count,
        count(*) filter (where touched.transferred) as transferred_count,
        count(touched.escalated) as escalated_known_count,
        count(*) filter (where touched.escalated) as escalated_count,
        count(touched.sentiment_lift) as sentiment_count,
        count(touched.qa_score) as qa_count,
        coalesce(cast(sum(touched.handle_seconds) as double precision), 0) as handle_sec_sum,
        coalesce(cast(sum(touched.sentiment_lift) as double precision), 0) as sentiment_lift_sum,
        coalesce(cast(sum(touched.qa_score) as double precision), 0) as qa_sum
    from touched
    group by touched.day, touched.agent_id, touched.reason, touched.channel, touched.segment, touched.region
)

select * from final
order by day, agent_id, reason, channel, segment, region
