-- name: pipeline_open_cells
-- grain: one row per as-of day, owner, stage, age bucket, expected close month and overdue flag, over opportunities open as of the day
-- params: :as_of_date, and the first days of months :base_date minus :first_step..:last_step months (none when first_step > last_step), each day as of its local midnight; :tz, :first_stage, :segments, :regions, :teams (each with its all_ flag); channel does not apply to opportunities; :all_agents_visible, :visible_agents, :scope_salt (the user's scope: other owners come back under a salted pseudonym starting with ~ and without a name, so team totals stay whole)
-- returns: as_of_date, owner_id, owner_name, team, stage, age_bucket, close_month, overdue, open_count, amount_sum, amount_sq_sum
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
        (cast(as_of_date as timestamp) at time zone :tz) at time zone 'UTC' as as_of_ts
    from days
),

-- open as of the day: created before it, not closed before it (SPEC "Pipeline as of D")
open_opportunities as (
    select
        day_instants.as_of_date,
        day_instants.as_of_ts,
        opportunities.opportunity_id,
        case when :all_agents_visible or opportunities.owner_id in :visible_agents then opportunities.owner_id
            else '~' || md5(:scope_salt || opportunities.owner_id) end as owner_id,
        case when :all_agents_visible or opportunities.owner_id in :visible_agents then agents.name end as owner_name,
        agents.team,
        opportunities.amount,
        opportunities.created_at,
        opportunities.expected_close_date
    from opportunities
    inner join day_instants
        on opportunities.created_at < day_instants.as_of_ts
        and (opportunities.closed_at is null or opportunities.closed_at >= day_instants.as_of_ts)
    left join agents on agents.agent_id = opportunities.owner_id
    where (:all_segments or opportunities.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or opportunities.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

stage_rows as (
    select
        open_opportunities.as_of_date,
        opportunity_stages.opportunity_id,
        opportunity_stages.stage,
        opportunity_stages.entered_at
    from opportunity_stages
    inner join open_opportunities
        on open_opportunities.opportunity_id = opportunity_stages.opportunity_id
        and opportunity_stages.entered_at < open_opportunities.as_of_ts
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
    select as_of_date, opportunity_id, stage, entered_at from stage_rows
    union all
    select
        open_opportunities.as_of_date,
        open_opportunities.opportunity_id,
        cast(:first_stage as varchar) as stage,
        open_opportunities.created_at as entered_at
    from open_opportunities
    left join first_rows
        on first_rows.as_of_date = open_opportunities.as_of_date
        and first_rows.opportunity_id = open_opportunities.opportunity_id
    where first_rows.first_entered_at is null or first_rows.first_entered_at > open_opportunities.created_at
),

latest_entries as (
    select
        as_of_date,
        opportunity_id,
        stage,
        row_number() over (
            partition by as_of_date, opportunity_id order by entered_at desc, stage desc) as recency
    from entries
),

open_deals as (
    select
        open_opportunities.as_of_date,
        open_opportunities.owner_id,
        open_opportunities.owner_name,
        open_opportunities.team,
        latest_entries.stage,
        open_opportunities.amount,
        open_opportunities.expected_close_date,
        open_opportunities.as_of_date
            - cast((open_opportunities.created_at at time zone 'UTC') at time zone :tz as date) as age_days
    from open_opportunities
    inner join latest_entries
        on latest_entries.as_of_date = open_opportunities.as_of_date
        and latest_entries.opportunity_id = open_opportunities.opportunity_id
    where latest_entries.recency = 1
),

final as (
    select
        as_of_date,
        owner_id,
        owner_name,
        team,
        stage,
        case when age_days <= 30 then 0 when age_days <= 90 then 1 when age_days <= 180 then 2 else 3 end as age_bucket,
        cast(date_trunc('month', expected_close_date) as date) as close_month,
        coalesce(expected_close_date < as_of_date, false) as overdue,
        count(*) as open_count,
        cast(sum(amount) as double precision) as amount_sum,
        cast(sum(amount * amount) as double precision) as amount_sq_sum
    from open_deals
    group by as_of_date, owner_id, owner_name, team, stage, age_bucket, close_month, overdue
)

select * from final
order by as_of_date, owner_id, stage, age_bucket, close_month, overdue
