"""The Pipeline page under AppTest: the figures it shows are `journey pipeline` for the same day and filters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import frame, run_page
from streamlit.testing.v1 import AppTest
from test_pipeline import AS_OF, _seed

from journey import cli, ui
from journey.store import Store

QUERY = {"from": "2025-01-01", "to": "2026-03-15"}


def _page(query: dict[str, str]) -> AppTest:
    app = run_page("pages/pipeline.py", query)
    app.date_input(key="pipeline_as_of").set_value(AS_OF)
    return app.run()


def _cli(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    assert cli.main(["pipeline", "--as-of", AS_OF.isoformat(), "--from", QUERY["from"], "--to", QUERY["to"],
                     "--format", "json", *extra]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def _table(app: AppTest, *columns: str) -> list[dict[str, Any]]:
    """The rows of the first table shown whose columns start with `columns`."""
    frame = next(d.value for d in app.dataframe if list(d.value.columns[:len(columns)]) == list(columns))
    return [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(index=False)]


def test_pipeline_page_figures_equal_journey_pipeline(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = _page(QUERY)
    assert not app.exception and not app.error
    expected = _cli(capsys)
    shown = {m.label: m.value for m in app.metric}
    assert shown["Weighted pipeline"] == ui.format_value("weighted_pipeline", expected["weighted_pipeline"]) == "670"
    assert shown["Forecast Mar 2026"] == "750"  # the weighted method: its February backtest beats learned timing
    forecast = [row for row in _table(app, "period", "method")
                if row["method"].startswith("weighted")]
    assert [(r["period"], r["won_to_date"], r["open_forecast"], r["forecast"]) for r in forecast] == [
        (m["period"], round(m["won_to_date"]), round(m["weighted_open"]), round(m["forecast"]))
        for m in expected["forecast"]]
    timing = [row["forecast"] for row in _table(app, "period", "method")
              if row["method"] == "learned timing"]
    assert timing == [round(m["forecast"]) for m in expected["timing_forecast"]]
    backtest = _table(app, "month", "actual_won")
    assert [(r["month"], r["weighted_forecast"], r["actual_won"]) for r in backtest] == [
        (m["month"], round(m["forecast"]), round(m["actual"])) for m in expected["backtest"]]
    assert [r["timing_forecast"] for r in backtest] == [round(m["forecast"]) for m in expected["timing_backtest"]]
    assert shown["WAPE, weighted"] == ui.format_value("wape_pct", expected["wape"])
    assert shown["WAPE, learned timing"] == ui.format_value("wape_pct", expected["timing_wape"])
    assert f"The {expected['preferred_method']}" in app.success[0].value


def test_pipeline_page_filters_and_says_channel_does_not_apply(app_store: Store,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app_store.load({"interactions": frame([{"interaction_id": "i1", "customer_id": "c1", "channel": "voice",
                                            "reason": "billing", "started_at": "2026-03-02 09:00:00"}])})
    app = _page({**QUERY, "team": "t1", "channel": "voice"})
    assert not app.exception
    assert any("channel filter does not apply" in info.value for info in app.info)
    expected = _cli(capsys, "--team", "t1")
    assert {m.label: m.value for m in app.metric}["Weighted pipeline"] == "450" == ui.format_value(
        "weighted_pipeline", expected["weighted_pipeline"])


def test_pipeline_page_on_an_empty_store_says_there_is_nothing(app_store: Store) -> None:
    app = _page(QUERY)
    assert not app.exception and not app.error
    assert app.info[0].value.startswith("No opportunities")
    assert {m.label: m.value for m in app.metric}["Weighted pipeline"] == "0"


def test_pipeline_as_of_day_travels_in_the_url(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("pages/pipeline.py", {**QUERY, "as_of": AS_OF.isoformat()})
    assert not app.exception
    assert app.date_input(key="pipeline_as_of").value == AS_OF
    assert app.query_params["as_of"] == AS_OF.isoformat()
    bad = run_page("pages/pipeline.py", {**QUERY, "as_of": "yesterday'; drop table opportunities; --"})
    assert not bad.exception
    assert "is not a date" in bad.warning[0].value and "as_of" not in bad.query_params
