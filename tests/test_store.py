"""Store.load: upserts by key, repeat gaps kept for the customers in a load, bulk loads; on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import sqlalchemy as sa
from conftest import frame

from journey import schema
from journey.settings import Settings
from journey.store import ANALYZE_ROWS, Store


def contact(interaction_id: str, started_at: str, customer_id: str = "c1",
            reason: str = "billing") -> dict[str, object]:
    return {"interaction_id": interaction_id, "customer_id": customer_id, "channel": "voice", "reason": reason,
            "started_at": started_at}


def gaps(store: Store) -> dict[str, float | None]:
    with store.connect() as connection:
        rows = connection.execute(sa.text("select interaction_id, next_contact_gap_sec from interactions")).all()
    return {interaction_id: gap for interaction_id, gap in rows}


def test_a_later_load_corrects_the_repeat_gaps_of_earlier_contacts(store: Store) -> None:
    settings = Settings()
    store.load({"interactions": frame([contact("x1", "2026-03-02 10:00:00"), contact("x2", "2026-03-02 10:00:00"),
                                       contact("x3", "2026-03-04 09:00:00"),
                                       contact("y1", "2026-03-02 11:00:00", reason="delivery")])}, settings)
    # ties share a time, so both look past it: 47 hours to x3
    assert gaps(store) == {"x1": 169_200.0, "x2": 169_200.0, "x3": None, "y1": None}
    store.load({"interactions": frame([contact("x4", "2026-03-03 10:00:00")])}, settings)
    assert gaps(store) == {"x1": 86_400.0, "x2": 86_400.0, "x3": None, "x4": 82_800.0, "y1": None}
    # x3 replaced by a contact of another reason: x4 has no later billing contact any more
    store.load({"interactions": frame([contact("x3", "2026-03-04 09:00:00", reason="delivery")])}, settings)
    assert gaps(store) == {"x1": 86_400.0, "x2": 86_400.0, "x3": None, "x4": None, "y1": 165_600.0}


def test_a_contact_moved_to_another_customer_leaves_the_first_customers_gaps_right(store: Store) -> None:
    settings = Settings()
    store.load({"interactions": frame([contact("x1", "2026-03-02 10:00:00"), contact("x2", "2026-03-02 12:00:00"),
                                       contact("z1", "2026-03-02 13:00:00", customer_id="c2")])}, settings)
    assert gaps(store) == {"x1": 7_200.0, "x2": None, "z1": None}
    store.load({"interactions": frame([contact("x2", "2026-03-02 12:00:00", customer_id="c2")])}, settings)
    assert gaps(store) == {"x1": None, "x2": 3_600.0, "z1": None}


def test_reloading_the_same_rows_changes_nothing_but_the_data_version(store: Store) -> None:
    settings = Settings()
    rows = {"customers": frame([{"customer_id": "c1", "segment": "smb"}]),
            "interactions": frame([contact("x1", "2026-03-02 10:00:00"), contact("x2", "2026-03-05 10:00:00")]),
            "benchmarks": frame([{"stage": "find", "peer": "p", "score": 70.0}])}  # its key has empty periods
    store.load(rows, settings)
    before, version = gaps(store), store.data_version()
    store.load(rows, settings)
    assert gaps(store) == before == {"x1": 259_200.0, "x2": None}
    assert store.data_version() == version + 3  # one per table loaded
    counts = dict(store.query("health_counts").iter_rows())
    assert (counts["customers"], counts["interactions"], counts["benchmarks"]) == (1, 2, 1)


def test_a_bulk_load_gives_the_same_gaps_and_keeps_every_index(store: Store) -> None:
    """A load of many rows takes PostgreSQL's bulk path (indexes dropped and rebuilt in the transaction)."""
    settings = Settings()
    start = datetime(2026, 3, 1)
    n = ANALYZE_ROWS + 10
    many = pl.DataFrame({
        "interaction_id": [f"i{k}" for k in range(n)], "customer_id": [f"c{k % 1000}" for k in range(n)],
        "channel": "web", "reason": "billing",
        "started_at": [start + timedelta(hours=k) for k in range(n)],  # a customer's next contact: 1000 h later
    })
    store.load({"interactions": many}, settings)
    store.load({"interactions": frame([contact("late", "2027-12-31 00:00:00", customer_id="c7")])}, settings)
    found = gaps(store)
    assert found["i0"] == found["i9"] == 1000 * 3600.0
    assert found[f"i{n - 1}"] is None  # customer c9's last contact
    assert found[f"i{n - 3}"] == (datetime(2027, 12, 31) - (start + timedelta(hours=n - 3))).total_seconds()  # c7
    assert store.query("store_extent", tz="UTC")["contacts_count"].item() == n + 1
    if store.dialect == "postgresql":
        with store.connect() as connection:
            names = set(connection.execute(sa.text(
                "select indexname from pg_indexes where tablename = 'interactions' "
                "and schemaname = current_schema()")).scalars())
        assert {index.name for index in schema.TABLES["interactions"].indexes} <= names
