"""The experience curve of SPEC.md: stage scores, top-box shares, peer benchmarks and peaks.

SQL returns rating counts per day, stage and dimension value (additive); scores and shares are taken here,
after any regrouping, so a week or a segment is never an average of averages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from journey.filters import Filters
from journey.schema import STAGES
from journey.settings import Settings

Query = Callable[..., pl.DataFrame]

RATING_COLUMNS = tuple(f"rating_{r}_count" for r in range(1, 6))
CURVE_COLUMNS = ("stage", "score", "top_box", "ratings", "peer_best", "margin", "peak")
COMPARE_DIMENSIONS = ("segment", "region", "channel", "product")
THIN_RATINGS = 30  # a point with fewer ratings is drawn hollow and flagged: do not over-read it
NO_VALUE = "(none)"
_TOLERANCE = 1e-9  # a margin equal to peak_margin is a peak even after float rounding


@dataclass(frozen=True)
class CurveReport:
    """The curve of a range (CLI columns), its peers, the week-over-week change and the rating cells."""

    curve: pl.DataFrame  # one row per stage in journey order: CURVE_COLUMNS
    peers: pl.DataFrame  # one row per stage and peer: stage, peer, score
    change: pl.DataFrame  # one row per stage: score_this, score_last, score_week_change
    cells: pl.DataFrame  # curve_ratings_daily rows of the range

    @property
    def has_benchmarks(self) -> bool:
        return self.peers.height > 0

    @property
    def ratings(self) -> int:
        return int(self.curve["ratings"].sum())


def report(query: Query, flt: Filters, settings: Settings) -> CurveReport:
    """The experience curve of the filtered range, with the last 7 days of it against the 7 before."""
    return reports(query, flt, settings, [(flt.start, flt.end)])[0]


def reports(query: Query, flt: Filters, settings: Settings, ranges: list[tuple[date, date]]) -> list[CurveReport]:
    """`report` of each range (first day, last day) under the same filters, from one read of their ratings."""
    first = min(min(start, end - timedelta(days=13)) for start, end in ranges)  # each last week and the one before
    fetched = query("curve_ratings_daily", **flt.with_range(first, max(end for _, end in ranges)).params(settings))
    return [_report(fetched, query("curve_benchmarks", start_date=start, end_date=end), start, end, settings)
            for start, end in ranges]


def _report(fetched: pl.DataFrame, peers: pl.DataFrame, start: date, end: date, settings: Settings) -> CurveReport:
    cells = between(fetched, start, end)
    return CurveReport(
        curve=peaks(stage_scores(overall(cells)), peers, settings.peak_margin),
        peers=peers.select("stage", "peer", "score") if peers.height else _empty_peers(),
        change=week_change(overall(fetched), end - timedelta(days=6), end),
        cells=cells,
    )


def between(cells: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    """The rows of daily cells whose rating_date lies in start..end (inclusive)."""
    if cells.height == 0:
        return _empty_cells()
    return cells.filter(pl.col("rating_date").is_between(start, end))


def overall(cells: pl.DataFrame) -> pl.DataFrame:
    """The cells of dimension 'all' (every rating once)."""
    return cells.filter(pl.col("dimension") == "all") if cells.height else cells


def stage_scores(cells: pl.DataFrame, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Score, top-box share and ratings per stage (and `by` columns) from rating counts.

    In: rows with stage, `by` and rating_1_count … rating_5_count. Out: one row per `by` value and stage
    (every stage in journey order when `by` is empty), score = 100 × mean((rating − 1) / 4).
    """
    counts = cells.select(*by, pl.col("stage").cast(pl.String), *(pl.col(c).cast(pl.Int64) for c in RATING_COLUMNS))
    grouped = counts.group_by(*by, "stage").agg(pl.col(c).sum() for c in RATING_COLUMNS)
    if not by:
        grouped = pl.DataFrame({"stage": list(STAGES)}).join(grouped, on="stage", how="left")
    ratings = pl.sum_horizontal(pl.col(c).fill_null(0) for c in RATING_COLUMNS)
    points = pl.sum_horizontal(pl.col(f"rating_{r}_count").fill_null(0) * (r - 1) for r in range(2, 6))
    scored = grouped.with_columns(ratings.cast(pl.Int64).alias("ratings")).with_columns(
        pl.when(pl.col("ratings") > 0).then(25.0 * points / pl.col("ratings")).alias("score"),
        pl.when(pl.col("ratings") > 0).then(pl.col("rating_5_count").fill_null(0) / pl.col("ratings"))
        .alias("top_box"),
    )
    order = pl.col("stage").replace_strict(list(STAGES), list(range(len(STAGES))), default=len(STAGES))
    return scored.sort(*by, order).select(*by, "stage", "score", "top_box", "ratings")


