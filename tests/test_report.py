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
from test_weekly import ALL, W11, _seed

from journey import cli, report, weekly
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
    assert "<h2>Top movers: agents</h2>" in text and "No agent had that many contacts in both weeks." in text
    rest = _outside_plotly(text)
    assert not re.search(r"https?://|//cdn|<link|\bsrc=|@import", rest, re.I)
    assert rest.count("Plotly.newPlot(") == 1  # the trend chart


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
