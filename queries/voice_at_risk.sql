-- name: voice_at_risk
-- grain: one row per customer with an at-risk survey (nps 0-6 or churn intent) in the range that no follow-up of the customer answered in time, oldest first, the first :limit of them
-- params: :start_ts (inclusive), :end_ts (exclusive), :follow_up_window_sec (a follow-up created at the answer or up to this many seconds later counts, boundary included), :limit, :channels, :segments, :regions, :teams (each with its all_ flag); channel and team filter through the survey's contact, follow-ups are not filtered
-- returns: customer_id, name, segment, region, surveys_count, first_answered_at, last_answered_at, lowest_nps, churn_intent_count, last_comment, customers_count (customers in all)
with

-- the survey's contact read only for the channel and team filters, through a semi-join whose guard sits inside
-- the subquery: with no filter set neither engine reads interactions (a left join read a month of contacts)
at_risk as (
    select
        surveys.survey_id,
        surveys.customer_id,
        surveys.answered_at,
        surveys.nps,
        coalesce(surveys.churn_intent, false) as churn_intent,
        surveys.comment
    from surveys
    where surveys.answered_at >= :start_ts
        and surveys.answered_at < :end_ts
        and (surveys.nps <= 6 or surveys.churn_intent)
        and (:all_channels or surveys.interaction_id in (
            select interaction_id from interactions where not :all_channels and channel in :channels))
        and (:all_teams or surveys.interaction_id in (
            select interaction_id from interactions where not :all_teams and agent_id in (
                select agent_id from agents where team in :teams)))
        and (:all_segments or surveys.customer_id in (
            select customer_id from customers where not :all_segments and segment in :segments))
        and (:all_regions or surveys.customer_id in (
            select customer_id from customers where not :all_regions and region in :regions))
),

unanswered as (
    select
        at_risk.survey_id,
        at_risk.customer_id,
        at_risk.answered_at,
        at_risk.nps,
        at_risk.churn_intent,
        at_risk.comment
    from at_risk
    where not exists (
        select 1
        from follow_ups
        where follow_ups.customer_id = at_risk.customer_id
            and follow_ups.created_at >= at_risk.answered_at
            and extract(epoch from (follow_ups.created_at - at_risk.answered_at))
                <= cast(:follow_up_window_sec as double precision)
    )
),

per_customer as (
    select
        customer_id,
        count(*) as surveys_count,
        min(answered_at) as first_answered_at,
        max(answered_at) as last_answered_at,
        min(nps) as lowest_nps,
        count(*) filter (where churn_intent) as churn_intent_count
    from unanswered
    group by customer_id
),

listed as (
    select
        customer_id,
        surveys_count,
        first_answered_at,
        last_answered_at,
        lowest_nps,
        churn_intent_count,
        count(*) over () as customers_count
    from per_customer
    order by first_answered_at, customer_id
    limit :limit
),

latest_comment as (
    select
        customer_id,
        comment,
        row_number() over (partition by customer_id order by answered_at desc, survey_id desc) as recency
    from unanswered
    where comment is not null and comment <> ''
),

final as (
    select
        listed.customer_id,
        customers.name,
        customers.segment,
        customers.region,
        listed.surveys_count,
        listed.first_answered_at,
        listed.last_answered_at,
        listed.lowest_nps,
        listed.churn_intent_count,
        latest_comment.comment as last_comment,
        listed.customers_count
    from listed
    left join customers on customers.customer_id = listed.customer_id
    left join latest_comment
        on latest_comment.customer_id = listed.customer_id
        and latest_comment.recency = 1
)

select * from final
order by first_answered_at, customer_id
