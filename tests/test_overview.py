"""The dashboard frame and the Overview page, run through AppTest on a tiny store."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import run_page
from test_kpis import MARCH, _seed

from journey import cli, definitions, kpis, ui
from journey.store import Store

MARCH_QUERY = {"from": "2026-03-01", "to": "2026-03-16"}


def test_overview_tiles_equal_journey_kpis(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", MARCH_QUERY)
    assert not app.exception
    assert cli.main(["kpis", "--from", "2026-03-01", "--to", "2026-03-16", "--format", "json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown == {definitions.label(name): ui.format_value(name, expected[name]) for name in kpis.KPI_NAMES}
    assert shown["FCR"] == "33.3%" and shown["Revenue"] == "180"


def test_overview_keeps_filters_in_the_url(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", {**MARCH_QUERY, "channel": "voice"})
    assert app.query_params["channel"] == "voice"
    assert app.sidebar.date_input[0].value == (MARCH.start, MARCH.end)
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Contacts"] == "2"


def test_overview_corrects_a_bad_link_with_a_note(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", {"from": "2026-03-16", "to": "2026-03-01",
                                    "channel": "voice,'; drop table interactions; --"})
    assert not app.exception
    notes = " ".join(w.value for w in app.sidebar.warning)
    assert "swapped" in notes and "unknown channel" in notes
    assert app.sidebar.date_input[0].value == (date(2026, 3, 1), date(2026, 3, 16))
    assert {m.label: m.value for m in app.metric}["Contacts"] == "2"


def test_overview_on_an_empty_store_shows_dashes(app_store: Store) -> None:
    app = run_page("dashboard.py")
    assert not app.exception and not app.error
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Contacts"] == "0" and shown["FCR"] == "–"


def test_dashboard_explains_a_store_it_cannot_open(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    st.cache_resource.clear()
    monkeypatch.setenv("JOURNEY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = run_page("dashboard.py")
    assert not app.exception
    assert "cannot reach the database" in app.error[0].value
    assert app.button[0].label == "Retry"
    st.cache_resource.clear()


@pytest.mark.parametrize("page", ["journey", "agents", "pipeline", "weekly_review", "customers", "data_health"])
def test_pages_not_built_yet_say_so(app_store: Store, page: str) -> None:
    app = run_page(f"pages/{page}.py")
    assert not app.exception
    assert app.info[0].value.startswith("Coming soon")
