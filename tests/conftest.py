"""Fixtures: every store test runs on DuckDB and on a real PostgreSQL."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest
import sqlalchemy as sa

from journey import settings as settings_module
from journey.store import Store, open_store

# Clearing Streamlit's caches outside a runtime logs a warning through a stream pytest has closed.
logging.getLogger("streamlit.runtime.caching").setLevel(logging.ERROR)

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

POSTGRES_ENV = "JOURNEY_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "JOURNEY_REQUIRE_POSTGRES"
GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*.csv")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(params=["duckdb", "postgresql"])
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(engine_name: str, tmp_path: Path) -> Iterator[Store]:
    """An empty store with the schema, on the engine of this test case."""
    if engine_name == "duckdb":
        yield open_store(f"duckdb:///{tmp_path / 'store.duckdb'}")
        return
    yield from _postgres_store()


def _postgres_store() -> Iterator[Store]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{POSTGRES_ENV} is not set but {REQUIRE_POSTGRES_ENV}=1")
        pytest.skip(f"PostgreSQL case skipped: set {POSTGRES_ENV} to run it")
    # a schema of its own per test, so parallel runs and tests never see each other's rows
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f"create schema {name}"))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
    store = open_store(url.render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f"drop schema {name} cascade"))
        admin.dispose()


@pytest.fixture
def settings() -> settings_module.Settings:
    return settings_module.Settings()


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """A frame from literal rows; timestamps written as text are parsed as UTC."""
    df = pl.DataFrame(rows, infer_schema_length=None)
    return df.with_columns(
        pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S") for c in df.columns
        if c.endswith("_at") and df[c].dtype == pl.String
    ).with_columns(
        pl.col(c).str.to_date() for c in df.columns
        if (c.endswith("_date") or c.startswith("period_")) and df[c].dtype == pl.String
    )


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A DuckDB store the dashboard under AppTest reads; Streamlit's caches start empty."""
    import streamlit as st

    url = f"duckdb:///{tmp_path / 'app.duckdb'}"
    monkeypatch.setenv("JOURNEY_DATABASE_URL", url)
    monkeypatch.setenv("JOURNEY_CONFIG", str(Path(__file__).parents[1] / "config" / "journey.toml"))
    st.cache_data.clear()
    st.cache_resource.clear()
    store = open_store(url)
    yield store
    store.engine.dispose()
    st.cache_data.clear()
    st.cache_resource.clear()


def run_page(page: str, query: dict[str, str] | None = None, timeout: float = 30) -> AppTest:
    """Run one page file the way the dashboard frame does (filters first), with a URL query."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(Path(__file__).parents[1] / page), default_timeout=timeout)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    return app.run()
