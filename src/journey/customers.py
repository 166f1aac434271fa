"""Customers of SPEC.md: value against cost-to-serve, the customer's voice, contact coordination, service requests.

Per-customer sums, ranks and group flags come from SQL (a store can hold a million customers); this module
adds the cells up, takes the rates and fetches only the rows a page shows.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from journey import kpis, schema
from journey.access import EVERYONE, Scope
from journey.filters import DIMENSIONS, Filters, default_view, local_midnight_utc
from journey.settings import Settings

Query = Callable[..., pl.DataFrame]
# SPEC's shares live in the SQL as exact decimals (0.2 × customers must not become 3.0000000000000004):
# most valuable and fastest growing are the top ceil(0.2 × customers); the Pareto set reaches 80% of the margin
PARETO_TARGET = 0.8
GROWTH_MONTHS = 6
LIST_LIMIT = 2_000
SCATTER_POINTS = 3_000
GROUPS = ("most_valuable", "fastest_growing", "below_marginal_cost")
GROUP_LABELS = {"most_valuable": "Most valuable", "fastest_growing": "Fastest growing",
                "below_marginal_cost": "Below marginal cost", "most_contacts": "Most contacts"}
GROUP_COLORS = {"most valuable": "#1f77b4", "fastest growing": "#2ca02c", "other": "#b0b0b0",
                "below marginal cost": "#d62728"}
NO_VALUE = "(none)"


@dataclass(frozen=True)
class Listing:
    """The first rows of a long list, and how many rows the list has in all."""

    rows: pl.DataFrame
    total: int


def listing(frame: pl.DataFrame, total_column: str) -> Listing:
    """A query's rows without its repeated total column, and that total (0 when there is no row)."""
    rows = typed(frame)
    return Listing(rows.drop(total_column), int(rows[total_column][0]) if rows.height else 0)


def typed(frame: pl.DataFrame) -> pl.DataFrame:
    """Column types by name, so an empty result (no types) and a full one behave the same."""
    def kind(name: str) -> pl.DataType:
        if name.startswith(("is_", "in_")) or name == "churn_intent":
            return pl.Boolean()
        if name.endswith("_at"):
            return pl.Datetime("us")
        if name.endswith("_date"):
            return pl.Date()
        if name.endswith(("_count", "_rank", "_percentile", "_per_customer")) or name in ("nps", "csat", "ces",
                                                                                           "lowest_nps", "line"):
            return pl.Int64()
        if any(word in name for word in ("revenue", "cost", "margin", "growth", "_sum", "_6m")):
            return pl.Float64()
        return pl.String()
    return frame.cast({column: kind(column) for column in frame.columns})


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def value_params(flt: Filters, settings: Settings) -> dict[str, Any]:
    """Parameters of the value queries: range and filters, channel costs, gross margin, growth windows.

    Growth compares the 6 months ending with the range's last day with the 6 months before them.
    A channel missing from the configured costs costs 0.
    """
    params = flt.params(settings)
    after_end = flt.end + timedelta(days=1)
    recent = local_midnight_utc(months_before(after_end, GROWTH_MONTHS), settings)
    prior = local_midnight_utc(months_before(after_end, 2 * GROWTH_MONTHS), settings)
    costs = {f"cost_{channel}": float(settings.cost_per_contact.get(channel, 0.0)) for channel in schema.CHANNELS}
    return {**params, **costs, "gross_margin": settings.gross_margin, "recent_start_ts": recent,
            "prior_start_ts": prior, "orders_from_ts": min(params["start_ts"], prior)}


@dataclass(frozen=True)
class ValueReport:
    """The value section's data, from one query that ranks the customers once (customer_value.sql)."""

    cells: pl.DataFrame  # additive: segment × region × margin percentile × group flags
    points: pl.DataFrame  # the scatter's customers: every one, or an even sample by margin rank
    listed: Listing  # the chosen group's customers in its order


CELL_COLUMNS = ("segment", "region", "margin_percentile", "is_most_valuable", "is_below_marginal_cost",
                "is_fastest_growing", "in_pareto", "customers_count", "contacts_count", "revenue_sum",
                "cost_to_serve_sum", "margin_sum", "positive_margin_sum", "revenue_growth_sum")
CUSTOMER_COLUMNS = ("customer_id", "name", "segment", "region", "contacts_count", "revenue", "cost_to_serve", "margin",
                    "revenue_last_6m", "revenue_prior_6m", "revenue_growth", "margin_rank",
                    *(f"is_{name}" for name in GROUPS))


