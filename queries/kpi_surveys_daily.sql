-- name: kpi_surveys_daily
-- grain: one row per local calendar day with surveys answered
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag); channel and team filter through the survey's contact
-- returns: survey_date, surveys_count, csat_count, csat_top_count, nps_count, promoter_count, detractor_count, ces_count, ces_sum
with

answers as (
    select
        surveys.answered_at,
        surveys.csat,
        surveys.nps,
        surveys.ces
    from surveys
    left join interactions on interactions.interaction_id = surveys.interaction_id
    left join agents on agents.agent_id = interactions.agent_id
    where surveys.answered_at >= :start_ts
        and surveys.answered_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or surveys.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or surveys.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

final as (
    select
        cast((answered_at at time zone 'UTC') at time zone :tz as date) as survey_date,
        count(*) as surveys_count,
        count(csat) as csat_count,
        count(*) filter (where csat >= 4) as csat_top_count,
        count(nps) as nps_count,
        count(*) filter (where nps >= 9) as promoter_count,
        count(*) filter (where nps <= 6) as detractor_count,
        count(ces) as ces_count,
        coalesce(cast(sum(ces) as double precision), 0) as ces_sum
    from answers
    group by 1
)

select * from final
order by survey_date
