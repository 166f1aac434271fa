"""Data health on tiny hand-computed stores, on DuckDB and PostgreSQL: freshness lights, stale customers, imports."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from conftest import frame

from journey import cli, health, schema
from journey.settings import Settings
from journey.store import Store

NOW = datetime(2026, 3, 31, 12, 0, 0)
n = None


def seed_freshness(store: Store) -> None:
    """Newest interaction exactly 1 day before NOW, newest survey exactly 7 days, newest order 7 days and 1 second.

    Customers (stale after 180 days: before 2 Oct 2025 12:00): c1 updated an hour ago; c2 updated exactly 180 days
    ago (not older: fresh); c3 one second more (stale); c4 never updated but created this year (fresh); c5 without
    either date (stale).
    """
    store.load({
        "customers": frame([
            {"customer_id": "c1", "created_at": "2024-01-01 00:00:00", "updated_at": "2026-03-31 11:00:00"},
            {"customer_id": "c2", "created_at": "2024-01-01 00:00:00", "updated_at": "2025-10-02 12:00:00"},
            {"customer_id": "c3", "created_at": "2024-01-01 00:00:00", "updated_at": "2025-10-02 11:59:59"},
            {"customer_id": "c4", "created_at": "2026-01-01 00:00:00", "updated_at": n},
            {"customer_id": "c5", "created_at": n, "updated_at": n},
        ]),
        "agents": frame([{"agent_id": "a1", "hired_at": "2020-01-01 00:00:00"}]),
        "interactions": frame([
            {"interaction_id": "i1", "customer_id": "c1", "channel": "voice", "reason": "billing",
             "started_at": "2026-03-30 12:00:00"},
            {"interaction_id": "i2", "customer_id": "c1", "channel": "voice", "reason": "billing",
             "started_at": "2026-03-01 12:00:00"},
        ]),
        "surveys": frame([{"survey_id": "s1", "customer_id": "c1", "answered_at": "2026-03-24 12:00:00"}]),
        "orders": frame([{"order_id": "o1", "customer_id": "c1", "ordered_at": "2026-03-24 11:59:59", "amount": 5.0}]),
    })


def test_light_boundaries_are_inclusive() -> None:
    settings = Settings()
    assert [health.light(age, settings) for age in (-0.5, 0.0, 1.0, 1.000001, 7.0, 7.000001, None)] == [
        "green", "green", "green", "amber", "amber", "red", None]
    assert health.light(2.0, Settings(freshness_green_days=2, freshness_amber_days=3)) == "green"


def test_freshness_lights_each_table_at_the_threshold_boundaries(store: Store, settings: Settings) -> None:
    seed_freshness(store)
    tables = health.freshness(store.query, settings, NOW)
    shown = {r["table_name"]: (r["rows_count"], r["newest_at"], r["light"]) for r in tables.to_dicts()}
    assert shown["interactions"] == (2, datetime(2026, 3, 30, 12), "green")  # exactly 1 day
    assert shown["surveys"] == (1, datetime(2026, 3, 24, 12), "amber")  # exactly 7 days
    assert shown["orders"] == (1, datetime(2026, 3, 24, 11, 59, 59), "red")  # 7 days and a second
    assert shown["customers"] == (5, datetime(2026, 3, 31, 11), "green")
    assert shown["agents"] == (1, None, None) and shown["returns"] == (0, None, None)
    notes = dict(tables.select("table_name", "note").rows())
    assert notes["returns"] == "empty: no rows" and notes["agents"] == "reference table: no freshness light"
    assert tables["table_name"].to_list() == list(health.TIME_COLUMNS)


def test_freshness_notes_a_newest_record_later_than_now(store: Store, settings: Settings) -> None:
    seed_freshness(store)
    tables = health.freshness(store.query, settings, datetime(2026, 3, 30, 11))
    row = tables.filter(tables["table_name"] == "interactions").row(0, named=True)
    assert row["age_days"] == pytest.approx(-1 / 24) and row["light"] == "green"
    assert row["note"].startswith("newest record is later than now")


def test_stale_customers_count_missing_updated_at_by_created_at(store: Store, settings: Settings) -> None:
    seed_freshness(store)
    stale = health.stale_customers(store.query, settings, NOW, customers=5)
    assert (stale.count, stale.missing_updated, stale.share) == (2, 1, 0.4)
    # least recently updated first, the record with no date at all before the others
    assert stale.rows.select("customer_id", "days_since_update").rows() == [("c5", None), ("c3", 180)]


def test_footer_status_is_the_newest_record_and_the_lagging_tables(store: Store, settings: Settings) -> None:
    seed_freshness(store)
    status = health.footer_status(store.query, settings, NOW)
    assert status == health.FooterStatus(datetime(2026, 3, 31, 11), "green", {"orders": "red", "surveys": "amber"})


def test_footer_status_of_an_empty_store_has_no_date(store: Store, settings: Settings) -> None:
    assert health.footer_status(store.query, settings, NOW) == health.FooterStatus(None, None, {})


def record_import(store: Store) -> None:
    """Two imports: the older loaded everything, the newer rejected two interactions and an agent."""
    with store.connect() as connection:
        connection.execute(sa.insert(schema.imports), [
            {"import_id": "imp1", "started_at": datetime(2026, 3, 1, 9), "finished_at": datetime(2026, 3, 1, 9, 1),
             "source": "/data/march", "loaded_json": json.dumps({"customers": 5, "interactions": 2}),
             "rejected_json": json.dumps({}), "rejects_file": None},
            {"import_id": "imp2", "started_at": datetime(2026, 3, 2, 9), "finished_at": datetime(2026, 3, 2, 9, 1),
             "source": "/data/april", "loaded_json": json.dumps({"customers": 0, "interactions": 7}),
             "rejected_json": json.dumps({"interactions": 2, "agents": 1}), "rejects_file": "data/rejects/imp2.csv"},
        ])
        connection.execute(sa.insert(schema.import_rejects), [
            {"import_id": "imp2", "reject_number": 1, "table_name": "interactions", "file": "interactions.csv",
             "line": 3, "column_name": "channel", "reason": "unknown value", "value": "pigeon"},
            {"import_id": "imp2", "reject_number": 2, "table_name": "agents", "file": "agents.csv",
             "line": 2, "column_name": "agent_id", "reason": "missing required value", "value": ""},
            {"import_id": "imp2", "reject_number": 3, "table_name": "interactions", "file": "interactions.csv",
             "line": 9, "column_name": "channel", "reason": "unknown value", "value": "telex"},
        ])
        connection.commit()


def test_imports_list_newest_first_with_loaded_and_rejected_counts(store: Store) -> None:
    record_import(store)
    history = health.imports(store.query)
    assert history.select("import_id", "source", "loaded_count", "rejected_count", "rejected_tables",
                          "stored_rejects_count").rows() == [
        ("imp2", "/data/april", 7, 3, "interactions 2, agents 1", 3),
        ("imp1", "/data/march", 7, 0, "", 0)]
    assert health.import_label(history, "imp2") == "2026-03-02 09:00 · /data/april · 3 rejected"


def test_import_rejects_list_rows_in_file_order_and_reasons(store: Store) -> None:
    record_import(store)
    rejects = health.import_rejects(store.query, "imp2", limit=2)
    assert rejects.total == 3
    assert rejects.rows.select("table_name", "line", "column_name", "reason", "value").rows() == [
        ("interactions", 3, "channel", "unknown value", "pigeon"),
        ("agents", 2, "agent_id", "missing required value", "")]
    assert health.reject_reasons(store.query, "imp2").rows() == [
        ("interactions", "channel", "unknown value", 2), ("agents", "agent_id", "missing required value", 1)]
    assert health.import_rejects(store.query, "imp1").total == 0


def test_cli_json_gives_every_table_and_stale_customers(store: Store, settings: Settings) -> None:
    seed_freshness(store)
    shown = health.cli_json(store.query, settings, NOW)
    assert list(shown) == [*health.TIME_COLUMNS, "stale_customers"]
    assert shown["surveys"] == {"rows": 1, "newest": datetime(2026, 3, 24, 12), "age_days": 7.0, "light": "amber"}
    assert shown["quotas"] == {"rows": 0, "newest": None, "age_days": None, "light": None}
    assert shown["stale_customers"] == 2


def test_cli_health_prints_the_json_object(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    seed_freshness(store)
    assert cli.main(["--db", store.url, "health", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    # measured against the real clock: these timestamps are long past, so the light is red
    assert shown["interactions"]["rows"] == 2 and shown["interactions"]["newest"] == "2026-03-30T12:00:00"
    assert shown["interactions"]["light"] == "red" and shown["interactions"]["age_days"] > 7
    assert shown["returns"] == {"rows": 0, "newest": None, "age_days": None, "light": None}
    assert shown["stale_customers"] >= 2
