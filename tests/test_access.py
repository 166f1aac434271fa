"""Who sees what: roles and scopes in SQL, the library, every page and the CLI; users, sign-in, audit log."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import frame
from test_customers_page import SECTIONS as CUSTOMER_TABS

from journey import access, agent_detail, agents, audit, cli, customers
from journey.access import AccessError, Scope, User
from journey.filters import Filters
from journey.settings import Settings
from journey.store import Store, open_store

MARCH = Filters(date(2026, 3, 1), date(2026, 3, 15))
SETTINGS = Settings(min_contacts=2, min_contacts_reason=2)
QUERY = {"from": "2026-03-01", "to": "2026-03-15"}
NAMES = {"AGT-ADA": "Ada Lovelace", "AGT-BO": "Bo Diddley", "AGT-CY": "Cy Twombly"}
TEAMS = {"AGT-ADA": "Care North", "AGT-BO": "Care North", "AGT-CY": "Care South"}
USERS = {
    "executive": User("erin", "executive"),
    "manager": User("mona", "manager", teams=("Care North",)),
    "agent": User("ada", "agent", agent_id="AGT-ADA"),
    "analyst": User("ann", "analyst"),
}
# the agents each role may see; the others' ids and names must appear nowhere
VISIBLE = {"executive": set(NAMES), "analyst": set(NAMES), "manager": {"AGT-ADA", "AGT-BO"}, "agent": {"AGT-ADA"}}


def seed(store: Store) -> None:
    """Ada: billing 4 (3 resolved), delivery 2 (2); Bo: billing 4 (1); Cy: delivery 2 (2). One customer per
    contact, so nothing is a repeat. Cell rates: billing 4/8, delivery 4/4; all agents 8/12."""
    contacts = ([("AGT-ADA", "billing", True)] * 3 + [("AGT-ADA", "billing", False)]
                + [("AGT-ADA", "delivery", True)] * 2 + [("AGT-BO", "billing", True)]
                + [("AGT-BO", "billing", False)] * 3 + [("AGT-CY", "delivery", True)] * 2)
    store.load({
        "customers": frame([{"customer_id": f"c{i}", "name": f"Customer {i}", "segment": "smb", "region": "north"}
                            for i in range(len(contacts))]),
        "agents": frame([{"agent_id": a, "name": NAMES[a], "team": TEAMS[a]} for a in NAMES]),
        "interactions": frame([
            {"interaction_id": f"i{i}", "customer_id": f"c{i}", "agent_id": agent, "reason": reason,
             "channel": "voice", "started_at": f"2026-03-{2 + i % 12:02d} 10:00:00", "handle_seconds": 100.0 + i,
             "resolved": resolved, "qa_score": 80.0}
            for i, (agent, reason, resolved) in enumerate(contacts)
        ]),
        "surveys": frame([
            {"survey_id": f"s{i}", "customer_id": f"c{i}", "interaction_id": f"i{i}",
             "answered_at": f"2026-03-{3 + i % 12:02d} 10:00:00", "csat": 2 + i % 4, "nps": i % 11,
             "comment": f"comment {i}"}
            for i in range(len(contacts))
        ]),
        "follow_ups": frame([
            {"follow_up_id": f"f{i}", "customer_id": f"c{i}", "agent_id": agent,
             "created_at": "2026-03-05 10:00:00", "due_at": "2026-03-20 10:00:00"}
            for i, agent in enumerate([*NAMES, None])
        ]),
    })


def _scope(store: Store, role: str) -> Scope:
    return access.scope_for(USERS[role], store.query)


# --- the scope in SQL and the library (both engines) -------------------------------------------------

def test_scoped_scorecard_keeps_the_numbers_every_role_sees(store: Store) -> None:
    seed(store)
    manager = agents.report(store.query, MARCH, SETTINGS, _scope(store, "manager")).scorecard
    everyone = agents.report(store.query, MARCH, SETTINGS).scorecard
    # Bo: observed 1 of 4 billing, expected 4 × 4/8 = 2: adjusted = 8/12 + (1 − 2)/4 = 5/12 (not the 0.35 that
    # the manager's two agents alone would give); Ada: 8/12 + (5 − 4)/6 = 5/6
    assert sorted(manager.select("agent_id", pl.col("fcr_adjusted").round(6)).rows()) == [
        ("AGT-ADA", round(5 / 6, 6)), ("AGT-BO", round(5 / 12, 6))]
    same = [pl.col("agent_id"), pl.col("fcr_adjusted", "composite").round(9), pl.col("rank")]
    assert manager.sort("agent_id").select(same).rows() == (
        everyone.filter(pl.col("agent_id") != "AGT-CY").sort("agent_id").select(same).rows())


def test_other_agents_leave_sql_without_id_or_name(store: Store) -> None:
    seed(store)
    cells = agents.contact_cells(store.query, MARCH, SETTINGS, scope=_scope(store, "agent"))
    hidden = cells.filter(pl.col("agent_id") != "AGT-ADA")
    assert cells.height == 4 and hidden.height == 2  # Bo's billing and Cy's delivery, under pseudonyms
    assert hidden["agent_id"].str.starts_with(access.HIDDEN_PREFIX).all()
    assert hidden["agent_name"].is_null().all() and not set(hidden["agent_id"]) & set(NAMES)
    # the aggregates stay whole: every contact is in the cells
    assert cells["contacts_count"].sum() == 12


def test_agent_sees_own_row_and_best_only_where_they_are_the_pick(store: Store) -> None:
    seed(store)
    result = agents.report(store.query, MARCH, SETTINGS, _scope(store, "agent"))
    assert result.scorecard["agent_id"].to_list() == ["AGT-ADA"]
    assert set(result.matrix["agent_id"]) == {"AGT-ADA"}
    # billing: Ada (3 + 20 × 0.5) / 24 beats Bo; delivery: Cy (2 + 20) / 22 = 1.0 beats Ada (2 + 20) / 22 only
    # on ties; either way no hidden agent is named
    assert set(result.best["agent_id"]) <= {"AGT-ADA"} and "billing" in result.best["reason"].to_list()
    assert result.teams["agents"].sum() == 3  # team aggregates count every agent


def test_detail_of_an_agent_outside_the_scope_is_empty(store: Store) -> None:
    seed(store)
    scope = _scope(store, "agent")
    reference = agents.contact_cells(store.query, MARCH, SETTINGS, scope=scope)
    assert agent_detail.weekly_trend(store.query, MARCH, SETTINGS, "AGT-BO", reference, scope).height == 0
    assert agent_detail.weekly_trend(store.query, MARCH, SETTINGS, "AGT-ADA", reference, scope)["contacts"].sum() == 6


@pytest.mark.parametrize("role", ["executive", "manager", "agent"])
def test_follow_ups_per_agent_are_narrowed_in_sql(store: Store, role: str) -> None:
    seed(store)
    rows = customers.follow_ups(store.query, MARCH, SETTINGS, scope=_scope(store, role))
    expected = {*VISIBLE[role], None} if role == "executive" else VISIBLE[role]  # unassigned: all agents only
    assert set(rows["agent_id"].to_list()) == expected


def test_weekly_report_shows_only_the_agents_in_scope(store: Store) -> None:
    from journey import report, weekly

    seed(store)
    week = weekly.Week.parse("2026-W10")
    flt = Filters(week.start, week.end)
    html = report.build(access.scoped(store.query, _scope(store, "agent")), week, flt, SETTINGS, "test")
    assert "Ada Lovelace" in html or "AGT-ADA" in html
    assert [w for w in ("AGT-BO", "AGT-CY", "Bo Diddley", "Cy Twombly") if w in html] == []


def test_scoped_query_overrides_a_scope_the_caller_passed(store: Store) -> None:
    seed(store)
    query = access.scoped(store.query, _scope(store, "agent"))
    rows = query("voice_follow_ups", **MARCH.params(SETTINGS), as_of_ts=MARCH.params(SETTINGS)["end_ts"],
                 **access.EVERYONE.params())
    assert rows["agent_id"].to_list() == ["AGT-ADA"]


# --- users, passwords, proxy (both engines where the store is used) ---------------------------------

def test_users_are_added_listed_checked_and_removed(store: Store) -> None:
    access.add_user(store, USERS["manager"], "correct horse")
    access.add_user(store, User("pat@example.com", "executive"))
    listed = access.list_users(store.query)
    assert listed.select("user_name", "role", "teams", "has_password").rows() == [
        ("mona", "manager", "Care North", True), ("pat@example.com", "executive", "", False)]
    found = access.find_user(store.query, "mona")
    assert found is not None and found[0] == USERS["manager"] and found[1].startswith("$argon2id$")
    assert access.check_password(store.query, "mona", "correct horse", 0, Settings()) == USERS["manager"]
    for name, password in (("mona", "wrong horse"), ("nobody", "correct horse"), ("pat@example.com", "")):
        with pytest.raises(AccessError, match="unknown user name or wrong password"):
            access.check_password(store.query, name, password, 0, Settings())
    with pytest.raises(AccessError, match="too many failed sign-ins"):
        access.check_password(store.query, "mona", "correct horse", 5, Settings(max_failed_sign_ins=5))
    assert access.remove_user(store, "mona") and not access.remove_user(store, "mona")
    assert access.find_user(store.query, "mona") is None


@pytest.mark.parametrize(("role", "agent_id", "teams", "message"), [
    ("boss", None, (), "unknown role"), ("agent", None, (), "needs --agent-id"), ("manager", None, (), "needs --team"),
])
def test_make_user_refuses_incomplete_users(role: str, agent_id: str | None, teams: tuple[str, ...],
                                            message: str) -> None:
    with pytest.raises(AccessError, match=message):
        access.make_user("x", role, agent_id, teams)


def test_short_passwords_are_refused() -> None:
    with pytest.raises(AccessError, match="at least 8"):
        access.hash_password("short")


@pytest.mark.parametrize(("client", "headers", "expected"), [
    ("127.0.0.1", {"x-forwarded-email": "pat@example.com"}, "pat@example.com"),
    ("10.1.2.3", {"X-Forwarded-Email": " pat@example.com "}, "pat@example.com"),
    ("192.168.0.9", {"X-Forwarded-Email": "pat@example.com"}, "not one of access.proxy_addresses"),
    (None, {"X-Forwarded-Email": "pat@example.com"}, "not one of access.proxy_addresses"),
    ("127.0.0.1", {}, "sent no X-Forwarded-Email"),
])
def test_proxy_header_is_believed_only_from_trusted_addresses(client: str | None, headers: dict[str, str],
                                                              expected: str) -> None:
    settings = Settings(access_mode="proxy", proxy_addresses=("127.0.0.1", "10.0.0.0/8"))
    try:
        assert access.proxy_user_name(headers, client, settings) == expected
    except AccessError as error:
        assert expected in str(error)


# --- the audit log (both engines) --------------------------------------------------------------------

def test_audit_log_keeps_sign_ins_failures_and_exports(store: Store) -> None:
    for minute, (user, event, detail) in enumerate([("mona", "sign_in_failed", "wrong"), ("mona", "sign_in", ""),
                                                    ("mona", "export", "agent_scorecard.csv")]):
        audit.record(store.url, user, event, detail, now=datetime(2026, 3, 2, 9, minute))
        audit.wait()
    assert audit.recent(store.query).select("user_name", "event", "detail").rows() == [
        ("mona", "export", "agent_scorecard.csv"), ("mona", "sign_in", ""), ("mona", "sign_in_failed", "wrong")]
    assert audit.failures_since(store.query, "mona", datetime(2026, 3, 2, 9, 0)) == 1
    assert audit.failures_since(store.query, "mona", datetime(2026, 3, 2, 9, 1)) == 0


def test_audit_events_wait_in_memory_while_a_duckdb_store_is_written(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from journey import store as store_module

    monkeypatch.setitem(store_module.BUSY_WAIT_SEC, "write", 0.2)
    url = f"duckdb:///{tmp_path / 'busy.duckdb'}"
    open_store(url).engine.dispose()
    reader = open_store(url, read_only=True)
    with reader.engine.connect():  # a read-only connection in this process: no writer may open the file
        audit.record(url, "mona", "export", "a.csv")
        audit.wait()
        assert audit.pending() == 1
    reader.engine.dispose()
    audit.record(url, "mona", "sign_out")
    audit.wait()
    assert audit.pending() == 0
    assert audit.recent(open_store(url, read_only=True).query)["event"].to_list() == ["sign_out", "export"]


# --- the command line: operator by default, a user's scope with --as --------------------------------

@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"duckdb:///{tmp_path / 'cli.duckdb'}"
    monkeypatch.setenv("JOURNEY_DATABASE_URL", url)
    config = tmp_path / "journey.toml"
    config.write_text("[agents]\nmin_contacts = 2\nmin_contacts_reason = 2\n", encoding="utf-8")
    monkeypatch.setenv("JOURNEY_CONFIG", str(config))
    store = open_store(url)
    seed(store)
    for user in USERS.values():
        access.add_user(store, user)
    store.engine.dispose()
    return store


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("role", list(USERS))
def test_cli_outputs_hold_exactly_the_agents_a_role_may_see(cli_store: Store, capsys: pytest.CaptureFixture[str],
                                                           role: str) -> None:
    name = USERS[role].name
    seen: set[str] = set()
    for command in ("agents", "best-agents"):
        code, out, _ = _cli(capsys, "--as", name, command, "--from", QUERY["from"], "--to", QUERY["to"],
                            "--format", "json")
        assert code == 0
        seen |= {row["agent_id"] for row in json.loads(out)}
    code, out, _ = _cli(capsys, "--as", name, "report", "--week", "2026-W10", "--format", "json")
    assert code == 0
    hidden = set(NAMES) - VISIBLE[role]
    assert seen <= VISIBLE[role] and "AGT-ADA" in seen
    assert not [word for word in [*hidden, *(NAMES[a] for a in hidden)] if word in out]


def test_cli_without_as_is_the_operator_and_health_needs_a_role_that_sees_it(
        cli_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "agents", "--from", QUERY["from"], "--to", QUERY["to"], "--format", "json")
    assert code == 0 and {row["agent_id"] for row in json.loads(out)} == set(NAMES)
    assert _cli(capsys, "--as", "ada", "health")[0] == 2
    code, _, err = _cli(capsys, "--as", "nobody", "agents")
    assert code == 2 and "no such user" in err
    assert _cli(capsys, "--as", "erin", "health")[0] == 0


def test_cli_user_add_list_remove(cli_store: Store, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret\n"))
    assert _cli(capsys, "user", "add", "bo", "--role", "agent", "--agent-id", "AGT-BO", "--password-stdin")[0] == 0
    code, out, _ = _cli(capsys, "user", "list", "--format", "json")
    listed = {row["user_name"]: row for row in json.loads(out)}
    assert code == 0 and listed["bo"]["has_password"] is True and "password_hash" not in listed["bo"]
    found = access.find_user(open_store(cli_store.url, read_only=True).query, "bo")
    assert found is not None and found[0].agent_id == "AGT-BO"
    assert _cli(capsys, "user", "add", "x", "--role", "manager", "--no-password")[0] == 2  # no --team
    assert _cli(capsys, "user", "remove", "bo")[0] == 0
    assert _cli(capsys, "user", "remove", "bo")[0] == 2


# --- every page, as every role (AppTest, DuckDB) -----------------------------------------------------

PAGES = ["overview", "journey", "agents", "pipeline", "weekly_review", "customers", "data_health"]


@pytest.fixture
def signed_in_app(app_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    config = tmp_path / "password.toml"
    config.write_text('[agents]\nmin_contacts = 2\nmin_contacts_reason = 2\n\n[access]\nmode = "password"\n',
                      encoding="utf-8")
    monkeypatch.setenv("JOURNEY_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)  # reports kept by the weekly page land here
    seed(app_store)
    return app_store


def run_as(user: User | None, page: str, query: dict[str, str] | None = None) -> Any:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(Path(__file__).parents[1] / page), default_timeout=60)
    for key, value in {**QUERY, **(query or {})}.items():
        app.query_params[key] = value
    if user is not None:
        app.session_state["journey_user"] = user
    return app.run()


def page_text(app: Any) -> str:
    """Everything the page sent to the browser: text, tables (their Arrow bytes), charts, widget options."""
    def walk(node: Any) -> list[str]:
        own = [str(node.proto)] if getattr(node, "proto", None) is not None else []
        children = getattr(node, "children", {}) or {}
        return own + [text for child in children.values() for text in walk(child)]
    return "\n".join(walk(app._tree))


@pytest.mark.parametrize("role", list(USERS))
def test_every_page_shows_exactly_the_agents_a_role_may_see(signed_in_app: Store, role: str) -> None:
    hidden = set(NAMES) - VISIBLE[role]
    for page in PAGES:
        if page == "data_health" and not USERS[role].sees_data_health:
            continue  # not in this role's navigation (test_navigation_...)
        app = run_as(USERS[role], "dashboard.py" if page == "overview" else f"pages/{page}.py")
        assert not app.exception, (role, page)
        text = page_text(app)
        leaked = [word for a in hidden for word in (a, NAMES[a]) if word in text]
        assert leaked == [], (role, page)
        if page == "agents":
            shown = set(app.dataframe[0].value["agent_id"])
            assert shown == VISIBLE[role], role
            assert NAMES["AGT-ADA"] in text


def test_weekly_notes_are_written_by_those_who_run_the_review_and_read_by_agents(signed_in_app: Store) -> None:
    agent = run_as(USERS["agent"], "pages/weekly_review.py")
    notes = next(t for t in agent.text_area if t.key.startswith("weekly_notes_"))
    assert notes.disabled and "Save notes" not in [b.label for b in agent.button]
    manager = run_as(USERS["manager"], "pages/weekly_review.py")
    notes = next(t for t in manager.text_area if t.key.startswith("weekly_notes_"))
    assert not notes.disabled
    notes.input("Mona: chat backlog by Friday")
    next(b for b in manager.button if b.label == "Save notes").click().run()
    assert manager.success[0].value.startswith("Notes of ")
    audit.wait()
    saved = audit.recent(signed_in_app.query, events=("notes_saved",))
    assert saved.select("user_name", "event").rows() == [("mona", "notes_saved")]
    again = run_as(USERS["agent"], "pages/weekly_review.py")
    assert next(t for t in again.text_area if t.key.startswith("weekly_notes_")).value == "Mona: chat backlog by Friday"


def test_import_history_and_audit_log_are_for_analysts_only(signed_in_app: Store) -> None:
    analyst = run_as(USERS["analyst"], "pages/data_health.py")
    executive = run_as(USERS["executive"], "pages/data_health.py")
    assert "Audit log" in [h.value for h in analyst.subheader]
    assert {"Import history", "Audit log"}.isdisjoint(h.value for h in executive.subheader)
    assert "Freshness per table" in [h.value for h in executive.subheader]


@pytest.mark.parametrize("query", [
    {"agent_id": "AGT-BO", "agent": "AGT-CY"},
    {"all_agents_visible": "true", "visible_agents": "AGT-BO,AGT-CY", "scope_salt": "x"},
    {"team": "Care South", "agents_detail_agent": "AGT-CY"},
])
def test_an_agent_editing_the_url_still_sees_only_themselves(signed_in_app: Store, query: dict[str, str]) -> None:
    views = [("pages/agents.py", {}), ("pages/weekly_review.py", {}),
             *(("pages/customers.py", {"section": name}) for name in CUSTOMER_TABS)]
    for page, extra in views:
        app = run_as(USERS["agent"], page, {**query, **extra})
        assert not app.exception
        text = page_text(app)
        assert [w for w in ("AGT-BO", "AGT-CY", "Bo Diddley", "Cy Twombly") if w in text] == [], (page, extra)


@pytest.mark.parametrize("page", [f"pages/{page}.py" for page in PAGES if page != "overview"] + ["dashboard.py"])
def test_a_page_run_without_the_frame_asks_for_sign_in_and_shows_nothing(signed_in_app: Store, page: str) -> None:
    # a fresh Streamlit server runs pages/<page>.py directly when its first request is that page's URL
    app = run_as(None, page)
    assert not app.exception
    assert [t.label for t in app.text_input] == ["User name", "Password"]
    assert not app.dataframe and not app.metric and not app.get("plotly_chart")
    assert [w for w in [*NAMES.values(), "Customer 1"] if w in page_text(app)] == []


# --- the frame: sign-in form, navigation per role ----------------------------------------------------

def test_password_sign_in_through_the_form_is_audited(signed_in_app: Store) -> None:
    writer = open_store(signed_in_app.url)
    access.add_user(writer, USERS["manager"], "correct horse")
    writer.engine.dispose()
    # AppTest reruns a multipage app's page script on its own, so the form is driven on one page (the browser
    # test signs in through the frame)
    app = run_as(None, "pages/agents.py")
    assert [t.label for t in app.text_input] == ["User name", "Password"] and not app.dataframe
    app.text_input(key="sign_in_name").input("mona")
    app.text_input(key="sign_in_password").input("wrong horse")
    app.button[0].click().run()
    assert [e.value for e in app.error] == ["unknown user name or wrong password"] and not app.dataframe
    app.text_input(key="sign_in_password").input("correct horse")
    app.button[0].click().run()
    assert app.session_state["journey_user"] == USERS["manager"]
    assert set(app.dataframe[0].value["agent_id"]) == VISIBLE["manager"]
    audit.wait()
    events = audit.recent(open_store(signed_in_app.url, read_only=True).query)
    assert events.select("user_name", "event").rows() == [("mona", "sign_in"), ("mona", "sign_in_failed")]


@pytest.mark.parametrize(("role", "menu"), [("agent", "hidden"), ("manager", "hidden"), ("executive", "visible"),
                                           ("analyst", "visible")])
def test_data_health_is_in_the_menu_of_executives_and_analysts(role: str, menu: str) -> None:
    from journey import ui

    assert ui.health_in_menu(USERS[role]) == menu and ui.health_in_menu(None) == "hidden"


def test_every_query_version_returning_agent_rows_binds_the_scope() -> None:
    queries = Path(__file__).parents[1] / "queries"
    scoped = {p.stem for p in queries.glob("*.sql") if ":visible_agents" in p.read_text(encoding="utf-8")}
    assert {"agent_contact_cells", "voice_follow_ups"} <= scoped
    rollups = {p.stem.removeprefix("rollup_") for p in queries.glob("rollup_*.sql")}
    assert [name for name in scoped & rollups if f"rollup_{name}" not in scoped] == []
