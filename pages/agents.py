"""Agents: who resolves customers' problems, compared fairly on their mix of reasons, not who answers most calls."""

import streamlit as st

from journey import access, agent_charts, agent_detail, agents, ui

flt = ui.filters()
settings = ui.settings()
scope = ui.scope()  # the signed-in user's agents: everyone for executives and analysts
result = agents.report(ui.query, flt, settings, scope)
card, overall = result.scorecard, agent_detail.overall_fcr(result.cells)

st.title("Agents")
ui.caption(f"{flt.start:%d %b %Y} – {flt.end:%d %b %Y}: agent contacts (with an agent id) after the filters. "
           "Mix-adjusted FCR = the FCR of all agents + (the agent's resolved − what an average agent resolves on the "
           "same reason × channel mix) / contacts; intervals are 95%.")

if not scope.all_agents:
    st.info(f"You see {ui.scope_text()}. Ranks, adjusted rates and the best agent per reason are still computed "
            "among all agents, so the numbers are the ones everybody sees.", icon=":material/lock:")


def scorecard() -> None:
    st.subheader("Scorecard")
    ui.table(agents.page_table(card, settings), "agent_scorecard", key="agents_scorecard")
    weights = ", ".join(f"{agent_detail.LABELS.get(m, m)} {w:g}" for m, w in settings.composite_weights.items())
    ui.caption(f"Composite: weighted mean of z-scores among agents with ≥ {settings.min_contacts} contacts "
               f"({weights}; repeat and AHT ratio count against). Hover a column name for its definition.")
    unranked = card.filter(card["rank"].is_null())
    if unranked.height:
        st.info(f"{unranked.height} of {card.height} agents are listed but not ranked: fewer than "
                f"{settings.min_contacts} contacts in this range is too few for a fair score "
                f"({', '.join(unranked['agent_id'].to_list()[:12])}{' …' if unranked.height > 12 else ''}).")


def volume_and_adjustment() -> None:
    st.subheader("Volume is not quality")
    st.plotly_chart(agent_charts.volume_quality(card, overall, settings.min_contacts), width="stretch")
    ui.caption(f"Each dot is an agent: contacts handled against mix-adjusted FCR, bars = 95% interval; dotted line = "
               f"FCR of all agents. {agents.busiest_note(card, result.peers)}")
    st.subheader("Raw against adjusted")
    table = access.visible(agent_detail.raw_vs_adjusted(result.peers), scope)  # ranks among all agents
    st.plotly_chart(agent_charts.raw_vs_adjusted(table), width="stretch")
    ui.caption("Hollow: raw FCR; filled: mix-adjusted. An agent whose expected FCR (an average agent on the same "
               "reasons and channels) is high had easy contacts and moves left; one with hard reasons moves right.")
    ui.table(agents.display(table), "agent_raw_vs_adjusted", key="agents_raw_adjusted")


def best_per_reason() -> None:
    st.subheader("Best agent per reason")
    if result.best.height:
        st.plotly_chart(agent_charts.best_heatmap(result.matrix), width="stretch")
    ui.caption(f"Shrunk FCR = (resolved without repeat + {settings.shrinkage_k:g} × the reason's FCR) / (contacts with "
               f"resolution known + {settings.shrinkage_k:g}), only for agents with ≥ {settings.min_contacts_reason} "
               "contacts of the reason; ★ = the routing recommendation.")
    ui.table(result.best, "best_agent_per_reason", key="agents_best")
    missing = sorted(set(result.matrix["reason"].to_list()) - set(result.best["reason"].to_list()))
    if missing:
        st.info(f"No agent has {settings.min_contacts_reason} contacts of: {', '.join(missing)}: no recommendation.")


def detail() -> None:
    st.subheader("Agent detail")
    names = dict(zip(card["agent_id"].to_list(), card["agent_name"].to_list(), strict=True))
    agent_id = st.selectbox("Agent", list(names), key="agents_detail_agent",
                            format_func=lambda a: f"{names[a]} ({a})" if names[a] else a)
    weekly = agent_detail.weekly_trend(ui.query, flt, settings, agent_id, result.cells, scope)
    st.plotly_chart(agent_charts.trend(weekly), width="stretch")
    ui.caption("Per week (Monday start; the first and last week may be partial): the agent's FCR, adjusted FCR "
               "(against the whole range's cell rates; on a small week it can leave 0–100%), 7-day repeat, CSAT % "
               "and contacts.")
    ui.table(agents.display(weekly), f"agent_{agent_id}_weekly", key="agents_weekly")
    left, right = st.columns(2)
    for column, dimension in ((left, "reason"), (right, "channel")):
        with column:
            mix = agent_detail.mix(result.cells, agent_id, dimension)
            st.plotly_chart(agent_charts.mix(mix, dimension), width="stretch")
            ui.table(mix, f"agent_{agent_id}_{dimension}_mix", key=f"agents_mix_{dimension}")
    ui.caption("Share of the agent's contacts per value against the team's; fcr all agents shows how hard it is.")
    gaps = agent_detail.reason_gaps(result.cells, agent_id)
    metrics = agent_detail.metric_gaps(result.peers, agent_id, settings)
    said = agent_detail.points(gaps, metrics)
    good, coach = st.columns(2)
    good.markdown("**Strengths**\n\n" + ("\n".join(f"- {s}" for s in said["strength"]) or "None stands out."))
    coach.markdown("**Coaching points**\n\n" + ("\n".join(f"- {s}" for s in said["coaching point"])
                                                 or "Nothing falls clearly below expected."))
    ui.caption("A reason is a strength or a coaching point when the 95% interval of its FCR gap (against an average "
               "agent on the same channels) lies wholly above or below zero; a metric when it is at least one "
               "standard deviation from the ranked agents' mean.")
    with st.expander("Gaps per reason and metric"):
        ui.table(gaps, f"agent_{agent_id}_reason_gaps", key="agents_reason_gaps")
        ui.table(agents.display(metrics), f"agent_{agent_id}_metric_gaps", key="agents_metric_gaps")


def teams() -> None:
    st.subheader("Teams")
    ui.table(agents.display(result.teams), "agent_teams", key="agents_teams")
    ui.caption("The same metrics per team, over its agents' contacts; adjusted FCR uses every agent's cell rates.")
    team = st.selectbox("Agents of team", result.teams["team"].to_list(), key="agents_team")
    ui.table(agents.page_table(agent_detail.team_members(card, team), settings), f"agents_team_{team}",
             key="agents_team_members")


if result.peers.height == 0:
    st.info("No agent contacts in this range with these filters, so there is nothing to score. "
            "Widen the date range or clear a filter.")
elif card.height == 0:
    st.info(f"None of the agents you may see ({ui.scope_text()}) had contacts in this range with these filters; "
            "the team figures below cover every agent.")
    teams()
else:
    for section in (scorecard, volume_and_adjustment, best_per_reason, detail, teams):
        section()
