"""The weekly report: formatted tables, one self-contained HTML file, kept reports, PDF, `journey report`."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import date
from pathlib import Path

import plotly.offline
import polars as pl
import pytest
from conftest import frame
from test_pipeline import _week_seed
from test_weekly import ALL, W10, W11, _seed

from journey import agents, cli, pipeline_flow, report, weekly, weekly_sections
from journey.filters import Filters
from journey.settings import Settings
from journey.store import Store


def _outside_plotly(text: str) -> str:
    """The report without the inlined plotly bundle (whose source names map-tile servers it never loads)."""
    bundle = plotly.offline.get_plotlyjs()
    assert text.count(bundle) == 1
    return text.replace(bundle, "")


def test_review_is_the_kpi_table_and_a_sentence_per_rate(store: Store) -> None:
    _seed(store)
    review = report.review(store.query, W11, ALL, Settings())
    assert review.table.equals(weekly.kpi_table(store.query, W11, ALL, Settings()))
    assert list(review.sentences) == list(weekly.RATE_KPIS)
    assert review.sentences["repeat_7d"] == "7-day repeat did not change."
    assert review.trend.filter(pl.col("kpi") == "contacts")["value"].to_list()[-4:] == [0.0, 1.0, 3.0, 3.0]


def test_display_table_formats_values_noise_and_status(store: Store) -> None:
    _seed(store)
    shown = report.display_table(weekly.kpi_table(store.query, W11, ALL, Settings(targets={})))
    assert shown.filter(pl.col("kpi") == "FCR").row(0) == (
        "FCR", "33.3%", "66.7%", "75.0%", "−33.3 pts", "–", "–", "–", "no target")
    # contacts W10–W11: 0 … 0, 1, 3, 3; changes 0 ×9, +1, +2, 0: sd ≈ 0.62, normal noise ± 1
    assert shown.filter(pl.col("kpi") == "Contacts").row(0)[4:7] == ("+0", "± 1", "no")


def test_effects_table_puts_the_largest_effect_first_in_points(store: Store) -> None:
    _seed(store)
    effects = weekly.explain(weekly.cells(store.query, W11, ALL, Settings()), "fcr")
    shown = report.effects_table("fcr", effects.filter(pl.col("dimension") == "channel"))
    # voice: mix 1/9, rate −1/3 (total −22.2 pts); chat: mix 1/18, rate −1/6 (total −11.1 pts)
    assert shown.select("value", "last_value", "this_value", "mix_effect", "rate_effect").rows() == [
        ("voice", "100.0%", "50.0%", 11.11, -33.33), ("chat", "50.0%", "0.0%", 5.56, -16.67)]


def test_report_html_has_the_numbers_filters_notes_and_no_external_urls(store: Store) -> None:
    _seed(store)
    weekly.save_notes(store, W11, "Ana <owner>: call back every chat customer")
    text = report.build(store.query, W11, Filters(W11.start, W11.end, region=("north",)), Settings(), "test-store")
    assert "<title>Weekly review 2026-W11</title>" in text
    assert "Monday 09 March 2026 – Sunday 15 March 2026" in text
    assert "channel: all · segment: all · region: north · team: all" in text
    # north: i1 (yes) and i3 (no) last week, i4 (no) and i6 (yes) this week
    assert "<td>FCR</td><td>50.0%</td><td>50.0%</td>" in text
    assert "Ana &lt;owner&gt;: call back every chat customer" in text
    for title in ("Experience curve", "Agents", "Pipeline"):
        assert f"<h2>{title}</h2>" in text
    assert "<h3>Top movers: agents</h3><p class=\"caption\">Agents whose mix-adjusted FCR" in text
    assert "in both weeks. None this week.</p>" in text
    rest = _outside_plotly(text)
    assert not re.search(r"https?://|//cdn|<link|\bsrc=|@import", rest, re.I)
    # trend, agents' volume against quality, forecast by method, the week's pipeline waterfall; no rating, no curve
    assert rest.count("Plotly.newPlot(") == 4
    assert "<h3>The week&#x27;s curve</h3><p class=\"caption\">No stage ratings this week" in text


def test_report_of_an_empty_week_says_so(store: Store) -> None:
    text = report.build(store.query, W11, ALL, Settings())
    assert "Not enough data in this week and the last to explain a change." in text
    assert "No notes saved." in text


def test_file_name_names_week_and_filters() -> None:
    assert report.file_name(W11, ALL) == "weekly-2026-W11.html"
    flt = Filters(W11.start, W11.end, channel=("voice", "chat"), region=("../etc",))
    assert report.file_name(W11, flt) == "weekly-2026-W11-channel-voice+chat-region-.._etc.html"


def test_saved_reports_are_listed_newest_first(tmp_path: Path) -> None:
    assert report.past_reports(tmp_path).height == 0
    report.save("<html>old</html>", "weekly-2026-W10.html", tmp_path)
    newer = report.save("<html>new</html>", "weekly-2026-W11-channel-voice.html", tmp_path)
    older = tmp_path / "weekly-2026-W10.html"
    older.touch()
    newer.touch()
    os.utime(older, (1_000_000_000, 1_000_000_000))
    past = report.past_reports(tmp_path)
    assert past.select("report", "week").rows() == [
        ("weekly-2026-W11-channel-voice.html", "2026-W11"), ("weekly-2026-W10.html", "2026-W10")]


@pytest.mark.skipif(not report.CHROMIUM.exists(), reason="Chromium is not installed")
def test_pdf_prints_the_report(tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    page.write_text("<html><body><h1>Weekly review</h1></body></html>", encoding="utf-8")
    out = report.pdf(page, tmp_path / "r.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"


def test_pdf_failure_says_why(tmp_path: Path) -> None:
    def failing(command: list[str], **_: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(command, 1, b"", b"boom: no display")

    if not report.CHROMIUM.exists():
        with pytest.raises(report.ReportError, match="not installed"):
            report.pdf(tmp_path / "r.html", tmp_path / "r.pdf", run=failing)
        return
    with pytest.raises(report.ReportError, match="boom: no display"):
        report.pdf(tmp_path / "r.html", tmp_path / "r.pdf", run=failing)


def test_cli_report_writes_the_same_html_and_prints_the_table(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(store)
    out = tmp_path / "w11.html"
    assert cli.main(["--db", store.url, "report", "--week", "2026-W11", "--out", str(out)]) == 0
    assert "<td>FCR</td><td>33.3%</td><td>66.7%</td><td>75.0%</td><td>−33.3 pts</td>" in out.read_text("utf-8")
    capsys.readouterr()
    assert cli.main(["--db", store.url, "report", "--week", "2026-W11", "--channel", "voice", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    fcr = next(row for row in printed["kpis"] if row["kpi"] == "fcr")
    assert (printed["week"], fcr["this_week"], fcr["last_week"]) == ("2026-W11", 0.5, 1.0)  # i4, i6 | i1
    assert printed["why"]["fcr"].startswith("FCR fell 50.0 pts")


def test_cli_report_rejects_a_bad_week(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", store.url, "report", "--week", "2026-W60"]) == 2
    assert "not an ISO week" in capsys.readouterr().err


def test_review_says_repeat_and_fcr_are_provisional_until_settled(store: Store) -> None:
    review = report.review(store.query, W11, ALL, Settings())
    assert "provisional until 23 March" in (review.provisional_note(date(2026, 3, 22)) or "")
    assert review.provisional_note(date(2026, 3, 23)) is None


# --- the sections after the KPIs: curve, agents, pipeline of the week --------------------------------------------

def _tables(section: weekly_sections.Section) -> dict[str, pl.DataFrame]:
    return {p.heading: p.content for p in section.parts if isinstance(p.content, pl.DataFrame)}


def test_curve_section_names_the_peaks_lost_and_gained(store: Store) -> None:
    def rated(event_id: str, stage: str, at: str, rating: int) -> dict[str, object]:
        return {"event_id": event_id, "journey_id": event_id, "customer_id": "c1", "stage": stage, "occurred_at": at,
                "rating": rating}

    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb", "region": "north"}]),
                "benchmarks": frame([{"stage": "choose", "peer": "rival", "score": 50.0},
                                     {"stage": "receive", "peer": "rival", "score": 70.0}]),
                "journey_events": frame([rated("e1", "receive", "2026-03-08 23:00:00", 5),    # W10: receive 100
                                         rated("e2", "receive", "2026-03-09 00:30:00", 3),    # W11: receive 50
                                         rated("e3", "choose", "2026-03-15 12:00:00", 4)])})  # W11: choose 75
    section = weekly_sections.curve_section(store.query, W11, ALL, Settings())
    assert section.caption.startswith("Peaks this week: choose. Lost since last week: receive. New: choose.")
    table = _tables(section)["Per stage"]
    assert table.select("stage", "score", "points_over_best_peer", "peak", "peak_last_week").rows() == [
        ("find", None, None, False, False), ("choose", 75.0, 25.0, True, False), ("buy", None, None, False, False),
        ("receive", 50.0, -20.0, False, True), ("return", None, None, False, False)]
    assert table["score_week_change"].to_list()[3] == -50.0


def test_agents_section_is_the_agents_library_for_both_weeks(store: Store) -> None:
    _seed(store)
    settings = Settings(min_contacts=1)
    section = weekly_sections.agents_section(store.query, W11, ALL, settings)
    this, last = (agents.report(store.query, Filters(w.start, w.end), settings).scorecard for w in (W11, W10))
    tables = _tables(section)
    assert tables["Top movers: agents"].equals(weekly_sections.agent_movers(this, last, 1))
    # W11: a1 has i4 (not resolved) and i6 (resolved), a2 i5 (not resolved); both are movers
    assert tables["Top movers: agents"]["agent_id"].sort().to_list() == ["a1", "a2"]
    assert tables["Top 10 of the week"]["agent_id"].to_list() == this.filter(pl.col("rank").is_not_null())[
        "agent_id"].to_list()


def test_pipeline_section_is_the_forecast_and_the_changes_of_the_week(store: Store) -> None:
    _week_seed(store)
    section = weekly_sections.pipeline_section(store.query, W11, ALL, Settings())
    tables = _tables(section)
    # as of 16 March: late won 80 on the 13th; adv 500 × 0.2, overdue slip 300 × 0.1 in March; n 100 × 0.1 in April
    assert tables["Forecast against quota"].select("period", "won_to_date", "forecast", "quota").rows() == [
        ("2026-03", 80.0, 210.0, None), ("2026-04", 0.0, 10.0, None), ("2026-05", 0.0, 0.0, None)]
    assert tables["Every change of the week"].rows() == [
        ("new", 1, 100.0), ("advanced", 1, 500.0), ("slipped", 1, 300.0), ("won", 1, 80.0), ("lost", 1, 250.0)]
    draw = next(p.content for p in section.parts if p.heading == "The week's changes")
    assert callable(draw)
    waterfall = draw()
    assert list(waterfall.data[0].x) == ["open a week ago", "new", "advanced", "slipped", "lost", "open now"]
    assert list(waterfall.data[0].y) == pytest.approx([105.0, 10.0, 50.0, -30.0, -25.0, 110.0])
    states = pipeline_flow.week_states(store.query, date(2026, 3, 16), ALL, Settings())
    assert tables["Every change of the week"].equals(pipeline_flow.week_summary(states, Settings().pipeline_stages))


def test_cli_report_keeps_a_copy_the_page_lists(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(store)
    monkeypatch.setattr(report, "REPORTS_DIR", tmp_path / "kept")
    assert cli.main(["--db", store.url, "report", "--week", "2026-W11", "--channel", "voice", "--keep"]) == 0
    assert report.past_reports()["report"].to_list() == ["weekly-2026-W11-channel-voice.html"]
    kept = (tmp_path / "kept" / "weekly-2026-W11-channel-voice.html").read_text("utf-8")
    assert "channel: voice · segment: all" in kept and "<td>FCR</td><td>50.0%</td><td>100.0%</td>" in kept
