"""What each shown number means, once: help texts and display kinds by column or KPI name."""

from __future__ import annotations

HELP: dict[str, str] = {
    "contacts": "Number of interactions in the range (after filters).",
    "csat_pct": "Share of surveys with CSAT ≥ 4 among surveys with a CSAT answer.",
    "nps": "Net promoter score in points: % of answers 9–10 minus % of answers 0–6.",
    "ces": "Customer effort score: mean answer, 1–7, 7 = very easy.",
    "fcr": "First-contact resolution: share of agent contacts resolved and not repeated within "
           "7 days, among contacts whose resolution is known.",
    "repeat_7d": "Share of agent contacts followed by another contact of the same customer and "
                 "reason within 7 days (any channel, the whole store is looked at).",
    "aht_seconds": "Average handle time of agent contacts, in seconds.",
    "journey_conversion": "Share of journeys (in range by their first event) with a completed buy event.",
    "revenue": "Sum of order amounts, orders in range by order time, cancelled orders excluded.",
    "return_rate": "Returns of the range's non-cancelled orders, per order.",
    "on_time_delivery": "Delivered orders with delivered ≤ promised, among delivered orders with both dates.",
    "this_week": "The KPI over the review week (ISO week, Monday–Sunday, local days).",
    "last_week": "The KPI over the week before the review week.",
    "avg_4w": "The KPI pooled over the 4 weeks before the review week (counts and sums added, not an average "
              "of weekly values).",
    "change": "This week minus last week: points for rates and NPS, seconds for AHT.",
    "normal_noise": "Twice the standard deviation of the 12 week-over-week changes before this week.",
    "beyond_noise": "Whether the change is larger than normal week-to-week noise.",
    "last_count": "Last week's contacts, surveys, journeys, orders or ratings in this row with the value known.",
    "this_count": "This week's contacts, surveys, journeys, orders or ratings in this row with the value known.",
    "last_share": "The cell's share of last week's count (w0).",
    "this_share": "The cell's share of this week's count (w1).",
    "mix_effect": "(w1 − w0)(r0 − R0): change from the cell's share moving while its rate differs from last "
                  "week's average. Points for rates and NPS, seconds for AHT.",
    "rate_effect": "w1 (r1 − r0): change from the cell's own rate moving. Mix and rate effects of a dimension "
                   "add up to the change.",
    "fcr_last": "The agent's mix-adjusted FCR last week (as the Agents page shows it for that week).",
    "fcr_this": "The agent's mix-adjusted FCR in the review week (as the Agents page shows it for that week).",
    "fcr_change": "Mix-adjusted FCR this week minus last week, in points.",
    "peak_last_week": "Whether the stage was a peak the week before.",
    "forecast_to_quota_pct": "Forecast / quota of the month.",
    "score_last": "Stage score last week: 100 × mean of (rating − 1) / 4.",
    "score_this": "Stage score in the review week: 100 × mean of (rating − 1) / 4.",
    "score_change": "Stage score this week minus last week, in points.",
    "fcr_adjusted": "Mix-adjusted FCR: FCR of all agents + (the agent's resolved-without-repeat contacts − the "
                    "number expected from the FCR of each reason × channel cell they handled) / their contacts "
                    "with resolution known.",
    "fcr_adjusted_low": "Lower end of the 95% interval of mix-adjusted FCR (variance Σ n·p(1 − p) / n²).",
    "fcr_adjusted_high": "Upper end of the 95% interval of mix-adjusted FCR (variance Σ n·p(1 − p) / n²).",
    "fcr_expected": "The FCR an average agent would reach on the same reason × channel mix (expected / contacts).",
    "repeat_expected_pct": "The 7-day repeat rate an average agent would have on the same reason × channel mix.",
    "repeat_adjusted_pct": "Mix-adjusted 7-day repeat rate (as adjusted FCR, for repeats; lower is better).",
    "repeat_adjusted_low_pct": "Lower end of the 95% interval of the mix-adjusted repeat rate.",
    "repeat_adjusted_high_pct": "Upper end of the 95% interval of the mix-adjusted repeat rate.",
    "csat_expected_pct": "The CSAT % an average agent would get on the same reason × channel mix of surveys.",
    "csat_adjusted_pct": "Mix-adjusted CSAT % (as adjusted FCR, over the surveys of the agent's contacts).",
    "csat_adjusted_low_pct": "Lower end of the 95% interval of the mix-adjusted CSAT %.",
    "csat_adjusted_high_pct": "Upper end of the 95% interval of the mix-adjusted CSAT %.",
    "qa": "Mean QA score (0–100) of the agent's contacts with a score.",
    "sentiment_lift": "Mean of sentiment at the end minus sentiment at the start (−2…2), contacts with both known.",
    "aht_ratio": "Mean over the agent's contacts of handle time / the median handle time of that reason "
                 "(all agent contacts of the range); 1 = typical, below 1 = faster.",
    "transfer_rate": "Share of contacts transferred (empty when no contact has the transfer recorded).",
    "escalation_rate": "Share of contacts escalated (empty when no contact has the escalation recorded).",
    "composite": "Weighted mean of signed z-scores (among agents with at least min_contacts contacts) of adjusted "
                 "FCR, CSAT %, QA, sentiment lift (higher is better), 7-day repeat and AHT ratio (lower is better); "
                 "weights renormalised over the metrics the agent has.",
    "rank": "Rank by composite score, highest first; empty for agents under min_contacts contacts.",
    "ranked": "Whether the agent is ranked, and why not.",
    "fcr_shrunk": "(resolved without repeat + k × the reason's FCR) / (contacts with resolution known + k): small "
                  "samples are pulled towards the reason's FCR.",
    "fcr_reason": "FCR of all agents on this reason.",
    "rank_raw": "Rank by raw FCR among agents with FCR known.",
    "rank_adjusted": "Rank by mix-adjusted FCR among agents with FCR known.",
    "places_gained": "Raw rank minus adjusted rank: positive = the agent looks better once the mix is accounted for.",
    "agent_share": "Share of the agent's contacts with this value.",
    "team_share": "Share of the team's contacts with this value (all agents when the agent has no team).",
    "fcr_all_agents": "FCR of all agents' contacts with this value: how hard it is to resolve.",
    "fcr_gap": "The agent's FCR on the reason minus what an average agent gets on the same channels.",
    "fcr_gap_low": "Lower end of the 95% interval of the FCR gap.",
    "fcr_gap_high": "Upper end of the 95% interval of the FCR gap.",
    "peer_mean": "Mean of the metric over the ranked agents (at least min_contacts contacts).",
    "signed_z": "(value − peer mean) / standard deviation, sign flipped for repeat and AHT ratio: positive = better.",
    "weighted_pipeline": "Σ amount × stage probability over the opportunities open as of the day.",
    "open_count": "Opportunities open as of the day: created before it and not closed before it.",
    "open_amount": "Amount of the open opportunities (unweighted); against quota: those expected to close in the "
                   "month, overdue ones in the current month.",
    "probability_pct": "The stage probability used: learned when enough deals closed in the last 365 days had entered "
                       "the stage, else the configured one.",
    "learned_pct": "Share won among deals closed in the 365 days before the day that had entered the stage.",
    "configured_pct": "The stage's probability in config/journey.toml.",
    "probability_source": "learned, or configured (too few closed deals, or learned probabilities switched off).",
    "weighted_amount": "Open amount × the stage probability.",
    "passed_count": "Deals closed in the range that were in this stage.",
    "advanced_count": "Of those, deals whose next step was a later stage or a win.",
    "conversion_rate": "Advanced / passed: the share of deals in the stage that moved forward.",
    "days_in_stage": "Mean days the deals closed in the range spent in the stage (until the next stage or the close).",
    "win_rate": "Won / (won + lost), deals closed in the range.",
    "cycle_days": "Mean days from creation to close of the deals won in the range.",
    "won_amount_mean": "Mean amount of the deals won in the range.",
    "velocity_per_day": "Open deals × win rate × mean won amount / cycle days: pipeline value closing per day.",
    "won_to_date": "Amount won in the month before the as-of day.",
    "open_forecast": "What open deals are expected to bring in the month: weighted = amount × stage probability of "
                     "deals expected to close then; learned timing = amount × P(won that month | stage, age).",
    "forecast": "Won to date + the open forecast of the month.",
    "forecast_low": "Lower end of the 90% interval (normal approximation over independent all-or-nothing deals), never "
                    "below what is already won.",
    "forecast_high": "Upper end of the 90% interval (normal approximation over independent all-or-nothing deals).",
    "quota": "The owners' quota for the month, each quota period prorated by day.",
    "attainment_pct": "Won to date / quota.",
    "coverage": "Open amount expected in the month / (quota − won): how many times the pipeline covers what is left; "
                "empty when the quota is already met or there is none.",
    "actual_won": "Amount actually won in the month.",
    "weighted_forecast": "The weighted method's forecast of the month as of its first day.",
    "weighted_forecast_error": "Weighted forecast − actual won.",
    "weighted_in_interval": "Whether the actual fell inside the weighted forecast's 90% interval.",
    "timing_forecast": "The learned-timing forecast of the month as of its first day (learning only from before it).",
    "timing_forecast_error": "Learned-timing forecast − actual won.",
    "timing_in_interval": "Whether the actual fell inside the learned-timing forecast's 90% interval.",
    "wape_pct": "Weighted absolute percentage error: Σ|forecast − actual| / Σ actual over the backtest months.",
    "closed_count": "Deals closed (won or lost).",
    "won_count": "Deals won.",
    "lost_count": "Deals lost.",
    "won_amount": "Amount of the deals won.",
    "lost_amount": "Amount of the deals lost.",
    "cumulative_share": "Share of all lost deals with this reason or a more frequent one.",
    "movement": "new: created this week; advanced: moved to a later stage; slipped: expected close passed this week "
                "while still open; won, lost: closed this week.",
    "deal_count": "Number of deals.",
    "deal_amount": "Their amount, unweighted.",
    "score": "Stage score: 100 × mean of (rating − 1) / 4 over the stage's journey events with a rating (0–100).",
    "top_box": "Share of the stage's ratings equal to 5.",
    "top_box_share": "Share of the stage's ratings equal to 5.",
    "ratings": "Journey events of the stage with a rating, in the range after the filters.",
    "peer_best": "The best peer's score for the stage: the highest among benchmarks whose period overlaps the range "
                 "(or has none).",
    "points_over_best_peer": "Margin: stage score − the best peer's score, in points.",
    "peak": "A stage whose score beats the best peer by at least peak_margin points (config/journey.toml). "
            "Without benchmarks no stage is a peak.",
    "score_week_change": "Stage score of the range's last 7 days minus the 7 days before, in points.",
    "thin": "Fewer than 30 ratings: too few to read much into the score.",
    "reached_count": "Journeys (in range by their first event) with an event of this stage.",
    "reached_share": "Journeys reaching this stage, as a share of all journeys.",
    "continued_rate": "Journeys reaching this stage that also reach a later one / journeys reaching this stage.",
    "abandoned_count": "Journeys with an event of this stage whose outcome is abandoned.",
    "abandonment_rate": "Journeys abandoned at this stage / journeys reaching it.",
    "comparison": "What is compared: the first group (with) against the others (without).",
    "with_count": "Journeys with a find/choose peak, or customers whose first rating of the stage was 5.",
    "with_rate": "Their journey conversion, or their share buying again within 90 days.",
    "without_count": "The other journeys, or customers whose first rating of the stage was 1–4.",
    "without_rate": "Their journey conversion, or their share buying again within 90 days.",
    "difference_pts": "with rate − without rate, in points.",
    "difference_low_pts": "Lower end of the 95% interval of the difference (normal approximation for two proportions).",
    "difference_high_pts": "Upper end of the 95% interval of the difference (normal approximation for two "
                           "proportions).",
    "verdict": "significant when the 95% interval of the difference excludes zero; cannot judge when neither group "
               "varies (all or none in both); nothing to compare when a group is empty.",
    "week_start": "Monday of the week (local days); the first and last week of the range may be partial.",
    "rating_1_count": "Ratings of 1 (worst).",
    "rating_2_count": "Ratings of 2.",
    "rating_3_count": "Ratings of 3.",
    "rating_4_count": "Ratings of 4.",
    "rating_5_count": "Ratings of 5 (best).",
    "contacts_share": "Share of the stage's contacts with this reason.",
    "resolved_rate": "Share of the contacts resolved, among those whose resolution is known.",
    "journey_rank": "1 = the worst journey: lowest rating at the stage, most recent first among equals.",
    "stage_rating": "The journey's lowest rating at the chosen stage.",
    "customers_count": "Number of customers.",
    "cost_to_serve": "Σ over the customer's contacts in the range of the configured cost per contact of its channel "
                     "(a channel not in config/journey.toml costs 0).",
    "margin": "Revenue in the range × the configured gross margin − cost-to-serve.",
    "pareto_share": "The smallest share of customers, taken by margin from the top, whose margin reaches 80% of the "
                    "total positive margin.",
    "most_valuable_count": "The top 20% of customers by margin (ceil(0.2 × customers) of them).",
    "most_valuable_margin": "Margin of the most valuable customers (top 20% by margin).",
    "fastest_growing_count": "The top 20% of customers (ceil(0.2 × customers)) by revenue growth, among those whose "
                             "revenue grew: the 6 months up to the range's last day against the 6 months before.",
    "fastest_growing_revenue_growth": "Revenue growth of the fastest growing customers.",
    "below_marginal_cost_count": "Customers whose margin is below 0: they cost more to serve than they bring.",
    "below_marginal_cost_margin": "Margin (negative) of the customers below marginal cost.",
    "revenue_last_6m": "Revenue of the 6 months up to the range's last day.",
    "revenue_prior_6m": "Revenue of the 6 months before those.",
    "revenue_growth": "Revenue of the last 6 months − revenue of the 6 months before.",
    "margin_rank": "Rank by margin, highest first.",
    "groups": "The groups the customer is in: most valuable, fastest growing, below marginal cost (else other).",
    "contacts_count": "Number of contacts.",
    "at_risk_without_follow_up": "Customers with a survey in the range with NPS 0–6 or churn intent and no follow-up "
                                 "of theirs created at the answer or up to the follow-up window (2 days) after it.",
    "surveys_count": "Number of surveys.",
    "first_answered_at": "The oldest of the customer's at-risk surveys without follow-up (time in UTC).",
    "last_answered_at": "The newest of the customer's at-risk surveys without follow-up (time in UTC).",
    "lowest_nps": "The lowest NPS answer among those surveys.",
    "churn_intent_count": "Those surveys whose answer says the customer intends to leave.",
    "last_comment": "The newest comment among those surveys.",
    "open_follow_ups_count": "Follow-ups open at the end of the range (or now, if sooner): created before it and "
                             "not completed before it.",
    "due_count": "Open follow-ups whose due time is still ahead.",
    "overdue_count": "Open follow-ups whose due time has passed.",
    "oldest_due_at": "The earliest due time among the overdue follow-ups (UTC).",
    "customer_days_outbound": "Customer × local calendar day with at least one outbound contact.",
    "customer_days_count": "Customer × local calendar day with at least one outbound contact.",
    "uncoordinated_days": "Customer days with outbound contacts from two or more departments.",
    "uncoordinated_count": "Customer days with outbound contacts from two or more departments.",
    "coordination_rate": "Uncoordinated customer days / customer days with an outbound contact (lower is better).",
    "uncoordinated_rate": "Uncoordinated customer days / customer days with an outbound contact.",
    "department_a": "One department of the pair (alphabetical).",
    "department_b": "The other department of the pair.",
    "days_count": "Customer days on which both departments contacted the customer outbound.",
    "departments": "The departments that contacted the customer outbound that day.",
    "outbound_count": "Outbound contacts of the customer that day.",
    "day_contacts": "Every contact of the customer that day: local time, direction, department, channel: reason.",
    "contacts_per_customer": "Inbound contacts a customer made in the range (the last bar: that many or more).",
    "repeat_count": "Contacts followed by another of the same customer and reason within the repeat window.",
    "repeat_rate": "Repeat count / contacts.",
    "escalated_count": "Contacts escalated.",
    "light": "Freshness: green ≤ green_days, amber ≤ amber_days, red beyond (config/journey.toml); none for empty "
             "and reference tables.",
    "light_green": "Tables whose newest record is at most freshness green_days old.",
    "light_amber": "Tables whose newest record is older than green_days, at most amber_days.",
    "light_red": "Tables whose newest record is older than amber_days.",
    "table_name": "Table of the interchange format.",
    "time_column": "The column whose newest value tells how fresh the table is.",
    "rows_count": "Number of rows.",
    "newest_at": "The newest value of the table's time column (UTC).",
    "age_days": "Days from the newest record to now; negative = a record in the future.",
    "stale_count": "Customer records not updated for more than stale_customer_days (default 180).",
    "stale_share": "Stale customer records / all customer records.",
    "missing_updated_count": "Stale records that have no updated_at (created_at stands in; without either: stale).",
    "days_since_update": "Whole days since updated_at (or created_at when updated_at is missing).",
    "loaded_count": "Rows loaded by the import (new or replaced).",
    "rejected_count": "Rows the import rejected.",
    "loaded_tables": "Rows loaded per table.",
    "rejected_tables": "Rows rejected per table.",
    "stored_rejects_count": "Rejected rows kept in the store for this import.",
    "rejects_file": "The CSV file the import wrote its rejected rows to.",
    "column_name": "The column whose value broke the format.",
    "last_date": "The newest local calendar day on which it happened.",
}

RATES = {"csat_pct", "fcr", "repeat_7d", "journey_conversion", "return_rate", "on_time_delivery"}
MONEY_WORDS = ("revenue", "amount", "margin", "cost", "pipeline", "forecast", "won", "quota")
LABELS: dict[str, str] = {
    "contacts": "Contacts", "csat_pct": "CSAT %", "nps": "NPS", "ces": "CES", "fcr": "FCR",
    "repeat_7d": "7-day repeat", "aht_seconds": "AHT", "journey_conversion": "Journey conversion",
    "revenue": "Revenue", "return_rate": "Return rate", "on_time_delivery": "On-time delivery",
}


def kind(name: str) -> str:
    """How a column is shown, from its name: rate, seconds, money, count or plain."""
    if name in RATES or name.endswith(("_pct", "_rate", "_share")) or name.startswith("fcr"):
        return "rate"
    if name.endswith(("_sec", "_seconds")):
        return "seconds"
    if name.endswith("_count") or name in ("contacts", "ratings", "rank"):
        return "count"
    if any(word in name for word in MONEY_WORDS):
        return "money"
    return "plain"


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())
