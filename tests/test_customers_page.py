"""The Customers page through AppTest: the numbers shown are the CLI's."""

from __future__ import annotations

import json

import pytest
from conftest import run_page
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


def _cli_customers(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert cli.main(["customers", "--from", MARCH_QUERY["from"], "--to", MARCH_QUERY["to"], "--format", "json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_customers_page_shows_the_cli_numbers(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    seed_value(app_store)
    seed_voice_for_cli(app_store)
    app = run_page("pages/customers.py", MARCH_QUERY)
    assert not app.exception and not app.error
    expected = _cli_customers(capsys)
    shown = {metric.label: metric.value for metric in app.metric}

    def read(name: str, kind: str) -> str:
        value = expected[name]
        return f"{value:,}" if kind == "count" else ui.format_value(kind, value)  # type: ignore[arg-type]

    assert {label: shown[label] for label in SHOWN} == {label: read(*spec) for label, spec in SHOWN.items()}
    assert shown["Pareto share"] == "50.0%" and shown["Margin"] == "81"
    groups = {metric.label: (metric.value, metric.proto.delta) for metric in app.metric}
    assert groups["Most valuable"] == ("1", "margin 70") and groups["Below marginal cost"] == ("1", "margin -16")
    assert groups["Fastest growing"] == ("1", "revenue growth 200")
    most_valuable = app.dataframe[0].value
    assert most_valuable["customer_id"].tolist() == ["c4"] and most_valuable["margin"].tolist() == [70.0]
    at_risk = next(d.value for d in app.dataframe if "surveys_count" in d.value.columns)
    assert at_risk["customer_id"].tolist() == ["c3"]


def test_customers_page_search_narrows_the_comments(app_store: Store) -> None:
    seed_voice(app_store)
    app = run_page("pages/customers.py", MARCH_QUERY)
    comments = next(d for d in app.dataframe if "comment" in d.value.columns)
    assert comments.value["survey_id"].tolist() == ["s7", "s2", "s1"]
    app.text_input(key="customers_search").input("LEAV").run()
    comments = next(d for d in app.dataframe if "comment" in d.value.columns)
    assert comments.value["survey_id"].tolist() == ["s2"]
    assert any("1 surveys with NPS 0–6" in caption.value for caption in app.caption)


def test_customers_page_on_an_empty_store_says_so(app_store: Store) -> None:
    app = run_page("pages/customers.py", MARCH_QUERY)
    assert not app.exception and not app.error
    assert app.info[0].value.startswith("No customer ordered or was contacted")
    assert [i.value for i in app.info[1:]] == ["Nothing to chart in this range with these filters."] * 6
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Coordination rate"] == "–" and shown["At-risk without follow-up"] == "0"


def test_customers_page_corrects_a_bad_link(app_store: Store) -> None:
    seed_value(app_store)
    app = run_page("pages/customers.py", {**MARCH_QUERY, "region": "north,'; drop table customers; --"})
    assert not app.exception and not app.error
    assert "unknown region" in " ".join(w.value for w in app.sidebar.warning)
    # only north: c1 (26.3) and c3 (−15.5)
    assert {m.label: m.value for m in app.metric}["Customers count"] == "2"


def test_customers_page_explains_every_metric() -> None:
    for name in ("customers_count", "cost_to_serve", "margin", "pareto_share", "most_valuable_count",
                 "fastest_growing_count", "below_marginal_cost_count", "customer_days_outbound", "uncoordinated_days",
                 "coordination_rate", "at_risk_without_follow_up"):
        assert definitions.HELP[name]
