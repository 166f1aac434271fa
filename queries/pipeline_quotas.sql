-- name: pipeline_quotas
-- grain: one row per owner and quota period overlapping the days asked for
-- params: :start_date, :end_date (inclusive), :teams (with its all_ flag); segment, region and channel do not apply to quotas; :all_agents_visible, :visible_agents, :scope_salt (the user's scope: other owners come back under a salted pseudonym starting with ~ and without a name, so team totals stay whole)
-- returns: owner_id, owner_name, team, period_start, period_end, quota_amount_sum
with

quotas_in_range as (
    select
        case when :all_agents_visible or quotas.owner_id in :visible_agents then quotas.owner_id
            else '~' || md5(:scope_salt || quotas.owner_id) end as owner_id,
        case when :all_agents_visible or quotas.owner_id in :visible_agents then agents.name end as owner_name,
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
