"""The weekly review: ISO weeks, every KPI against last week and its noise, and why the rates moved.

A week is an ISO week (Monday–Sunday) of local days in the configured time zone. Every number is
taken from additive daily measures summed over the week, so a 4-week average is pooled over the four
weeks' contacts, surveys, journeys and orders — never an average of weekly averages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from journey import definitions, kpis, schema
from journey.filters import Filters, local_midnight_utc
from journey.kpis import KpiReport, Kpis, Query
from journey.settings import Settings
from journey.store import Store, StoreError

NOISE_WEEKS = 12       # week-over-week changes that define normal noise
NOISE_FACTOR = 2.0     # a change beyond this many standard deviations of them is not noise
MIN_NOISE_CHANGES = 4  # fewer known changes than this: too little history to judge
SPARKLINE_WEEKS = 12
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

# rate KPI -> (cells query, numerator column, denominator column)
RATE_KPIS: dict[str, tuple[str, str, str]] = {
    "fcr": ("weekly_contact_cells", "fcr_count", "resolved_known_count"),
    "repeat_7d": ("weekly_contact_cells", "repeat_count", "agent_contacts_count"),
    "aht_seconds": ("weekly_contact_cells", "handle_sec_sum", "handle_count"),
    "csat_pct": ("weekly_survey_cells", "csat_top_count", "csat_count"),
    "nps": ("weekly_survey_cells", "nps_point_sum", "nps_count"),
    "ces": ("weekly_survey_cells", "ces_sum", "ces_count"),
    "journey_conversion": ("weekly_journey_cells", "converted_count", "journeys_count"),
    "return_rate": ("weekly_order_cells", "returns_count", "orders_count"),
    "on_time_delivery": ("weekly_order_cells", "on_time_count", "delivered_count"),
}
EXPLAINED_BY = ("channel", "reason", "region", "segment", "team", "product")
UNITS = {"weekly_contact_cells": "contacts", "weekly_survey_cells": "surveys",
         "weekly_journey_cells": "journeys", "weekly_order_cells": "orders"}
CELL_QUERIES = tuple(UNITS)


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week, written 2026-W47."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        match = _WEEK.match(text.strip())
        try:
            if not match:
                raise ValueError
            return cls.of(date.fromisocalendar(int(match[1]), int(match[2]), 1))
        except ValueError:
            raise ValueError(f"{text[:40]!r} is not an ISO week (YYYY-Www, e.g. 2026-W47)") from None

    @classmethod
    def of(cls, day: date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    def shift(self, weeks: int) -> Week:
        return Week.of(self.start + timedelta(weeks=weeks))

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"


def default_week(end: date, today: date) -> Week:
    """The last complete week ending on or before `end`; a week is complete once its Sunday is over."""
    day = min(end, today - timedelta(days=1))
    return Week.of(day - timedelta(days=(day.weekday() + 1) % 7))


def settled_on(week: Week, settings: Settings) -> date:
    """The first day on which the week's repeat and FCR are final: its last contacts have had their window."""
    return week.end + timedelta(days=math.ceil(settings.repeat_window_days) + 1)


# --- every KPI: this week, last week, 4-week average, change, noise ---------------------------------

def kpi_table(query: Query, week: Week, flt: Filters, settings: Settings) -> pl.DataFrame:
    """Every KPI of `week` against last week and the pooled 4 weeks before (one row per KPI)."""
    return compare(history(query, week, flt, settings), week, settings)


def history(query: Query, week: Week, flt: Filters, settings: Settings) -> dict[str, pl.DataFrame]:
    """The daily measures of `week` and the 13 weeks before it: all the KPI table and the trend need."""
    return kpis.daily(query, flt.with_range(week.shift(-NOISE_WEEKS - 1).start, week.end), settings)


def trend(parts: dict[str, pl.DataFrame], week: Week) -> pl.DataFrame:
    """Every KPI per week, for `week` and the 13 before it (one row per week and KPI)."""
    weeks = [week.shift(-k) for k in range(NOISE_WEEKS + 1, -1, -1)]
    rows = [{"week": str(w), "week_start": w.start, "kpi": name, "value": _float(values[name])}
            for w, values in zip(weeks, kpis.summaries(parts, [(w.start, w.end) for w in weeks]), strict=True)
            for name in kpis.KPI_NAMES]
    return pl.DataFrame(rows, schema={"week": pl.String, "week_start": pl.Date, "kpi": pl.String,
                                      "value": pl.Float64})


