"""The dashboard frame and the Overview page, run through AppTest on a tiny store."""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
import pytest
from conftest import frame, run_page
from streamlit.proto.Metric_pb2 import Metric
from test_kpis import MARCH, _seed
from test_pipeline import AS_OF
from test_pipeline import _seed as _pipeline_seed

from journey import cli, definitions, health, kpis, overview, pipeline, ui, weekly
from journey import settings as settings_module
from journey.filters import Filters
from journey.settings import Settings
from journey.store import Store

MARCH_QUERY = {"from": "2026-03-01", "to": "2026-03-16"}


def test_overview_tiles_equal_journey_kpis(app_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", MARCH_QUERY)
    assert not app.exception
    assert cli.main(["kpis", "--from", "2026-03-01", "--to", "2026-03-16", "--format", "json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    shown = {metric.label: metric.value for metric in app.metric}
    tiles = {definitions.label(name): ui.format_tile(name, expected[name]) for name in kpis.KPI_NAMES}
    assert {label: shown[label] for label in tiles} == tiles
    assert shown["FCR"] == "33.3%" and shown["Revenue"] == "180"


def test_overview_sparklines_are_the_twelve_weeks_ending_on_the_range_end(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", MARCH_QUERY)
    lines = {metric.label: list(metric.proto.chart_data) for metric in app.metric}
    # 7-day weeks ending 16 March: 10–16 (i3), 3–9 (i2, i4, i5), 24 Feb–2 Mar (i1), nine empty before
    assert lines["Contacts"] == [0.0] * 9 + [1.0, 3.0, 1.0]
    # FCR is known only in the last three weeks: i1 (repeated), then i4 (no), then i3 (yes)
    assert lines["FCR"] == [0.0, 0.0, 1.0]
    _, expected = weekly.tiles(app_store.query, MARCH, settings_module.load())
    assert lines["AHT"] == [v for v in expected["aht_seconds"] if v is not None]


def test_overview_alerts_name_kpis_off_target_and_link_with_the_filters(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", {**MARCH_QUERY, "channel": "voice"})
    alerts = [w.value for w in app.warning]
    # voice: FCR 0 of 1 known (i1 repeated) against 70%; orders ignore the channel: 1 return of 3 orders
    assert "FCR is off target: 0.0% against 70.0% (higher is better)" in alerts
    assert "Return rate is off target: 33.3% against 8.0% (lower is better)" in alerts
    links = [(link.proto.page, link.proto.query_string) for link in app.get("page_link")]
    query = "from=2026-03-01&to=2026-03-16&channel=voice"
    assert links[0] == ("weekly_review", query)
    assert ("agents", query) in links and ("journey", query) in links and ("customers", query) in links


def test_overview_keeps_filters_in_the_url(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", {**MARCH_QUERY, "channel": "voice"})
    assert app.query_params["channel"] == "voice"
    assert app.sidebar.date_input[0].value == (MARCH.start, MARCH.end)
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Contacts"] == "2"


def test_overview_corrects_a_bad_link_with_a_note(app_store: Store) -> None:
    _seed(app_store)
    app = run_page("dashboard.py", {"from": "2026-03-16", "to": "2026-03-01",
                                    "channel": "voice,'; drop table interactions; --"})
    assert not app.exception
    notes = " ".join(w.value for w in app.sidebar.warning)
    assert "swapped" in notes and "unknown channel" in notes
    assert app.sidebar.date_input[0].value == (date(2026, 3, 1), date(2026, 3, 16))
    assert {m.label: m.value for m in app.metric}["Contacts"] == "2"


def test_overview_on_an_empty_store_shows_dashes(app_store: Store) -> None:
    app = run_page("dashboard.py")
    assert not app.exception and not app.error
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Contacts"] == "0" and shown["FCR"] == "–"


def test_dashboard_explains_a_store_it_cannot_open(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    st.cache_resource.clear()
    monkeypatch.setenv("JOURNEY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = run_page("dashboard.py")
    assert not app.exception
    assert "cannot reach the database" in app.error[0].value
    assert app.button[0].label == "Retry"
    st.cache_resource.clear()



# --- forecast against quota, peaks, alerts: the library on both engines -------------------------------------------

def _forecast_seed(store: Store) -> None:
    """The pipeline seed of test_pipeline, plus a lead deal created on 12 March expected to close in March."""
    _pipeline_seed(store)
    store.load({"opportunities": frame([{
        "opportunity_id": "o10", "customer_id": "c1", "owner_id": "a2", "amount": 1000.0,
        "created_at": "2026-03-12 00:00:00", "expected_close_date": "2026-03-25", "status": "open"}])})


def test_forecast_tile_is_the_preferred_forecast_against_quota(store: Store) -> None:
    _forecast_seed(store)
    flt = Filters(date(2026, 3, 1), date(2026, 3, 15))
    tile = overview.forecast_tile(store.query, AS_OF, flt, Settings())
    month = pipeline.preferred_forecast(store.query, AS_OF, flt, Settings()).months.row(0, named=True)
    assert (tile.period, tile.forecast, tile.forecast_low, tile.forecast_high, tile.quota) == (
        month["period"], month["forecast"], month["forecast_low"], month["forecast_high"], month["quota"])
    # weighted (WAPE 0.7 against 1.0): won o5 300 + o2 1,000 × 0.4 + overdue o3 500 × 0.1 + o10 1,000 × 0.1;
    # quota: a1 900 × 31/90 + a2 1,000. A week earlier o10 did not exist yet: 100 less.
    assert (tile.method, tile.forecast, tile.quota, tile.change) == ("weighted", 850.0, 1310.0, 100.0)
    assert (tile.to_quota, tile.status) == (850 / 1310, "off target")


def test_forecast_tile_has_no_quota_under_a_segment_filter(store: Store) -> None:
    _forecast_seed(store)
    tile = overview.forecast_tile(store.query, AS_OF, Filters(date(2026, 3, 1), date(2026, 3, 15),
                                                              segment=("smb",)), Settings())
    assert (tile.quota, tile.to_quota, tile.status) == (None, None, "no target")


def test_forecast_is_as_of_the_day_after_the_range_but_never_after_today() -> None:
    flt = Filters(date(2026, 3, 1), date(2026, 3, 15))
    assert overview.forecast_as_of(flt, today=date(2026, 4, 1)) == date(2026, 3, 16)
    assert overview.forecast_as_of(flt, today=date(2026, 3, 15)) == date(2026, 3, 15)


def _rating(event_id: str, stage: str, at: str, rating: int, customer: str = "c1") -> dict[str, object]:
    return {"event_id": event_id, "journey_id": f"j{event_id}", "customer_id": customer, "stage": stage,
            "occurred_at": at, "rating": rating}


def _peak_seed(store: Store) -> None:
    """Best peers: find 60, choose 50, receive 70. Last week (3–9 March) find, receive and return (no benchmark)
    are rated high; this week (10–16 March) receive falls to 50 and choose rises to 75."""
    store.load({
        "customers": frame([{"customer_id": "c1", "segment": "smb", "region": "north"},
                            {"customer_id": "c2", "segment": "enterprise", "region": "south"}]),
        "benchmarks": frame([{"stage": s, "peer": "rival", "score": v} for s, v in
                             (("find", 60.0), ("choose", 50.0), ("receive", 70.0))]),
        "journey_events": frame([
            _rating("p1", "find", "2026-03-04 10:00:00", 4), _rating("p2", "receive", "2026-03-05 10:00:00", 5),
            _rating("p3", "receive", "2026-03-09 23:00:00", 5), _rating("p4", "choose", "2026-03-06 10:00:00", 3),
            _rating("p5", "return", "2026-03-07 10:00:00", 5),
            _rating("p6", "find", "2026-03-10 00:00:00", 4), _rating("p7", "find", "2026-03-12 10:00:00", 5),
            _rating("p8", "receive", "2026-03-16 23:59:00", 3), _rating("p9", "choose", "2026-03-13 10:00:00", 4),
        ]),
    })


def test_peak_changes_mark_the_peak_lost_and_the_one_gained(store: Store) -> None:
    _peak_seed(store)
    this, last = overview.week_curves(store.query, MARCH, Settings(), MARCH.end)
    changes = overview.peak_changes(this.curve, last.curve)
    n = None
    assert changes.rows() == [
        # stage, score_last, margin_last, peak_last, score_this, margin_this, peak_this, lost, gained
        ("find", 75.0, 15.0, True, 87.5, 27.5, True, False, False),
        ("choose", 50.0, 0.0, False, 75.0, 25.0, True, False, True),
        ("buy", n, n, False, n, n, False, False, False),
        ("receive", 100.0, 30.0, True, 50.0, -20.0, False, True, False),
        ("return", 100.0, n, False, n, n, False, False, False),
    ]
    assert [a.text for a in overview.peak_alerts(changes, 5.0)] == [
        "Receive lost its peak: last week 100.0, +30.0 over the best peer; now 50.0, -20.0 against the best peer "
        "(a peak needs +5)."]


def test_peak_alert_fires_exactly_when_a_peak_disappears() -> None:
    def curve(*rows: tuple[str, float | None, float | None, bool]) -> pl.DataFrame:
        return pl.DataFrame(rows, schema=["stage", "score", "margin", "peak"], orient="row")

    last = curve(("find", 80.0, 10.0, True), ("buy", 80.0, 10.0, True), ("receive", 50.0, -20.0, False))
    # find stays a peak (just at the margin), buy has no ratings this week, receive becomes one
    this = curve(("find", 75.0, 5.0, True), ("buy", None, None, False), ("receive", 90.0, 20.0, True))
    changes = overview.peak_changes(this, last)
    assert changes.select("stage", "lost", "gained").rows() == [
        ("find", False, False), ("buy", True, False), ("receive", False, True)]
    assert [(a.text, a.page) for a in overview.peak_alerts(changes, 5.0)] == [
        ("Buy lost its peak: last week 80.0, +10.0 over the best peer; it has no ratings this week (a peak needs +5).",
         "journey")]
    assert overview.peak_alerts(overview.peak_changes(last, last), 5.0) == []


def _alert_seed(store: Store) -> None:
    """c1 is called by sales and collections on 14 March (and on 5 March, last week); c2 only by sales on the 15th.
    c2's NPS 3 on 12 March has no follow-up; c1's NPS 5 on 11 March was followed up the next day."""
    _peak_seed(store)

    def outbound(interaction_id: str, customer: str, department: str, at: str) -> dict[str, object]:
        return {"interaction_id": interaction_id, "customer_id": customer, "channel": "voice", "reason": "offer",
                "started_at": at, "direction": "outbound", "department": department}

    store.load({
        "interactions": frame([
            outbound("x1", "c1", "sales", "2026-03-14 09:00:00"), outbound("x2", "c1", "collections",
                                                                           "2026-03-14 15:00:00"),
            outbound("x3", "c2", "sales", "2026-03-15 09:00:00"), outbound("x4", "c1", "sales", "2026-03-05 09:00:00"),
            outbound("x5", "c1", "marketing", "2026-03-05 11:00:00"),
        ]),
        "surveys": frame([
            {"survey_id": "v1", "customer_id": "c2", "answered_at": "2026-03-12 08:00:00", "nps": 3},
            {"survey_id": "v2", "customer_id": "c1", "answered_at": "2026-03-11 08:00:00", "nps": 5},
        ]),
        "follow_ups": frame([{"follow_up_id": "f1", "customer_id": "c1", "created_at": "2026-03-12 08:00:00",
                              "due_at": "2026-03-13 08:00:00"}]),
    })


def test_alerts_name_lost_peaks_uncoordinated_days_stale_data_and_at_risk_customers(store: Store) -> None:
    _alert_seed(store)
    values = kpis.summarize(kpis.daily(store.query, MARCH, Settings()), MARCH.start, MARCH.end)
    now = datetime(2026, 3, 17, 12, 0)  # every table's newest record is more than a day old
    weeks = overview.week_curves(store.query, MARCH, Settings(), MARCH.end)
    found = overview.alerts(store.query, MARCH, Settings(), values, weeks, now)
    assert [(a.page, a.text) for a in found if a.page != "data_health"] == [
        ("journey", "Receive lost its peak: last week 100.0, +30.0 over the best peer; now 50.0, -20.0 against the "
                    "best peer (a peak needs +5)."),
        ("customers", "1 uncoordinated contact day this week: customers contacted outbound by two or more "
                      "departments on one day (50.0% of customer days with an outbound contact)."),
        ("customers", "1 at-risk customer without follow-up: NPS 0–6 or churn intent in the range and no follow-up "
                      "within 2 days."),
    ]
    # the newest record of all (p8, 16 March 23:59) is half a day old: green; interactions are 2.1 days old,
    # surveys and follow-ups 5.2: amber
    stale = [a.text for a in found if a.page == "data_health"]
    assert stale == ["Stale data: tables lagging behind: follow_ups (amber), interactions (amber), surveys (amber)."]


def test_freshness_alert_when_everything_is_old_or_there_is_nothing() -> None:
    old = health.FooterStatus(datetime(2026, 3, 1), "red", {"interactions": "red"})
    assert [a.text for a in overview.freshness_alerts(old, Settings(), datetime(2026, 3, 11))] == [
        "Stale data: the newest record is 10.0 days old (red: more than 1 day); tables lagging behind: "
        "interactions (red)."]
    assert overview.freshness_alerts(health.FooterStatus(datetime(2026, 3, 11), "green", {}), Settings(),
                                     datetime(2026, 3, 11)) == []
    assert overview.freshness_alerts(health.FooterStatus(None, None, {}), Settings(), datetime(2026, 3, 11))[0].page \
        == "data_health"


# --- the page: forecast tile, curve, alerts with their links ------------------------------------------------------

def test_overview_forecast_tile_is_the_preferred_forecast_and_links_to_pipeline(app_store: Store) -> None:
    _forecast_seed(app_store)
    app = run_page("dashboard.py", {"from": "2026-03-01", "to": "2026-03-15", "team": "t2"})
    assert not app.exception and not app.error
    flt = Filters(date(2026, 3, 1), date(2026, 3, 15), team=("t2",))
    expected = overview.forecast_tile(app_store.query, AS_OF, flt, settings_module.load())
    tile = next(m for m in app.metric if m.label == "Forecast Mar")
    # team t2 is a2's: o10 1,000 × 0.1 against a2's March quota 1,000, none a week earlier
    assert (tile.value, tile.proto.delta) == (ui.format_value("forecast", expected.forecast), "+100") == ("100", "+100")
    assert ":red[●] 10% of quota 1,000" in [c.value for c in app.caption]
    links = [(link.proto.page, link.proto.query_string) for link in app.get("page_link")]
    # the forecast's link carries its as-of day: the Pipeline page opens on the same forecast
    assert ("pipeline", "from=2026-03-01&to=2026-03-15&team=t2&as_of=2026-03-16") in links
    there = run_page("pages/pipeline.py", {"from": "2026-03-01", "to": "2026-03-15", "team": "t2",
                                           "as_of": "2026-03-16"})
    assert next(m for m in there.metric if m.label == "Forecast Mar 2026").value == tile.value


def test_overview_alerts_lost_peak_and_links_to_the_page_that_explains_it(app_store: Store) -> None:
    _alert_seed(app_store)
    app = run_page("dashboard.py", {**MARCH_QUERY, "region": "north"})
    assert not app.exception and not app.error
    alerts = [w.value for w in app.warning]
    # north is c1: receive lost its peak; c1's two departments on 14 March; c1 was followed up
    assert "Receive lost its peak: last week 100.0, +30.0 over the best peer; now 50.0, -20.0 against the best peer " \
           "(a peak needs +5)." in alerts
    assert any(a.startswith("1 uncoordinated contact day this week") and "(100.0% of" in a for a in alerts)
    assert not any("at-risk" in a for a in alerts)
    links = [(link.proto.page, link.proto.query_string) for link in app.get("page_link")]
    query = "from=2026-03-01&to=2026-03-16&region=north"
    # after the curve's link, one per alert: NPS (c1's 5) and conversion (no buy) off target, the peak, the
    # uncoordinated day, stale data (March is months before now)
    assert links[-6:] == [("journey", query), ("customers", query), ("journey", query), ("journey", query),
                          ("customers", query), ("data_health", query)]
    assert len(app.get("plotly_chart")) == 1  # the curve in small


def test_a_change_that_shows_as_zero_has_no_sign_arrow_or_colour() -> None:
    assert ui.delta("contacts", 0, "off") == {"delta": "0", "delta_color": "off", "delta_arrow": "off"}
    assert ui.delta("fcr", -0.0004, "normal") == {"delta": "0.0 pts", "delta_color": "off", "delta_arrow": "off"}
    assert ui.delta("fcr", -0.0006, "normal") == {"delta": "-0.1 pts", "delta_color": "normal"}
    assert ui.delta("aht_seconds", 12.4, "inverse") == {"delta": "+12", "delta_color": "inverse"}
    assert ui.delta("revenue", None, "off") == {"delta": None}
    assert ui.delta("revenue", -124_446, "off") == {"delta": "-124.4k", "delta_color": "off"}
    assert ui.delta("revenue", 1_342_049, "normal") == {"delta": "+1.34M", "delta_color": "normal"}


def test_overview_of_an_empty_store_shows_unchanged_tiles_without_arrows(app_store: Store) -> None:
    app = run_page("dashboard.py", MARCH_QUERY)
    assert not app.exception
    tiles = {metric.label: metric for metric in app.metric}
    none, gray = Metric.MetricDirection.NONE, Metric.MetricColor.GRAY
    for label in ("Contacts", "Revenue"):
        shown = tiles[label]
        assert (shown.value, shown.delta, shown.proto.direction, shown.proto.color) == ("0", "0", none, gray), label
    assert [info.value for info in app.info] == [
        "No stage ratings in this range with these filters, so there is no curve to draw."]


def test_tiles_show_large_counts_and_money_in_thousands_or_millions_with_the_whole_value_in_the_help() -> None:
    shown = [ui.format_tile("revenue", value) for value in (99_999, 100_000, 836_200, 999_949, 999_950, 1_342_049,
                                                              9_999_000, 115_130_000, -124_446, 2.5e10)]
    assert shown == ["99,999", "100.0k", "836.2k", "999.9k", "1.00M", "1.34M", "10.0M", "115.1M", "-124.4k", "25.0B"]
    assert [ui.format_tile("contacts", 5_151), ui.format_tile("fcr", 0.641), ui.format_tile("aht_seconds", 494_123),
            ui.format_tile("revenue", None)] == ["5,151", "64.1%", "494,123 s", "–"]
    assert [ui.format_tile("velocity_per_day", value) for value in (9_593.6, 1_980_123.4, 5_151)] == [
        "9,593.6", "1.98M", "5,151"]
    assert ui.tile_help("revenue", 836_200, "Revenue in the range.") == "Revenue in the range.\n\nExactly 836,200."
    assert ui.tile_help("revenue", 5_151, "Revenue in the range.") == "Revenue in the range."
