"""The weekly review after its KPIs: experience curve, agents and pipeline of the review week.

The page and the report draw the same sections. Each one calls the library that owns its numbers (curve,
agents, pipeline, pipeline_flow) for the ISO week and the week before, so they agree with the Journey, Agents
and Pipeline pages for the same dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import plotly.graph_objects as go
import polars as pl

from journey import (
    access,
    agent_charts,
    agent_detail,
    agents,
    curve,
    curve_charts,
    overview,
    pipeline,
    pipeline_charts,
    pipeline_flow,
)
from journey.filters import Filters
from journey.schema import STAGES
from journey.settings import Settings
from journey.weekly import Week

Query = Callable[..., pl.DataFrame]
Z95 = 1.96
MIN_STAGE_RATINGS = 20  # ratings a stage cell needs in each week to be compared
TOP_AGENTS = 10
MOVER_DIMENSIONS = {"all": "stage", "region": "region", "segment": "segment"}  # curve cells -> mover rows


@dataclass(frozen=True)
class Part:
    """One table or chart of a section, with its heading and an optional note under it."""

    heading: str
    content: pl.DataFrame | Callable[[], go.Figure]  # a table, or a chart drawn where it is shown
    note: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    caption: str
    parts: list[Part] = field(default_factory=list)


def sections(query: Query, week: Week, flt: Filters, settings: Settings) -> list[Section]:
    """Curve, agents and pipeline of `week` (the filters apply, their range does not)."""
    return [build() for build in builders(query, week, flt, settings)]


def builders(query: Query, week: Week, flt: Filters, settings: Settings) -> list[Callable[[], Section]]:
    """The sections as independent calls, for a page to compute at the same time."""
    return [partial(section, query, week, flt, settings)
            for section in (curve_section, agents_section, pipeline_section)]


# --- experience curve ------------------------------------------------------------------------------------

def curve_section(query: Query, week: Week, flt: Filters, settings: Settings) -> Section:
    this, last = overview.week_curves(query, flt, settings, week.end)
    changes = overview.peak_changes(this.curve, last.curve)
    table = curve.display(this).join(changes.select("stage", peak_last_week="peak_last"), on="stage",
                                     maintain_order="left")
    movers = stage_movers(this.cells, last.cells, MIN_STAGE_RATINGS).with_columns(
        pl.col("score_last", "score_this", "score_change").round(1))
    caption = (f"{peak_sentence(changes)} Score = 100 × mean((rating − 1) / 4) over the week's ratings; a peak beats "
               f"the best peer's benchmark by at least {settings.peak_margin:g} points.")
    chart = (Part("The week's curve", partial(curve_charts.figure, this.curve, this.peers, this.change),
                  "Our stage scores (solid) against each peer's benchmark (dotted); ★ = a peak, with its margin; under "
                  "each stage its ratings and the change against last week.") if this.ratings else
             Part("The week's curve", pl.DataFrame(), "No stage ratings this week, so there is no curve to draw."))
    return Section("Experience curve", caption, [
        chart,
        Part("Per stage", table, "Score week change: against the week before."),
        _table_or_note("Top movers: stages", movers, "Stage scores, overall and per region and segment, that changed "
                       f"most, in standard errors of the change; cells with at least {MIN_STAGE_RATINGS} ratings in "
                       "both weeks."),
    ])


def peak_sentence(changes: pl.DataFrame) -> str:
    """'Peaks this week: return. Lost since last week: receive. New: choose.'"""
    def named(column: str) -> str:
        return ", ".join(changes.filter(pl.col(column))["stage"].to_list()) or "none"
    return f"Peaks this week: {named('peak_this')}. Lost since last week: {named('lost')}. New: {named('gained')}."


def stage_movers(this: pl.DataFrame, last: pl.DataFrame, min_ratings: int = MIN_STAGE_RATINGS,
                 top: int = 8) -> pl.DataFrame:
    """Stage scores (overall, per region, per segment) that moved most beyond chance between two weeks.

    In: curve_ratings_daily rows of this week and of last week (CurveReport.cells). Out: one row per stage cell with
    `min_ratings` ratings in both weeks: stage, dimension, value, last_count, this_count, score_last, score_this,
    score_change, beyond_noise (|change| > 1.96 standard errors of a difference of two means).
    """
    scores = [25.0 * (r - 1) for r in range(1, 6)]
    measures = {"n": pl.sum_horizontal(curve.RATING_COLUMNS),
                "s": pl.sum_horizontal(pl.col(c) * v for c, v in zip(curve.RATING_COLUMNS, scores, strict=True)),
                "q": pl.sum_horizontal(pl.col(c) * v * v for c, v in zip(curve.RATING_COLUMNS, scores, strict=True))}
    both = pl.concat([last.with_columns(period=pl.lit(0)), this.with_columns(period=pl.lit(1))])
    rows = both.filter(pl.col("dimension").is_in(list(MOVER_DIMENSIONS))).with_columns(
        dimension=pl.col("dimension").replace_strict(MOVER_DIMENSIONS),
        value=pl.when(pl.col("dimension") == "all").then(pl.lit("all")).otherwise(pl.col("value").fill_null(
            curve.NO_VALUE)), **{m: e.cast(pl.Float64) for m, e in measures.items()})
    cells = rows.group_by("stage", "dimension", "value").agg(
        pl.col(m).filter(pl.col("period") == p).sum().alias(f"{m}{p}") for m in measures for p in (0, 1))
    cells = cells.filter((pl.col("n0") >= min_ratings) & (pl.col("n1") >= min_ratings)).with_columns(
        m0=pl.col("s0") / pl.col("n0"), m1=pl.col("s1") / pl.col("n1"))
    variance = [(pl.col(f"q{p}") / pl.col(f"n{p}") - pl.col(f"m{p}") ** 2).clip(0) / pl.col(f"n{p}") for p in "01"]
    order = pl.col("stage").replace_strict(list(STAGES), list(range(len(STAGES))), default=len(STAGES))
    return ranked(cells.sort(order, "dimension", "value").select(
        "stage", "dimension", "value", last_count=pl.col("n0").cast(pl.Int64), this_count=pl.col("n1").cast(pl.Int64),
        score_last="m0", score_this="m1", score_change=pl.col("m1") - pl.col("m0"),
        error=(variance[0] + variance[1]).sqrt()), "score_change", top)


def ranked(movers: pl.DataFrame, change: str, top: int) -> pl.DataFrame:
    """The `top` largest moves measured in standard errors (`error`); beyond 1.96 of them is beyond noise."""
    moved = pl.col(change).abs()
    z = (pl.when(pl.col("error") > 0).then(moved / pl.col("error"))
         .when(moved > 0).then(float("inf")).otherwise(0.0))
    return (movers.with_columns(z=z).with_columns(beyond_noise=pl.col("z") > Z95)
            .sort("z", descending=True, maintain_order=True).head(top).drop("error", "z"))


# --- agents ------------------------------------------------------------------------------------------------

def agents_section(query: Query, week: Week, flt: Filters, settings: Settings) -> Section:
    # the scorecards only: the section shows neither the best agent per reason nor the team table
    cells, last_cells = (agents.contact_cells(query, flt.with_range(days.start, days.end), settings)
                         for days in (week, week.shift(-1)))
    card, last_card = (access.visible(agents.scorecard(c, settings), access.EVERYONE) for c in (cells, last_cells))
    movers = agent_movers(card, last_card, settings.min_contacts)
    top = card.filter(pl.col("rank").is_not_null()).head(TOP_AGENTS).select(
        "rank", "agent_id", "agent_name", "team", "contacts", "fcr", "fcr_adjusted", "fcr_adjusted_low",
        "fcr_adjusted_high", "csat_pct", "repeat_7d", "composite")
    chart = partial(agent_charts.volume_quality, card, agent_detail.overall_fcr(cells), settings.min_contacts)
    caption = (f"Agent contacts of the week, as the Agents page shows them for these dates: mix-adjusted FCR with 95% "
               f"intervals, composite score and rank among agents with at least {settings.min_contacts} contacts. "
               f"{agents.busiest_note(card)}")
    return Section("Agents", caption, [
        _table_or_note("Top movers: agents", movers, "Agents whose mix-adjusted FCR changed most against last week, "
                       f"in standard errors of the change; agents with at least {settings.min_contacts} contacts in "
                       "both weeks."),
        _table_or_note(f"Top {TOP_AGENTS} of the week", agents.display(top), "By composite score (highest first)."),
        Part("Volume is not quality", chart, "Contacts handled against mix-adjusted FCR (bars: 95% interval); dotted: "
             "all agents.") if card.height else
        Part("Volume is not quality", pl.DataFrame(), "No agent contacts this week, so there is nothing to plot."),
    ])


def agent_movers(this: pl.DataFrame, last: pl.DataFrame, min_contacts: int, top: int = 5) -> pl.DataFrame:
    """Agents whose mix-adjusted FCR moved most beyond chance, among agents with `min_contacts` contacts in both weeks.

    In: agents.scorecard of the review week and of the week before. Out: one row per agent with agent_id,
    agent_name, last_count, this_count, fcr_last, fcr_this, fcr_change, beyond_noise (|change| > 1.96 standard
    errors, each week's taken from its 95% interval).
    """
    def week(card: pl.DataFrame, when: str) -> pl.DataFrame:
        error = (pl.col("fcr_adjusted_high") - pl.col("fcr_adjusted")) / agents.Z95
        return card.filter((pl.col("contacts") >= min_contacts) & pl.col("fcr_adjusted").is_not_null()).select(
            "agent_id", *(["agent_name"] if when == "this" else []), pl.col("contacts").alias(f"{when}_count"),
            pl.col("fcr_adjusted").alias(f"fcr_{when}"), error.alias(f"error_{when}"))
    pairs = week(last, "last").join(week(this, "this"), on="agent_id").sort("agent_id")
    return ranked(pairs.select(
        "agent_id", "agent_name", "last_count", "this_count", "fcr_last", "fcr_this",
        fcr_change=pl.col("fcr_this") - pl.col("fcr_last"),
        error=(pl.col("error_last") ** 2 + pl.col("error_this") ** 2).sqrt()), "fcr_change", top)


# --- pipeline ---------------------------------------------------------------------------------------------

def pipeline_section(query: Query, week: Week, flt: Filters, settings: Settings) -> Section:
    as_of = week.end + timedelta(days=1)
    result = pipeline.forecasts(query, as_of, flt, settings)
    months = pipeline.preferred(query, result, flt, settings).months.with_columns(
        period=pl.col("period").dt.strftime("%Y-%m"))
    states = pipeline_flow.week_states(query, as_of, flt, settings)
    bridge = pipeline_flow.bridge(states, result.probabilities, settings.pipeline_stages)
    caption = (f"Opportunities as of the end of the week (the start of {as_of:%d %b %Y}); the channel filter does not "
               f"apply to them. {pipeline.reason(result)}")
    return Section("Pipeline", caption, [
        Part("Forecast against quota", pipeline.display(months.select(
            "period", "won_to_date", "open_forecast", "forecast", "forecast_low", "forecast_high", "quota",
            "forecast_to_quota_pct")), "Won so far in the month + what open deals are expected to bring, by the "
             "preferred method; 90% interval; quotas prorated by day (none under a segment or region filter)."),
        Part("Forecast by method", partial(pipeline_charts.forecast_months, pipeline.side_by_side(result), months),
             "Both methods' forecasts per month with their 90% intervals; the black mark: quota."),
        Part("The week's changes", partial(pipeline_charts.waterfall, bridge),
             "The weighted amount of deals open and not past their expected close, a week ago to the end of the "
             "week (the end's probabilities at both ends); a deal that slips leaves it."),
        Part("Every change of the week", pipeline.display(pipeline_flow.week_summary(states, settings.pipeline_stages)),
             "Deals and unweighted amounts, overdue deals included."),
    ])


def _table_or_note(heading: str, table: pl.DataFrame, note: str) -> Part:
    return Part(heading, table, note if table.height else note + " None this week.")
