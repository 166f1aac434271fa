-- name: weekly_stage_cells
-- grain: one row per period (0 = last week, 1 = this week), stage, and region or segment (null on the stage's own row)
-- params: :start_ts (inclusive, last week's start), :split_ts (this week's start), :end_ts (exclusive), :channels, :segments, :regions (each with its all_ flag); rated journey events by occurred_at, channel filters events, team does not apply
-- returns: period, stage, dimension (stage, region, segment), value, ratings_count, score_sum, score_square_sum, top_box_count (score = 100 × (rating − 1) / 4)
with

ratings as (
    select
        case when journey_events.occurred_at >= :split_ts then 1 else 0 end as period,
        journey_events.stage,
        customers.region,
        customers.segment,
        25.0 * (journey_events.rating - 1) as score,
        journey_events.rating
    from journey_events
    left join customers on customers.customer_id = journey_events.customer_id
    where journey_events.occurred_at >= :start_ts
        and journey_events.occurred_at < :end_ts
        and journey_events.rating is not null
        and (:all_channels or journey_events.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
),

final as (
    select
        period,
        stage,
        case
            when grouping(region) = 0 then 'region'
            when grouping(segment) = 0 then 'segment'
            else 'stage'
        end as dimension,
        case
            when grouping(region) = 0 then region
            when grouping(segment) = 0 then segment
        end as value,
        count(*) as ratings_count,
        cast(sum(score) as double precision) as score_sum,
        cast(sum(score * score) as double precision) as score_square_sum,
        count(*) filter (where rating = 5) as top_box_count
    from ratings
    group by grouping sets ((period, stage), (period, stage, region), (period, stage, segment))
)

select * from final
order by stage, dimension, value, period
