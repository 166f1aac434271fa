"""Pipeline state, stage probabilities, both forecasts and their backtests on hand-built histories,
through the real SQL, on DuckDB and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import frame
from polars.testing import assert_frame_equal

from journey import access, forecast, pipeline, pipeline_flow
from journey.filters import Filters
from journey.settings import Settings
from journey.store import Store, open_store

AS_OF = date(2026, 3, 16)
RANGE = Filters(date(2025, 1, 1), date(2026, 3, 15))
NO = None


def _deal(*values: object) -> dict[str, object]:
    keys = ("opportunity_id", "customer_id", "owner_id", "product", "amount", "created_at", "expected_close_date",
            "status", "closed_at", "lost_reason")
    return dict(zip(keys, values, strict=True))


def _seed(store: Store) -> None:
    """Eight deals; stage as of 16 March 2026 and what it shows are in the comments (all times UTC)."""
    store.load({
        "customers": frame([{"customer_id": "c1", "segment": "smb", "region": "north"},
                            {"customer_id": "c2", "segment": "enterprise", "region": "south"}]),
        "agents": frame([{"agent_id": "a1", "name": "Ann", "team": "t1"},
                         {"agent_id": "a2", "name": "Bob", "team": "t2"}]),
        "opportunities": frame([
            # created on the as-of day itself: not in the pipeline yet
            _deal("o1", "c1", "a1", "A", 999.0, "2026-03-16 08:00:00", "2026-03-31", "open", NO, NO),
            # won on the as-of day, after midnight: still open as of it, in proposal (since 1 March)
            _deal("o2", "c1", "a1", "A", 1000.0, "2026-02-01 09:00:00", "2026-03-20", "won", "2026-03-16 10:00:00", NO),
            # qualified only from 17 March: lead as of the 16th; expected 15 Feb, overdue: slips into March
            _deal("o3", "c1", "a1", "B", 500.0, "2026-01-10 00:00:00", "2026-02-15", "open", NO, NO),
            # no stage rows: the first configured stage; expected in April
            _deal("o4", "c1", "a2", "B", 200.0, "2026-02-20 00:00:00", "2026-04-10", "open", NO, NO),
            # won 5 March: March's won to date
            _deal("o5", "c2", "a1", "A", 300.0, "2026-01-05 00:00:00", "2026-02-28", "won", "2026-03-05 00:00:00", NO),
            # won 20 February: the actual of the February backtest
            _deal("o6", "c2", "a2", "B", 400.0, "2025-12-01 00:00:00", "2026-01-31", "won", "2026-02-20 00:00:00", NO),
            # a stage row at creation: qualified, never lead; expected in May
            _deal("o7", "c2", "a2", "A", 1000.0, "2026-03-01 00:00:00", "2026-05-31", "open", NO, NO),
            # lost exactly 365 days before the as-of day: inside the learning window
            _deal("o8", "c2", "a1", "A", 50.0, "2025-01-01 00:00:00", NO, "lost", "2025-03-16 00:00:00", "price"),
            # lost a day earlier: outside it
            _deal("o9", "c2", "a2", NO, 60.0, "2025-01-01 00:00:00", NO, "lost", "2025-03-15 00:00:00", "timing"),
        ]),
        "opportunity_stages": frame([
            {"opportunity_id": o, "stage": stage, "entered_at": at} for o, stage, at in (
                ("o2", "lead", "2026-02-01 09:00:00"), ("o2", "proposal", "2026-03-01 00:00:00"),
                ("o3", "lead", "2026-01-10 00:00:00"), ("o3", "qualified", "2026-03-17 00:00:00"),
                ("o5", "lead", "2026-01-05 00:00:00"), ("o5", "negotiation", "2026-02-10 00:00:00"),
                ("o5", "proposal", "2026-03-20 00:00:00"),  # after the as-of day: not counted
                ("o6", "lead", "2025-12-01 00:00:00"), ("o6", "qualified", "2026-01-15 00:00:00"),
                ("o7", "qualified", "2026-03-01 00:00:00"))
        ]),
        "quotas": frame([
            {"owner_id": "a1", "period_start": "2026-01-01", "period_end": "2026-03-31", "amount": 900.0},
            {"owner_id": "a2", "period_start": "2026-03-01", "period_end": "2026-03-31", "amount": 1000.0},
        ]),
    })


def test_state_as_of_a_day_follows_created_closed_and_stage_entry(store: Store, settings: Settings) -> None:
    _seed(store)
    cells, _ = pipeline.state(store.query, AS_OF, Filters(AS_OF, AS_OF), settings)
    shown = cells.select("owner_id", "stage", "age_bucket", "close_month", "overdue", "open_count", "amount_sum")
    # o2 proposal (43 days old), o3 lead (65 days, overdue), o4 lead (24 days), o7 qualified (15 days); not o1
    expected = pl.DataFrame([
        ("a1", "lead", 1, date(2026, 2, 1), True, 1, 500.0),
        ("a1", "proposal", 1, date(2026, 3, 1), False, 1, 1000.0),
        ("a2", "lead", 0, date(2026, 4, 1), False, 1, 200.0),
        ("a2", "qualified", 0, date(2026, 5, 1), False, 1, 1000.0),
    ], orient="row", schema=shown.schema)
    assert_frame_equal(shown, expected)


def test_stage_probabilities_fall_back_to_configuration_below_ten_closed(store: Store, settings: Settings) -> None:
    _seed(store)
    _, stages = pipeline.state(store.query, AS_OF, Filters(AS_OF, AS_OF), settings)
    # closed 16 Mar 2025 – 15 Mar 2026: o5 won, o6 won, o8 lost (o9 a day too early); lead entered by all three
    assert stages.select("stage", "closed_count", "won_count", "probability_source").rows() == [
        ("lead", 3, 2, "configured"), ("qualified", 1, 1, "configured"),
        ("proposal", 0, 0, "configured"), ("negotiation", 1, 1, "configured")]
    assert stages["probability_pct"].to_list() == [0.1, 0.2, 0.4, 0.6]
    assert stages["learned_pct"].to_list() == [2 / 3, 1.0, None, 1.0]


def test_stage_probabilities_learned_from_enough_closed_deals(store: Store, settings: Settings) -> None:
    _seed(store)
    _, stages = pipeline.state(store.query, AS_OF, Filters(AS_OF, AS_OF), replace(settings, min_closed_for_learned=2))
    # lead has 3 ≥ 2 closed deals: 2/3; qualified and negotiation 1 < 2, proposal none: configured
    assert stages["probability_pct"].to_list() == pytest.approx([2 / 3, 0.2, 0.4, 0.6])
    off = replace(settings, min_closed_for_learned=2, learned_probabilities=False)
    _, stages = pipeline.state(store.query, AS_OF, Filters(AS_OF, AS_OF), off)
    assert stages["probability_pct"].to_list() == [0.1, 0.2, 0.4, 0.6]


def test_forecasts_weighted_pipeline_and_months(store: Store, settings: Settings) -> None:
    _seed(store)
    result = pipeline.forecasts(store.query, AS_OF, Filters(AS_OF, AS_OF), settings)
    # 1000 × 0.4 (o2) + 500 × 0.1 (o3) + 200 × 0.1 (o4) + 1000 × 0.2 (o7)
    assert result.weighted_pipeline == pytest.approx(670.0)
    # March: won o5 300 + o2 400 + overdue o3 50; April: o4 20; May: o7 200
    assert pipeline.cli_json(result)["forecast"] == [
        {"period": "2026-03", "won_to_date": 300.0, "weighted_open": pytest.approx(450.0), "forecast": 750.0},
        {"period": "2026-04", "won_to_date": 0.0, "weighted_open": pytest.approx(20.0), "forecast": 20.0},
        {"period": "2026-05", "won_to_date": 0.0, "weighted_open": pytest.approx(200.0), "forecast": 200.0}]


def test_forecast_interval_is_the_normal_approximation_over_deals(store: Store, settings: Settings) -> None:
    _seed(store)
    march = pipeline.forecasts(store.query, AS_OF, Filters(AS_OF, AS_OF), settings).weighted.row(0, named=True)
    # variance 1000² × 0.4 × 0.6 + 500² × 0.1 × 0.9 = 262,500; 1.6449 × 512.35 = 842.77
    # low: not below the 300 already won; high: 750 + 842.77, under won + open (1,800)
    assert (march["forecast_low"], march["forecast_high"]) == pytest.approx((300.0, 750.0 + 842.77), abs=0.01)


def test_backtest_of_one_month_by_hand(store: Store, settings: Settings) -> None:
    _seed(store)
    result = pipeline.forecasts(store.query, AS_OF, Filters(AS_OF, AS_OF), replace(settings, backtest_months=1))
    # as of 1 Feb: o3 lead 500 (Feb), o5 lead 300 (Feb), o6 qualified 400 (overdue: Feb); o2 created 09:00 that day
    # forecast 50 + 30 + 80 = 160 against o6's 400 won in February: WAPE 240 / 400
    assert pipeline.cli_json(result)["backtest"] == [{"month": "2026-02", "forecast": pytest.approx(160.0),
                                                      "actual": 400.0}]
    assert result.wape == pytest.approx(0.6)


def test_filters_apply_to_opportunities(store: Store, settings: Settings) -> None:
    _seed(store)
    team = pipeline.forecasts(store.query, AS_OF, Filters(AS_OF, AS_OF, team=("t1",)), settings)
    assert team.weighted_pipeline == pytest.approx(450.0)  # a1's o2 and o3
    smb = pipeline.forecasts(store.query, AS_OF, Filters(AS_OF, AS_OF, segment=("smb",)), settings)
    assert smb.weighted_pipeline == pytest.approx(470.0)  # c1's o2, o3, o4
    channel = pipeline.forecasts(store.query, AS_OF, Filters(AS_OF, AS_OF, channel=("voice",)), settings)
    assert channel.weighted_pipeline == pytest.approx(670.0)  # channel does not apply to opportunities


def test_against_quota_per_owner(store: Store, settings: Settings) -> None:
    _seed(store)
    flt = Filters(AS_OF, AS_OF)
    result = pipeline.forecasts(store.query, AS_OF, flt, settings)
    table = pipeline.against_quota(store.query, result, flt, settings, "weighted", ("owner_id", "owner_name"))
    march = table.filter(pl.col("period") == "2026-03").select("owner_id", "quota", "won_to_date", "attainment_pct",
                                                               "open_amount", "coverage", "forecast")
    # a1: quota 900 × 31/90 = 310, won 300, open 1,500 (o2 + overdue o3) over the 10 still to win
    # a2: the March quota 1,000, nothing won, nothing expected in March
    expected = pl.DataFrame([("a1", 310.0, 300.0, 300 / 310, 1500.0, 150.0, 750.0),
                             ("a2", 1000.0, 0.0, 0.0, 0.0, 0.0, 0.0)], orient="row", schema=march.schema)
    assert_frame_equal(march, expected)
    assert table.filter(pl.col("period") == "2026-04")["quota"].to_list() == [None, None]


def test_an_agent_sees_only_their_own_owner_rows_and_whole_team_figures(store: Store, settings: Settings) -> None:
    _seed(store)
    flt = Filters(AS_OF, AS_OF)
    ann = access.scoped(store.query, access.Scope(False, ("a1",)))
    result = pipeline.forecasts(ann, AS_OF, flt, settings)
    owners = pipeline.against_quota(ann, result, flt, settings, "weighted", ("owner_id", "owner_name"))
    assert set(owners["owner_id"].to_list()) == {"a1"} and set(owners["owner_name"].to_list()) == {"Ann"}
    everyone = pipeline.forecasts(store.query, AS_OF, flt, settings)
    assert result.weighted_pipeline == everyone.weighted_pipeline  # aggregates stay whole
    teams = pipeline.against_quota(ann, result, flt, settings, "weighted", ("team",))
    assert_frame_equal(teams, pipeline.against_quota(store.query, everyone, flt, settings, "weighted", ("team",)))
    closed = pipeline_flow.closed_cells(ann, Filters(date(2025, 1, 1), AS_OF), settings)
    assert pipeline_flow.win_loss(closed, ("owner_name",))["owner_name"].to_list() == ["Ann"]


def test_quota_is_not_compared_under_a_segment_filter(store: Store, settings: Settings) -> None:
    _seed(store)
    preferred = pipeline.preferred_forecast(store.query, AS_OF, Filters(AS_OF, AS_OF, segment=("smb",)), settings)
    assert preferred.months["quota"].to_list() == [None, None, None]


def test_empty_store_forecasts_nothing_and_keeps_the_baseline(store: Store, settings: Settings) -> None:
    result = pipeline.forecasts(store.query, AS_OF, Filters(AS_OF, AS_OF), settings)
    assert result.weighted_pipeline == 0.0 and result.wape is None and result.timing_wape is None
    assert result.preferred_method == "weighted"
    assert pipeline.cli_json(result)["forecast"][0] == {"period": "2026-03", "won_to_date": 0.0,
                                                        "weighted_open": 0.0, "forecast": 0.0}


def test_funnel_conversion_days_in_stage_and_velocity(store: Store, settings: Settings) -> None:
    _seed(store)
    result = pipeline.forecasts(store.query, AS_OF, RANGE, settings)
    table = pipeline_flow.funnel(store.query, result.open_cells, result.probabilities, RANGE, settings)
    # closed in range: o5 lead 36 d → negotiation 23 d → won; o6 lead 45 d → qualified 36 d → won;
    # o8 lead 74 d → lost; o9 lead 73 d → lost
    assert table.select("stage", "open_count", "passed_count", "advanced_count", "conversion_rate",
                        "days_in_stage").rows() == [
        ("lead", 2, 4, 2, 0.5, 57.0), ("qualified", 1, 1, 1, 1.0, 36.0), ("proposal", 1, 0, 0, None, None),
        ("negotiation", 0, 1, 1, 1.0, 23.0)]
    speed = pipeline_flow.velocity(result.open_cells, pipeline_flow.closed_cells(store.query, RANGE, settings))
    # 2 won of 4, 350 on average, in (59 + 81) / 2 = 70 days: 4 open × 0.5 × 350 / 70
    assert (speed.win_rate, speed.won_amount_mean, speed.cycle_days, speed.per_day) == (0.5, 350.0, 70.0, 10.0)


def test_win_loss_and_lost_reasons(store: Store, settings: Settings) -> None:
    _seed(store)
    closed = pipeline_flow.closed_cells(store.query, RANGE, settings)
    assert pipeline_flow.win_loss(closed, ("product",)).rows() == [
        ("B", 1, 0, 1.0, 400.0, 0.0), ("A", 1, 1, 0.5, 300.0, 50.0), ("(none)", 0, 1, 0.0, 0.0, 60.0)]
    assert pipeline_flow.lost_reasons(closed).rows() == [("price", 1, 50.0, 0.5), ("timing", 1, 60.0, 1.0)]


def _week_seed(store: Store) -> None:
    """The week 9–15 March 2026: one new deal, one advanced, one slipped, one lost, one steady."""
    store.load({
        "customers": frame([{"customer_id": "c1"}]),
        "agents": frame([{"agent_id": "a1"}]),
        "opportunities": frame([
            _deal("n", "c1", "a1", NO, 100.0, "2026-03-10 00:00:00", "2026-04-30", "open", NO, NO),
            _deal("adv", "c1", "a1", NO, 500.0, "2026-02-01 00:00:00", "2026-03-31", "open", NO, NO),
            _deal("slip", "c1", "a1", NO, 300.0, "2026-02-01 00:00:00", "2026-03-12", "open", NO, NO),
            _deal("lost", "c1", "a1", NO, 250.0, "2026-02-01 00:00:00", "2026-03-31", "lost", "2026-03-11 00:00:00",
                  "price"),
            # overdue all week, won: in the week's changes, outside the on-schedule bridge
            _deal("late", "c1", "a1", NO, 80.0, "2026-01-01 00:00:00", "2026-02-01", "won", "2026-03-13 00:00:00", NO),
        ]),
        "opportunity_stages": frame([{"opportunity_id": "adv", "stage": "qualified",
                                      "entered_at": "2026-03-12 00:00:00"}]),
    })


def test_bridge_from_last_weeks_on_schedule_pipeline_to_this_weeks(store: Store, settings: Settings) -> None:
    _week_seed(store)
    states = pipeline_flow.week_states(store.query, AS_OF, Filters(AS_OF, AS_OF), settings)
    steps = pipeline_flow.bridge(states, {"lead": 0.1, "qualified": 0.2, "proposal": 0.4, "negotiation": 0.6},
                                 settings.pipeline_stages)
    # a week ago: adv 50 + slip 30 + lost 25 = 105; + new 10, + adv 500 × (0.2 − 0.1), − slip 30, − lost 25 = 110
    assert dict(zip(steps["step"], steps["weighted_change"], strict=True)) == pytest.approx({
        "open a week ago": 105.0, "new": 10.0, "advanced": 50.0, "moved back": 0.0, "slipped": -30.0, "won": 0.0,
        "lost": -25.0, "closed otherwise": 0.0, "open now": 110.0})
    summary = pipeline_flow.week_summary(states, settings.pipeline_stages)
    assert summary.rows() == [("new", 1, 100.0), ("advanced", 1, 500.0), ("slipped", 1, 300.0), ("won", 1, 80.0),
                              ("lost", 1, 250.0)]


def _timing_seed(store: Store) -> None:
    """Four lead deals: t1 won in the month after creation, t2 two months after, t3 lost, t4 still open."""
    store.load({
        "customers": frame([{"customer_id": "c1"}]),
        "agents": frame([{"agent_id": "a1"}]),
        "opportunities": frame([
            _deal("t1", "c1", "a1", NO, 100.0, "2026-01-20 00:00:00", NO, "won", "2026-02-10 00:00:00", NO),
            _deal("t2", "c1", "a1", NO, 200.0, "2026-01-25 00:00:00", NO, "won", "2026-03-05 00:00:00", NO),
            _deal("t3", "c1", "a1", NO, 300.0, "2026-01-28 00:00:00", NO, "lost", "2026-02-15 00:00:00", NO),
            _deal("t4", "c1", "a1", NO, 100.0, "2026-02-10 00:00:00", "2026-03-20", "open", NO, NO),
        ]),
    })


def test_timing_cells_are_monthly_snapshots_with_the_month_of_a_win(store: Store, settings: Settings) -> None:
    _timing_seed(store)
    cells = pipeline.run(store.query, "pipeline_timing_cells", **pipeline.scope(Filters(AS_OF, AS_OF), settings),
                         base_date=date(2026, 4, 1), first_step=1, last_step=3, horizon_months=3)
    # 1 March: t2 (35 days old, won that month), t4 (19 days, open); 1 Feb: t1 won that month, t2 the next, t3 lost
    assert cells.rows() == [
        (date(2026, 2, 1), "lead", 0, 0, 1), (date(2026, 2, 1), "lead", 0, 1, 1),
        (date(2026, 2, 1), "lead", 0, None, 1), (date(2026, 3, 1), "lead", 0, None, 1),
        (date(2026, 3, 1), "lead", 1, 0, 1)]


def test_timing_forecast_and_backtest_by_hand(store: Store, settings: Settings) -> None:
    _timing_seed(store)
    plain = replace(settings, min_closed_for_learned=0, backtest_months=1)  # no shrinkage, learned from 1 deal
    result = pipeline.forecasts(store.query, date(2026, 4, 1), Filters(AS_OF, AS_OF), plain)
    # open on 1 April: t4, 50 days old (31–90). April: on 1 March the one such deal (t2) was won that month → 1;
    # May: none that old a month further back, so lead's rate: of t1, t2, t3 on 1 Feb, t2 won a month on → 1/3;
    # June: no snapshot three months back has a deal → the weighted figure (t4 is due in April there): 0
    timing = pipeline.cli_json(result)["timing_forecast"]
    assert [m["forecast"] for m in timing] == pytest.approx([100.0, 100 / 3, 0.0])
    # 1 March backtest: weighted: lead learned 1/2 (t1 won, t3 lost) × t4 100 due in March = 50 (t2 has no date);
    # timing: lead on 1 Feb won in its month 1 of 3 → (200 + 100) / 3 = 100; actual t2 200
    assert result.backtest.select("forecast", "timing_forecast", "actual").row(0) == pytest.approx((50.0, 100.0, 200.0))
    assert (result.wape, result.timing_wape) == pytest.approx((0.75, 0.5))
    assert result.preferred_method == "timing"


def test_timing_rates_shrink_small_cells_towards_their_stage(store: Store, settings: Settings) -> None:
    _timing_seed(store)
    cells = pipeline.timing_cells(store.query, date(2026, 4, 1), Filters(AS_OF, AS_OF), settings)
    rates = forecast.timing_rates(cells, date(2026, 4, 1), settings)
    april = rates.filter((pl.col("month_offset") == 0) & (pl.col("stage") == "lead"))
    # month 0: 5 deal-snapshots, 2 won in their month: 0.4 overall and for lead (6 / 15);
    # (0–30 days): 1 of 4, (1 + 10 × 0.4) / 14; (31–90): 1 of 1, (1 + 4) / 11; older: none, the stage's 0.4
    assert april["probability"].to_list() == pytest.approx([5 / 14, 5 / 11, 0.4, 0.4])


def test_months_and_days_are_local_to_the_configured_time_zone(store: Store, settings: Settings) -> None:
    store.load({
        "customers": frame([{"customer_id": "c1"}]),
        "agents": frame([{"agent_id": "a1"}]),
        # won 1 March 03:00 UTC = 28 February 22:00 in New York
        "opportunities": frame([_deal("w", "c1", "a1", NO, 100.0, "2026-02-01 12:00:00", NO, "won",
                                      "2026-03-01 03:00:00", NO)]),
    })
    for zone, february, march in (("UTC", 0.0, 100.0), ("America/New_York", 100.0, 0.0)):
        local = replace(settings, time_zone=zone, backtest_months=1)
        result = pipeline.forecasts(store.query, AS_OF, Filters(AS_OF, AS_OF), local)
        assert (result.backtest["actual"].item(), result.weighted["won_to_date"][0]) == (february, march)


def test_wape_and_preferred_method() -> None:
    assert forecast.wape([90.0, 130.0], [100.0, 100.0]) == pytest.approx(0.2)
    assert forecast.wape([10.0], [0.0]) is None
    assert forecast.preferred_method(0.3, 0.2) == "timing"
    assert forecast.preferred_method(0.2, 0.2) == "weighted"
    assert forecast.preferred_method(None, None) == "weighted"


def test_month_share_prorates_a_quarter_by_day() -> None:
    assert forecast.month_share(date(2026, 1, 1), date(2026, 3, 31), date(2026, 2, 1)) == pytest.approx(28 / 90)
    assert forecast.month_share(date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1)) == 0.0
    assert forecast.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


# --- real data: the Maven CRM export (8,800 opportunities, 2016–2017) ------------------------------------------------

MAVEN = Path("/work/shared/data/maven-crm")
MAVEN_STAGES = replace(Settings(), pipeline_stages=("prospecting", "engaging"),
                       stage_probabilities={"prospecting": 0.1, "engaging": 0.5})


def maven_tables(folder: Path = MAVEN) -> dict[str, pl.DataFrame]:
    """The export as interchange frames. A deal is created when it starts Engaging (the export has no earlier date;
    Prospecting rows without any date are left out); open and lost deals are worth their product's list price; the
    export has no expected close dates, sources or lost reasons."""
    deals = pl.read_csv(folder / "sales_pipeline.csv", try_parse_dates=True).filter(pl.col("engage_date").is_not_null())
    prices = pl.read_csv(folder / "products.csv").select("product", "sales_price")
    deals = deals.with_columns(pl.col("product").replace({"GTXPro": "GTX Pro"}), pl.col("account").fill_null(UNKNOWN))
    deals = deals.join(prices, on="product", how="left")
    accounts = pl.read_csv(folder / "accounts.csv")
    teams = pl.read_csv(folder / "sales_teams.csv")
    created = pl.col("engage_date").cast(pl.Datetime("us")) + pl.duration(hours=9)
    opportunities = deals.select(
        opportunity_id="opportunity_id", customer_id="account", owner_id="sales_agent", product="product",
        amount=pl.when(pl.col("deal_stage") == "Won").then(pl.col("close_value")).otherwise(pl.col("sales_price"))
        .cast(pl.Float64),
        created_at=created, stage=pl.lit("engaging"),
        status=pl.col("deal_stage").replace_strict({"Won": "won", "Lost": "lost", "Engaging": "open"}),
        closed_at=pl.col("close_date").cast(pl.Datetime("us")) + pl.duration(hours=17))
    return {
        "customers": pl.concat([accounts.select(customer_id="account", segment="sector", region="office_location"),
                                pl.DataFrame({"customer_id": [UNKNOWN]})], how="diagonal"),
        "agents": teams.select(agent_id="sales_agent", name="sales_agent", team="manager", site="regional_office"),
        "opportunities": opportunities,
        "opportunity_stages": opportunities.select("opportunity_id", "stage", entered_at="created_at"),
    }


UNKNOWN = "(account not given)"


@pytest.mark.skipif(not MAVEN.is_dir(), reason="the Maven CRM export is not here")
def test_maven_backtests_both_methods(tmp_path: Path) -> None:
    store = open_store(f"duckdb:///{tmp_path / 'maven.duckdb'}")
    store.load(maven_tables())
    result = pipeline.forecasts(store.query, date(2018, 1, 1), Filters(date(2017, 1, 1), date(2017, 12, 31)),
                                MAVEN_STAGES)
    # won per month in sales_pipeline.csv, July to December 2017
    assert result.backtest["actual"].to_list() == [696932.0, 1050059.0, 1235264.0, 731980.0, 938943.0, 1131573.0]
    # without expected close dates the weighted method can only count what is already won: nothing on the 1st
    assert result.backtest["forecast"].to_list() == [0.0] * 6 and result.wape == 1.0
    assert result.timing_wape is not None and result.timing_wape < 0.5 and result.preferred_method == "timing"
    print(f"Maven WAPE: weighted {result.wape:.3f}, learned timing {result.timing_wape:.3f}")


@pytest.mark.parametrize("as_of", [date(2026, 3, 16), date(2026, 4, 1)])
def test_a_forecast_without_its_backtest_is_the_same_forecast(store: Store, settings: Settings, as_of: date) -> None:
    _seed(store)
    _timing_seed(store)
    full = pipeline.forecasts(store.query, as_of, Filters(as_of, as_of), settings)
    alone = pipeline.forecasts(store.query, as_of, Filters(as_of, as_of), settings, with_backtest=False)
    assert full.backtest.height == settings.backtest_months and alone.backtest.height == 0
    for name in pipeline.METHODS:
        assert full.method(name)["forecast"].sum() > 0
        assert_frame_equal(alone.method(name), full.method(name))


@pytest.mark.parametrize("as_of", [date(2026, 3, 16), date(2026, 4, 1)])
def test_each_backtest_month_is_the_forecast_as_of_its_first_day(store: Store, settings: Settings,
                                                                 as_of: date) -> None:
    """The backtest computes every month in one pass: each row must be what a forecast as of the month's first
    day, with what was won before it, says of that month."""
    _seed(store)
    _timing_seed(store)
    result = pipeline.forecasts(store.query, as_of, Filters(as_of, as_of), settings)
    flt = Filters(as_of, as_of)
    learned = 0
    for row in result.backtest.iter_rows(named=True):
        month = row["month"]
        alone = pipeline.forecasts(store.query, month, flt, settings, with_backtest=False)
        learned += alone.rates.height > 0
        for name, columns in (("weighted", ("forecast", "forecast_low", "forecast_high")),
                              ("timing", ("timing_forecast", "timing_low", "timing_high"))):
            first = alone.method(name).row(0, named=True)
            assert first["period"] == month and first["won_to_date"] == 0.0
            expected = (first["forecast"], first["forecast_low"], first["forecast_high"])
            assert tuple(row[c] for c in columns) == pytest.approx(expected, rel=1e-12), (month, name)
    assert result.backtest["forecast"].sum() > 0 and learned > 0
