"""Rollups: additive measures per local day, kept exact by every load, that the heaviest page queries read.

A rollup row holds counts and sums for one local day (in the rollup time zone) and a few keys (agent,
reason, channel, segment, region, ...), so a page reads thousands of rows instead of millions. Each load
recomputes, inside its own transaction, exactly the days its rows touch: the days of new and replaced
rows, of contacts whose repeat gap changed, of contacts whose surveys changed, of journeys that gained
events, and every day of a customer whose segment or region changed or of an agent whose team changed. A full
rebuild runs when the store has no rollups yet or the configured time zone, repeat window or first pipeline
stage changed.

Opportunities are not additive by day: `rollup_opportunity_spells` holds one row per stage spell of a deal
(the stage, from its row until the next one), recomputed per deal a load touches (and for the deals of
customers who change segment or region). The pipeline as of any instant is then a filter on one table;
`rollup_opportunity_spell_months`, rebuilt from the spells of the same deals, holds each spell once per UTC month
in which it holds an instant, so a set of monthly snapshots joins on the month instead of comparing every spell
with every snapshot. `rollup_opportunity_outcome_days` counts closed deals' first spells per stage and day of the
close, rebuilt for the days the touched deals' closes were and are on.

Reading: `Store.query` runs `rollup_<name>.sql` in place of `<name>.sql` (same parameters, same columns)
only when the rollup answers exactly: same time zone and repeat window, a range of whole local days, the
filters the rollup can apply, and every parameter of the raw query also bound in the rollup query (so a
parameter added to a raw query, e.g. an access scope, sends it back to the raw tables until the rollup
query learns it). Otherwise the raw query runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from journey import schema

Run = Callable[..., Any]  # run(sql, params=None) on the load's own driver connection

TIME_ZONE_KEY = "rollup_time_zone"
REPEAT_WINDOW_KEY = "rollup_repeat_window_sec"
MIXED_JOURNEYS_KEY = "rollup_mixed_journeys"
FIRST_STAGE_KEY = "rollup_first_stage"
VERSION_KEY = "rollup_version"
VERSION = 6  # the set of rollups this code keeps: a store built by another version is rebuilt at its next load

# rollup table -> build query; in rebuild order (journey days read rollup_journeys)
BUILDS = {
    "rollup_channel_days": "rollup_build_channel_days",
    "rollup_contact_days": "rollup_build_contact_days",
    "rollup_contact_cells": "rollup_build_contact_cells",
    "rollup_contact_csat": "rollup_build_contact_csat",
    "rollup_survey_days": "rollup_build_survey_days",
    "rollup_journeys": "rollup_build_journeys",
    "rollup_journey_days": "rollup_build_journey_days",
    "rollup_rated_events": "rollup_build_rated_events",
    "rollup_contact_stages": "rollup_build_contact_stages",
    "rollup_rating_days": "rollup_build_rating_days",
    "rollup_rating_products": "rollup_build_rating_products",
    "rollup_order_days": "rollup_build_order_days",
    "rollup_opportunity_spells": "rollup_build_opportunity_spells",
    "rollup_opportunity_spell_months": "rollup_build_opportunity_spell_months",  # reads the spells
    "rollup_opportunity_outcome_days": "rollup_build_opportunity_outcome_days",  # reads the spells
    "rollup_customer_groups": "rollup_build_customer_groups",
}
# touched set -> the day rollups rebuilt from it
DAY_ROLLUPS = {
    "contact": ("rollup_channel_days", "rollup_contact_days", "rollup_contact_cells", "rollup_contact_stages"),
    "csat": ("rollup_contact_csat",),
    "survey": ("rollup_survey_days",),
    "journey": ("rollup_journey_days",),
    "rating": ("rollup_rating_days", "rollup_rating_products"),
    "order": ("rollup_order_days",),
}
# loaded table -> the touched sets its rows can change
FAMILIES = {
    "customers": tuple(DAY_ROLLUPS), "agents": ("contact",), "interactions": ("contact", "csat", "survey"),
    "surveys": ("survey", "csat"), "journey_events": ("rating", "journey"), "orders": ("order",),
    "returns": ("order",),
}
# the time column that dates each table's rows, as health_newest.sql takes it
NEWEST = {"customers": "updated_at", "interactions": "started_at", "surveys": "answered_at",
          "journey_events": "occurred_at", "orders": "ordered_at", "returns": "requested_at",
          "opportunities": "created_at", "opportunity_stages": "entered_at", "follow_ups": "created_at"}
# loaded tables that can change opportunity spells (customers: the segment and region they carry)
OPPORTUNITY_TABLES = ("customers", "opportunities", "opportunity_stages")


def rollups_of(table: str) -> tuple[str, ...]:
    """The rollup tables a load of `table` may change."""
    families = FAMILIES.get(table, ())
    return (*(("rollup_journeys", "rollup_rated_events") if "journey" in families else ()),
            *(name for family in families for name in DAY_ROLLUPS[family]),
            *(("rollup_opportunity_spells", "rollup_opportunity_spell_months", "rollup_opportunity_outcome_days")
              if table in OPPORTUNITY_TABLES
              else ()),
            *(("rollup_customer_groups",) if table == "customers" else ()))


def local_day(column: str) -> str:
    """The local day of a stored (UTC) timestamp; UTC skips the conversion, which DuckDB makes slowly."""
    return (f"case when :tz = 'UTC' then cast({column} as date) "
            f"else cast(({column} at time zone 'UTC') at time zone :tz as date) end")


# --- keeping rollups during a load ----------------------------------------------------------------------

def driver_sql(sql: str, dialect: str) -> str:
    """`:name` placeholders in the driver's own style (DuckDB `$name`, psycopg `%(name)s`)."""
    style = r"$\1" if dialect == "duckdb" else r"%(\1)s"
    return re.sub(r"(?<![:\w]):(\w+)", style, sql)


