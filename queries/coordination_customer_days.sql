-- name: coordination_customer_days
-- grain: one row per uncoordinated customer day (outbound contacts from two or more departments), newest first, the first :limit of them
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :limit, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: contact_date, customer_id, name, segment, region, departments, outbound_count, contacts_count, day_contacts (the day's contacts, local time, in order), days_count (uncoordinated customer days in all)
with

-- the contacts the filters keep (read twice, each time inlined: stored, they would be every contact of the range);
-- `not :all_...` empties a filter's subquery when the filter is off (DuckDB then skips its join)
range_contacts as not materialized (
    select
        customer_id,
        started_at,
        coalesce(direction, 'inbound') as direction,
        coalesce(department, 'service') as department,
        channel,
        reason
    from interactions
    where started_at >= :start_ts
        and started_at < :end_ts
        and (:all_channels or channel in :channels)
        and (:all_segments or customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
        and (:all_teams or agent_id in (select agent_id from agents where not :all_teams and team in :teams))
),

outbound_departments as (
    select distinct
        customer_id,
        cast((started_at at time zone 'UTC') at time zone :tz as date) as contact_date,
        department
    from range_contacts
    where direction = 'outbound'
),

uncoordinated as (
    select
        customer_id,
        contact_date
    from outbound_departments
    group by customer_id, contact_date
    having count(*) >= 2
),

listed as (
    select
        contact_date,
        customer_id,
        count(*) over () as days_count
    from uncoordinated
    order by contact_date desc, customer_id
    limit :limit
),

-- the listed customers' contacts, then those of the listed days (inbound ones too)
listed_customer_contacts as (
    select
        customer_id,
        cast((started_at at time zone 'UTC') at time zone :tz as date) as contact_date,
        cast((started_at at time zone 'UTC') at time zone :tz as timestamp) as local_at,
        started_at,
        direction,
        department,
        channel,
        reason
    from range_contacts
    where customer_id in (select customer_id from listed)
),

day_contacts as (
    select
        listed.contact_date,
        listed.customer_id,
        listed.days_count,
        listed_customer_contacts.started_at,
        listed_customer_contacts.local_at,
        listed_customer_contacts.direction,
        listed_customer_contacts.department,
        listed_customer_contacts.channel,
        listed_customer_contacts.reason
    from listed
    inner join listed_customer_contacts
        on listed_customer_contacts.customer_id = listed.customer_id
        and listed_customer_contacts.contact_date = listed.contact_date
),

departments as (
    select
        contact_date,
        customer_id,
        string_agg(department, ', ' order by department) as departments
    from (
        select distinct
            contact_date,
            customer_id,
            department
        from day_contacts
        where direction = 'outbound'
    ) as listed_departments
    group by contact_date, customer_id
),

per_day as (
    select
        contact_date,
        customer_id,
        days_count,
        count(*) filter (where direction = 'outbound') as outbound_count,
        count(*) as contacts_count,
        string_agg(
            substr(cast(cast(local_at as time) as varchar), 1, 5) || ' ' || direction || ' ' || department || ' '
                || channel || ': ' || reason,
            '; ' order by started_at, department
        ) as day_contacts
    from day_contacts
    group by contact_date, customer_id, days_count
),

final as (
    select
        per_day.contact_date,
        per_day.customer_id,
        customers.name,
        customers.segment,
        customers.region,
        departments.departments,
        per_day.outbound_count,
        per_day.contacts_count,
        per_day.day_contacts,
        per_day.days_count
    from per_day
    inner join departments
        on departments.customer_id = per_day.customer_id
        and departments.contact_date = per_day.contact_date
    left join customers on customers.customer_id = per_day.customer_id
)

select * from final
order by contact_date desc, customer_id
