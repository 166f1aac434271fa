-- name: journey_stage_reasons
-- grain: one row per journey stage and contact reason (contacts whose stage is set)
-- params: :start_ts (inclusive), :end_ts (exclusive), :channels, :segments, :regions, :teams (each with its all_ flag); contacts by started_at
-- returns: stage, reason, contacts_count, resolved_known_count, resolved_count
with

contacts as (
    select
        interactions.stage,
        interactions.reason,
        interactions.resolved
    from interactions
    left join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and interactions.stage is not null
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or interactions.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or interactions.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agents.team in :teams)
),

final as (
    select
        stage,
        reason,
        count(*) as contacts_count,
        count(resolved) as resolved_known_count,
        count(*) filter (where resolved) as resolved_count
    from contacts
    group by stage, reason
)

select * from final
order by stage, contacts_count desc, reason
