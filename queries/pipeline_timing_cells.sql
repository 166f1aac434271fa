-- name: pipeline_timing_cells
-- grain: one row per snapshot day, stage, age bucket and month of a won close, over opportunities open at the snapshot
-- params: :base_date, :first_step, :last_step (snapshots are base_date minus first_step..last_step months, at local midnight), :horizon_months (later wins count as not won), :tz, :first_stage, :segments, :regions, :teams (each with its all_ flag); channel does not apply
-- returns: snapshot_date, stage, age_bucket, won_month_offset (0 = the snapshot's own month, null = not won within the horizon), deal_count
with

snapshots as (
    select
        cast(cast(:base_date as date) - step * interval '1 month' as date) as snapshot_date
    from generate_series(cast(:first_step as integer), cast(:last_step as integer)) as steps(step)
),

snapshot_instants as (
    select
        snapshot_date,
        (cast(snapshot_date as timestamp) at time zone :tz) at time zone 'UTC' as snapshot_ts
    from snapshots
),

opportunities_in_scope as (
    select
        opportunities.opportunity_id,
        opportunities.created_at,
        opportunities.closed_at,
        opportunities.status
    from opportunities
    left join agents on agents.agent_id = opportunities.owner_id
    where (:all_segments or opportunities.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or opportunities.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

-- each snapshot's pipeline, by SPEC's "Pipeline as of D"
open_at_snapshot as (
    select
        snapshot_instants.snapshot_date,
        snapshot_instants.snapshot_ts,
        opportunities_in_scope.opportunity_id,
        opportunities_in_scope.created_at,
        opportunities_in_scope.closed_at,
        opportunities_in_scope.status
    from snapshot_instants
    inner join opportunities_in_scope
        on opportunities_in_scope.created_at < snapshot_instants.snapshot_ts
        and (opportunities_in_scope.closed_at is null or opportunities_in_scope.closed_at >= snapshot_instants.snapshot_ts)
),

stage_rows as (
    select
        open_at_snapshot.snapshot_date,
        opportunity_stages.opportunity_id,
        opportunity_stages.stage,
        opportunity_stages.entered_at
    from open_at_snapshot
    inner join opportunity_stages
        on opportunity_stages.opportunity_id = open_at_snapshot.opportunity_id
        and opportunity_stages.entered_at < open_at_snapshot.snapshot_ts
),

first_rows as (
    select
        snapshot_date,
        opportunity_id,
        min(entered_at) as first_entered_at
    from stage_rows
    group by snapshot_date, opportunity_id
),

-- a deal sits in the first configured stage from its creation until its first stage row
entries as (
    select snapshot_date, opportunity_id, stage, entered_at from stage_rows
    union all
    select
        open_at_snapshot.snapshot_date,
        open_at_snapshot.opportunity_id,
        cast(:first_stage as varchar) as stage,
        open_at_snapshot.created_at as entered_at
    from open_at_snapshot
    left join first_rows
        on first_rows.snapshot_date = open_at_snapshot.snapshot_date
        and first_rows.opportunity_id = open_at_snapshot.opportunity_id
    where first_rows.first_entered_at is null or first_rows.first_entered_at > open_at_snapshot.created_at
),

latest_entries as (
    select
        snapshot_date,
        opportunity_id,
        stage,
        row_number() over (
            partition by snapshot_date, opportunity_id order by entered_at desc, stage desc
        ) as recency
    from entries
),

outcomes as (
    select
        open_at_snapshot.snapshot_date,
        latest_entries.stage,
        open_at_snapshot.snapshot_date
            - cast((open_at_snapshot.created_at at time zone 'UTC') at time zone :tz as date) as age_days,
        case when open_at_snapshot.status = 'won' then cast(
            (extract(year from (open_at_snapshot.closed_at at time zone 'UTC') at time zone :tz)
                - extract(year from open_at_snapshot.snapshot_date)) * 12
            + extract(month from (open_at_snapshot.closed_at at time zone 'UTC') at time zone :tz)
            - extract(month from open_at_snapshot.snapshot_date) as integer) end as won_month_offset
    from open_at_snapshot
    inner join latest_entries
        on latest_entries.snapshot_date = open_at_snapshot.snapshot_date
        and latest_entries.opportunity_id = open_at_snapshot.opportunity_id
    where latest_entries.recency = 1
),

final as (
    select
        snapshot_date,
        stage,
        case when age_days <= 30 then 0 when age_days <= 90 then 1 when age_days <= 180 then 2 else 3 end as age_bucket,
        case when won_month_offset < cast(:horizon_months as integer) then won_month_offset end as won_month_offset,
        count(*) as deal_count
    from outcomes
    group by 1, 2, 3, 4
)

select * from final
order by snapshot_date, stage, age_bucket, won_month_offset
