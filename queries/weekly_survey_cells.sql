-- name: weekly_survey_cells
-- grain: one row per period (0 = last week, 1 = this week), dimension and its value, over surveys
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :channels, :segments, :regions, :teams (each with its all_ flag); channel, reason and team come from the survey's contact
-- returns: period, dimension (channel, reason, region, segment, team), value, csat_count, csat_top_count, nps_count, nps_point_sum, ces_count, ces_sum
with

answers as (
    select
        case when surveys.answered_at >= :split_ts then 1 else 0 end as period,
        interactions.channel,
        interactions.reason,
        customers.region,
        customers.segment,
        agents.team,
        surveys.csat,
        surveys.nps,
        surveys.ces
    from surveys
    left join customers on customers.customer_id = surveys.customer_id
    left join interactions on interactions.interaction_id = surveys.interaction_id
    left join agents on agents.agent_id = interactions.agent_id
    where surveys.answered_at >= :start_ts
        and surveys.answered_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
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
        count(csat) as csat_count,
        count(*) filter (where csat >= 4) as csat_top_count,
        count(nps) as nps_count,
        100 * (count(*) filter (where nps >= 9) - count(*) filter (where nps <= 6)) as nps_point_sum,
        count(ces) as ces_count,
        coalesce(cast(sum(ces) as double precision), 0) as ces_sum
    from answers
    group by grouping sets ((period, channel), (period, reason), (period, region), (period, segment), (period, team))
),

final as (
    select * from cells
)

select * from final
order by dimension, value, period
