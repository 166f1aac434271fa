-- name: rollup_pipeline_stage_transitions
-- grain: as pipeline_stage_transitions, from rollup_opportunity_spells (built with the same first stage)
-- params: as pipeline_stage_transitions, but :first_stage is the rollup's own (journey.rollups compares it)
-- returns: from_stage, to_stage, transition_count, days_sum (days spent in from_stage)
with

closed_spells as (
    select
        spells.opportunity_id,
        spells.stage,
        spells.spell_start,
        spells.repeats,
        spells.next_move_stage,
        spells.next_move_at,
        spells.created_at,
        spells.closed_at,
        spells.status
    from rollup_opportunity_spells as spells
    where spells.status in ('won', 'lost')
        and spells.closed_at >= :start_ts
        and spells.closed_at < :end_ts
        and (:all_segments or spells.segment in :segments)
        and (:all_regions or spells.region in :regions)
        and (:all_teams or spells.owner_id in (select agent_id from agents where team in :teams))
),

-- each move up to the close (a spell that is no repeat of the stage before it), to the next move if that came
-- by the close, else to the close itself
moves as (
    select
        stage as from_stage,
        case when next_move_at <= closed_at then next_move_stage else status end as to_stage,
        case when next_move_at <= closed_at then next_move_at else closed_at end - spell_start as time_in_stage
    from closed_spells
    where spell_start <= closed_at
        and not repeats
),

-- a deal closed before its creation and before any stage row sits in the first stage from its creation (as the
-- raw query takes it)
closed_before_entries as (
    select
        cast(:first_stage as varchar) as from_stage,
        status as to_stage,
        closed_at - created_at as time_in_stage
    from closed_spells
    group by opportunity_id, created_at, closed_at, status
    having count(case when spell_start <= closed_at then 1 end) = 0
),

steps as (
    select from_stage, to_stage, time_in_stage from moves
    union all
    select from_stage, to_stage, time_in_stage from closed_before_entries
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