# The default view (no filter, the default range) ranked once per load and kept (rollup_customer_values), under
# a key naming what it was computed for: a view with other parameters ranks from the raw tables.
VIEW_KEY = "rollup_customer_values"
VIEW_TABLES = ("customers", "interactions", "orders")  # loads that change the kept view
_VIEW_PARAMS = ("start_ts", "end_ts", "orders_from_ts", "recent_start_ts", "prior_start_ts", "gross_margin",
                *(f"cost_{channel}" for channel in schema.CHANNELS))


RANKING = 2  # how customer_value.sql ranks (2: ties within a millionth by id); a view kept by another is not read


def view_key(params: dict[str, Any]) -> str:
    """The parameters that decide the kept view's values and ranks, as one string."""
    return json.dumps({"ranking": RANKING, **{name: str(params[name]) for name in _VIEW_PARAMS}}, sort_keys=True)


def stored_view_params(newest: date, settings: Settings) -> dict[str, Any]:
    """customer_value's parameters that list every customer of the default view with its values and ranks."""
    return {**value_params(default_view(newest), settings), "group": "all", "limit": 2**62, "points": 1,
            "from_rollup": False}


def value_report(query: Query, flt: Filters, settings: Settings, group: str = "most_valuable",
                 limit: int = LIST_LIMIT) -> ValueReport:
    """The value cells, the scatter's points (at most SCATTER_POINTS) and the first `limit` customers of `group`
    (most valuable and fastest growing first, most negative margin first, most contacts first; all: by margin)."""
    params = value_params(flt, settings)
    unfiltered = all(params[f"all_{dimension}s"] for dimension in DIMENSIONS)
    kept = query("customer_value_kept")["value_key"] if unfiltered else pl.Series([])
    rows = typed(query("customer_value", **params, group=group, limit=limit, points=SCATTER_POINTS,
                       from_rollup=view_key(params) in kept))
    kind = pl.col("row_kind")
    cells = rows.filter(kind == "cell").select(CELL_COLUMNS)
    listed = rows.filter(kind == "listed")
    total = int(listed["group_count"][0]) if listed.height else 0
    return ValueReport(cells.with_columns(pl.col("segment", "region").fill_null(NO_VALUE)),
                       _points(_customers(rows.filter(kind == "point"))), Listing(_customers(listed), total))


def _customers(rows: pl.DataFrame) -> pl.DataFrame:
    """Customer rows as the page shows them: `groups` names the groups each one is in, money in cents."""
    labels = [pl.when(pl.col(f"is_{name}")).then(pl.lit(name.replace("_", " "))) for name in GROUPS]
    in_groups = pl.concat_str(labels, separator=", ", ignore_nulls=True).replace("", "other")
    shown = rows.select(CUSTOMER_COLUMNS).with_columns(pl.col("segment", "region").fill_null(NO_VALUE),
                                                       in_groups.alias("groups"))
    return cents(shown.drop(*(f"is_{name}" for name in GROUPS)))


def _points(rows: pl.DataFrame) -> pl.DataFrame:
    # one colour per customer: the alarm first, then value, then growth
    main = (pl.when(pl.col("margin") < 0).then(pl.lit("below marginal cost"))
            .when(pl.col("groups").str.contains("most valuable")).then(pl.lit("most valuable"))
            .when(pl.col("groups").str.contains("fastest growing")).then(pl.lit("fastest growing"))
            .otherwise(pl.lit("other")))
    return rows.with_columns(main.alias("group"))


def value_cells(query: Query, flt: Filters, settings: Settings) -> pl.DataFrame:
    """Additive value cells: segment × region × margin percentile × group flags (the cells of value_report)."""
    return value_report(query, flt, settings).cells


def _group(cells: pl.DataFrame, flag: str, measure: str = "margin_sum") -> dict[str, Any]:
    rows = cells.filter(pl.col(flag))
    return {"count": int(rows["customers_count"].sum()), "margin": float(rows[measure].sum())}


def value_summary(cells: pl.DataFrame) -> dict[str, Any]:
    """Customers, revenue, cost-to-serve, margin, the three groups and the Pareto share, from the cells."""
    customers = int(cells["customers_count"].sum())
    positive = float(cells["positive_margin_sum"].sum())
    in_pareto = int(cells.filter(pl.col("in_pareto"))["customers_count"].sum())
    growing = cells.filter(pl.col("is_fastest_growing"))
    return {
        "customers": customers,
        "revenue": float(cells["revenue_sum"].sum()),
        "cost_to_serve": float(cells["cost_to_serve_sum"].sum()),
        "margin": float(cells["margin_sum"].sum()),
        "most_valuable": _group(cells, "is_most_valuable"),
        "below_marginal_cost": _group(cells, "is_below_marginal_cost"),
        "fastest_growing": {"count": int(growing["customers_count"].sum()),
                            "revenue_growth": float(growing["revenue_growth_sum"].sum())},
        "pareto_share": in_pareto / customers if positive > 0 and customers else None,
    }


