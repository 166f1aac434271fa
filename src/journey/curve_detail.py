"""Around the experience curve: the stage funnel, what peaks do (peak impact, repurchase), stage drill-down.

Journeys and their conversion come from the KPI query `kpi_journeys_daily`, so the Journey page and the
`journey_conversion` KPI are one computation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from journey import kpis
from journey.filters import Filters
from journey.schema import STAGES
from journey.settings import Settings

Query = Callable[..., pl.DataFrame]
REPURCHASE_DAYS = 90
WORST_JOURNEYS = 10
Z95 = 1.959964  # two-sided 95% normal quantile


def journey_totals(query: Query, flt: Filters, settings: Settings) -> dict[str, int]:
    """The range's journey counts (by first event): journeys, converted, peak, per-stage reached/abandoned."""
    name, _ = kpis.DAILY_QUERIES["journeys"]
    daily = query(name, **flt.params(settings))
    if daily.height == 0:
        return {}
    return {k: int(v or 0) for k, v in daily.drop("journey_date").sum().row(0, named=True).items()}


def conversion(totals: dict[str, int]) -> float | None:
    """Journey conversion, the KPI's own ratio: converted journeys / journeys."""
    return kpis.ratio(totals.get("converted_count"), totals.get("journeys_count"))


def funnel(totals: dict[str, int]) -> pl.DataFrame:
    """One row per stage: journeys reaching it, their share of all journeys, the share of them that went on to
    a later stage (journeys may skip a stage), and journeys with an abandoned event there."""
    journeys = totals.get("journeys_count", 0)
    reached = [totals.get(f"{s}_reached_count", 0) for s in STAGES]
    abandoned = [totals.get(f"{s}_abandoned_count", 0) for s in STAGES]
    return pl.DataFrame({
        "stage": list(STAGES),
        "reached_count": reached,
        "reached_share": [kpis.ratio(n, journeys) for n in reached],
        "continued_rate": [kpis.ratio(totals.get(f"{s}_continued_count", 0), n)
                           for s, n in zip(STAGES[:-1], reached, strict=False)] + [None],
        "abandoned_count": abandoned,
        "abandonment_rate": [kpis.ratio(a, n) for a, n in zip(abandoned, reached, strict=True)],
    }, schema_overrides={"reached_share": pl.Float64, "continued_rate": pl.Float64,
                         "abandonment_rate": pl.Float64})


@dataclass(frozen=True)
class Comparison:
    """Two groups' success rates, their difference and its 95% interval (normal approximation)."""

    name: str
    with_label: str  # who is in the first group, e.g. "journeys with a peak"
    without_label: str
    with_count: int
    with_successes: int
    without_count: int
    without_successes: int

    @property
    def with_rate(self) -> float | None:
        return kpis.ratio(self.with_successes, self.with_count)

    @property
    def without_rate(self) -> float | None:
        return kpis.ratio(self.without_successes, self.without_count)

    @property
    def interval(self) -> tuple[float, float, float] | None:
        """(difference, low, high) of with − without, or None when a group is empty."""
        return difference_interval(self.with_successes, self.with_count, self.without_successes, self.without_count)

    @property
    def significant(self) -> bool | None:
        """Whether the 95% interval of the difference excludes zero.

        None when a group is empty, or when neither group varies (all or none succeeded in both): the normal
        approximation then gives a zero-width interval that would call any difference significant.
        """
        found = self.interval
        if found is None or found[1] == found[2]:
            return None
        return found[1] > 0 or found[2] < 0


def difference_interval(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float] | None:
    """p1 − p2 and its 95% interval, Wald: ± 1.96 √(p1(1 − p1)/n1 + p2(1 − p2)/n2)."""
    if n1 <= 0 or n2 <= 0:
        return None
    p1, p2 = x1 / n1, x2 / n2
    half = Z95 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p1 - p2, p1 - p2 - half, p1 - p2 + half


def peak_impact(totals: dict[str, int]) -> Comparison:
    """Conversion of journeys with a find/choose event rated 5 against the other journeys."""
    journeys, converted = totals.get("journeys_count", 0), totals.get("converted_count", 0)
    peak, peak_converted = totals.get("peak_count", 0), totals.get("peak_converted_count", 0)
    return Comparison("find/choose peak → journey conversion", "journeys with a find/choose peak converted",
                      "journeys without one", peak, peak_converted,
                      journeys - peak, converted - peak_converted)


