"""The interchange format of SPEC.md as data, and the store's tables built from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

SCHEMA_VERSION = 1

CHANNELS = ("voice", "email", "chat", "web", "sms", "social", "fax", "in_person")
DIRECTIONS = ("inbound", "outbound")
DEPARTMENTS = ("service", "sales", "marketing", "collections", "other")
STAGES = ("find", "choose", "buy", "receive", "return")
OUTCOMES = ("completed", "abandoned", "failed")
ORDER_STATUSES = ("placed", "delivered", "cancelled", "returned")
OPPORTUNITY_STATUSES = ("open", "won", "lost")
PIPELINE_STAGES = "pipeline_stages"  # marker: values come from the configured pipeline stages


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, timestamp, date, float, int, bool
    required: bool = False
    values: tuple[str, ...] | str | None = None
    low: float | None = None
    high: float | None = None
    references: str | None = None  # table whose key this column holds
    default: str | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _c(name: str, kind: str = "text", **kw: object) -> Column:
    return Column(name, kind, **kw)  # type: ignore[arg-type]


def _req(name: str, kind: str = "text", **kw: object) -> Column:
    return Column(name, kind, required=True, **kw)  # type: ignore[arg-type]


# In load order: a table comes after every table it references.
SPECS: tuple[TableSpec, ...] = (
    TableSpec("customers", ("customer_id",), (
        _req("customer_id"), _c("name"), _c("segment"), _c("region"),
        _c("created_at", "timestamp"), _c("updated_at", "timestamp"))),
    TableSpec("agents", ("agent_id",), (
        _req("agent_id"), _c("name"), _c("team"), _c("site"),
        _c("hired_at", "timestamp"), _c("active", "bool"))),
    TableSpec("orders", ("order_id",), (
        _req("order_id"), _req("customer_id", references="customers"),
        _req("ordered_at", "timestamp"), _req("amount", "float", low=0), _c("product"),
        _c("promised_at", "timestamp"), _c("delivered_at", "timestamp"),
        _c("status", values=ORDER_STATUSES))),
    TableSpec("opportunities", ("opportunity_id",), (
        _req("opportunity_id"), _req("customer_id", references="customers"),
        _req("owner_id", references="agents"), _c("product"), _c("source"),
        _req("amount", "float", low=0), _req("created_at", "timestamp"),
        _c("expected_close_date", "date"), _req("stage", values=PIPELINE_STAGES),
        _req("status", values=OPPORTUNITY_STATUSES), _c("closed_at", "timestamp"),
        _c("lost_reason"))),
    TableSpec("interactions", ("interaction_id",), (
        _req("interaction_id"), _req("customer_id", references="customers"),
        _c("agent_id", references="agents"), _req("channel", values=CHANNELS),
        _c("direction", values=DIRECTIONS, default="inbound"),
        _c("department", values=DEPARTMENTS, default="service"),
        _req("reason"), _c("stage", values=STAGES), _req("started_at", "timestamp"),
        _c("wait_seconds", "float", low=0), _c("handle_seconds", "float", low=0),
        _c("resolved", "bool"), _c("transferred", "bool"), _c("escalated", "bool"),
        _c("sentiment_start", "float", low=-1, high=1), _c("sentiment_end", "float", low=-1, high=1),
        _c("qa_score", "float", low=0, high=100), _c("order_id", references="orders"),
        _c("opportunity_id", references="opportunities"))),
    TableSpec("surveys", ("survey_id",), (
        _req("survey_id"), _req("customer_id", references="customers"),
        _c("interaction_id", references="interactions"), _req("answered_at", "timestamp"),
        _c("csat", "int", low=1, high=5), _c("nps", "int", low=0, high=10),
        _c("ces", "int", low=1, high=7), _c("churn_intent", "bool"), _c("comment"))),
    TableSpec("journey_events", ("event_id",), (
        _req("event_id"), _req("journey_id"), _req("customer_id", references="customers"),
        _req("stage", values=STAGES), _req("occurred_at", "timestamp"),
        _c("channel", values=CHANNELS), _c("product"), _c("outcome", values=OUTCOMES),
        _c("rating", "int", low=1, high=5), _c("order_id", references="orders"))),
    TableSpec("returns", ("return_id",), (
        _req("return_id"), _req("order_id", references="orders"),
        _req("requested_at", "timestamp"), _c("resolved_at", "timestamp"),
        _c("refunded_amount", "float", low=0), _c("reason"))),
    TableSpec("opportunity_stages", ("opportunity_id", "stage", "entered_at"), (
        _req("opportunity_id", references="opportunities"),
        _req("stage", values=PIPELINE_STAGES), _req("entered_at", "timestamp"))),
    TableSpec("quotas", ("owner_id", "period_start", "period_end"), (
        _req("owner_id", references="agents"), _req("period_start", "date"),
        _req("period_end", "date"), _req("amount", "float", low=0))),
    TableSpec("follow_ups", ("follow_up_id",), (
        _req("follow_up_id"), _req("customer_id", references="customers"),
        _c("interaction_id", references="interactions"), _c("agent_id", references="agents"),
        _req("created_at", "timestamp"), _req("due_at", "timestamp"),
        _c("completed_at", "timestamp"))),
    TableSpec("benchmarks", ("stage", "peer", "period_start", "period_end"), (
        _req("stage", values=STAGES), _req("peer"), _req("score", "float", low=0, high=100),
        _c("period_start", "date"), _c("period_end", "date"))),
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}
REQUIRED_TABLES = ("customers", "agents", "interactions")

_SQL_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "text": sa.String(), "timestamp": sa.DateTime(), "date": sa.Date(),
    "float": sa.Double(), "int": sa.Integer(), "bool": sa.Boolean(),
}

metadata = sa.MetaData()

# Derived at import: seconds until the same customer's next contact with the same reason.
DERIVED_COLUMNS: dict[str, tuple[sa.Column[Any], ...]] = {
    "interactions": (sa.Column("next_contact_gap_sec", sa.Double()),),
}


def _table(spec: TableSpec) -> sa.Table:
    # Keys are kept unique by the loader (delete, then insert, in one transaction): DuckDB's
    # unique constraints reject that pattern, and its indexes slow bulk loads for no query gain.
    columns = [sa.Column(c.name, _SQL_TYPES[c.kind]) for c in spec.columns]
    table = sa.Table(spec.name, metadata, *columns, *DERIVED_COLUMNS.get(spec.name, ()))
    if spec.name != "benchmarks":  # its key has nullable periods
        _postgres_index(f"{spec.name}_key", table, *spec.key, unique=True)
    return table


def _postgres_index(name: str, table: sa.Table, *columns: str, unique: bool = False) -> None:
    sa.Index(name, *(table.c[c] for c in columns), unique=unique).ddl_if(dialect="postgresql")


TABLES = {spec.name: _table(spec) for spec in SPECS}

journey_meta = sa.Table(
    "journey_meta", metadata,
    sa.Column("key", sa.String(), primary_key=True),
    sa.Column("value", sa.String()),
)
imports = sa.Table(
    "imports", metadata,
    sa.Column("import_id", sa.String(), primary_key=True),
    sa.Column("started_at", sa.DateTime()),
    sa.Column("finished_at", sa.DateTime()),
    sa.Column("source", sa.String()),
    sa.Column("loaded_json", sa.String()),
    sa.Column("rejected_json", sa.String()),
    sa.Column("rejects_file", sa.String()),
)
import_rejects = sa.Table(
    "import_rejects", metadata,
    sa.Column("import_id", sa.String(), primary_key=True),
    sa.Column("reject_number", sa.Integer(), primary_key=True),
    sa.Column("table_name", sa.String()),
    sa.Column("file", sa.String()),
    sa.Column("line", sa.Integer()),
    sa.Column("column_name", sa.String()),
    sa.Column("reason", sa.String()),
    sa.Column("value", sa.String()),
)
weekly_notes = sa.Table(  # the weekly review's notes (decisions, owners), one text per ISO week
    "weekly_notes", metadata,
    sa.Column("week", sa.String(), primary_key=True),
    sa.Column("notes", sa.String()),
    sa.Column("updated_at", sa.DateTime()),
)
users = sa.Table(  # who may sign in, with which role (journey user add|remove|list; see docs/access.md)
    "users", metadata,
    sa.Column("user_name", sa.String(), primary_key=True),  # sign-in name, or the e-mail a proxy or OIDC gives
    sa.Column("role", sa.String()),  # executive, manager, agent, analyst
    sa.Column("agent_id", sa.String()),  # an agent's own agent id
    sa.Column("teams", sa.String()),  # a manager's teams, comma-separated
    sa.Column("password_hash", sa.String()),  # argon2id; null for users who sign in through a proxy or OIDC
    sa.Column("created_at", sa.DateTime()),
)
audit_log = sa.Table(  # sign-ins, failed sign-ins and exports, for analysts (Data health page)
    "audit_log", metadata,
    sa.Column("event_id", sa.String(), primary_key=True),
    sa.Column("occurred_at", sa.DateTime()),
    sa.Column("user_name", sa.String()),
    sa.Column("event", sa.String()),  # sign_in, sign_in_failed, sign_out, export, report, denied
    sa.Column("detail", sa.String()),
)

_postgres_index("interactions_started_at", TABLES["interactions"], "started_at")
_postgres_index("interactions_customer_reason", TABLES["interactions"],
                "customer_id", "reason", "started_at")
_postgres_index("surveys_answered_at", TABLES["surveys"], "answered_at")
_postgres_index("journey_events_journey", TABLES["journey_events"], "journey_id")
_postgres_index("journey_events_occurred_at", TABLES["journey_events"], "occurred_at")
_postgres_index("orders_ordered_at", TABLES["orders"], "ordered_at")
_postgres_index("returns_order", TABLES["returns"], "order_id")

# Rollups (journey.rollups): additive measures per local day of the rollup time zone, kept by every load.
# Keys name rows, not people: team and names are joined from agents when read, so an agent moving team
# changes no rollup row.
_KEY_TYPES: dict[str, sa.types.TypeEngine] = {  # type: ignore[type-arg]
    "day": sa.Date(), "first_at": sa.DateTime(), "last_at": sa.DateTime(), "rating": sa.Integer(),
    "mixed": sa.Boolean()}


def _rollup(name: str, keys: tuple[str, ...], counts: tuple[str, ...], sums: tuple[str, ...] = (),
            extra: tuple[str, ...] = ()) -> sa.Table:
    table = sa.Table(
        name, metadata,
        *(sa.Column(k, _KEY_TYPES.get(k, sa.String())) for k in keys),
        *(sa.Column(c, sa.BigInteger()) for c in counts),
        *(sa.Column(s, sa.Double()) for s in sums),
        *(sa.Column(e, _KEY_TYPES.get(e, sa.Boolean())) for e in extra),
    )
    _postgres_index(f"{name}_day", table, "day")
    return table


_CONTACT_MEASURES = ("contacts_count", "handle_count", "repeat_count", "resolved_known_count", "fcr_count")
_STAGE_FLAGS = tuple(f"{kind}_{stage}" for kind in ("reached", "abandoned") for stage in STAGES)
ROLLUPS = {
    "rollup_channel_days": _rollup(  # the store's extent and channels, in a few hundred rows
        "rollup_channel_days", ("day", "channel"), ("contacts_count",), (), ("first_at", "last_at")),
    "rollup_contact_days": _rollup(  # by team (the KPIs' only agent filter): a few times smaller than by agent
        "rollup_contact_days", ("day", "team", "channel", "segment", "region"),
        ("contacts_count", "agent_contacts_count", *_CONTACT_MEASURES[1:]), ("handle_sec_sum",)),
    "rollup_contact_cells": _rollup(
        "rollup_contact_cells", ("day", "agent_id", "reason", "channel", "segment", "region"),
        (*_CONTACT_MEASURES, "transferred_known_count", "transferred_count", "escalated_known_count",
         "escalated_count", "sentiment_count", "qa_count"),
        ("handle_sec_sum", "sentiment_lift_sum", "qa_sum")),
    "rollup_contact_csat": _rollup(  # the surveys of the cells above, apart: a survey load leaves those alone
        "rollup_contact_csat", ("day", "agent_id", "reason", "channel", "segment", "region"),
        ("csat_count", "csat_top_count")),
    "rollup_survey_days": _rollup(
        "rollup_survey_days", ("day", "agent_id", "channel", "reason", "segment", "region"),
        ("surveys_count", "csat_count", "csat_top_count", "nps_count", "promoter_count", "detractor_count",
         "ces_count"), ("ces_sum",), ("first_at", "last_at")),
    "rollup_journeys": _rollup(  # one row per journey: its first event and whole-journey flags
        "rollup_journeys", ("day", "journey_id", "segment", "region"), (), (),
        ("first_at", "mixed", "converted", "has_peak", *_STAGE_FLAGS)),
    "rollup_journey_days": _rollup(
        "rollup_journey_days", ("day", "segment", "region"),
        ("journeys_count", "converted_count", "peak_count", "peak_converted_count",
         *(f"{stage}_{kind}_count" for kind in ("reached", "abandoned") for stage in STAGES),
         *(f"{stage}_continued_count" for stage in STAGES[:-1]))),
    "rollup_rating_days": _rollup(
        "rollup_rating_days", ("day", "stage", "rating", "channel", "segment", "region"), ("ratings_count",)),
    "rollup_rating_products": _rollup(
        "rollup_rating_products", ("day", "stage", "rating", "product"), ("ratings_count",)),
    "rollup_order_days": _rollup(
        "rollup_order_days", ("day", "segment", "region", "product"),
        ("orders_count", "returns_count", "delivered_count", "on_time_count"), ("revenue_sum",)),
}
rollup_tables = sa.Table(  # rows and newest time per table, for Data health (a count of 10M rows is not free)
    "rollup_tables", metadata,
    sa.Column("table_name", sa.String()),
    sa.Column("rows_count", sa.BigInteger()),
    sa.Column("newest_at", sa.DateTime()),
)
_postgres_index("rollup_journeys_journey", ROLLUPS["rollup_journeys"], "journey_id")
ROLLUPS["rollup_contact_stages"] = _rollup(  # contacts by journey stage and reason (Journey page's stage drill-down)
    "rollup_contact_stages", ("day", "team", "stage", "reason", "channel", "segment", "region"),
    ("contacts_count", "resolved_known_count", "resolved_count"))
# Every rated journey event, with the previous rated event of its customer at its stage (prev_at) and, at receive
# and return, the customer's next completed buy of another journey (next_buy_at); kept per customer a load touches.
# A customer's first rating in a range is then a filter, and a repurchase within any window a comparison.
ROLLUPS["rollup_rated_events"] = sa.Table(
    "rollup_rated_events", metadata,
    sa.Column("day", sa.Date()),
    *(sa.Column(name, sa.String()) for name in ("event_id", "customer_id", "journey_id", "stage", "channel")),
    sa.Column("rating", sa.Integer()),
    *(sa.Column(name, sa.DateTime()) for name in ("occurred_at", "prev_at", "next_buy_at")),
)
_postgres_index("rollup_rated_events_stage", ROLLUPS["rollup_rated_events"], "stage", "occurred_at")
_postgres_index("rollup_rated_events_customer", ROLLUPS["rollup_rated_events"], "customer_id")
# One row per stage spell of an opportunity: the stage it sat in from spell_start until spell_end (the next
# stage row; null = still there), with the deal's own columns and its customer's segment and region, so the
# pipeline as of any instant is a filter on one small table instead of a latest-row search per snapshot.
ROLLUPS["rollup_opportunity_spells"] = sa.Table(
    "rollup_opportunity_spells", metadata,
    *(sa.Column(name, sa.String()) for name in ("opportunity_id", "owner_id", "segment", "region", "status",
                                                 "stage")),
    sa.Column("amount", sa.Double()),
    *(sa.Column(name, sa.DateTime()) for name in ("created_at", "closed_at", "spell_start", "spell_end")),
    sa.Column("expected_close_date", sa.Date()),
    sa.Column("first_in_stage", sa.Boolean()),  # the deal's first spell in this stage
    sa.Column("repeats", sa.Boolean()),  # the previous spell is in the same stage (a repeated row: no move)
    sa.Column("next_move_stage", sa.String()),  # the deal's next spell in another stage (null = none)
    sa.Column("next_move_at", sa.DateTime()),
)
ROLLUPS["rollup_customer_groups"] = sa.Table(  # the segment and region filters' values, without reading customers
    "rollup_customer_groups", metadata,
    sa.Column("segment", sa.String()), sa.Column("region", sa.String()), sa.Column("customers_count", sa.BigInteger()),
)
_postgres_index("rollup_opportunity_spells_opportunity", ROLLUPS["rollup_opportunity_spells"], "opportunity_id")
# Each spell once per UTC month in which it holds an instant (hold_start < t <= hold_end), so the pipeline's
# monthly snapshots join on the month (an equality) and check the exact instant after, instead of comparing
# every spell with every snapshot. A spell still open (hold_end null) has one row, its first month, open_ended.
ROLLUPS["rollup_opportunity_spell_months"] = sa.Table(
    "rollup_opportunity_spell_months", metadata,
    sa.Column("month", sa.Date()),
    *(sa.Column(name, sa.String()) for name in ("opportunity_id", "owner_id", "segment", "region", "stage")),
    *(sa.Column(name, sa.DateTime()) for name in ("hold_start", "hold_end")),
    sa.Column("open_ended", sa.Boolean()),
    sa.Column("created_day", sa.Date()),  # local, in the rollup time zone
    sa.Column("won_month_index", sa.Integer()),  # year * 12 + month - 1 of the local month of a win
    sa.Column("amount", sa.Double()),  # the deal's, for the open cells
    sa.Column("expected_close_date", sa.Date()),
)
_spell_months = ROLLUPS["rollup_opportunity_spell_months"]
_postgres_index("rollup_opportunity_spell_months_opportunity", _spell_months, "opportunity_id")
# The pipeline snapshots read these rows by index only (the indexes hold every column they read, the filters'
# too): a snapshot's month from the rows started before its instant, and the open-ended rows of the months before.
_held = [_spell_months.c[name] for name in ("stage", "created_day", "won_month_index", "owner_id", "amount",
                                            "expected_close_date", "segment", "region")]
sa.Index("rollup_opportunity_spell_months_start", _spell_months.c.month, _spell_months.c.hold_start,
         postgresql_include=[_spell_months.c.hold_end, *_held]).ddl_if(dialect="postgresql")
sa.Index("rollup_opportunity_spell_months_open_rows", _spell_months.c.month, postgresql_include=_held,
         postgresql_where=_spell_months.c.open_ended).ddl_if(dialect="postgresql")
# The stage outcomes (closed deals per stage entered) per day of the close, as the pipeline's 365-day windows
# take days (see rollup_build_opportunity_outcome_days); late_start: a spell starting after its deal's close.
ROLLUPS["rollup_opportunity_outcome_days"] = sa.Table(
    "rollup_opportunity_outcome_days", metadata,
    sa.Column("day", sa.Date()),
    sa.Column("late_start", sa.DateTime()),
    *(sa.Column(name, sa.String()) for name in ("stage", "segment", "region", "owner_id")),
    *(sa.Column(name, sa.BigInteger()) for name in ("closed_count", "won_count")),
)
# The Customers page's default view (the days up to the newest contact, no filter) as customer_value.sql returns
# it for every customer (row_kind 'listed', with values, ranks and group flags) and its cells (row_kind 'cell'),
# ranked again after every load (Store.rank_customers). Ranking 400k customers costs a second on DuckDB and ten
# on PostgreSQL; the page then reads the ranks.
ROLLUPS["rollup_customer_values"] = sa.Table(
    "rollup_customer_values", metadata,
    *(sa.Column(name, sa.String()) for name in ("row_kind", "customer_id", "name", "segment", "region")),
    *(sa.Column(name, sa.BigInteger()) for name in ("margin_percentile", "margin_rank", "population_count")),
    *(sa.Column(name, sa.Boolean()) for name in ("is_most_valuable", "is_below_marginal_cost", "is_fastest_growing",
                                                  "in_pareto")),
    *(sa.Column(name, sa.BigInteger()) for name in ("customers_count", "contacts_count")),
    *(sa.Column(name, sa.Double()) for name in (
        "revenue", "cost_to_serve", "margin", "revenue_last_6m", "revenue_prior_6m", "revenue_growth", "revenue_sum",
        "cost_to_serve_sum", "margin_sum", "positive_margin_sum", "revenue_growth_sum")),
)
_postgres_index("rollup_customer_values_customer", ROLLUPS["rollup_customer_values"], "customer_id")
