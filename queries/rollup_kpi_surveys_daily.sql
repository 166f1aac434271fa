-- name: rollup_kpi_surveys_daily
-- grain: one row per local calendar day with surveys answered (kpi_surveys_daily read from rollup_survey_days)
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag); :start_ts and :end_ts are local midnights of :tz, the rollup's time zone (journey.rollups checks); channel and team filter through the survey's contact
-- returns: survey_date, surveys_count, csat_count, csat_top_count, nps_count, promoter_count, detractor_count, ces_count, ces_sum
with

cells as (
    select rollup_survey_days.*
    from rollup_survey_days
    left join agents on agents.agent_id = rollup_survey_days.agent_id
    where rollup_survey_days.day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and rollup_survey_days.day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_channels or rollup_survey_days.channel in :channels)
        and (:all_segments or rollup_survey_days.segment in :segments)
        and (:all_regions or rollup_survey_days.region in :regions)
        and (:all_teams or agents.team in :teams)
),

final as (
    select
        day as survey_date,
        cast(sum(surveys_count) as bigint) as surveys_count,
        cast(sum(csat_count) as bigint) as csat_count,
        cast(sum(csat_top_count) as bigint) as csat_top_count,
        cast(sum(nps_count) as bigint) as nps_count,
        cast(sum(promoter_count) as bigint) as promoter_count,
        cast(sum(detractor_count) as bigint) as detractor_count,
        cast(sum(ces_count) as bigint) as ces_count,
        coalesce(cast(sum(ces_sum) as double precision), 0) as ces_sum
    from cells
    group by day
)

select * from final
order by survey_date
