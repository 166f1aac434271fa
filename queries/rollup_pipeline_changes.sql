-- name: rollup_pipeline_changes
-- grain: as pipeline_changes, from rollup_opportunity_spells (built with the same first stage)
-- params: as pipeline_changes, but :first_stage is the rollup's own (journey.rollups compares it)
-- returns: start_state, start_stage, end_state, end_stage, deal_count, amount_sum (start: absent, open, overdue; end: open, overdue, won, lost, closed)
with

spells_in_week as (
    select
        spells.opportunity_id,
        spells.stage,
        spells.amount,
        spells.created_at,
        spells.closed_at,
        spells.status,
        spells.expected_close_date,
        spells.spell_start,
        spells.spell_end
    from rollup_opportunity_spells as spells
    where spells.created_at < :end_ts
        and (spells.closed_at is null or spells.closed_at >= :start_ts)
        and spells.spell_start < :end_ts
        and (:all_segments or spells.segment in :segments)
        and (:all_regions or spells.region in :regions)
        and (:all_teams or spells.owner_id in (select agent_id from agents where team in :teams))
),

-- the latest stage entry before an instant is the spell that holds it; every deal open in the week has one at
-- the end (its creation, or a stage row before it, starts its first spell)
at_end as (
    select
        opportunity_id,
        stage,
        amount,
        created_at,
        closed_at,
        status,
        expected_close_date
    from spells_in_week
    where spell_end is null or spell_end >= :end_ts
),

at_start as (
    select
        opportunity_id,
        stage
    from spells_in_week
    where spell_start < :start_ts
        and (spell_end is null or spell_end >= :start_ts)
),

states as (
    select
        at_end.amount,
        case
            when at_end.created_at >= :start_ts then 'absent'
            when at_end.expected_close_date < cast(:start_date as date) then 'overdue'
            else 'open'
        end as start_state,
        at_start.stage as start_stage,
        case
            when at_end.closed_at < :end_ts and at_end.status in ('won', 'lost') then at_end.status
            when at_end.closed_at < :end_ts then 'closed'
            when at_end.expected_close_date < cast(:end_date as date) then 'overdue'
            else 'open'
        end as end_state,
        at_end.stage as end_stage
    from at_end
    left join at_start on at_start.opportunity_id = at_end.opportunity_id
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
