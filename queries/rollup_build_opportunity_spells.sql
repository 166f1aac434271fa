-- name: rollup_build_opportunity_spells
-- grain: one row per stage spell of each opportunity listed in the load's temp table touched_opportunities: each stage row, and before the first one the configured first stage from the deal's creation (as the pipeline queries take it)
-- params: :first_stage (the first configured pipeline stage); reads touched_opportunities(opportunity_id), filled by journey.rollups during a load
-- returns: opportunity_id, owner_id, segment, region, status, stage, amount, created_at, closed_at, spell_start, spell_end (the next stage row's time in entered_at, stage order; null = the latest), expected_close_date, first_in_stage (the deal's first spell in the stage), repeats (the previous spell is in the same stage: no move), next_move_stage, next_move_at (the deal's next spell in another stage; null = none)
with

touched as (
    select
        opportunities.opportunity_id,
        opportunities.owner_id,
        customers.segment,
        customers.region,
        opportunities.status,
        opportunities.amount,
        opportunities.created_at,
        opportunities.closed_at,
        opportunities.expected_close_date
    from opportunities
    left join customers on customers.customer_id = opportunities.customer_id
    where opportunities.opportunity_id in (select opportunity_id from touched_opportunities)
),

stage_rows as (
    select
        opportunity_stages.opportunity_id,
        opportunity_stages.stage,
        opportunity_stages.entered_at
    from opportunity_stages
    where opportunity_stages.opportunity_id in (select opportunity_id from touched)
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
        touched.opportunity_id,
        cast(:first_stage as varchar) as stage,
        touched.created_at as entered_at
    from touched
    left join first_rows on first_rows.opportunity_id = touched.opportunity_id
    where touched.created_at is not null
        and (first_rows.first_entered_at is null or first_rows.first_entered_at > touched.created_at)
),

spells as (
    select
        opportunity_id,
        stage,
        entered_at as spell_start,
        lead(entered_at) over (partition by opportunity_id order by entered_at, stage) as spell_end,
        row_number() over (partition by opportunity_id, stage order by entered_at) = 1 as first_in_stage,
        lag(stage) over (partition by opportunity_id order by entered_at, stage) as previous_stage
    from entries
),

-- runs of spells in one stage (a repeated stage row is no move): the next run is the deal's next move
runs as (
    select
        opportunity_id,
        stage,
        spell_start,
        spell_end,
        first_in_stage,
        previous_stage is not null and previous_stage = stage as repeats,
        sum(case when previous_stage is null or previous_stage <> stage then 1 else 0 end) over (
            partition by opportunity_id order by spell_start, stage rows between unbounded preceding and current row
        ) as run
    from spells
),

run_starts as (
    select
        opportunity_id,
        run,
        min(stage) as stage,
        min(spell_start) as run_start
    from runs
    group by opportunity_id, run
),

next_moves as (
    select
        opportunity_id,
        run,
        lead(stage) over (partition by opportunity_id order by run) as next_move_stage,
        lead(run_start) over (partition by opportunity_id order by run) as next_move_at
    from run_starts
),

final as (
    select
        touched.opportunity_id,
        touched.owner_id,
        touched.segment,
        touched.region,
        touched.status,
        runs.stage,
        touched.amount,
        touched.created_at,
        touched.closed_at,
        runs.spell_start,
        runs.spell_end,
        touched.expected_close_date,
        runs.first_in_stage,
        runs.repeats,
        next_moves.next_move_stage,
        next_moves.next_move_at
    from touched
    inner join runs on runs.opportunity_id = touched.opportunity_id
    inner join next_moves on next_moves.opportunity_id = runs.opportunity_id and next_moves.run = runs.run
)

select * from final
order by created_at, opportunity_id, spell_start