def group_tiles(value: dict[str, Any]) -> list[tuple[str, int, str]]:
    """Each group with its count and its total, as the page shows them."""
    growing = value["fastest_growing"]
    return [("most_valuable", value["most_valuable"]["count"], f"margin {value['most_valuable']['margin']:,.0f}"),
            ("fastest_growing", growing["count"], f"revenue growth {growing['revenue_growth']:,.0f}"),
            ("below_marginal_cost", value["below_marginal_cost"]["count"],
             f"margin {value['below_marginal_cost']['margin']:,.0f}")]


def pareto_curve(cells: pl.DataFrame) -> pl.DataFrame:
    """Cumulative share of customers (by margin, from the top) against cumulative share of the positive margin.

    In: value cells. Out: one row per margin percentile, plus the origin; empty without positive margin.
    """
    positive = float(cells["positive_margin_sum"].sum())
    if positive <= 0:
        return pl.DataFrame(schema={"customer_share": pl.Float64, "margin_share": pl.Float64})
    steps = (cells.group_by("margin_percentile").agg(pl.col("customers_count", "margin_sum").sum())
             .sort("margin_percentile"))
    total = steps["customers_count"].sum()
    curve = steps.select((pl.col("customers_count").cum_sum() / total).alias("customer_share"),
                         (pl.col("margin_sum").cum_sum() / positive).alias("margin_share"))
    return pl.concat([pl.DataFrame({"customer_share": [0.0], "margin_share": [0.0]}), curve])


