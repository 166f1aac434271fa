-- name: pipeline_won_monthly
-- grain: one row per local close month and owner, over opportunities won in the range
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :segments, :regions, :teams (each with its all_ flag); channel does not apply; :all_agents_visible, :visible_agents, :scope_salt (the user's scope: other owners come back under a salted pseudonym starting with ~ and without a name, so team totals stay whole)
-- returns: close_month, owner_id, owner_name, team, won_count, won_amount_sum
with

won_opportunities as (
    select
        case when :all_agents_visible or opportunities.owner_id in :visible_agents then opportunities.owner_id
            else '~' || md5(:scope_salt || opportunities.owner_id) end as owner_id,
        case when :all_agents_visible or opportunities.owner_id in :visible_agents then agents.name end as owner_name,
        agents.team,
        opportunities.amount,
        cast(date_trunc('month', (opportunities.closed_at at time zone 'UTC') at time zone :tz) as date) as close_month
    from opportunities
    left join agents on agents.agent_id = opportunities.owner_id
    where opportunities.status = 'won'
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
        close_month,
        owner_id,
        owner_name,
        team,
        count(*) as won_count,
        cast(sum(amount) as double precision) as won_amount_sum
    from won_opportunities
    group by close_month, owner_id, owner_name, team
)

select * from final
order by close_month, owner_id
