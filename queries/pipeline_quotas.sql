-- name: pipeline_quotas
-- grain: one row per owner and quota period overlapping the days asked for
-- params: :start_date, :end_date (inclusive), :teams (with its all_ flag); segment, region and channel do not apply to quotas
-- returns: owner_id, owner_name, team, period_start, period_end, quota_amount_sum
with

quotas_in_range as (
    select
        quotas.owner_id,
        agents.name as owner_name,
        agents.team,
        quotas.period_start,
        quotas.period_end,
        quotas.amount
    from quotas
    left join agents on agents.agent_id = quotas.owner_id
    where quotas.period_start <= cast(:end_date as date)
        and quotas.period_end >= cast(:start_date as date)
        and (:all_teams or agents.team in :teams)
),

final as (
    select
        owner_id,
        owner_name,
        team,
        period_start,
        period_end,
        cast(sum(amount) as double precision) as quota_amount_sum
    from quotas_in_range
    group by owner_id, owner_name, team, period_start, period_end
)

select * from final
order by owner_id, period_start, period_end