def repurchase(query: Query, flt: Filters, settings: Settings) -> list[Comparison]:
    """For receive and return: 90-day repurchase of customers whose first rating there was 5 against the others."""
    rows = query("journey_repurchase", repurchase_window_sec=REPURCHASE_DAYS * 86400, **flt.params(settings))
    found = {(r["stage"], bool(r["top_box"])): (int(r["customers_count"]), int(r["repurchased_count"]))
             for r in rows.iter_rows(named=True)}
    comparisons = []
    for stage in ("receive", "return"):
        top, rest = found.get((stage, True), (0, 0)), found.get((stage, False), (0, 0))
        comparisons.append(Comparison(
            f"{stage} rated 5 → repurchase in {REPURCHASE_DAYS} days",
            f"customers who rated {stage} 5 bought again within {REPURCHASE_DAYS} days", "who rated it 1–4",
            top[0], top[1], rest[0], rest[1]))
    return comparisons


def impact_table(comparisons: list[Comparison]) -> pl.DataFrame:
    """One row per comparison: both groups, the difference in points with its 95% interval, the verdict."""
    rows = []
    for c in comparisons:
        found = c.interval
        points = [None if found is None else round(100 * v, 1) for v in (found or (0.0, 0.0, 0.0))]
        rows.append({"comparison": c.name, "with_count": c.with_count, "with_rate": c.with_rate,
                     "without_count": c.without_count, "without_rate": c.without_rate,
                     "difference_pts": points[0], "difference_low_pts": points[1], "difference_high_pts": points[2],
                     "verdict": verdict_word(c)})
    return pl.DataFrame(rows, schema_overrides={"with_rate": pl.Float64, "without_rate": pl.Float64,
                                                "difference_pts": pl.Float64, "difference_low_pts": pl.Float64,
                                                "difference_high_pts": pl.Float64})


def verdict_word(comparison: Comparison) -> str:
    significant = comparison.significant
    if significant is None:
        return "nothing to compare" if comparison.interval is None else "cannot judge"
    return "significant" if significant else "not significant"


def sentence(comparison: Comparison) -> str:
    """The comparison in plain words, saying so when the difference is not significant."""
    c, found = comparison, comparison.interval
    if found is None or c.with_rate is None or c.without_rate is None:
        return f"Nothing to compare: one group is empty ({c.with_count:,} against {c.without_count:,})."
    diff, low, high = (100 * v for v in found)
    said = (f"{c.with_rate:.1%} of {c.with_count:,} {c.with_label}, against "
            f"{c.without_rate:.1%} of {c.without_count:,} {c.without_label}: "
            f"{diff:+.1f} points (95% interval {low:+.1f} to {high:+.1f}).")
    if c.significant is None:
        return f"{said} Too little variation to judge: in both groups all or none did it."
    if c.significant:
        return f"{said} The difference is significant."
    return f"{said} The difference is not significant: the interval includes zero, so it may be chance."


def stage_reasons(query: Query, flt: Filters, settings: Settings, stage: str) -> pl.DataFrame:
    """Contact reasons raised at a stage: reason, contacts_count, contacts_share, resolved_rate."""
    rows = query("journey_stage_reasons", **flt.params(settings))
    if rows.height == 0:
        return pl.DataFrame(schema={"reason": pl.String, "contacts_count": pl.Int64, "contacts_share": pl.Float64,
                                    "resolved_rate": pl.Float64})
    rows = rows.filter(pl.col("stage") == stage)
    resolved = pl.when(pl.col("resolved_known_count") > 0).then(
        pl.col("resolved_count") / pl.col("resolved_known_count"))
    return rows.select(
        "reason", "contacts_count",
        (pl.col("contacts_count") / pl.col("contacts_count").sum()).alias("contacts_share"),
        resolved.cast(pl.Float64).alias("resolved_rate"),
    ).sort("contacts_count", "reason", descending=[True, False])


def worst_journeys(query: Query, flt: Filters, settings: Settings, stage: str,
                   limit: int = WORST_JOURNEYS) -> pl.DataFrame:
    """The journeys rated worst at a stage in the range (lowest rating, most recent first), with all their events."""
    return query("journey_worst", stage=stage, journeys_limit=limit, **flt.params(settings))