def _weekly_average(name: str, pooled: float | int | None) -> float | None:
    """Rates and means pool the four weeks; totals (contacts, revenue) are divided by four to read as a week."""
    value = _float(pooled)
    return value / 4 if value is not None and definitions.kind(name) in ("count", "money") else value


def compare(parts: dict[str, pl.DataFrame], week: Week, settings: Settings) -> pl.DataFrame:
    """KPI rows from daily frames covering the 13 weeks before `week` and the week itself."""
    weeks = [week.shift(-k) for k in range(NOISE_WEEKS + 1, -1, -1)]  # the 13 weeks before, then the week
    *before, this, pooled = kpis.summaries(parts, [*((w.start, w.end) for w in weeks),
                                                   (week.shift(-4).start, week.shift(-1).end)])
    last = before[-1]
    rows = []
    for name in kpis.KPI_NAMES:
        change = _difference(this[name], last[name])
        sd = noise(before, name)
        target = settings.targets.get(name)
        rows.append({
            "kpi": name, "this_week": _float(this[name]), "last_week": _float(last[name]),
            "avg_4w": _weekly_average(name, pooled[name]), "change": change, "change_sd": sd,
            "beyond_noise": None if change is None or sd is None else abs(change) > NOISE_FACTOR * sd,
            "target": None if target is None else target.value,
            "status": kpis.target_status(this[name], target),
        })
    return pl.DataFrame(rows, schema={
        "kpi": pl.String, "this_week": pl.Float64, "last_week": pl.Float64, "avg_4w": pl.Float64,
        "change": pl.Float64, "change_sd": pl.Float64, "beyond_noise": pl.Boolean,
        "target": pl.Float64, "status": pl.String})


def noise(history: list[Kpis], name: str) -> float | None:
    """Sample standard deviation of the week-over-week changes of `name` over consecutive weeks."""
    changes = [c for c in (_difference(b[name], a[name]) for a, b in zip(history, history[1:], strict=False))
               if c is not None]
    if len(changes) < MIN_NOISE_CHANGES:
        return None
    mean = sum(changes) / len(changes)
    return math.sqrt(sum((c - mean) ** 2 for c in changes) / (len(changes) - 1))


def tiles(query: Query, flt: Filters, settings: Settings) -> tuple[KpiReport, dict[str, list[float | None]]]:
    """The Overview's KPIs of the range, its last 7 days against the 7 before, and 12 weekly sparklines.

    The sparkline points are consecutive 7-day blocks ending on the range's last day, so the last two
    points are the two weeks the change compares.
    """
    first = flt.end - timedelta(days=7 * SPARKLINE_WEEKS - 1)
    parts = kpis.daily(query, flt.with_range(min(flt.start, first), flt.end), settings)
    *blocks, values = kpis.summaries(parts, [
        *((first + timedelta(days=7 * k), first + timedelta(days=7 * k + 6)) for k in range(SPARKLINE_WEEKS)),
        (flt.start, flt.end)])
    report = KpiReport(values=values, this_week=blocks[-1], last_week=blocks[-2])
    return report, {name: [_float(block[name]) for block in blocks] for name in kpis.KPI_NAMES}


# --- why it moved: mix and rate effects, one dimension at a time ------------------------------------

def cells(query: Query, week: Week, flt: Filters, settings: Settings) -> dict[str, pl.DataFrame]:
    """Additive measures of last week (period 0) and this week (period 1) per dimension value."""
    params = flt.with_range(week.shift(-1).start, week.end).params(settings)
    params["split_ts"] = local_midnight_utc(week.start, settings)
    return {name: query(name, **params) for name in CELL_QUERIES}


