"""The Overview beyond the KPI tiles: forecast against quota, peaks won and lost, and what needs attention.

Every number comes from the library that owns it (pipeline, curve, customers, health); this module only picks
the Overview's week (the range's last 7 days against the 7 before, as the tiles do) and words the alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import polars as pl

from journey import curve, customers, definitions, health, kpis, pipeline, weekly
from journey.filters import Filters
from journey.kpis import Kpis
from journey.settings import Settings

Query = Callable[..., pl.DataFrame]
# the page that explains each tile and alert (pages/<page>.py)
EXPLAINED_BY = {
    "contacts": "weekly_review", "csat_pct": "customers", "nps": "customers", "ces": "customers",
    "fcr": "agents", "repeat_7d": "agents", "aht_seconds": "agents", "journey_conversion": "journey",
    "revenue": "customers", "return_rate": "journey", "on_time_delivery": "journey", "forecast": "pipeline",
}
PAGE_TITLES = {"weekly_review": "Weekly review", "customers": "Customers", "agents": "Agents", "journey": "Journey",
               "pipeline": "Pipeline", "data_health": "Data health"}


@dataclass(frozen=True)
class Alert:
    text: str
    page: str  # the page that explains it


# --- forecast against quota -------------------------------------------------------------------------

@dataclass(frozen=True)
class ForecastTile:
    """The preferred forecast of the as-of month against its quota, and its move since a week earlier."""

    as_of: date
    period: date  # first day of the forecast month
    method: str
    forecast: float
    forecast_low: float
    forecast_high: float
    quota: float | None  # None without quotas, or under a segment or region filter
    change: float | None  # forecast of the same month, by the same method, minus the one as of a week earlier

    @property
    def to_quota(self) -> float | None:
        return self.forecast / self.quota if self.quota else None

    @property
    def status(self) -> str:
        if not self.quota:
            return "no target"
        return "on target" if self.forecast >= self.quota else "off target"


def forecast_as_of(flt: Filters, today: date) -> date:
    """The day the Overview forecasts as of: the start of the day after the range, never later than today."""
    return min(flt.end + timedelta(days=1), today)


def forecast_tile(query: Query, as_of: date, flt: Filters, settings: Settings) -> ForecastTile:
    """The as-of month's forecast by the preferred method (`pipeline.preferred_forecast`) against quota."""
    return tile_of(as_of, *(part() for part in forecast_parts(query, as_of, flt, settings)))


def forecast_parts(query: Query, as_of: date, flt: Filters, settings: Settings) -> list[Callable[[], Any]]:
    """The tile's two forecasts as independent calls, for a page to compute at the same time: the preferred one as
    of `as_of`, and both methods' a week earlier (the change)."""
    return [partial(pipeline.preferred_forecast, query, as_of, flt, settings),
            partial(pipeline.forecasts, query, as_of - timedelta(days=7), flt, settings, with_backtest=False)]


def tile_of(as_of: date, best: pipeline.PreferredForecast, week_ago: pipeline.Forecasts) -> ForecastTile:
    """The tile from `forecast_parts`' results."""
    month = best.months.row(0, named=True)
    earlier = week_ago.method(best.method)
    # a week earlier the month was the as-of month or the one after it: always within that horizon
    before = earlier.filter(pl.col("period") == month["period"])["forecast"]
    return ForecastTile(as_of, month["period"], best.method, month["forecast"], month["forecast_low"],
                        month["forecast_high"], month["quota"],
                        month["forecast"] - before[0] if before.len() else None)


def forecast_help(tile: ForecastTile) -> str:
    quota = ("no quota to compare (quotas belong to owners: none under a segment or region filter)"
             if tile.quota is None else f"quota {tile.quota:,.0f} (owners' quotas prorated by day)")
    return (f"Won so far in {tile.period:%B %Y} plus what open deals are expected to bring, by the "
            f"{pipeline.METHODS[tile.method]} method (the one with the better backtest), as of the start of "
            f"{tile.as_of:%d %b %Y}; 90% interval {tile.forecast_low:,.0f} – {tile.forecast_high:,.0f}. Against "
            f"{quota}. Change: against the same month's forecast a week earlier.")


# --- peaks of this week and last --------------------------------------------------------------------

def week_ranges(end: date) -> list[tuple[date, date]]:
    """The 7 days ending on `end`, and the 7 days before them."""
    return [(end - timedelta(days=6), end), (end - timedelta(days=13), end - timedelta(days=7))]


def week_curves(query: Query, flt: Filters, settings: Settings, end: date) -> tuple[curve.CurveReport,
                                                                                     curve.CurveReport]:
    """The experience curve of the 7 days ending on `end`, and of the 7 days before them."""
    this, last = curve.reports(query, flt, settings, week_ranges(end))
    return this, last


def curves(query: Query, flt: Filters, settings: Settings) -> tuple[curve.CurveReport,
                                                                   tuple[curve.CurveReport, curve.CurveReport]]:
    """The range's curve, and the curves of its last 7 days and the 7 before (the peak alerts'), from one read of
    the ratings."""
    whole, this, last = curve.reports(query, flt, settings, [(flt.start, flt.end), *week_ranges(flt.end)])
    return whole, (this, last)


