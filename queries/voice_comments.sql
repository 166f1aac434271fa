-- name: voice_comments
-- grain: one row per detractor (nps 0-6) or churn-intent survey with a comment in the range whose comment matches, newest first, the first :limit of them
-- params: :start_ts (inclusive), :end_ts (exclusive), :pattern (lower-case LIKE pattern, escape character !), :limit, :channels, :segments, :regions, :teams (each with its all_ flag); channel and team filter through the survey's contact
-- returns: answered_at, survey_id, customer_id, name, segment, region, nps, csat, ces, churn_intent, comment, matches_count (matching surveys in all)
with

answers as (
    select
        surveys.answered_at,
        surveys.survey_id,
        surveys.customer_id,
        customers.name,
        customers.segment,
        customers.region,
        surveys.nps,
        surveys.csat,
        surveys.ces,
        surveys.churn_intent,
        surveys.comment
    from surveys
    left join customers on customers.customer_id = surveys.customer_id
    left join interactions on interactions.interaction_id = surveys.interaction_id
    left join agents on agents.agent_id = interactions.agent_id
    where surveys.answered_at >= :start_ts
        and surveys.answered_at < :end_ts
        and (surveys.nps <= 6 or surveys.churn_intent)
        and surveys.comment is not null
        and surveys.comment <> ''
        and lower(surveys.comment) like :pattern escape '!'
        and (:all_channels or interactions.channel in :channels)
        and (:all_segments or customers.segment in :segments)
        and (:all_regions or customers.region in :regions)
        and (:all_teams or agents.team in :teams)
),

final as (
    select
        answered_at,
        survey_id,
        customer_id,
        name,
        segment,
        region,
        nps,
        csat,
        ces,
        churn_intent,
        comment,
        count(*) over () as matches_count
    from answers
)

select * from final
order by answered_at desc, survey_id
limit :limit