def groups_by(cells: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """Counts and totals of every customer and of each group, per segment or region."""
    def among(flag: str, measure: str) -> pl.Expr:
        return pl.col(measure).filter(pl.col(flag)).sum()
    return cells.group_by(dimension).agg(
        pl.col("customers_count").sum(),
        pl.col("revenue_sum").sum().alias("revenue"),
        pl.col("cost_to_serve_sum").sum().alias("cost_to_serve"),
        pl.col("margin_sum").sum().alias("margin"),
        among("is_most_valuable", "customers_count").alias("most_valuable_count"),
        among("is_most_valuable", "margin_sum").alias("most_valuable_margin"),
        among("is_fastest_growing", "customers_count").alias("fastest_growing_count"),
        among("is_fastest_growing", "revenue_growth_sum").alias("fastest_growing_revenue_growth"),
        among("is_below_marginal_cost", "customers_count").alias("below_marginal_cost_count"),
        among("is_below_marginal_cost", "margin_sum").alias("below_marginal_cost_margin"),
    ).pipe(cents).sort("margin", descending=True)


def cents(frame: pl.DataFrame) -> pl.DataFrame:
    """Money columns rounded to cents for display (sums of float amounts carry noise in the last digits)."""
    return frame.with_columns(pl.col(pl.Float64).round(2))


def customer_list(query: Query, flt: Filters, settings: Settings, group: str, limit: int = LIST_LIMIT) -> Listing:
    """The customers of a group in its order, at most `limit` (the list of value_report)."""
    return value_report(query, flt, settings, group, limit).listed


# --- contact coordination ---------------------------------------------------------------------------

def coordination_daily(query: Query, flt: Filters, settings: Settings) -> pl.DataFrame:
    """Per local day: customers with an outbound contact, and those contacted by two or more departments."""
    return typed(query("coordination_daily", **flt.params(settings)))


def coordination_summary(daily: pl.DataFrame) -> dict[str, Any]:
    days, uncoordinated = int(daily["customer_days_count"].sum()), int(daily["uncoordinated_count"].sum())
    return {"customer_days_outbound": days, "uncoordinated_days": uncoordinated,
            "coordination_rate": kpis.ratio(uncoordinated, days)}


def by_week(daily: pl.DataFrame, date_column: str) -> pl.DataFrame:
    """Daily additive measures summed per week (Monday start; the range's first and last week may be partial)."""
    return (daily.group_by(pl.col(date_column).dt.truncate("1w").alias("week_start"))
            .agg(pl.exclude(date_column).sum()).sort("week_start"))


def coordination_weekly(daily: pl.DataFrame) -> pl.DataFrame:
    weekly = by_week(daily, "contact_date")
    return weekly.with_columns(uncoordinated_rate=pl.when(pl.col("customer_days_count") > 0).then(
        pl.col("uncoordinated_count") / pl.col("customer_days_count")))


def department_pairs(query: Query, flt: Filters, settings: Settings) -> pl.DataFrame:
    return typed(query("coordination_pairs", **flt.params(settings)))


def uncoordinated_customers(query: Query, flt: Filters, settings: Settings, limit: int = 500) -> Listing:
    """Customers by their number of uncoordinated days, most first (those called by several departments weekly)."""
    return listing(query("coordination_customers", **flt.params(settings), limit=limit), "customers_count")


def uncoordinated_days(query: Query, flt: Filters, settings: Settings, limit: int = 500) -> Listing:
    """The newest uncoordinated customer days with the day's contacts."""
    return listing(query("coordination_customer_days", **flt.params(settings), limit=limit), "days_count")


# --- voice of the customer --------------------------------------------------------------------------

def survey_weekly(query: Query, flt: Filters, settings: Settings) -> pl.DataFrame:
    """NPS, CSAT % and CES per week, pooled from the daily survey counts (the KPIs' own query)."""
    daily = typed(query("kpi_surveys_daily", **flt.params(settings)))
    weekly = by_week(daily, "survey_date")
    return weekly.select(
        "week_start", "surveys_count",
        pl.when(pl.col("nps_count") > 0).then(
            100 * (pl.col("promoter_count") - pl.col("detractor_count")) / pl.col("nps_count")).alias("nps"),
        pl.when(pl.col("csat_count") > 0).then(pl.col("csat_top_count") / pl.col("csat_count")).alias("csat_pct"),
        pl.when(pl.col("ces_count") > 0).then(pl.col("ces_sum") / pl.col("ces_count")).alias("ces"),
    )


def like_pattern(search: str) -> str:
    """A case-insensitive LIKE pattern matching `search` literally anywhere (escape character `!`)."""
    escaped = search.strip().lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def comments(query: Query, flt: Filters, settings: Settings, search: str = "", limit: int = 500) -> Listing:
    """Detractor and churn-intent comments containing `search` (any case), newest first."""
    return listing(query("voice_comments", **flt.params(settings), pattern=like_pattern(search), limit=limit),
                   "matches_count")


def at_risk(query: Query, flt: Filters, settings: Settings, limit: int = LIST_LIMIT) -> Listing:
    """Customers with an at-risk survey in range and no follow-up in time, longest waiting first."""
    return listing(query("voice_at_risk", **flt.params(settings), limit=limit,
                         follow_up_window_sec=settings.follow_up_window_days * 86400), "customers_count")


def follow_ups(query: Query, flt: Filters, settings: Settings, now: datetime | None = None,
               scope: Scope = EVERYONE) -> pl.DataFrame:
    """Open follow-ups per agent at the end of the range (or now, if sooner): due, and overdue; only the agents
    in `scope` (unassigned ones only with every agent visible)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    params = flt.params(settings) | scope.params()
    return typed(query("voice_follow_ups", **params, as_of_ts=min(params["end_ts"], now)))


# --- service requests -------------------------------------------------------------------------------

def contact_frequency(query: Query, flt: Filters, settings: Settings, cap: int = 10) -> pl.DataFrame:
    """Customers by how many inbound contacts they made in the range; `cap` and more share the last row."""
    rows = typed(query("customer_contact_frequency", **flt.params(settings)))
    return (rows.group_by(pl.col("contacts_per_customer").clip(upper_bound=cap))
            .agg(pl.col("customers_count").sum()).sort("contacts_per_customer")
            .with_columns(pl.col("contacts_per_customer").cast(pl.String).replace(str(cap), f"{cap}+")))


def service_reasons(query: Query, flt: Filters, settings: Settings) -> pl.DataFrame:
    """Per contact reason of inbound contacts: contacts, repeats and escalations with their rates."""
    rows = typed(query("customer_service_reasons", **flt.params(settings)))
    return rows.with_columns(
        (pl.col("repeat_count") / pl.col("contacts_count")).alias("repeat_rate"),
        pl.when(pl.col("escalation_known_count") > 0).then(
            pl.col("escalated_count") / pl.col("escalation_known_count")).alias("escalation_rate"),
    ).drop("escalation_known_count")


# --- the command line -------------------------------------------------------------------------------

def cli_json(query: Query, flt: Filters, settings: Settings) -> dict[str, Any]:
    """The `journey customers` object of SPEC.md's Command line section."""
    value = value_summary(value_cells(query, flt, settings))
    value.pop("fastest_growing")
    return {**value, **coordination_summary(coordination_daily(query, flt, settings)),
            "at_risk_without_follow_up": at_risk(query, flt, settings, limit=1).total}
