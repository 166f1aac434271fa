"""The Journey page under AppTest: the curve it shows is `journey curve`, its conversion the KPI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import frame, run_page
from test_curve import BENCHMARKS, MAIN

from journey import cli, curve_charts, ui
from journey.store import Store

QUERY = {"from": "2026-03-01", "to": "2026-03-16"}


def _seed(store: Store, benchmarks: bool = True) -> None:
    contact = ("interaction_id", "customer_id", "channel", "reason", "stage", "started_at", "resolved")
    store.load({**MAIN, **({"benchmarks": BENCHMARKS} if benchmarks else {}), "interactions": frame([
        dict(zip(contact, row, strict=True)) for row in (
            ("i1", "c1", "voice", "product_question", "find", "2026-03-02 10:00:00", True),
            ("i2", "c2", "chat", "product_question", "find", "2026-03-03 10:00:00", False),
            ("i3", "c1", "voice", "campaign_offer", "find", "2026-03-04 10:00:00", None),
        )])})


def _cli(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    assert cli.main(["curve", "--from", QUERY["from"], "--to", QUERY["to"], "--format", "json", *extra]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def _table(app: Any, column: str) -> list[dict[str, Any]]:
    """The rows of the first table shown with this column."""
    shown = next(df.value for df in app.dataframe if column in df.value.columns)
    return [{c: (None if shown[c].isna()[i] else shown[c][i].item() if hasattr(shown[c][i], "item")
                 else shown[c][i]) for c in shown.columns} for i in range(len(shown))]


def test_journey_page_curve_equals_journey_curve(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page("pages/journey.py", QUERY)
    assert not app.exception and not app.error
    expected = _cli(capsys)
    shown = _table(app, "peak")
    # the page shows points to one decimal and top-box as a share; the rest is the CLI's value (floats to 12 digits)
    assert [cli.settled((r["stage"], r["score"], r["top_box_share"], r["ratings"], r["peer_best"],
                         r["points_over_best_peer"], r["peak"])) for r in shown] == [
        (e["stage"], None if e["score"] is None else round(e["score"], 1), e["top_box"], e["ratings"],
         e["peer_best"], None if e["margin"] is None else round(e["margin"], 1), e["peak"]) for e in expected]
    assert [e["peak"] for e in expected] == [True, False, True, False, False]  # find (exactly 5) and buy (7.5)
    assert curve_charts.NO_BENCHMARKS not in app.get("plotly_chart")[0].proto.spec


def test_journey_page_conversion_is_the_kpi(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page("pages/journey.py", QUERY)
    assert cli.main(["kpis", "--from", QUERY["from"], "--to", QUERY["to"], "--format", "json"]) == 0
    kpi = json.loads(capsys.readouterr().out)["journey_conversion"]
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Journey conversion"] == ui.format_value("journey_conversion", kpi) == "40.0%"
    funnel = _table(app, "reached_count")
    assert [(r["stage"], r["reached_count"]) for r in funnel] == [
        ("find", 5), ("choose", 3), ("buy", 4), ("receive", 1), ("return", 0)]


def test_journey_page_peak_impact_in_plain_words(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("pages/journey.py", QUERY)
    text = " ".join(m.value for m in app.markdown)
    # peaks: j1, j3, j5 (2 converted); without: j2, j4 (none)
    assert "66.7% of 3 journeys with a find/choose peak converted, against 0.0% of 2 journeys without one" in text
    assert "The difference is significant." in text
    # c1 rated receive 5 and bought again (j3); nobody rated it 1–4
    assert "**receive rated 5 → repurchase in 90 days.** Nothing to compare: one group is empty (1 against 0)." in text
    impact = _table(app, "comparison")
    assert [r["verdict"] for r in impact] == ["significant", "nothing to compare", "nothing to compare"]


def test_journey_page_drill_down_lists_worst_journeys_and_reasons(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("pages/journey.py", QUERY)
    worst = _table(app, "stage_rating")
    assert [(r["journey_rank"], r["journey_id"]) for r in worst][:2] == [(1, "j2"), (1, "j2")]  # find rated 2
    reasons = _table(app, "resolved_rate")
    assert [(r["reason"], r["contacts_count"]) for r in reasons] == [("product_question", 2), ("campaign_offer", 1)]
    app.selectbox(key="journey_stage").set_value("buy").run()
    assert not app.exception
    assert [r["journey_id"] for r in _table(app, "stage_rating")][:2] == ["j4", "j4"]  # buy rated 2
    assert _table(app, "resolved_rate") == []


def test_journey_page_compare_by_region(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("pages/journey.py", QUERY)
    app.radio(key="journey_compare").set_value("region").run()
    rows = _table(app, "region")
    assert ("north", "find", 91.7, 3) in [(r["region"], r["stage"], r["score"], r["ratings"]) for r in rows]
    assert any("Hollow points rest on fewer than 30 ratings" in c.value for c in app.caption)


def test_journey_page_without_benchmarks_says_so(app_store: Store) -> None:
    _seed(app_store, benchmarks=False)
    app = run_page("pages/journey.py", QUERY)
    assert not app.exception
    assert curve_charts.NO_BENCHMARKS in app.get("plotly_chart")[0].proto.spec  # said on the chart itself
    assert [r["peak"] for r in _table(app, "peak")] == [False] * 5


def test_journey_page_on_an_empty_store_says_so(app_store: Store) -> None:
    app = run_page("pages/journey.py", QUERY)
    assert not app.exception and not app.error
    assert app.info[0].value.startswith("No journey events in this range")


def test_journey_page_corrects_a_bad_link(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("pages/journey.py", {**QUERY, "region": "nope'; drop table journey_events; --", "to": "2026-02-30"})
    assert not app.exception and not app.error
    assert "unknown region" in " ".join(w.value for w in app.sidebar.warning)
