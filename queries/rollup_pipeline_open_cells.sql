-- name: rollup_pipeline_open_cells
-- grain: as pipeline_open_cells, from rollup_opportunity_spell_months (built with the same first stage and time zone)
-- params: as pipeline_open_cells, but :first_stage is the rollup's own (journey.rollups compares it)
-- returns: as_of_date, owner_id, owner_name, team, stage, age_bucket, close_month, overdue, open_count, amount_sum, amount_sq_sum
with

days as (
    select cast(:as_of_date as date) as as_of_date
    union
    select cast(cast(:base_date as date) - step * interval '1 month' as date) as as_of_date
    from generate_series(cast(:first_step as integer), cast(:last_step as integer)) as steps(step)
),

local_midnights as (
    select
        as_of_date,
        (cast(as_of_date as timestamp) at time zone :tz) at time zone 'UTC' as as_of_ts
    from days
),

day_instants as materialized (
    select
        as_of_date,
        as_of_ts,
        cast(date_trunc('month', as_of_ts) as date) as month  -- UTC, as the rows' months
    from local_midnights
),

months_in_scope as not materialized (
    select
        spell_months.month,
        spell_months.open_ended,
        spell_months.owner_id,
        spell_months.stage,
        spell_months.amount,
        spell_months.expected_close_date,
        spell_months.hold_start,
        spell_months.hold_end,
        spell_months.created_day
    from rollup_opportunity_spell_months as spell_months
    where (:all_segments or spell_months.segment in :segments)
        and (:all_regions or spell_months.region in :regions)
        and (:all_teams or spell_months.owner_id in (select agent_id from agents where team in :teams))
),

-- open as of the day (SPEC "Pipeline as of D"), in the stage spell that holds the day's start: the spell's rows
-- of the instant's UTC month, then the exact instant; a spell still open also holds every later month
held as (
    select
        day_instants.as_of_date,
        months_in_scope.owner_id,
        months_in_scope.stage,
        months_in_scope.amount,
        months_in_scope.expected_close_date,
        months_in_scope.created_day
    from day_instants
    inner join months_in_scope on months_in_scope.month = day_instants.month
    where months_in_scope.hold_start < day_instants.as_of_ts
        and (months_in_scope.hold_end is null or months_in_scope.hold_end >= day_instants.as_of_ts)
    union all
    select
        day_instants.as_of_date,
        months_in_scope.owner_id,
        months_in_scope.stage,
        months_in_scope.amount,
        months_in_scope.expected_close_date,
        months_in_scope.created_day
    from day_instants
    inner join months_in_scope
        on months_in_scope.open_ended
        and months_in_scope.month < day_instants.month
),

open_deals as (
    select
        as_of_date,
        owner_id,
        stage,
        amount,
        expected_close_date,
        as_of_date - created_day as age_days
    from held
),

cells as (
    select
        as_of_date,
        owner_id,
        stage,
        case when age_days <= 30 then 0 when age_days <= 90 then 1 when age_days <= 180 then 2 else 3 end as age_bucket,
        -- truncated as a timestamp: PostgreSQL would take the date as timestamptz, a time zone conversion a row
        cast(date_trunc('month', cast(expected_close_date as timestamp)) as date) as close_month,
        coalesce(expected_close_date < as_of_date, false) as overdue,
        count(*) as open_count,
        cast(sum(amount) as double precision) as amount_sum,
        cast(sum(amount * amount) as double precision) as amount_sq_sum
    from open_deals
    group by as_of_date, owner_id, stage, age_bucket, close_month, overdue
),

-- owners outside the user's scope under a salted pseudonym, one per owner: the cells stay as they are
final as (
    select
        cells.as_of_date,
        case when :all_agents_visible or cells.owner_id in :visible_agents then cells.owner_id
            else '~' || md5(:scope_salt || cells.owner_id) end as owner_id,
        case when :all_agents_visible or cells.owner_id in :visible_agents then agents.name end as owner_name,
        agents.team,
        cells.stage,
        cells.age_bucket,
        cells.close_month,
        cells.overdue,
        cells.open_count,
        cells.amount_sum,
        cells.amount_sq_sum
    from cells
    left join agents on agents.agent_id = cells.owner_id
)

select * from final
order by as_of_date, owner_id, stage, age_bucket, close_month, overdue