@dataclass(frozen=True)
class Maintenance:
    """The rollup statements of one table load, on the load's connection and inside its transaction."""

    run: Run
    dialect: str
    time_zone: str
    repeat_window_sec: float
    first_stage: str

    def sql(self, statement: str, **extra: Any) -> Any:
        params = {"tz": self.time_zone, "repeat_window_sec": self.repeat_window_sec, "first_stage": self.first_stage,
                  **extra}
        used = {k: v for k, v in params.items() if re.search(rf"(?<![:\w]):{k}\b", statement)}
        return self.run(driver_sql(statement, self.dialect), used) if used else self.run(statement)

    def current(self) -> bool:
        """Whether the stored rollups were built with these settings (else they need a full rebuild)."""
        rows = dict(self.run("select key, value from journey_meta where key in "
                             f"('{TIME_ZONE_KEY}', '{REPEAT_WINDOW_KEY}', '{FIRST_STAGE_KEY}', '{VERSION_KEY}')")
                    .fetchall())
        return (rows.get(VERSION_KEY) == str(VERSION)
                and rows.get(TIME_ZONE_KEY) == self.time_zone
                and rows.get(FIRST_STAGE_KEY) == self.first_stage
                and rows.get(REPEAT_WINDOW_KEY) is not None
                and float(rows[REPEAT_WINDOW_KEY]) == float(self.repeat_window_sec))

    def start(self) -> None:
        """Empty touched sets for this load."""
        for family in DAY_ROLLUPS:
            self.sql(f"create temp table touched_{family}_days (day date)")
        self.sql("create temp table touched_journeys (journey_id varchar)")
        self.sql("create temp table touched_opportunities (opportunity_id varchar)")
        self.sql("create temp table touched_outcome_days (day date)")
        self.sql("create temp table touched_rated_customers (customer_id varchar)")

    def before(self, table: str) -> None:
        """Note what the load is about to change; `stage` holds the new rows, `replaced` the rows they replace."""
        if table == "customers":
            self._customers_changed()
        elif table == "agents":  # contact days are keyed by team
            self.sql(f"insert into touched_contact_days select distinct {local_day('started_at')} from interactions "
                     "where agent_id in (select stage.agent_id from stage left join agents "
                     "on agents.agent_id = stage.agent_id where stage.team is distinct from agents.team)")
        elif table == "interactions":
            self._days("contact", "started_at")
            self._days("csat", "started_at")
            self.sql(f"insert into touched_survey_days select {local_day('answered_at')} from surveys "
                     "where interaction_id in (select interaction_id from replaced)")
        elif table == "surveys":
            self._days("survey", "answered_at")
            self.sql(f"insert into touched_csat_days select {local_day('started_at')} from interactions "
                     "where interaction_id in (select interaction_id from stage union "
                     "select interaction_id from replaced)")
        elif table == "journey_events":
            self._days("rating", "occurred_at")
            self.sql("insert into touched_journeys select journey_id from stage union "
                     "select journey_id from replaced")
            self.sql("insert into touched_rated_customers select customer_id from stage union "
                     "select customer_id from replaced")
        elif table == "orders":
            self._days("order", "ordered_at")
        elif table == "returns":
            self.sql(f"insert into touched_order_days select {local_day('ordered_at')} from orders "
                     "where order_id in (select order_id from stage union select order_id from replaced)")
        elif table in ("opportunities", "opportunity_stages"):
            self.sql("insert into touched_opportunities select opportunity_id from stage union "
                     "select opportunity_id from replaced")

    def _days(self, family: str, column: str) -> None:
        self.sql(f"insert into touched_{family}_days select {local_day(column)} from stage union "
                 f"select {local_day(column)} from replaced")

    def _customers_changed(self) -> None:
        """Every day of a customer whose segment or region changes: rollup rows are keyed by them."""
        # a customer new to the store may have rows already (a load of facts before their customer)
        self.sql("create temp table changed_customers as select stage.customer_id from stage "
                 "left join customers on customers.customer_id = stage.customer_id "
                 "where stage.segment is distinct from customers.segment "
                 "or stage.region is distinct from customers.region")
        of_changed = "where customer_id in (select customer_id from changed_customers)"
        for family in ("contact", "csat"):
            self.sql(f"insert into touched_{family}_days select distinct {local_day('started_at')} "
                     f"from interactions {of_changed}")
        self.sql(f"insert into touched_survey_days select distinct {local_day('answered_at')} "
                 f"from surveys {of_changed}")
        self.sql(f"insert into touched_rating_days select distinct {local_day('occurred_at')} "
                 f"from journey_events {of_changed}")
        self.sql(f"insert into touched_journeys select distinct journey_id from journey_events {of_changed}")
        self.sql(f"insert into touched_order_days select distinct {local_day('ordered_at')} from orders {of_changed}")
        self.sql(f"insert into touched_opportunities select opportunity_id from opportunities {of_changed}")

    def after(self, table: str) -> None:
        """Recompute every touched day (and journey) from the raw tables, then the table's row count."""
        if table == "interactions":  # contacts whose repeat gap the load changed (see Store._load_table)
            self.sql(f"insert into touched_contact_days select {local_day('started_at')} from gap_changed")
        families = FAMILIES.get(table, ())
        if table == "journey_events":  # rated events carry the customer's other events (next buy, previous rating)
            self._rated_events()
        if "journey" in families:
            self._journeys()
        for family in families:
            self._rebuild_days(f"touched_{family}_days", DAY_ROLLUPS[family])
        if table in OPPORTUNITY_TABLES:
            self._opportunities()
        if table == "customers":
            self._customer_groups()
        self._table_stats(table)

    def _opportunities(self) -> None:
        self._outcome_days()  # the days the touched deals' closes were counted on, and will be
        for table in ("rollup_opportunity_spells", "rollup_opportunity_spell_months"):  # months read the spells
            self.sql(f"delete from {table} where opportunity_id in (select opportunity_id from touched_opportunities)")
            self._insert(table)
        self._outcome_days()
        self._rebuild_days("touched_outcome_days", ("rollup_opportunity_outcome_days",))

    def _outcome_days(self) -> None:
        """The local days of the touched deals' closes and the days either side: an outcome day is the local day
        or, where a time-zone change skips or repeats a midnight, the one next to it."""
        self.sql(f"insert into touched_outcome_days select distinct cast(closes.day + shifts.shift as date) "
                 f"from (select distinct {local_day('closed_at')} as day from rollup_opportunity_spells "
                 "where opportunity_id in (select opportunity_id from touched_opportunities) "
                 "and status in ('won', 'lost') and closed_at is not null) as closes "
                 "cross join (values (-1), (0), (1)) as shifts (shift)")

    def _customer_groups(self) -> None:
        """Whole: one pass over customers per customer load, a few hundred rows."""
        self.sql("delete from rollup_customer_groups")
        self._insert("rollup_customer_groups")

    def _rated_events(self) -> None:
        self.sql("delete from rollup_rated_events where customer_id in "
                 "(select customer_id from touched_rated_customers)")
        self._insert("rollup_rated_events")

    def _journeys(self) -> None:
        touched = "journey_id in (select journey_id from touched_journeys)"
        self.sql(f"insert into touched_journey_days select day from rollup_journeys where {touched}")
        self.sql(f"delete from rollup_journeys where {touched}")
        self._insert("rollup_journeys")
        self.sql(f"insert into touched_journey_days select day from rollup_journeys where {touched}")
        self._count_mixed()

    def _count_mixed(self) -> None:
        rows = self.run("select count(*) from rollup_journeys where mixed").fetchall()
        self._meta({MIXED_JOURNEYS_KEY: str(rows[0][0])})

    def _rebuild_days(self, touched: str, tables: tuple[str, ...]) -> None:
        self.sql("drop table if exists touched_days")
        self.sql(f"create temp table touched_days as select distinct day from {touched} where day is not null")
        first, last = self.run("select min(day), max(day) from touched_days").fetchone()
        if first is None:
            return
        # bound as values, not read by a subquery: DuckDB then filters the scan by them (skipping blocks by
        # their min/max) and plans its joins from the right row counts (it was ten times slower)
        window = {"low_at": datetime.combine(first, time()) - timedelta(days=1),
                  "high_at": datetime.combine(last, time()) + timedelta(days=2)}
        for table in tables:
            self.sql(f"delete from {table} where day in (select day from touched_days)")
            self._insert(table, **window)

    def _insert(self, table: str, **window: datetime) -> None:
        keys = schema.ROLLUPS[table].c.keys()
        # in time order: a range of days then reads adjacent pages, not one row from each
        order = next((f" order by {key}" for key in ("day", "month", "created_at") if key in keys), "")
        self.sql(f"insert into {table} ({', '.join(keys)}) select {', '.join(keys)} "
                 f"from ({build_text(BUILDS[table])}) as built{order}", **window)

    def _table_stats(self, table: str) -> None:
        newest = f"max({NEWEST[table]})" if table in NEWEST else "cast(null as timestamp)"
        self.sql(f"delete from rollup_tables where table_name = '{table}'")
        self.sql(f"insert into rollup_tables (table_name, rows_count, newest_at) "
                 f"select '{table}', count(*), {newest} from {table}")

    def rebuild(self) -> None:
        """Every rollup from scratch, with these settings."""
        for table in (*BUILDS, "rollup_tables"):
            self.sql(f"delete from {table}")
        days = {"contact": ("interactions", "started_at"), "csat": ("interactions", "started_at"),
                "survey": ("surveys", "answered_at"),
                "rating": ("journey_events", "occurred_at"), "order": ("orders", "ordered_at")}
        for family, (table, column) in days.items():
            self.sql(f"insert into touched_{family}_days select distinct {local_day(column)} from {table}")
        self.sql("insert into touched_journeys select distinct journey_id from journey_events")
        self._insert("rollup_journeys")
        self.sql("insert into touched_rated_customers select distinct customer_id from journey_events")
        self._rated_events()
        self.sql("insert into touched_journey_days select distinct day from rollup_journeys")
        self._count_mixed()
        for family, tables in DAY_ROLLUPS.items():
            self._rebuild_days(f"touched_{family}_days", tables)
        self.sql("insert into touched_opportunities select opportunity_id from opportunities")
        self._opportunities()
        self._customer_groups()
        for spec in schema.SPECS:
            self._table_stats(spec.name)
        self._meta({REPEAT_WINDOW_KEY: repr(float(self.repeat_window_sec)), VERSION_KEY: str(VERSION)})
        for key, param in ((TIME_ZONE_KEY, "tz"), (FIRST_STAGE_KEY, "first_stage")):
            self.sql(f"delete from journey_meta where key = '{key}'")
            self.sql(f"insert into journey_meta (key, value) values ('{key}', :{param})")

    def _meta(self, values: Mapping[str, str]) -> None:
        """Numbers only (counts, seconds): they are written as literals."""
        for key, value in values.items():
            float(value)
            self.sql(f"delete from journey_meta where key = '{key}'")
            self.sql(f"insert into journey_meta (key, value) values ('{key}', '{value}')")


