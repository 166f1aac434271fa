-- name: pipeline_stage_outcomes
-- grain: one row per as-of day and stage entered by opportunities closed in the 365 days before the as-of day
-- params: :as_of_date, and the first days of months :base_date minus :first_step..:last_step months (none when first_step > last_step), each day as of its local midnight; :tz, :first_stage, :segments, :regions, :teams (each with its all_ flag); channel does not apply
-- returns: as_of_date, stage, closed_count, won_count
with

days as (
    select cast(:as_of_date as date) as as_of_date
    union
    select cast(cast(:base_date as date) - step * interval '1 month' as date) as as_of_date
    from generate_series(cast(:first_step as integer), cast(:last_step as integer)) as steps(step)
),

day_instants as (
    select
        as_of_date,
        (cast(as_of_date as timestamp) at time zone :tz) at time zone 'UTC' as as_of_ts,
        (cast(as_of_date - 365 as timestamp) at time zone :tz) at time zone 'UTC' as window_start_ts
    from days
),

closed_opportunities as (
    select
        day_instants.as_of_date,
        day_instants.as_of_ts,
        opportunities.opportunity_id,
        opportunities.created_at,
        opportunities.status = 'won' as is_won
    from opportunities
    inner join day_instants
        on opportunities.closed_at >= day_instants.window_start_ts
        and opportunities.closed_at < day_instants.as_of_ts
    left join agents on agents.agent_id = opportunities.owner_id
    where opportunities.status in ('won', 'lost')
        and (:all_segments or opportunities.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or opportunities.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

stage_rows as (
    select
        closed_opportunities.as_of_date,
        opportunity_stages.opportunity_id,
        opportunity_stages.stage,
        opportunity_stages.entered_at
    from opportunity_stages
    inner join closed_opportunities
        on closed_opportunities.opportunity_id = opportunity_stages.opportunity_id
        and opportunity_stages.entered_at < closed_opportunities.as_of_ts
),

first_rows as (
    select
        as_of_date,
        opportunity_id,
        min(entered_at) as first_entered_at
    from stage_rows
    group by as_of_date, opportunity_id
),

-- a deal sits in the first configured stage from its creation until its first stage row
entries as (
    select as_of_date, opportunity_id, stage from stage_rows
    union all
    select
        closed_opportunities.as_of_date,
        closed_opportunities.opportunity_id,
        cast(:first_stage as varchar) as stage
    from closed_opportunities
    left join first_rows
        on first_rows.as_of_date = closed_opportunities.as_of_date
        and first_rows.opportunity_id = closed_opportunities.opportunity_id
    where closed_opportunities.created_at < closed_opportunities.as_of_ts
        and (first_rows.first_entered_at is null or first_rows.first_entered_at > closed_opportunities.created_at)
),

stages_entered as (
    select distinct as_of_date, opportunity_id, stage from entries
),

final as (
    select
        stages_entered.as_of_date,
        stages_entered.stage,
        count(*) as closed_count,
        count(*) filter (where closed_opportunities.is_won) as won_count
    from stages_entered
    inner join closed_opportunities
        on closed_opportunities.as_of_date = stages_entered.as_of_date
        and closed_opportunities.opportunity_id = stages_entered.opportunity_id
    group by stages_entered.as_of_date, stages_entered.stage
)

select * from final
order by as_of_date, stage
