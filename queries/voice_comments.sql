-- name: voice_comments
-- grain: one row per detractor (nps 0-6) or churn-intent survey with a comment in the range whose comment matches, newest first, the first :limit of them
-- params: :start_ts (inclusive), :end_ts (exclusive), :pattern (lower-case LIKE pattern, escape character !), :limit, :channels, :segments, :regions, :teams (each with its all_ flag); channel and team filter through the survey's contact
-- returns: answered_at, survey_id, customer_id, name, segment, region, nps, csat, ces, churn_intent, comment, matches_count (matching surveys in all)
with

-- the survey's contact read only for the channel and team filters, through a semi-join whose guard sits inside
-- the subquery: with no filter set neither engine reads interactions (a left join read a month of contacts)
answers as (
    select
        surveys.answered_at,
        surveys.survey_id,
        surveys.customer_id,
        surveys.nps,
        surveys.csat,
        surveys.ces,
        surveys.churn_intent,
        surveys.comment
    from surveys
    where surveys.answered_at >= :start_ts
        and surveys.answered_at < :end_ts
        and (surveys.nps <= 6 or surveys.churn_intent)
        and surveys.comment is not null
        and surveys.comment <> ''
        and lower(surveys.comment) like :pattern escape '!'
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

listed as (
    select
        answered_at,
        survey_id,
        customer_id,
        nps,
        csat,
        ces,
        churn_intent,
        comment,
        count(*) over () as matches_count
    from answers
    order by answered_at desc, survey_id
    limit :limit
),

final as (
    select
        listed.answered_at,
        listed.survey_id,
        listed.customer_id,
        customers.name,
        customers.segment,
        customers.region,
        listed.nps,
        listed.csat,
        listed.ces,
        listed.churn_intent,
        listed.comment,
        listed.matches_count
    from listed
    left join customers on customers.customer_id = listed.customer_id
)

select * from final
order by answered_at desc, survey_id
