"""The frame's shared pieces: URL handling, table display and CLI output forms."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import run_page
from test_kpis import _seed

from journey import cli
from journey.store import Store, open_store


def test_filters_leave_a_pages_own_url_parameters_alone(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", {"from": "2026-03-01", "to": "2026-03-16", "as_of": "2026-03-10", "channel": "x"})
    assert not app.exception
    assert app.query_params["as_of"] == "2026-03-10"
    assert app.query_params["from"] == "2026-03-01"
    assert "channel" not in app.query_params  # unknown value: dropped, with a note in the sidebar


def test_csv_output_writes_booleans_like_json_and_missing_as_empty(capsys: pytest.CaptureFixture[str]) -> None:
    frame = pl.DataFrame({"agent_id": ["A1", "A2"], "ranked": [True, False], "qa": [81.5, None],
                          "day": [date(2026, 3, 1), None]})
    cli.emit(frame, "csv")
    assert capsys.readouterr().out == "agent_id,ranked,qa,day\nA1,true,81.5,2026-03-01\nA2,false,,\n"


def test_machine_outputs_give_floats_to_twelve_significant_digits(capsys: pytest.CaptureFixture[str]) -> None:
    # 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in their last bit, as a parallel sum's order can make them
    noisy, exact = 0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1
    assert noisy != exact

    def printed(value: dict[str, object] | pl.DataFrame, fmt: str) -> str:
        cli.emit(value, fmt)
        return capsys.readouterr().out

    shown = [printed({"fcr": fcr, "forecast": [{"amount": amount, "count": 3}], "missing": None}, "json")
             for fcr, amount in ((noisy, 102665051.15252708), (exact, 102665051.1525271))]
    assert shown[0] == shown[1]
    assert json.loads(shown[0]) == {"fcr": 0.6, "forecast": [{"amount": 102665051.153, "count": 3}], "missing": None}
    assert printed(pl.DataFrame({"agent_id": ["A1"], "fcr": [noisy], "contacts": [12]}), "csv") == (
        "agent_id,fcr,contacts\nA1,0.6,12\n")


def test_first_start_builds_the_whole_demo_store_and_a_half_built_one_never_counts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    final = tmp_path / "data" / "journey.duckdb"
    final.parent.mkdir()
    (final.parent / "journey.duckdb.building").write_bytes(b"left by a build whose tab was closed")
    monkeypatch.setenv("JOURNEY_DATABASE_URL", f"duckdb:///{final}")
    st.cache_resource.clear()
    st.cache_data.clear()
    app = run_page("dashboard.py", timeout=120)
    assert not app.exception and not app.error
    assert sorted(p.name for p in final.parent.iterdir()) == ["journey.duckdb"]
    built = open_store(f"duckdb:///{final}", read_only=True)
    rows = built.query("health_counts")
    assert rows.filter(pl.col("rows_count") == 0).height == 0, rows  # every table holds demo rows
    built.engine.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()
