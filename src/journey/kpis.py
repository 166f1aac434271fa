"""Executive KPIs of SPEC.md: additive daily measures come from SQL, rates are taken here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from journey.filters import Filters
from journey.settings import Settings, Target

Query = Callable[..., pl.DataFrame]
Kpis = dict[str, float | int | None]

KPI_NAMES = (
    "contacts", "csat_pct", "nps", "ces", "fcr", "repeat_7d", "aht_seconds",
    "journey_conversion", "revenue", "return_rate", "on_time_delivery",
)
# part -> (query, its date column)
DAILY_QUERIES = {
    "contacts": ("kpi_contacts_daily", "contact_date"),
    "surveys": ("kpi_surveys_daily", "survey_date"),
    "journeys": ("kpi_journeys_daily", "journey_date"),
    "orders": ("kpi_orders_daily", "order_date"),
}


@dataclass(frozen=True)
class KpiReport:
    """The KPIs of a range, and of its last 7 days against the 7 before, for week-over-week change."""

    values: Kpis
    this_week: Kpis
    last_week: Kpis

    def change(self, name: str) -> float | None:
        now, before = self.this_week[name], self.last_week[name]
        return None if now is None or before is None else float(now) - float(before)


def daily(query: Query, flt: Filters, settings: Settings) -> dict[str, pl.DataFrame]:
    """The additive daily measures behind every KPI, one frame per part (grain: one row per day)."""
    params = flt.params(settings)
    return {part: query(name, **params) for part, (name, _) in DAILY_QUERIES.items()}


def report(query: Query, flt: Filters, settings: Settings) -> KpiReport:
    """KPIs of the filtered range, plus its last week and the week before it."""
    week_start = flt.end - timedelta(days=6)
    fetched = daily(query, flt.with_range(min(flt.start, week_start - timedelta(days=7)), flt.end), settings)
    return KpiReport(
        values=summarize(fetched, flt.start, flt.end),
        this_week=summarize(fetched, week_start, flt.end),
        last_week=summarize(fetched, week_start - timedelta(days=7), week_start - timedelta(days=1)),
    )


def summarize(parts: dict[str, pl.DataFrame], start: date, end: date) -> Kpis:
    """KPIs over the days start..end (inclusive) of the daily frames."""
    c, s, j, o = (_sums(parts[part], DAILY_QUERIES[part][1], start, end) for part in DAILY_QUERIES)
    return {
        "contacts": int(c.get("contacts_count", 0)),
        "csat_pct": ratio(s.get("csat_top_count"), s.get("csat_count")),
        "nps": nps(s.get("promoter_count", 0), s.get("detractor_count", 0), s.get("nps_count", 0)),
        "ces": ratio(s.get("ces_sum"), s.get("ces_count")),
        "fcr": ratio(c.get("fcr_count"), c.get("resolved_known_count")),
        "repeat_7d": ratio(c.get("repeat_count"), c.get("agent_contacts_count")),
        "aht_seconds": ratio(c.get("handle_sec_sum"), c.get("handle_count")),
        "journey_conversion": ratio(j.get("converted_count"), j.get("journeys_count")),
        "revenue": float(o.get("revenue_sum", 0.0)),
        "return_rate": ratio(o.get("returns_count"), o.get("orders_count")),
        "on_time_delivery": ratio(o.get("on_time_count"), o.get("delivered_count")),
    }


def _sums(frame: pl.DataFrame, date_column: str, start: date, end: date) -> dict[str, Any]:
    """Column sums over the rows whose date lies in start..end."""
    if frame.height == 0:
        return {}
    rows = frame.filter(pl.col(date_column).is_between(start, end)).drop(date_column)
    return {} if rows.height == 0 else rows.sum().row(0, named=True)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None (missing) when there is nothing to divide by."""
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator)


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    """Net promoter score in points (−100…100): % promoters minus % detractors."""
    return None if not answers else 100.0 * (promoters - detractors) / answers


def target_status(value: float | int | None, target: Target | None) -> str:
    """'on target', 'off target', or 'no data' / 'no target' when there is nothing to compare."""
    if target is None:
        return "no target"
    if value is None:
        return "no data"
    met = value >= target.value if target.better == "higher" else value <= target.value
    return "on target" if met else "off target"
