-- name: rollup_build_opportunity_spell_months
-- grain: one row per stage spell of each opportunity listed in the load's temp table touched_opportunities and per UTC calendar month from the month of the first instant the spell holds to the month of its last (an open-ended spell, of a deal still open in its latest stage: its first month only); read from rollup_opportunity_spells, which the load rebuilt first
-- params: :tz (the rollup time zone: the created day and the month of a win are local); reads touched_opportunities(opportunity_id), filled by journey.rollups during a load
-- returns: month (first day of a UTC month), opportunity_id, owner_id, segment, region, stage, hold_start, hold_end (the spell holds the instants after hold_start up to hold_end; null = every later one), open_ended (hold_end is null: this row also stands for every later month), created_day (local), won_month_index (year × 12 + month − 1 of the local month of a win; null unless won), amount, expected_close_date (the deal's)
with

-- the instants the pipeline queries put a deal in this spell: created_at and spell_start before, closed_at and
-- spell_end not before
held as (
    select
        spells.opportunity_id,
        spells.owner_id,
        spells.segment,
        spells.region,
        spells.stage,
        case when spells.created_at > spells.spell_start then spells.created_at else spells.spell_start end
            as hold_start,
        case
            when spells.closed_at is null then spells.spell_end
            when spells.spell_end is null or spells.closed_at < spells.spell_end then spells.closed_at
            else spells.spell_end
        end as hold_end,
        case when :tz = 'UTC' then cast(spells.created_at as date)
            else cast((spells.created_at at time zone 'UTC') at time zone :tz as date) end as created_day,
        spells.amount,
        spells.expected_close_date,
        case when spells.status = 'won' then
            case when :tz = 'UTC' then spells.closed_at
                else (spells.closed_at at time zone 'UTC') at time zone :tz end end as won_at
    from rollup_opportunity_spells as spells
    where spells.opportunity_id in (select opportunity_id from touched_opportunities)
        and spells.created_at is not null
        and spells.spell_start is not null
),

spans as (
    select
        opportunity_id,
        owner_id,
        segment,
        region,
        stage,
        hold_start,
        hold_end,
        created_day,
        amount,
        expected_close_date,
        cast(extract(year from won_at) * 12 + extract(month from won_at) - 1 as integer) as won_month_index,
        cast(date_trunc('month', hold_start) as date) as first_month,
        case when hold_end is null then 0 else cast(
            (extract(year from hold_end) - extract(year from hold_start)) * 12
            + extract(month from hold_end) - extract(month from hold_start) as integer) end as month_count
    from held
    where hold_end is null or hold_end > hold_start  -- a spell cut off by the close before it starts holds nothing
),

steps as (
    select step
    from generate_series(0, cast((select coalesce(max(month_count), 0) from spans) as integer)) as steps(step)
),

final as (
    select
        cast(spans.first_month + steps.step * interval '1 month' as date) as month,
        spans.opportunity_id,
        spans.owner_id,
        spans.segment,
        spans.region,
        spans.stage,
        spans.hold_start,
        spans.hold_end,
        spans.hold_end is null as open_ended,
        spans.created_day,
        spans.won_month_index,
        spans.amount,
        spans.expected_close_date
    from spans
    inner join steps on steps.step <= spans.month_count
)

select * from final
order by month, opportunity_id, hold_start