def peak_changes(this: pl.DataFrame, last: pl.DataFrame) -> pl.DataFrame:
    """Per stage, whether it is a peak this week and was last week.

    In: two curves (curve.CURVE_COLUMNS, one row per stage). Out: stage, score_last, margin_last, peak_last,
    score_this, margin_this, peak_this, lost (a peak last week, not this week), gained (the other way round).
    """
    joined = last.select("stage", score_last="score", margin_last="margin", peak_last="peak").join(
        this.select("stage", score_this="score", margin_this="margin", peak_this="peak"), on="stage",
        how="full", coalesce=True, maintain_order="left")
    return joined.with_columns(pl.col("peak_last", "peak_this").fill_null(False)).with_columns(
        lost=pl.col("peak_last") & ~pl.col("peak_this"), gained=pl.col("peak_this") & ~pl.col("peak_last"))


def peak_alerts(changes: pl.DataFrame, peak_margin: float) -> list[Alert]:
    """One alert per stage that was a peak last week and is not one this week."""
    alerts = []
    for row in changes.filter(pl.col("lost")).iter_rows(named=True):
        now = ("it has no ratings this week" if row["score_this"] is None
               else "it has no peer benchmark this week" if row["margin_this"] is None
               else f"now {row['score_this']:.1f}, {row['margin_this']:+.1f} against the best peer")
        alerts.append(Alert(f"{row['stage'].capitalize()} lost its peak: last week {row['score_last']:.1f}, "
                            f"{row['margin_last']:+.1f} over the best peer; {now} (a peak needs "
                            f"+{peak_margin:g}).", "journey"))
    return alerts


# --- the alerts panel -------------------------------------------------------------------------------

def kpi_alerts(values: Kpis, settings: Settings) -> list[Alert]:
    """Every KPI whose value over the range is on the wrong side of its target."""
    return [Alert(f"{definitions.label(n)} is off target: {weekly.show(n, values[n])} against "
                  f"{weekly.show(n, settings.targets[n].value)} ({settings.targets[n].better} is better)",
                  EXPLAINED_BY[n])
            for n in kpis.KPI_NAMES if kpis.target_status(values[n], settings.targets.get(n)) == "off target"]


def coordination_alerts(summary: dict[str, object]) -> list[Alert]:
    days, rate = summary["uncoordinated_days"], summary["coordination_rate"]
    if not days:
        return []
    return [Alert(f"{days} uncoordinated contact day{'s' if days != 1 else ''} this week: customers contacted "
                  f"outbound by two or more departments on one day ({rate:.1%} of customer days with an outbound "
                  "contact).", "customers")]


def freshness_alerts(status: health.FooterStatus, settings: Settings, now: datetime) -> list[Alert]:
    """Stale data: the newest record of all is old, or some tables lag behind (amber or red)."""
    if status.newest is None:
        return [Alert("The store has no data yet: import a folder or build the demo.", "data_health")]
    parts = []
    if status.light in ("amber", "red"):
        age = health.age_days(status.newest, now) or 0.0
        parts.append(f"the newest record is {age:.1f} days old ({status.light}: more than "
                     f"{settings.freshness_green_days:g} day{'s' if settings.freshness_green_days != 1 else ''})")
    if status.lagging:
        parts.append("tables lagging behind: " + ", ".join(f"{t} ({light})" for t, light in status.lagging.items()))
    return [Alert("Stale data: " + "; ".join(parts) + ".", "data_health")] if parts else []


def at_risk_alerts(total: int, settings: Settings) -> list[Alert]:
    if not total:
        return []
    return [Alert(f"{total:,} at-risk customer{'s' if total != 1 else ''} without follow-up: NPS 0–6 or churn intent "
                  f"in the range and no follow-up within {settings.follow_up_window_days:g} days.", "customers")]


def alerts(query: Query, flt: Filters, settings: Settings, values: Kpis,
           weeks: tuple[curve.CurveReport, curve.CurveReport], now: datetime) -> list[Alert]:
    """The Overview's alerts, in order: KPIs off target, lost peaks (`weeks`: the curves of the range's last 7 days
    and of the 7 before, `week_curves`), uncoordinated contacts this week, stale data, at-risk customers nobody
    followed up. `now` is naive UTC."""
    this, last = weeks
    week = flt.with_range(flt.end - timedelta(days=6), flt.end)
    return [
        *kpi_alerts(values, settings),
        *peak_alerts(peak_changes(this.curve, last.curve), settings.peak_margin),
        *coordination_alerts(customers.coordination_summary(customers.coordination_daily(query, week, settings))),
        *freshness_alerts(health.footer_status(query, settings, now), settings, now),
        *at_risk_alerts(customers.at_risk(query, flt, settings, limit=1).total, settings),
    ]


CHECKED = ("KPIs against their targets (config/journey.toml), over the range; peaks: a stage that was a peak in the "
           "7 days before the range's last 7 days and is not one in them; uncoordinated contact days in the last 7 "
           "days; data freshness (the footer's traffic lights); at-risk customers without follow-up in the range.")