@cache
def build_text(name: str) -> str:
    from journey.store import query_text  # the store imports this module

    return re.sub(r"\border by\b[^;()]*$", "", query_text(name).strip())  # the final order by only


# --- reading: which query answers ------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    rollup: str
    needs: tuple[str, ...] = ()  # flags that must be true: filters the rollup cannot apply
    journeys: bool = False  # by journey: a segment or region filter needs journeys that a filter cannot split


_JOURNEY = ("all_channels",)  # a channel filter splits journeys by their events' channels
ROUTES = {
    "kpi_contacts_daily": Route("rollup_kpi_contacts_daily"),
    "kpi_surveys_daily": Route("rollup_kpi_surveys_daily"),
    "kpi_journeys_daily": Route("rollup_kpi_journeys_daily", _JOURNEY, journeys=True),
    "kpi_orders_daily": Route("rollup_kpi_orders_daily"),
    "agent_contact_cells": Route("rollup_agent_contact_cells"),
    "weekly_contact_cells": Route("rollup_weekly_contact_cells"),
    "weekly_survey_cells": Route("rollup_weekly_survey_cells"),
    "weekly_journey_cells": Route("rollup_weekly_journey_cells", _JOURNEY, journeys=True),
    "weekly_order_cells": Route("rollup_weekly_order_cells"),
    # products are rolled up without the filter dimensions
    "curve_ratings_daily": Route("rollup_curve_ratings_daily", ("all_channels", "all_segments", "all_regions")),
    "journey_stage_reasons": Route("rollup_journey_stage_reasons"),
    "journey_worst": Route("rollup_journey_worst"),
    # a channel filter changes which rating is a customer's first in the range
    "journey_repurchase": Route("rollup_journey_repurchase", ("all_channels",)),
    "store_extent": Route("rollup_store_extent"),
    "filter_values": Route("rollup_filter_values"),
    "health_counts": Route("rollup_health_counts"),
    "health_newest": Route("rollup_health_newest"),
    "pipeline_open_cells": Route("rollup_pipeline_open_cells"),
    "pipeline_stage_outcomes": Route("rollup_pipeline_stage_outcomes"),
    "pipeline_timing_cells": Route("rollup_pipeline_timing_cells"),
    "pipeline_changes": Route("rollup_pipeline_changes"),
    "pipeline_stage_transitions": Route("rollup_pipeline_stage_transitions"),
    # the Customers page's default view, ranked after each load (Store.rank_customers): its key, when it is kept
    "customer_value_kept": Route("rollup_customer_value_kept"),
}
CHECKED = {"repeat_window_sec", "first_stage"}  # compared with the rollup's own setting rather than bound
INSTANTS = ("start_ts", "end_ts", "split_ts")


