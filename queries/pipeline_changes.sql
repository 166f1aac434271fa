-- name: pipeline_changes
-- grain: one row per state and stage at the start and at the end of a week, over opportunities open at some point in it
-- params: :start_ts, :end_ts (the two instants, local midnights in UTC), :start_date, :end_date (the same days, for overdue), :first_stage, :segments, :regions, :teams (each with its all_ flag); channel does not apply
-- returns: start_state, start_stage, end_state, end_stage, deal_count, amount_sum (start: absent, open, overdue; end: open, overdue, won, lost, closed)
with

opportunities_in_week as (
    select
        opportunities.opportunity_id,
        opportunities.amount,
        opportunities.created_at,
        opportunities.closed_at,
        opportunities.status,
        opportunities.expected_close_date
    from opportunities
    left join agents on agents.agent_id = opportunities.owner_id
    where opportunities.created_at < :end_ts
        and (opportunities.closed_at is null or opportunities.closed_at >= :start_ts)
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
    inner join opportunities_in_week on opportunities_in_week.opportunity_id = opportunity_stages.opportunity_id
    where opportunity_stages.entered_at < :end_ts
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
        opportunities_in_week.opportunity_id,
        cast(:first_stage as varchar) as stage,
        opportunities_in_week.created_at as entered_at
    from opportunities_in_week
    left join first_rows on first_rows.opportunity_id = opportunities_in_week.opportunity_id
    where first_rows.first_entered_at is null or first_rows.first_entered_at > opportunities_in_week.created_at
),

latest_at_start as (
    select
        opportunity_id,
        stage,
        row_number() over (partition by opportunity_id order by entered_at desc, stage desc) as recency
    from entries
    where entered_at < :start_ts
),

latest_at_end as (
    select
        opportunity_id,
        stage,
        row_number() over (partition by opportunity_id order by entered_at desc, stage desc) as recency
    from entries
),

states as (
    select
        opportunities_in_week.amount,
        case
            when opportunities_in_week.created_at >= :start_ts then 'absent'
            when opportunities_in_week.expected_close_date < cast(:start_date as date) then 'overdue'
            else 'open'
        end as start_state,
        latest_at_start.stage as start_stage,
        case
            when opportunities_in_week.closed_at < :end_ts and opportunities_in_week.status in ('won', 'lost')
                then opportunities_in_week.status
            when opportunities_in_week.closed_at < :end_ts then 'closed'
            when opportunities_in_week.expected_close_date < cast(:end_date as date) then 'overdue'
            else 'open'
        end as end_state,
        latest_at_end.stage as end_stage
    from opportunities_in_week
    left join latest_at_start
        on latest_at_start.opportunity_id = opportunities_in_week.opportunity_id and latest_at_start.recency = 1
    left join latest_at_end
        on latest_at_end.opportunity_id = opportunities_in_week.opportunity_id and latest_at_end.recency = 1
),

final as (
    select
        start_state,
        start_stage,
        end_state,
        end_stage,
        count(*) as deal_count,
        cast(sum(amount) as double precision) as amount_sum
    from states
    group by start_state, start_stage, end_state, end_stage
)

select * from final
order by start_state, start_stage, end_state, end_stage