def decompose(cells: pl.DataFrame, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Mix and rate effects of one dimension's cells (of each `by` group), adding up exactly to R1 − R0.

    In: one row per cell with n0, s0, n1, s1 (denominator and numerator, last week 0, this week 1).
    Out: the same rows plus w0, w1 (shares), r0, r1 (rates), mix = (w1 − w0)(r0 − R0) and
    rate = w1 (r1 − r0); a cell new this week takes r0 = R0, a cell gone has w1 = 0.
    """
    def total(column: str) -> pl.Expr:
        return pl.col(column).cast(pl.Float64).sum().over(by) if by else pl.col(column).cast(pl.Float64).sum()

    n0, n1, s0, s1 = (pl.col(c).cast(pl.Float64) for c in ("n0", "n1", "s0", "s1"))
    overall0 = total("s0") / total("n0")
    shares = cells.with_columns(
        w0=n0 / total("n0"), w1=n1 / total("n1"),
        r0=pl.when(n0 > 0).then(s0 / n0).otherwise(overall0),
        r1=pl.when(n1 > 0).then(s1 / n1).otherwise(None),
        overall0=overall0,
    )
    return shares.with_columns(
        mix=(pl.col("w1") - pl.col("w0")) * (pl.col("r0") - pl.col("overall0")),
        rate=pl.when(n1 > 0).then(pl.col("w1") * (pl.col("r1") - pl.col("r0"))).otherwise(0.0),
    ).drop("overall0")


def explain(cell_frames: dict[str, pl.DataFrame], kpi: str) -> pl.DataFrame:
    """Every dimension's decomposition of one rate KPI's change (one row per dimension and value)."""
    name, numerator, denominator = RATE_KPIS[kpi]
    frame = cell_frames[name]
    empty = pl.DataFrame(schema={"dimension": pl.String, "value": pl.String, "n0": pl.Float64,
                                 "s0": pl.Float64, "n1": pl.Float64, "s1": pl.Float64, "w0": pl.Float64,
                                 "w1": pl.Float64, "r0": pl.Float64, "r1": pl.Float64, "mix": pl.Float64,
                                 "rate": pl.Float64})
    if frame.height == 0:
        return empty
    wide = (frame.filter(pl.col("dimension").is_in(EXPLAINED_BY))
            .select("dimension", pl.col("value").fill_null("(none)"), "period",
                    n=pl.col(denominator).cast(pl.Float64), s=pl.col(numerator).cast(pl.Float64))
            .group_by("dimension", "value")
            .agg(*(pl.col(m).filter(pl.col("period") == p).sum().alias(f"{m}{p}") for m in "ns" for p in (0, 1)))
            .sort("dimension", "value"))
    if wide["n0"].sum() == 0 or wide["n1"].sum() == 0:
        return empty
    return decompose(wide, by=("dimension",)).filter((pl.col("n0") > 0) | (pl.col("n1") > 0)).select(empty.columns)


def explanations(cell_frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {kpi: explain(cell_frames, kpi) for kpi in RATE_KPIS}


def sentence(kpi: str, effects: pl.DataFrame, change: float | None, unit: str = "contacts") -> str:
    """The change of one KPI and its largest contributors, in words ('FCR fell 2.1 pts (by reason): …')."""
    label = definitions.label(kpi)
    if change is None or effects.height == 0:
        return f"{label}: not enough data in one of the two weeks to explain a change."
    verb = "rose" if change > 0 else "fell" if change < 0 else "did not change"
    head = f"{label} {verb}" + ("" if change == 0 else f" {_amount(kpi, abs(change), unit=True)}")
    dimension = best_dimension(effects, change)
    cells = effects.filter(pl.col("dimension") == dimension)
    overall0 = float(cells["s0"].sum()) / float(cells["n0"].sum())
    named = [_describe(kpi, dimension, row, kind, unit, overall0) for row, kind in _largest(cells, change)]
    return f"{head} (by {dimension}): " + "; ".join(named) + "." if named else f"{head}."


def best_dimension(effects: pl.DataFrame, change: float) -> str:
    """The dimension in which one value explains the most change beyond its share of the volume."""
    scored = (effects.with_columns(score=(pl.col("mix") + pl.col("rate")).abs()
                                   - abs(change) * (pl.col("w0") + pl.col("w1")) / 2)
              .group_by("dimension", maintain_order=True).agg(pl.col("score").max())
              .sort("score", descending=True, maintain_order=True))
    return str(scored["dimension"][0])


def _largest(cells: pl.DataFrame, change: float, most: int = 3) -> list[tuple[dict[str, Any], str]]:
    """The largest single effects (mix or rate) of a dimension, those of at least 10% of the change."""
    effects = [(row, kind) for row in cells.iter_rows(named=True) for kind in ("rate", "mix") if row[kind] != 0]
    effects.sort(key=lambda item: -abs(item[0][item[1]]))
    floor = 0.1 * abs(change)
    return [e for i, e in enumerate(effects[:most]) if i == 0 or abs(e[0][e[1]]) >= floor]


def _describe(kpi: str, dimension: str, row: dict[str, Any], kind: str, unit: str, overall0: float) -> str:
    what, label = cell_name(dimension, row["value"], unit), inline_label(kpi)
    amount = _amount(kpi, row[kind], signed=True)
    if kind == "rate" and row["n0"] == 0:
        return f"{amount} from {what}, new this week ({label} {show(kpi, row['r1'])})"
    if kind == "rate":
        moved = "rose" if row["r1"] > row["r0"] else "fell"
        return f"{amount} from {what}, whose {label} {moved} ({show(kpi, row['r0'])} → {show(kpi, row['r1'])})"
    if row["n1"] == 0:
        return f"{amount} from no {what} this week (last week {label} {show(kpi, row['r0'])})"
    more = "more" if row["w1"] > row["w0"] else "fewer"
    side = "above" if row["r0"] > overall0 else "below"
    return (f"{amount} from {more} {what} ({row['w0']:.0%} → {row['w1']:.0%} of {unit}), "
            f"whose {label} is {side} average ({show(kpi, row['r0'])})")


def inline_label(kpi: str) -> str:
    """A KPI's label inside a sentence: FCR stays, 'On-time delivery' becomes 'on-time delivery'."""
    label = definitions.label(kpi)
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def cell_name(dimension: str, value: str, unit: str) -> str:
    """How a cell reads in a sentence: 'delivery_issue contacts', 'orders in north', 'team t1's contacts'."""
    if value == "(none)":
        return f"{unit} without a {dimension.replace('_id', '')}"
    if dimension == "region":
        return f"{unit} in {value}"
    if dimension == "team":
        return f"team {value}'s {unit}"
    return f"{value} {unit}"


# --- display ----------------------------------------------------------------------------------------

def show(name: str, value: float | int | None) -> str:
    """A KPI value as people read it (73.4%, 412 s, 1,204, 31.5); the same forms as the Overview's tiles."""
    if value is None:
        return "–"
    kind = definitions.kind(name)
    if kind == "rate":
        return f"{100 * value:.1f}%"
    if kind == "seconds":
        return f"{value:,.0f} s"
    if kind in ("count", "money"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _amount(kpi: str, value: float, signed: bool = False, unit: bool = False) -> str:
    """A change in display units: points for rates and NPS, seconds for AHT."""
    kind = definitions.kind(kpi)
    scaled = 100 * value if kind == "rate" else value
    places = 0 if kind == "seconds" else 1
    text = f"{scaled:+,.{places}f}" if signed else f"{scaled:,.{places}f}"
    text = text.replace("-", "−")
    suffix = {"rate": " pts", "seconds": " s"}.get(kind, " pts" if kpi == "nps" else "")
    return text + suffix if unit else text


def show_change(name: str, change: float | None) -> str:
    if change is None:
        return "–"
    if definitions.kind(name) in ("count", "money"):
        return f"{change:+,.0f}".replace("-", "−")
    return _amount(name, change, signed=True, unit=True)


# --- notes: saved with the week in the store -------------------------------------------------------

def read_notes(query: Query, week: Week) -> str:
    """The notes saved for `week` ('' when none; a store made before notes existed has none)."""
    try:
        saved = query("weekly_notes", week=str(week))
    except StoreError as error:
        if "weekly_notes" in str(error):
            return ""
        raise
    return "" if saved.height == 0 else str(saved["notes"][0] or "")


def save_notes(store: Store, week: Week, text: str, now: datetime | None = None) -> None:
    """Replace the notes of `week` (one short write transaction; empty text deletes them)."""
    table = schema.weekly_notes
    saved_at = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with store.connect() as connection, connection.begin():
        connection.execute(sa.delete(table).where(table.c.week == str(week)))
        if text.strip():
            connection.execute(sa.insert(table).values(week=str(week), notes=text, updated_at=saved_at))


def _difference(now: float | int | None, before: float | int | None) -> float | None:
    return None if now is None or before is None else float(now) - float(before)


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)
