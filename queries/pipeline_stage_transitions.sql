-- name: pipeline_stage_transitions
-- grain: one row per stage and what followed it (a later stage row, won or lost), over opportunities closed in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :first_stage, :segments, :regions, :teams (each with its all_ flag); channel does not apply
-- returns: from_stage, to_stage, transition_count, days_sum (days spent in from_stage)
with

closed_opportunities as (
    select
        opportunities.opportunity_id,
        opportunities.created_at,
        opportunities.closed_at,
        opportunities.status
    from opportunities
    left join agents on agents.agent_id = opportunities.owner_id
    where opportunities.status in ('won', 'lost')
        and opportunities.closed_at >= :start_ts
        and opportunities.closed_at < :end_ts
        and (:all_segments or opportunities.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or opportunities.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

stage_rows as (
    select
        opportunity_stages.opportunity_id,
        opportunity_stages.stage,
        opportunity_stages.entered_at
    from opportunity_stages
    inner join closed_opportunities on closed_opportunities.opportunity_id = opportunity_stages.opportunity_id
    where opportunity_stages.entered_at <= closed_opportunities.closed_at
),

first_rows as (
    select
        opportunity_id,
        min(entered_at) as first_entered_at
    from stage_rows
    group by opportunity_id
),

-- a deal sits in the first configured stage from its creation until its first stage row
entries as (
    select opportunity_id, stage, entered_at from stage_rows
    union all
    select
        closed_opportunities.opportunity_id,
        cast(:first_stage as varchar) as stage,
        closed_opportunities.created_at as entered_at
    from closed_opportunities
    left join first_rows on first_rows.opportunity_id = closed_opportunities.opportunity_id
    where first_rows.first_entered_at is null or first_rows.first_entered_at > closed_opportunities.created_at
),

ordered_entries as (
    select
        opportunity_id,
        stage,
        entered_at,
        lag(stage) over (partition by opportunity_id order by entered_at, stage) as previous_stage
    from entries
),

-- a repeated row of the stage the deal is already in is not a move
moves as (
    select opportunity_id, stage, entered_at
    from ordered_entries
    where previous_stage is null or previous_stage <> stage
),

steps as (
    select
        moves.stage as from_stage,
        coalesce(
            lead(moves.stage) over (partition by moves.opportunity_id order by moves.entered_at, moves.stage),
            closed_opportunities.status
        ) as to_stage,
        coalesce(
            lead(moves.entered_at) over (partition by moves.opportunity_id order by moves.entered_at, moves.stage),
            closed_opportunities.closed_at
        ) - moves.entered_at as time_in_stage
    from moves
    inner join closed_opportunities on closed_opportunities.opportunity_id = moves.opportunity_id
),

final as (
    select
        from_stage,
        to_stage,
        count(*) as transition_count,
        coalesce(cast(sum(extract(epoch from time_in_stage)) as double precision) / 86400, 0) as days_sum
    from steps
    group by from_stage, to_stage
)

select * from final
order by from_stage, to_stage
