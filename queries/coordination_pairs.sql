-- name: coordination_pairs
-- grain: one row per pair of departments (alphabetical) that both contacted a customer outbound on the same local calendar day
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: department_a, department_b, days_count (customer days on which both did)
with

-- `not :all_...` empties a filter's subquery when the filter is off (DuckDB then skips its join)
outbound as (
    select distinct
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

counted as (
    select
        customer_id,
        contact_date,
        department,
        count(*) over (partition by customer_id, contact_date) as departments_count
    from outbound
),

involved as (
    select
        customer_id,
        contact_date,
        department
    from counted
    where departments_count >= 2
),

pairs as (
    select
        first_department.department as department_a,
        second_department.department as department_b
    from involved as first_department
    inner join involved as second_department
        on second_department.customer_id = first_department.customer_id
        and second_department.contact_date = first_department.contact_date
        and second_department.department > first_department.department
),

final as (
    select
        department_a,
        department_b,
        count(*) as days_count
    from pairs
    group by department_a, department_b
)

select * from final
order by days_count desc, department_a, department_b
