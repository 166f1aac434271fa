-- name: pipeline_stage_outcomes
-- grain: one row per stage entered by opportunities closed in the window before the as-of day
-- params: :as_of_ts (the as-of day's local midnight, UTC), :window_start_ts (365 days earlier), :first_stage, :segments, :regions, :teams (each with its all_ flag); channel does not apply
-- returns: stage, closed_count, won_count
with

closed_opportunities as (
    select
        opportunities.opportunity_id,
        opportunities.created_at,
        opportunities.status = 'won' as is_won
    from opportunities
    left join customers on customers.customer_id = opportunities.customer_id
    left join agents on agents.agent_id = opportunities.owner_id
    where opportunities.status in ('won', 'lost')
        and opportunities.closed_at >= :window_start_ts
        and opportunities.closed_at < :as_of_ts
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
        and (:all_teams or agents.team in :teams)
),

stage_rows as (
    select
        opportunity_stages.opportunity_id,
        opportunity_stages.stage,
        opportunity_stages.entered_at
    from opportunity_stages
    inner join closed_opportunities on closed_opportunities.opportunity_id = opportunity_stages.opportunity_id
    where opportunity_stages.entered_at < :as_of_ts
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
    select opportunity_id, stage from stage_rows
    union all
    select
        closed_opportunities.opportunity_id,
        cast(:first_stage as varchar) as stage
    from closed_opportunities
    left join first_rows on first_rows.opportunity_id = closed_opportunities.opportunity_id
    where closed_opportunities.created_at < :as_of_ts
        and (first_rows.first_entered_at is null or first_rows.first_entered_at > closed_opportunities.created_at)
),

stages_entered as (
    select distinct opportunity_id, stage from entries
),

final as (
    select
        stages_entered.stage,
        count(*) as closed_count,
        count(*) filter (where closed_opportunities.is_won) as won_count
    from stages_entered
    inner join closed_opportunities on closed_opportunities.opportunity_id = stages_entered.opportunity_id
    group by stages_entered.stage
)

select * from final
order by stage
