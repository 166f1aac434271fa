"""The Weekly review page under AppTest: the numbers shown are `journey report`'s, notes and reports are kept."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import run_page
from test_pipeline import _week_seed
from test_weekly import W11, _seed

from journey import cli, definitions, report, weekly
from journey.store import Store

PAGE = "pages/weekly_review.py"
RANGE = {"from": "2026-02-17", "to": "2026-03-16"}  # 28 days; the last complete week of it is 2026-W11


@pytest.fixture
def reports_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "reports"
    monkeypatch.setattr(report, "REPORTS_DIR", folder)
    return folder


def test_weekly_review_shows_what_journey_report_prints(
        app_store: Store, reports_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page(PAGE, RANGE)
    assert not app.exception and not app.error
    assert app.title[0].value == "Weekly review 2026-W11"
    assert cli.main(["report", "--week", "2026-W11", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    shown = app.dataframe[0].value
    assert shown["kpi"].tolist() == [definitions.label(row["kpi"]) for row in printed["kpis"]]
    assert shown["this_week"].tolist() == [weekly.show(row["kpi"], row["this_week"]) for row in printed["kpis"]]
    assert shown["change"].tolist() == [weekly.show_change(row["kpi"], row["change"]) for row in printed["kpis"]]
    sentences = [m.value.strip("*") for m in app.markdown]
    assert sentences[:len(printed["why"])] == [report.markdown_safe(t) for t in printed["why"].values()]
    assert "FCR fell 33.3 pts" in sentences[list(printed["why"]).index("fcr")]


def test_weekly_review_picking_a_week_moves_the_range(app_store: Store, reports_dir: Path) -> None:
    _seed(app_store)
    app = run_page(PAGE, RANGE)
    week = next(s for s in app.sidebar.selectbox if s.label == "Week")
    assert week.value == "2026-W11"
    week.select("2026-W10").run()
    assert app.session_state["flt_range"] == (date(2026, 2, 9), date(2026, 3, 8))  # still 28 days
    app.session_state["_run_number"] = 2  # what the dashboard frame does on every run: filters are redrawn
    app.run()
    assert app.title[0].value == "Weekly review 2026-W10"
    assert app.query_params["to"] == "2026-03-08"


def test_weekly_review_notes_are_saved_with_the_week(app_store: Store, reports_dir: Path) -> None:
    _seed(app_store)
    app = run_page(PAGE, RANGE)
    app.text_area(key="weekly_notes_2026-W11").input("Ana owns the chat follow-up")
    next(b for b in app.button if b.label == "Save notes").click().run()
    assert app.success[0].value == "Notes of 2026-W11 saved."
    assert weekly.read_notes(app_store.query, W11) == "Ana owns the chat follow-up"
    again = run_page(PAGE, RANGE)
    assert again.text_area(key="weekly_notes_2026-W11").value == "Ana owns the chat follow-up"


def test_weekly_review_keeps_the_report_and_lists_it(app_store: Store, reports_dir: Path) -> None:
    _seed(app_store)
    app = run_page(PAGE, RANGE)
    assert "No reports kept yet." in [i.value for i in app.info]
    next(b for b in app.button if b.label == "Build and keep this week's report").click().run()
    kept = reports_dir / "weekly-2026-W11.html"
    assert "<td>FCR</td><td>33.3%</td><td>66.7%</td>" in kept.read_text("utf-8")
    assert next(s for s in app.selectbox if s.label == "Past reports").value == "weekly-2026-W11.html"


def test_weekly_review_on_an_empty_store_says_so(app_store: Store, reports_dir: Path) -> None:
    app = run_page(PAGE, RANGE)
    assert not app.exception and not app.error
    assert app.info[0].value.startswith("No contacts, surveys, journeys or orders in 2026-W11")
    assert app.dataframe[0].value["this_week"].tolist()[:2] == ["0", "–"]
    notes = [caption.value for caption in app.caption]
    assert "No stage ratings this week, so there is no curve to draw." in notes
    assert "No agent contacts this week, so there is nothing to plot." in notes


def test_weekly_review_corrects_a_bad_link(app_store: Store, reports_dir: Path) -> None:
    _seed(app_store)
    app = run_page(PAGE, {"from": "2026-02-17", "to": "16 March", "region": "<script>"})
    assert not app.exception and not app.error
    notes = " ".join(w.value for w in app.sidebar.warning)
    assert "is not a date" in notes and "unknown region" in notes


class _DealsOnly:
    """Loads only the opportunity tables of a seed, so the weekly seed's customers and agents stay as they are."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, tables: dict[str, pl.DataFrame]) -> None:
        self.store.load({name: rows for name, rows in tables.items() if name.startswith("opportunit")})


def test_weekly_review_sections_show_what_the_report_file_holds(
        app_store: Store, reports_dir: Path, tmp_path: Path) -> None:
    _seed(app_store)
    _week_seed(_DealsOnly(app_store))  # type: ignore[arg-type]
    app = run_page(PAGE, RANGE)
    assert not app.exception and not app.error
    assert [s.value for s in app.subheader][-5:] == ["Experience curve", "Agents", "Pipeline", "Notes", "Report"]
    tables = {tuple(t.value.columns): t.value for t in app.dataframe}
    changes = tables[("movement", "deal_count", "deal_amount")]
    assert changes.values.tolist() == [["new", 1, 100.0], ["advanced", 1, 500.0], ["slipped", 1, 300.0],
                                       ["won", 1, 80.0], ["lost", 1, 250.0]]
    forecast = next(t for columns, t in tables.items() if "forecast_to_quota_pct" in columns)
    assert forecast["forecast"].tolist() == [210.0, 10.0, 0.0]
    out = tmp_path / "w11.html"
    assert cli.main(["report", "--week", "2026-W11", "--out", str(out)]) == 0
    text = out.read_text("utf-8")
    assert "<td>advanced</td><td>1</td><td>500</td>" in text and "<td>2026-03</td><td>80</td><td>130</td>" in text
    assert "Lost since last week: none." in text
