"""The Customers page through AppTest: the numbers shown are the CLI's."""

from __future__ import annotations

import json

import pytest
import streamlit as st
from conftest import run_page
from streamlit.testing.v1 import AppTest
from test_customers import seed_value, seed_voice, seed_voice_for_cli

from journey import cli, definitions, ui
from journey.store import Store

MARCH_QUERY = {"from": "2026-03-01", "to": "2026-03-31"}
SHOWN = {  # metric label -> (CLI name, how it is read)
    "Customers count": ("customers", "count"), "Revenue": ("revenue", "revenue"),
    "Cost to serve": ("cost_to_serve", "cost_to_serve"), "Margin": ("margin", "margin"),
    "Pareto share": ("pareto_share", "pareto_share"), "Customer days outbound": ("customer_days_outbound", "count"),
    "Uncoordinated days": ("uncoordinated_days", "count"),
    "Coordination rate": ("coordination_rate", "coordination_rate"),
    "At-risk without follow-up": ("at_risk_without_follow_up", "count"),
}


SECTIONS = ("Value and cost-to-serve", "Voice of the customer", "Contact coordination", "Service requests")


def every_section(query: dict[str, str]) -> list[AppTest]:
    """The page once per tab: only the open tab runs (the tab is in the URL)."""
    return [run_page("pages/customers.py", {**query, "section": name}) for name in SECTIONS]


def _cli_customers(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert cli.main(["customers", "--from", MARCH_QUERY["from"], "--to", MARCH_QUERY["to"], "--format", "json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_customers_page_shows_the_cli_numbers(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    seed_value(app_store)
    seed_voice_for_cli(app_store)
    apps = every_section(MARCH_QUERY)
    assert not any(app.exception or app.error for app in apps)
    expected = _cli_customers(capsys)
    shown = {metric.label: metric.value for app in apps for metric in app.metric}

    def read(name: str, kind: str) -> str:
        value = expected[name]
        return f"{value:,}" if kind == "count" else ui.format_value(kind, value)  # type: ignore[arg-type]

    assert {label: shown[label] for label in SHOWN} == {label: read(*spec) for label, spec in SHOWN.items()}
    assert shown["Pareto share"] == "50.0%" and shown["Margin"] == "81"
    groups = {metric.label: (metric.value, metric.proto.delta) for metric in apps[0].metric}
    assert groups["Most valuable"] == ("1", "margin 70") and groups["Below marginal cost"] == ("1", "margin -16")
    assert groups["Fastest growing"] == ("1", "revenue growth 200")
    most_valuable = apps[0].dataframe[0].value
    assert most_valuable["customer_id"].tolist() == ["c4"] and most_valuable["margin"].tolist() == [70.0]
    at_risk = next(d.value for d in apps[1].dataframe if "surveys_count" in d.value.columns)
    assert at_risk["customer_id"].tolist() == ["c3"]


def test_customers_page_search_narrows_the_comments(app_store: Store) -> None:
    seed_voice(app_store)
    app = run_page("pages/customers.py", {**MARCH_QUERY, "section": "Voice of the customer"})
    comments = next(d for d in app.dataframe if "comment" in d.value.columns)
    assert comments.value["survey_id"].tolist() == ["s7", "s2", "s1"]
    app.text_input(key="customers_search").input("LEAV").run()
    comments = next(d for d in app.dataframe if "comment" in d.value.columns)
    assert comments.value["survey_id"].tolist() == ["s2"]
    assert any("1 surveys with NPS 0–6" in caption.value for caption in app.caption)


def test_customers_page_on_an_empty_store_says_so(app_store: Store) -> None:
    apps = every_section(MARCH_QUERY)
    assert not any(app.exception or app.error for app in apps)
    infos = [i.value for app in apps for i in app.info]
    assert infos[0].startswith("No customer ordered or was contacted")
    assert infos[1:] == ["Nothing to chart in this range with these filters."] * 6
    shown = {metric.label: metric.value for app in apps for metric in app.metric}
    assert shown["Coordination rate"] == "–" and shown["At-risk without follow-up"] == "0"


def test_customers_page_corrects_a_bad_link(app_store: Store) -> None:
    seed_value(app_store)
    app = run_page("pages/customers.py", {**MARCH_QUERY, "region": "north,'; drop table customers; --"})
    assert not app.exception and not app.error
    assert "unknown region" in " ".join(w.value for w in app.sidebar.warning)
    # only north: c1 (26.3) and c3 (−15.5)
    assert {m.label: m.value for m in app.metric}["Customers count"] == "2"


def test_only_the_open_tab_queries_and_a_bad_tab_in_the_link_opens_the_first(
        app_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_value(app_store)
    seed_voice(app_store)
    asked: list[str] = []
    query = Store.query

    def recording(self: Store, name: str, **params: object) -> object:
        asked.append(name)
        return query(self, name, **params)

    monkeypatch.setattr(Store, "query", recording)
    st.cache_data.clear()  # every query reaches the store, so each is seen
    app = run_page("pages/customers.py", {**MARCH_QUERY, "section": "no such tab"})
    assert not app.exception and not app.error
    assert "customer_value" in asked and not {"voice_comments", "coordination_daily", "customer_service_reasons"} & set(
        asked)
    assert "section" not in app.query_params
    asked.clear()
    st.cache_data.clear()
    voice = run_page("pages/customers.py", {**MARCH_QUERY, "section": "Voice of the customer"})
    assert "voice_comments" in asked and "customer_value" not in asked
    assert next(d for d in voice.dataframe if "comment" in d.value.columns).value["survey_id"].tolist() == [
        "s7", "s2", "s1"]


def test_customers_page_explains_every_metric() -> None:
    for name in ("customers_count", "cost_to_serve", "margin", "pareto_share", "most_valuable_count",
                 "fastest_growing_count", "below_marginal_cost_count", "customer_days_outbound", "uncoordinated_days",
                 "coordination_rate", "at_risk_without_follow_up"):
        assert definitions.HELP[name]