def choose(name: str, params: Mapping[str, Any], meta: Mapping[str, str]) -> str:
    """The query to run for `name`: its rollup query when that gives exactly the raw query's answer."""
    route = ROUTES.get(name)
    if route is None or meta.get(VERSION_KEY) != str(VERSION) or TIME_ZONE_KEY not in meta \
            or REPEAT_WINDOW_KEY not in meta:
        return name
    raw = parameters(name)
    settled = {*CHECKED, *route.needs, *(flag.removeprefix("all_") for flag in route.needs)}
    if not raw - settled <= parameters(route.rollup):
        return name
    if "tz" in parameters(route.rollup) and params.get("tz") != meta[TIME_ZONE_KEY]:
        return name
    if "repeat_window_sec" in raw and float(params.get("repeat_window_sec", -1)) != float(meta[REPEAT_WINDOW_KEY]):
        return name
    if "first_stage" in raw and params.get("first_stage") != meta.get(FIRST_STAGE_KEY):
        return name
    if any(key in raw and not local_midnight(params.get(key), meta[TIME_ZONE_KEY]) for key in INSTANTS):
        return name
    if not all(params.get(flag) is True for flag in route.needs):
        return name
    split = not (params.get("all_segments", True) and params.get("all_regions", True))
    if route.journeys and split and meta.get(MIXED_JOURNEYS_KEY) != "0":
        return name
    return route.rollup


@cache
def parameters(name: str) -> frozenset[str]:
    from journey.store import query_text

    return frozenset(re.findall(r"(?<![:\w]):(\w+)", query_text(name)))


def local_midnight(value: Any, time_zone: str) -> bool:
    """Whether a naive UTC timestamp is the start of a local day (rollups hold whole days)."""
    if not isinstance(value, datetime):
        return False
    local = value.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone))
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
