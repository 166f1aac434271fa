-- name: coordination_daily
-- grain: one row per local calendar day with outbound contacts
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: contact_date, customer_days_count (customers with an outbound contact that day), uncoordinated_count (of them, contacted by two or more departments)
with

-- `not :all_...` empties a filter's subquery when the filter is off (DuckDB then skips its join)
outbound as (
    select
        interactions.customer_id,
        cast((interactions.started_at at time zone 'UTC') at time zone :tz as date) as contact_date,
        coalesce(interactions.department, 'service') as department
    from interactions
    where interactions.direction = 'outbound'
        and interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or interactions.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or interactions.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or interactions.agent_id in (
            select agent_id from agents where not :all_teams and team in :teams))
),

customer_days as (
    select
        customer_id,
        contact_date,
        count(distinct department) as departments_count
    from outbound
    group by customer_id, contact_date
),

final as (
    select
        contact_date,
        count(*) as customer_days_count,
        count(*) filter (where departments_count >= 2) as uncoordinated_count
    from customer_days
    group by contact_date
)

select * from final
order by contact_date
