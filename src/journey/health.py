"""Data health of SPEC.md: freshness per table, stale customer records, import history with rejected rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from journey.customers import Listing, listing, typed
from journey.settings import Settings

Query = Callable[..., pl.DataFrame]
# table -> the column whose newest value says how fresh it is (health_newest.sql reads the same);
# reference tables have none: a year-old hire or quota is not stale data
TIME_COLUMNS: dict[str, str | None] = {
    "customers": "updated_at", "agents": None, "interactions": "started_at", "surveys": "answered_at",
    "journey_events": "occurred_at", "orders": "ordered_at", "returns": "requested_at",
    "opportunities": "created_at", "opportunity_stages": "entered_at", "quotas": None,
    "follow_ups": "created_at", "benchmarks": None,
}
LIGHTS = ("green", "amber", "red")
COLORS = {"green": "green", "amber": "orange", "red": "red"}  # Streamlit's markdown colour of each light
LIST_LIMIT = 1_000


def light(age_days: float | None, settings: Settings) -> str | None:
    """green ≤ green_days, amber ≤ amber_days, red beyond; None when there is no age."""
    if age_days is None:
        return None
    if age_days <= settings.freshness_green_days:
        return "green"
    return "amber" if age_days <= settings.freshness_amber_days else "red"


def age_days(newest: datetime | None, now: datetime) -> float | None:
    return None if newest is None else (now - newest).total_seconds() / 86400


def _note(table: str, rows: int, age: float | None) -> str:
    if rows == 0:
        return "empty: no rows"
    if TIME_COLUMNS.get(table) is None:
        return "reference table: no freshness light"
    if age is None:
        return f"no {TIME_COLUMNS[table]} recorded"
    return "newest record is later than now: check clocks and time zones" if age < 0 else ""


def freshness(query: Query, settings: Settings, now: datetime) -> pl.DataFrame:
    """Per table: rows, newest timestamp of its time column, age in days at `now` (naive UTC), light, note."""
    rows = typed(query("health_counts")).join(typed(query("health_newest")), on="table_name", how="left")
    records = []
    for table, count, newest in rows.select("table_name", "rows_count", "newest_at").iter_rows():
        age = age_days(newest, now)
        records.append({"table_name": table, "time_column": TIME_COLUMNS.get(table), "rows_count": count,
                        "newest_at": newest, "age_days": age, "light": light(age, settings),
                        "note": _note(table, count, age)})
    order = list(TIME_COLUMNS)
    return pl.DataFrame(records, schema={
        "table_name": pl.String, "time_column": pl.String, "rows_count": pl.Int64, "newest_at": pl.Datetime("us"),
        "age_days": pl.Float64, "light": pl.String, "note": pl.String,
    }).sort(pl.col("table_name").replace_strict(order, list(range(len(order))), default=len(order)))


def display(tables: pl.DataFrame) -> pl.DataFrame:
    """The freshness table as people read it: light first, age rounded."""
    return tables.select(pl.col("light").fill_null("none"), "table_name", "rows_count", "newest_at",
                         pl.col("age_days").round(2), "time_column", "note")


def badges(tables: pl.DataFrame) -> str:
    """Every table as a coloured badge (Streamlit markdown): the traffic lights at a glance."""
    return " ".join(f":{COLORS.get(light or '', 'gray')}-badge[● {table}]"
                    for table, light in tables.select("table_name", "light").iter_rows())


@dataclass(frozen=True)
class FooterStatus:
    newest: datetime | None  # the newest timestamp of any table
    light: str | None  # the light of its age
    lagging: dict[str, str]  # tables whose own light is amber or red -> that light


def footer_status(query: Query, settings: Settings, now: datetime) -> FooterStatus:
    """What every page's footer shows: data as of the newest record and its light, and the tables lagging behind.

    One cheap query (the newest timestamp per table, no row counts); empty and reference tables have no light.
    """
    newest = typed(query("health_newest")).filter(pl.col("newest_at").is_not_null())
    if newest.height == 0:
        return FooterStatus(None, None, {})
    lights = {table: light(age_days(at, now), settings) for table, at in newest.iter_rows()}
    latest: datetime = newest["newest_at"].max()  # type: ignore[assignment]
    return FooterStatus(latest, light(age_days(latest, now), settings),
                        {table: shown for table, shown in lights.items() if shown in ("amber", "red")})


@dataclass(frozen=True)
class StaleCustomers:
    count: int
    missing_updated: int  # of them, records without updated_at
    share: float | None  # of all customer records
    rows: pl.DataFrame  # the least recently updated, at most the limit


def stale_customers(query: Query, settings: Settings, now: datetime, customers: int,
                    limit: int = LIST_LIMIT) -> StaleCustomers:
    """Customer records not updated for more than stale_customer_days before `now`.

    A record without updated_at counts by its created_at; without either it is stale (nothing shows it current).
    """
    before = now - timedelta(days=settings.stale_customer_days)
    rows = typed(query("health_stale_customers", stale_before_ts=before, limit=limit))
    count = int(rows["stale_count"][0]) if rows.height else 0
    missing = int(rows["missing_updated_count"][0]) if rows.height else 0
    shown = rows.select("customer_id", "name", "segment", "region", "created_at", "updated_at",
                        (pl.lit(now) - pl.col("last_known_at")).dt.total_days().alias("days_since_update"))
    return StaleCustomers(count, missing, count / customers if customers else None, shown)


def imports(query: Query, limit: int = 200) -> pl.DataFrame:
    """Import history, newest first: time, source, rows loaded and rejected (in all and per table)."""
    rows = typed(query("health_imports", limit=limit))
    loaded = [json.loads(text or "{}") for text in rows["loaded_json"].to_list()]
    rejected = [json.loads(text or "{}") for text in rows["rejected_json"].to_list()]
    return rows.select(
        "import_id", "started_at", "finished_at", "source",
        pl.Series("loaded_count", [sum(d.values()) for d in loaded], pl.Int64),
        pl.Series("rejected_count", [sum(d.values()) for d in rejected], pl.Int64),
        pl.Series("loaded_tables", [_per_table(d) for d in loaded], pl.String),
        pl.Series("rejected_tables", [_per_table(d) for d in rejected], pl.String),
        "rejects_file", "stored_rejects_count",
    )


def import_label(history: pl.DataFrame, import_id: str) -> str:
    """An import as a choice reads: when, from where, how many rejected."""
    row = history.filter(pl.col("import_id") == import_id).row(0, named=True)
    return f"{row['started_at']:%Y-%m-%d %H:%M} · {row['source']} · {row['rejected_count']:,} rejected"


def _per_table(counts: dict[str, int]) -> str:
    return ", ".join(f"{table} {count:,}" for table, count in counts.items() if count)


def import_rejects(query: Query, import_id: str, limit: int = LIST_LIMIT) -> Listing:
    """One import's rejected rows in file order (at most `limit`), with their reasons."""
    found = listing(query("health_import_rejects", import_id=import_id, limit=limit), "rejects_count")
    return Listing(found.rows.drop("reject_number"), found.total)


def reject_reasons(query: Query, import_id: str) -> pl.DataFrame:
    return typed(query("health_reject_reasons", import_id=import_id))


def cli_json(query: Query, settings: Settings, now: datetime) -> dict[str, Any]:
    """The `journey health` object: per table {rows, newest, age_days, light}, and stale_customers."""
    tables = freshness(query, settings, now)
    result: dict[str, Any] = {
        row["table_name"]: {"rows": row["rows_count"], "newest": row["newest_at"],
                            "age_days": None if row["age_days"] is None else round(row["age_days"], 4),
                            "light": row["light"]}
        for row in tables.iter_rows(named=True)
    }
    customers = int(tables.filter(pl.col("table_name") == "customers")["rows_count"].sum())
    result["stale_customers"] = stale_customers(query, settings, now, customers, limit=1).count
    return result
