-- name: rollup_weekly_survey_cells
-- grain: one row per period (0 = last week, 1 = this week), dimension and its value, over surveys (weekly_survey_cells read from rollup_survey_days)
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag); the three instants are local midnights of :tz, the rollup's time zone (journey.rollups checks); channel, reason and team come from the survey's contact
-- returns: period, dimension (channel, reason, region, segment, team), value, csat_count, csat_top_count, nps_count, nps_point_sum, ces_count, ces_sum
with

answers as (
    select
        case when rollup_survey_days.day >= cast((cast(:split_ts as timestamp) at time zone 'UTC') at time zone :tz as date) then 1 else 0 end as period,
        rollup_survey_days.channel,
        rollup_survey_days.reason,
        rollup_survey_days.region,
        rollup_survey_days.segment,
        agents.team,
        rollup_survey_days.csat_count,
        rollup_survey_days.csat_top_count,
        rollup_survey_days.nps_count,
        rollup_survey_days.promoter_count,
        rollup_survey_days.detractor_count,
        rollup_survey_days.ces_count,
        rollup_survey_days.ces_sum
    from rollup_survey_days
    left join agents on agents.agent_id = rollup_survey_days.agent_id
    where rollup_survey_days.day >= cast((cast(:start_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and rollup_survey_days.day < cast((cast(:end_ts as timestamp) at time zone 'UTC') at time zone :tz as date)
        and (:all_channels or rollup_survey_days.channel in :channels)
        and (:all_segments or rollup_survey_days.segment in :segments)
        and (:all_regions or rollup_survey_days.region in :regions)
        and (:all_teams or agents.team in :teams)
),

cells as (
    select
        period,
        case
            when grouping(channel) = 0 then 'channel'
            when grouping(reason) = 0 then 'reason'
            when grouping(region) = 0 then 'region'
            when grouping(segment) = 0 then 'segment'
            else 'team'
        end as dimension,
        case
            when grouping(channel) = 0 then channel
            when grouping(reason) = 0 then reason
            when grouping(region) = 0 then region
            when grouping(segment) = 0 then segment
            else team
        end as value,
        cast(sum(csat_count) as bigint) as csat_count,
        cast(sum(csat_top_count) as bigint) as csat_top_count,
        cast(sum(nps_count) as bigint) as nps_count,
        cast(100 * (sum(promoter_count) - sum(detractor_count)) as bigint) as nps_point_sum,
        cast(sum(ces_count) as bigint) as ces_count,
        coalesce(cast(sum(ces_sum) as double precision), 0) as ces_sum
    from answers
    group by grouping sets ((period, channel), (period, reason), (period, region), (period, segment), (period, team))
),

final as (
    select * from cells
)

select * from final
order by dimension, value, period
