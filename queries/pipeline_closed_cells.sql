-- name: pipeline_closed_cells
-- grain: one row per owner, product, source, lost reason and status, over opportunities won or lost in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :segments, :regions, :teams (each with its all_ flag); channel does not apply; :all_agents_visible, :visible_agents, :scope_salt (the user's scope: other owners come back under a salted pseudonym starting with ~ and without a name, so team totals stay whole)
-- returns: owner_id, owner_name, team, product, source, lost_reason, status, closed_count, amount_sum, cycle_days_sum
with

closed_opportunities as (
    select
        case when :all_agents_visible or opportunities.owner_id in :visible_agents then opportunities.owner_id
            else '~' || md5(:scope_salt || opportunities.owner_id) end as owner_id,
        case when :all_agents_visible or opportunities.owner_id in :visible_agents then agents.name end as owner_name,
        agents.team,
        opportunities.product,
        opportunities.source,
        opportunities.lost_reason,
        opportunities.status,
        opportunities.amount,
        opportunities.closed_at - opportunities.created_at as cycle_time
    from opportunities
    left join agents on agents.agent_id = opportunities.owner_id
    where opportunities.status in ('won', 'lost')
        and opportunities.closed_at >= :start_ts
        and opportunities.closed_at < :end_ts
        and (:all_segments or opportunities.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or opportunities.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

final as (
    select
        owner_id,
        owner_name,
        team,
        product,
        source,
        lost_reason,
        status,
        count(*) as closed_count,
        cast(sum(amount) as double precision) as amount_sum,
        coalesce(cast(sum(extract(epoch from cycle_time)) as double precision) / 86400, 0) as cycle_days_sum
    from closed_opportunities
    group by owner_id, owner_name, team, product, source, lost_reason, status
)

select * from final
order by owner_id, product, source, lost_reason, status
