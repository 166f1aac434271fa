"""The Data health page and every page's footer through AppTest: the lights shown are the CLI's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import frame, run_page
from test_health import record_import

from journey import cli
from journey.store import Store


def seed_ages(store: Store) -> None:
    """Against the real clock: surveys an hour old and customers half a day (green), interactions two days (amber),
    orders ten days (red); one of the two customers was last updated 200 days ago (stale)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    store.load({
        "customers": frame([{"customer_id": "c1", "updated_at": now - timedelta(days=0.5)},
                            {"customer_id": "c2", "updated_at": now - timedelta(days=200)}]),
        "interactions": frame([{"interaction_id": "i1", "customer_id": "c1", "channel": "voice", "reason": "billing",
                                "started_at": now - timedelta(days=2)}]),
        "surveys": frame([{"survey_id": "s1", "customer_id": "c1", "answered_at": now - timedelta(hours=1)}]),
        "orders": frame([{"order_id": "o1", "customer_id": "c1", "ordered_at": now - timedelta(days=10),
                          "amount": 5.0}]),
    })


def test_data_health_page_shows_the_cli_lights(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    seed_ages(app_store)
    app = run_page("pages/data_health.py")
    assert not app.exception and not app.error
    assert cli.main(["health", "--format", "json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    table = app.dataframe[0].value
    shown = dict(zip(table["table_name"], table["light"], strict=True))
    assert shown == {name: value["light"] or "none" for name, value in expected.items() if name != "stale_customers"}
    assert dict(zip(table["table_name"], table["rows_count"], strict=True))["orders"] == expected["orders"]["rows"]
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics[":green[●] green"] == "2 tables" and metrics[":orange[●] amber"] == "1 table"
    assert metrics[":red[●] red"] == "1 table"
    assert metrics["Stale records"] == str(expected["stale_customers"]) == "1"
    assert metrics["Share of customers"] == "50.0%"
    assert app.dataframe[1].value["customer_id"].tolist() == ["c2"]


def test_data_health_page_lists_imports_and_their_rejected_rows(app_store: Store) -> None:
    record_import(app_store)
    app = run_page("pages/data_health.py")
    assert not app.exception and not app.error
    history = next(d.value for d in app.dataframe if "import_id" in d.value.columns)
    assert history["import_id"].tolist() == ["imp2", "imp1"] and history["rejected_count"].tolist() == [3, 0]
    rejects = next(d.value for d in app.dataframe if "line" in d.value.columns)
    assert rejects["value"].tolist() == ["pigeon", "", "telex"]
    app.selectbox(key="health_import").select("imp1").run()
    assert app.success[0].value == "This import rejected no row."


def test_data_health_page_on_an_empty_store_says_so(app_store: Store) -> None:
    app = run_page("pages/data_health.py")
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert set(table["note"]) == {"empty: no rows"} and set(table["light"]) == {"none"}
    assert app.info[0].value.startswith("No import recorded yet")


def test_footer_shows_data_as_of_with_the_light_and_lagging_tables(app_store: Store) -> None:
    seed_ages(app_store)
    app = run_page("dashboard.py")
    assert not app.exception
    footer = app.caption[-1].value
    assert footer.startswith("data as of ") and ":green[●] green" in footer
    assert "lagging: interactions :orange[●] amber, orders :red[●] red" in footer


def test_footer_on_an_empty_store_says_no_data_yet(app_store: Store) -> None:
    app = run_page("dashboard.py")
    assert app.caption[-1].value.startswith("no data yet · store")
