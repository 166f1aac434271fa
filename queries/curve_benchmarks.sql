-- name: curve_benchmarks
-- grain: one row per stage and peer with a benchmark whose period overlaps the range or has no period
-- params: :start_date (first day, inclusive), :end_date (last day, inclusive); a missing period_start or period_end leaves that side open; filters do not apply (peers are not split by our segments)
-- returns: stage, peer, score (the peer's highest score among those benchmarks), benchmarks_count
with

benchmarks as (
    select
        stage,
        peer,
        score,
        period_start,
        period_end
    from benchmarks
),

overlapping as (
    select
        stage,
        peer,
        score
    from benchmarks
    where (period_start is null or period_start <= :end_date)
        and (period_end is null or period_end >= :start_date)
),

final as (
    select
        stage,
        peer,
        cast(max(score) as double precision) as score,
        count(*) as benchmarks_count
    from overlapping
    group by stage, peer
)

select * from final
order by stage, peer
