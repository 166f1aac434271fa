"""The interchange format of SPEC.md as data, and the store's tables built from it."""

from __future__ import annotations

from dataclasses import dataclass

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

_SQL_TYPES: dict[str, sa.types.TypeEngine] = {
    "text": sa.String(), "timestamp": sa.DateTime(), "date": sa.Date(),
    "float": sa.Double(), "int": sa.Integer(), "bool": sa.Boolean(),
}

metadata = sa.MetaData()

# Derived at import: seconds until the same customer's next contact with the same reason.
DERIVED_COLUMNS = {"interactions": (sa.Column("next_contact_gap_sec", sa.Double()),)}


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

_postgres_index("interactions_started_at", TABLES["interactions"], "started_at")
_postgres_index("interactions_customer_reason", TABLES["interactions"],
                "customer_id", "reason", "started_at")
_postgres_index("surveys_answered_at", TABLES["surveys"], "answered_at")
_postgres_index("journey_events_journey", TABLES["journey_events"], "journey_id")
_postgres_index("journey_events_occurred_at", TABLES["journey_events"], "occurred_at")
_postgres_index("orders_ordered_at", TABLES["orders"], "ordered_at")
_postgres_index("returns_order", TABLES["returns"], "order_id")