def peer_best(peers: pl.DataFrame) -> pl.DataFrame:
    """The best peer score per stage. In: one row per stage and peer. Out: one row per stage with a peer."""
    if peers.height == 0:
        return pl.DataFrame(schema={"stage": pl.String, "peer_best": pl.Float64})
    return peers.group_by("stage").agg(pl.col("score").max().cast(pl.Float64).alias("peer_best"))


def peaks(scores: pl.DataFrame, peers: pl.DataFrame, peak_margin: float) -> pl.DataFrame:
    """The curve: each stage's score against the best peer; a peak beats it by at least peak_margin.

    In: stage scores (one row per stage) and peers (one row per stage and peer). Out: CURVE_COLUMNS.
    A stage without a score or without a benchmark is not a peak.
    """
    joined = scores.join(peer_best(peers), on="stage", how="left", maintain_order="left")
    margin = pl.col("score") - pl.col("peer_best")
    return joined.with_columns(margin.alias("margin")).with_columns(
        (pl.col("margin") >= peak_margin - _TOLERANCE).fill_null(False).alias("peak"),
    ).select(CURVE_COLUMNS)


def week_change(cells: pl.DataFrame, week_start: date, end: date) -> pl.DataFrame:
    """Per stage: score over week_start..end, over the 7 days before, and the change in points."""
    this = stage_scores(between(cells, week_start, end))
    last = stage_scores(between(cells, week_start - timedelta(days=7), week_start - timedelta(days=1)))
    return this.select("stage", pl.col("score").alias("score_this"), pl.col("ratings").alias("ratings_this")).join(
        last.select("stage", pl.col("score").alias("score_last"), pl.col("ratings").alias("ratings_last")),
        on="stage", maintain_order="left",
    ).with_columns((pl.col("score_this") - pl.col("score_last")).alias("score_week_change"))


def compare(cells: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """The curve per value of a dimension: value, stage, score, top_box, ratings, thin (under THIN_RATINGS)."""
    rows = cells.filter(pl.col("dimension") == dimension) if cells.height else _empty_cells()
    rows = rows.with_columns(pl.col("value").fill_null(NO_VALUE))
    scored = stage_scores(rows, by=("value",))
    return scored.with_columns((pl.col("ratings") < THIN_RATINGS).alias("thin"))


def rating_distribution(cells: pl.DataFrame, stage: str) -> pl.DataFrame:
    """Ratings of one stage per week (Monday start): week_start, ratings, score, top_box, rating_1…5 counts."""
    rows = overall(cells).filter(pl.col("stage") == stage) if cells.height else _empty_cells()
    weekly = rows.with_columns(pl.col("rating_date").dt.truncate("1w").alias("week_start"))
    counts = weekly.group_by("week_start").agg(pl.col(c).sum() for c in RATING_COLUMNS)
    scored = stage_scores(counts.with_columns(pl.lit(stage).alias("stage")), by=("week_start",))
    return scored.join(counts, on="week_start").sort("week_start").drop("stage")


def cli_table(result: CurveReport) -> pl.DataFrame:
    """The `journey curve` output: one row per stage in journey order, SPEC's columns."""
    return result.curve.select(CURVE_COLUMNS)


def display(result: CurveReport) -> pl.DataFrame:
    """The curve as the page's table, with the week-over-week change (see `for_display`)."""
    joined = result.curve.join(result.change.select("stage", "score_week_change"), on="stage", maintain_order="left")
    return for_display(joined)


def for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """Names whose suffix formats them on a page (top_box_share is a percentage) and points to one decimal."""
    shown = frame.rename({k: v for k, v in _DISPLAY_NAMES.items() if k in frame.columns})
    # dates as ISO text: the table would otherwise show them as midnight timestamps
    return shown.with_columns(*(pl.col(c).round(1) for c in _POINTS if c in shown.columns),
                              pl.col(pl.Date).dt.to_string("%Y-%m-%d"))


_DISPLAY_NAMES = {"top_box": "top_box_share", "margin": "points_over_best_peer"}
_POINTS = ("score", "points_over_best_peer", "score_week_change")


def _empty_cells() -> pl.DataFrame:
    return pl.DataFrame(schema={"rating_date": pl.Date, "stage": pl.String, "dimension": pl.String,
                                "value": pl.String, **dict.fromkeys(RATING_COLUMNS, pl.Int64)})


def _empty_peers() -> pl.DataFrame:
    return pl.DataFrame(schema={"stage": pl.String, "peer": pl.String, "score": pl.Float64})
