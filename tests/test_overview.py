"""The dashboard frame and the Overview page, run through AppTest on a tiny store."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import run_page
from test_kpis import MARCH, _seed

from journey import cli, definitions, kpis, ui, weekly
from journey import settings as settings_module
from journey.store import Store

MARCH_QUERY = {"from": "2026-03-01", "to": "2026-03-16"}


def test_overview_tiles_equal_journey_kpis(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", MARCH_QUERY)
    assert not app.exception
    assert cli.main(["kpis", "--from", "2026-03-01", "--to", "2026-03-16", "--format", "json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    shown = {metric.label: metric.value for metric in app.metric}
    tiles = {definitions.label(name): ui.format_value(name, expected[name]) for name in kpis.KPI_NAMES}
    assert {label: shown[label] for label in tiles} == tiles
    assert shown["FCR"] == "33.3%" and shown["Revenue"] == "180"


def test_overview_sparklines_are_the_twelve_weeks_ending_on_the_range_end(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", MARCH_QUERY)
    lines = {metric.label: list(metric.proto.chart_data) for metric in app.metric}
    # 7-day weeks ending 16 March: 10–16 (i3), 3–9 (i2, i4, i5), 24 Feb–2 Mar (i1), nine empty before
    assert lines["Contacts"] == [0.0] * 9 + [1.0, 3.0, 1.0]
    # FCR is known only in the last three weeks: i1 (repeated), then i4 (no), then i3 (yes)
    assert lines["FCR"] == [0.0, 0.0, 1.0]
    _, expected = weekly.tiles(app_store.query, MARCH, settings_module.load())
    assert lines["AHT"] == [v for v in expected["aht_seconds"] if v is not None]


def test_overview_alerts_name_kpis_off_target_and_link_with_the_filters(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", {**MARCH_QUERY, "channel": "voice"})
    alerts = [w.value for w in app.warning]
    # voice: FCR 0 of 1 known (i1 repeated) against 70%; orders ignore the channel: 1 return of 3 orders
    assert "FCR is off target: 0.0% against 70.0% (higher is better)" in alerts
    assert "Return rate is off target: 33.3% against 8.0% (lower is better)" in alerts
    links = [(link.proto.page, link.proto.query_string) for link in app.get("page_link")]
    query = "from=2026-03-01&to=2026-03-16&channel=voice"
    assert links[0] == ("weekly_review", query)
    assert ("agents", query) in links and ("journey", query) in links and ("customers", query) in links


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

