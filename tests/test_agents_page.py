"""The Agents page under AppTest: the scorecard it shows is `journey agents` for the same filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import frame, run_page

from journey import agents, cli
from journey.store import Store

QUERY = {"from": "2026-03-01", "to": "2026-03-09"}
CONFIG = """
[agents]
min_contacts = 4
min_contacts_reason = 4
"""


def _seed(store: Store) -> None:
    """a1 resolves 3 of 4 easy contacts, a2 2 of 4 hard ones, a3 4 easy and 0 of 4 hard, a4 only 1 contact."""
    contacts = ([("a1", "easy", True)] * 3 + [("a1", "easy", False)] + [("a3", "easy", True)] * 4
                + [("a2", "hard", True)] * 2 + [("a2", "hard", False)] * 2 + [("a3", "hard", False)] * 4
                + [("a4", "hard", True)])
    store.load({
        "customers": frame([{"customer_id": f"c{i}", "region": "north"} for i in range(len(contacts))]),
        "agents": frame([{"agent_id": a, "name": name, "team": team} for a, name, team in (
            ("a1", "Ann", "t1"), ("a2", "Bob", "t1"), ("a3", "Cy", "t2"), ("a4", "Di", "t2"))]),
        "interactions": frame([
            {"interaction_id": f"i{i}", "customer_id": f"c{i}", "agent_id": agent, "reason": reason,
             "channel": "voice", "started_at": f"2026-03-0{1 + i % 9} 10:00:00",
             "handle_seconds": 100.0 + 10 * i, "resolved": resolved, "qa_score": 70.0 + i}
            for i, (agent, reason, resolved) in enumerate(contacts)
        ]),
    })


@pytest.fixture
def small_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "journey.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("JOURNEY_CONFIG", str(path))


def _cli(capsys: pytest.CaptureFixture[str], command: str, *extra: str) -> list[dict[str, object]]:
    assert cli.main([command, "--from", QUERY["from"], "--to", QUERY["to"], "--format", "json", *extra]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_agents_page_scorecard_equals_journey_agents(app_store: Store, small_config: None,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page("pages/agents.py", QUERY)
    assert not app.exception and not app.error
    expected = _cli(capsys, "agents")
    shown = app.dataframe[0].value
    columns = list(expected[0])
    rows = [{c: (None if shown[c].isna()[i] else shown[c][i].item() if hasattr(shown[c][i], "item")
                 else shown[c][i]) for c in columns} for i in range(len(shown))]
    # the page rounds unitless scores (QA to 0.1, composite to 0.001, ...); everything else is shown as is
    for column, digits in agents.DISPLAY_DIGITS.items():
        for row in (r for r in expected if column in r and r[column] is not None):
            row[column] = pytest.approx(row[column], abs=0.51 * 10 ** -digits)
    assert cli.settled(rows) == expected  # the CLI gives floats to 12 significant digits
    # adjusted ranking: a2 (hard reasons) first although a1 has the best raw FCR; a4 is under 4 contacts
    assert [(r["agent_id"], r["rank"]) for r in expected] == [("a2", 1), ("a3", 2), ("a1", 3), ("a4", None)]
    assert any("1 of 4 agents are listed but not ranked" in info.value and "a4" in info.value for info in app.info)


def test_agents_page_best_agent_table_equals_journey_best_agents(app_store: Store, small_config: None,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page("pages/agents.py", QUERY)
    expected = _cli(capsys, "best-agents")
    # easy p = 7/8: a1 (3 + 17.5) / 24, a3 (4 + 17.5) / 24; hard p = 3/9: a2 (2 + 20/3) / 24 > a3 (20/3) / 24
    assert [(r["reason"], r["agent_id"]) for r in expected] == [("easy", "a3"), ("hard", "a2")]
    table = next(df.value for df in app.dataframe if list(df.value.columns)[:2] == ["reason", "agent_id"])
    assert table[["reason", "agent_id"]].values.tolist() == [["easy", "a3"], ["hard", "a2"]]
    assert list(table["fcr_shrunk"]) == pytest.approx([r["fcr_shrunk"] for r in expected])


def test_agents_page_detail_names_strengths_of_the_chosen_agent(app_store: Store, small_config: None) -> None:
    _seed(app_store)
    app = run_page("pages/agents.py", QUERY)
    app.selectbox(key="agents_detail_agent").set_value("a2").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    # overall 10/17; hard p = 3/9: a2 10/17 + (2 − 4/3)/4 = 0.7549; a1 10/17 − 0.5/4 = 0.4632;
    # a3 10/17 + (4 − 3.5 − 4/3)/8 = 0.4841; their mean 0.5674
    assert "adjusted FCR: 75.5% against 56.7% for the ranked agents" in text.split("**Coaching points**")[0]


def test_agents_page_filters_apply(app_store: Store, small_config: None, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page("pages/agents.py", {**QUERY, "team": "t2"})
    expected = _cli(capsys, "agents", "--team", "t2")
    assert list(app.dataframe[0].value["agent_id"]) == [r["agent_id"] for r in expected] == ["a3", "a4"]


def test_agents_page_on_an_empty_store_says_so(app_store: Store) -> None:
    app = run_page("pages/agents.py", QUERY)
    assert not app.exception and not app.error
    assert app.info[0].value.startswith("No agent contacts in this range")


def test_agents_page_corrects_a_bad_link(app_store: Store, small_config: None) -> None:
    _seed(app_store)
    app = run_page("pages/agents.py", {**QUERY, "team": "nope'; drop table agents; --", "to": "2026-13-40"})
    assert not app.exception
    assert "unknown team" in " ".join(w.value for w in app.sidebar.warning)
