"""A store made by an earlier Journey opened by this one: on PostgreSQL its rollup tables get the indexes
this Journey declares, and lose the ones it no longer declares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from conftest import _postgres_store

from journey import schema
from journey.store import Store, open_store


@pytest.fixture
def postgres_store() -> Iterator[Store]:
    yield from _postgres_store()


def _indexes(store: Store, table: str) -> set[str]:
    with store.connect() as connection:
        return set(connection.execute(sa.text(
            "select indexname from pg_indexes where tablename = :table and schemaname = current_schema()"),
            {"table": table}).scalars())


def test_rollup_indexes_follow_the_declared_ones(postgres_store: Store) -> None:
    table = "rollup_opportunity_spell_months"
    declared = {index.name for index in schema.ROLLUPS[table].indexes}
    assert declared and declared <= _indexes(postgres_store, table)
    missing = sorted(declared)[0]
    with postgres_store.connect() as connection, connection.begin():
        connection.execute(sa.text(f"drop index {missing}"))
        connection.execute(sa.text(f"create index {table}_retired on {table} (month)"))  # an earlier Journey's
    assert missing not in _indexes(postgres_store, table)
    reopened = open_store(postgres_store.url)  # opened for writing, as a load or the demo opens it
    try:
        stored = _indexes(reopened, table)
    finally:
        reopened.engine.dispose()
    assert declared <= stored and f"{table}_retired" not in stored
