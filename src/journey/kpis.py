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
    values, this_week, last_week = summaries(fetched, [(flt.start, flt.end), (week_start, flt.end),
                                                      (week_start - timedelta(days=7), week_start - timedelta(days=1))])
    return KpiReport(values, this_week, last_week)


def summarize(parts: dict[str, pl.DataFrame], start: date, end: date) -> Kpis:
    """KPIs over the days start..end (inclusive) of the daily frames."""
    return summaries(parts, [(start, end)])[0]


def summaries(parts: dict[str, pl.DataFrame], windows: list[tuple[date, date]]) -> list[Kpis]:
    """KPIs over each window of days start..end (inclusive): every window summed in one pass per frame."""
    spans = pl.DataFrame(windows, orient="row", schema={"first_day": pl.Date, "last_day": pl.Date},
                         ).with_row_index("window")
    sums = [_sums(parts[part], DAILY_QUERIES[part][1], spans) for part in DAILY_QUERIES]
    return [_kpis(*(part.get(window, {}) for part in sums)) for window in range(len(windows))]


def _kpis(c: dict[str, Any], s: dict[str, Any], j: dict[str, Any], o: dict[str, Any]) -> Kpis:
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


def _sums(frame: pl.DataFrame, date_column: str, spans: pl.DataFrame) -> dict[int, dict[str, Any]]:
    """Per window with rows: the column sums over the rows whose date lies in it."""
    if frame.height == 0:
        return {}
    day = pl.col(date_column)
    rows = spans.join(frame, how="cross").filter((day >= pl.col("first_day")) & (day <= pl.col("last_day")))
    totals = rows.drop(date_column, "first_day", "last_day").group_by("window").agg(pl.all().sum())
    return {row.pop("window"): row for row in totals.iter_rows(named=True)}


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
