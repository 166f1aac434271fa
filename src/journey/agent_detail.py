"""One agent against the team, and raw against mix-adjusted FCR: the Agents page's explanations."""

from __future__ import annotations

import polars as pl

from journey import access, agents
from journey.access import EVERYONE, Scope
from journey.agents import Query
from journey.filters import Filters
from journey.settings import Settings

STRONG_Z = 1.0  # signed z-score from which a metric counts as a strength (or, below −1, a coaching point)
LABELS = {"fcr_adjusted": "adjusted FCR", "csat_pct": "CSAT %", "repeat_7d": "7-day repeat", "qa": "QA",
          "sentiment_lift": "sentiment lift", "aht_ratio": "AHT ratio"}
RATE_METRICS = {"fcr_adjusted", "csat_pct", "repeat_7d"}
TREND_COLUMNS = ("week_start", "contacts", "fcr", "fcr_adjusted", "repeat_7d", "csat_pct", "aht_seconds", "qa")


def overall_fcr(cells: pl.DataFrame) -> float | None:
    """FCR over every agent contact of the cells (the level adjusted FCR is centred on)."""
    known = cells["resolved_known_count"].sum()
    return float(cells["fcr_count"].sum()) / float(known) if known else None


def raw_vs_adjusted(card: pl.DataFrame) -> pl.DataFrame:
    """Agents whose place changes once their reason mix is accounted for.

    In: scorecard. Out: one row per agent with FCR known: fcr, fcr_expected (what an average agent gets on
    that mix), fcr_adjusted, their ranks among these agents and the places gained, biggest changes first.
    """
    known = card.filter(pl.col("fcr").is_not_null())
    return known.select(
        "agent_id", "agent_name", "contacts", "fcr", "fcr_expected", "fcr_adjusted",
        pl.col("fcr").rank("min", descending=True).cast(pl.Int64).alias("rank_raw"),
        pl.col("fcr_adjusted").rank("min", descending=True).cast(pl.Int64).alias("rank_adjusted"),
    ).with_columns(
        (pl.col("rank_raw") - pl.col("rank_adjusted")).alias("places_gained"),
    ).sort(pl.col("places_gained").abs(), "rank_adjusted", descending=[True, False])


def weekly_trend(query: Query, flt: Filters, settings: Settings, agent_id: str,
                 reference: pl.DataFrame, scope: Scope = EVERYONE) -> pl.DataFrame:
    """One agent's key metrics per local week (Monday start) of the range; adjusted FCR uses the range's
    cell rates (`reference`: the range's cells of every agent). Out: TREND_COLUMNS, one row per week; none
    for an agent outside `scope`."""
    cells = access.visible(agents.contact_cells(query, flt, settings, agent_id=agent_id, by_week=True, scope=scope),
                           scope)
    adjusted = agents.adjusted_rate(cells, ["week_start"], *agents.ADJUSTED["fcr"], reference=reference)
    table = agents.measures(cells, ["week_start"]).join(
        adjusted.select("week_start", pl.col("adjusted").alias("fcr_adjusted")), on="week_start", how="left")
    return table.select(TREND_COLUMNS).sort("week_start")


def mix(cells: pl.DataFrame, agent_id: str, dimension: str) -> pl.DataFrame:
    """The agent's share of contacts per reason (or channel) against their team's, with that value's FCR
    over all agents (how hard it is). Out: one row per value of `dimension`."""
    team = cells.filter(pl.col("agent_id") == agent_id)["team"].first()
    peers = cells.filter(pl.col("team") == team) if team is not None else cells
    agent_counts = cells.filter(pl.col("agent_id") == agent_id).group_by(dimension).agg(
        pl.col("contacts_count").sum().alias("contacts"))
    team_counts = peers.group_by(dimension).agg(pl.col("contacts_count").sum().alias("team_contacts"))
    difficulty = agents.measures(cells, [dimension]).select(dimension, pl.col("fcr").alias("fcr_all_agents"))
    return team_counts.join(agent_counts, on=dimension, how="left").join(difficulty, on=dimension).select(
        dimension, pl.col("contacts").fill_null(0),
        (pl.col("contacts").fill_null(0) / pl.col("contacts").sum()).alias("agent_share"),
        (pl.col("team_contacts") / pl.col("team_contacts").sum()).alias("team_share"), "fcr_all_agents",
    ).sort("team_share", descending=True)


