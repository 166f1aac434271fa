-- name: coordination_customer_days
-- grain: one row per uncoordinated customer day (outbound contacts from two or more departments), newest first, the first :limit of them
-- params: :start_ts (inclusive), :end_ts (exclusive), :tz, :limit, :channels, :segments, :regions, :teams (each with its all_ flag)
-- returns: contact_date, customer_id, name, segment, region, departments, outbound_count, contacts_count, day_contacts (the day's contacts, local time, in order), days_count (uncoordinated customer days in all)
with

range_contacts as (
    select
        interactions.customer_id,
        customers.name,
        customers.segment,
        customers.region,
        cast((interactions.started_at at time zone 'UTC') at time zone :tz as date) as contact_date,
        cast((interactions.started_at at time zone 'UTC') at time zone :tz as timestamp) as local_at,
        interactions.started_at,
        coalesce(interactions.direction, 'inbound') as direction,
        coalesce(interactions.department, 'service') as department,
        interactions.channel,
        interactions.reason
    from interactions
    left join customers on customers.customer_id = interactions.customer_id
    left join agents on agents.agent_id = interactions.agent_id
    where interactions.started_at >= :start_ts
        and interactions.started_at < :end_ts
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
        and (:all_teams or agents.team in :teams)
),

outbound_departments as (
    select distinct
        customer_id,
        contact_date,
        department
    from range_contacts
    where direction = 'outbound'
),

uncoordinated as (
    select
        customer_id,
        contact_date,
        string_agg(department, ', ' order by department) as departments
    from outbound_departments
    group by customer_id, contact_date
    having count(*) >= 2
),

listed as (
    select
        uncoordinated.contact_date,
        uncoordinated.customer_id,
        uncoordinated.departments,
        count(*) over () as days_count
    from uncoordinated
    order by uncoordinated.contact_date desc, uncoordinated.customer_id
    limit :limit
),

final as (
    select
        listed.contact_date,
        listed.customer_id,
        min(range_contacts.name) as name,
        min(range_contacts.segment) as segment,
        min(range_contacts.region) as region,
        listed.departments,
        count(*) filter (where range_contacts.direction = 'outbound') as outbound_count,
        count(*) as contacts_count,
        string_agg(
            substr(cast(cast(range_contacts.local_at as time) as varchar), 1, 5) || ' ' || range_contacts.direction
                || ' ' || range_contacts.department || ' ' || range_contacts.channel || ': ' || range_contacts.reason,
            '; ' order by range_contacts.started_at, range_contacts.department
        ) as day_contacts,
        listed.days_count
    from listed
    inner join range_contacts
        on range_contacts.customer_id = listed.customer_id
        and range_contacts.contact_date = listed.contact_date
    group by listed.contact_date, listed.customer_id, listed.departments, listed.days_count
)

select * from final
order by contact_date desc, customer_id