def reason_gaps(cells: pl.DataFrame, agent_id: str) -> pl.DataFrame:
    """Per reason: the agent's FCR against what an average agent gets on the same channels, with the 95%
    interval of the gap and a verdict. Out: one row per reason the agent handled with FCR known."""
    own = cells.filter(pl.col("agent_id") == agent_id)
    gaps = agents.adjusted_rate(own, ["reason"], *agents.ADJUSTED["fcr"], reference=cells)
    overall = overall_fcr(cells) or 0.0
    return gaps.select(
        "reason", pl.col("n").alias("contacts"), (pl.col("observed") / pl.col("n")).alias("fcr"),
        (pl.col("expected") / pl.col("n")).alias("fcr_expected"),
        *((pl.col(c) - overall).alias(name) for c, name in (("adjusted", "fcr_gap"), ("adjusted_low", "fcr_gap_low"),
                                                           ("adjusted_high", "fcr_gap_high"))),
    ).with_columns(
        pl.when(pl.col("fcr_gap_low") > 0).then(pl.lit("strength"))
        .when(pl.col("fcr_gap_high") < 0).then(pl.lit("coaching point")).otherwise(pl.lit("as expected"))
        .alias("verdict"),
    ).sort("fcr_gap")


def metric_gaps(card: pl.DataFrame, agent_id: str, settings: Settings) -> pl.DataFrame:
    """Each composite metric of the agent against the mean of the ranked agents, as a signed z-score
    (positive = better). Out: one row per metric with value, peer_mean, signed_z, verdict."""
    eligible = card.filter(pl.col("contacts") >= settings.min_contacts)
    row = card.filter(pl.col("agent_id") == agent_id)
    rows = []
    for metric, sign in agents.SIGNS.items():
        values = eligible[metric].drop_nulls()
        value = row[metric].item() if row.height else None
        mean, spread = (values.mean(), values.std(ddof=0)) if values.len() else (None, None)
        z = None
        if value is not None and isinstance(mean, float) and isinstance(spread, float) and spread > 0:
            z = sign * (value - mean) / spread
        rows.append({"metric": metric, "value": value, "peer_mean": mean, "signed_z": z})
    table = pl.DataFrame(rows, schema={"metric": pl.String, "value": pl.Float64, "peer_mean": pl.Float64,
                                       "signed_z": pl.Float64})
    return table.with_columns(
        pl.when(pl.col("signed_z") >= STRONG_Z).then(pl.lit("strength"))
        .when(pl.col("signed_z") <= -STRONG_Z).then(pl.lit("coaching point")).otherwise(pl.lit("as expected"))
        .alias("verdict"),
    )


def points(reasons: pl.DataFrame, metrics: pl.DataFrame) -> dict[str, list[str]]:
    """Strengths and coaching points as sentences, from the reason and metric gaps."""
    said: dict[str, list[str]] = {"strength": [], "coaching point": []}
    for r in reasons.filter(pl.col("verdict") != "as expected").sort("fcr_gap", descending=True).to_dicts():
        said[r["verdict"]].append(
            f"FCR on {r['reason']}: {_pct(r['fcr'])} against {_pct(r['fcr_expected'])} expected for this reason "
            f"and channel mix ({r['contacts']} contacts; gap {100 * r['fcr_gap']:+.1f} pts, 95% interval "
            f"{100 * r['fcr_gap_low']:+.1f} to {100 * r['fcr_gap_high']:+.1f})")
    for m in metrics.filter(pl.col("verdict") != "as expected").sort("signed_z", descending=True).to_dicts():
        show = _pct if m["metric"] in RATE_METRICS else _number
        said[m["verdict"]].append(
            f"{LABELS[m['metric']]}: {show(m['value'])} against {show(m['peer_mean'])} for the ranked agents "
            f"({m['signed_z']:+.1f} standard deviations, positive = better)")
    return said


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _number(value: float) -> str:
    return f"{value:,.2f}"


def team_members(card: pl.DataFrame, team: str) -> pl.DataFrame:
    """The scorecard rows of one team ("(no team)" for agents without one)."""
    return card.filter(pl.col("team").fill_null("(no team)") == team)
