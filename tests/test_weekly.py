"""The weekly review on a tiny hand-computed store: ISO weeks, KPI table, noise, mix/rate decomposition."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from conftest import frame

from journey import agents, kpis, overview, weekly, weekly_sections
from journey.filters import Filters
from journey.settings import Settings
from journey.store import Store, open_store
from journey.weekly import Week

W10, W11 = Week(2026, 10), Week(2026, 11)  # 2–8 March 2026 and 9–15 March 2026
ALL = Filters(W11.start, W11.end)
BERLIN = Settings(time_zone="Europe/Berlin")


def _contact(*values: object) -> dict[str, object]:
    keys = ("interaction_id", "customer_id", "agent_id", "channel", "reason", "started_at", "handle_seconds",
            "resolved")
    return dict(zip(keys, values, strict=True))


def _seed(store: Store) -> None:
    """Agent contacts with no repeats (each customer's reasons differ), a few surveys, orders, journeys."""
    store.load({
        "customers": frame([
            {"customer_id": "c1", "segment": "smb", "region": "north"},
            {"customer_id": "c2", "segment": "smb", "region": "south"},
            {"customer_id": "c3", "segment": "enterprise", "region": "north"},
            {"customer_id": "c4", "segment": "enterprise", "region": "south"},
        ]),
        "agents": frame([{"agent_id": "a1", "team": "t1"}, {"agent_id": "a2", "team": "t2"}]),
        "interactions": frame([
            _contact("i0", "c4", "a1", "email", "other", "2026-02-25 10:00:00", 200.0, True),     # W09
            _contact("i1", "c1", "a1", "voice", "billing", "2026-03-02 09:00:00", 300.0, True),   # W10
            _contact("i2", "c2", "a2", "chat", "delivery", "2026-03-03 10:00:00", 100.0, True),   # W10
            # Sunday 23:30 UTC: W10 in UTC, but Monday 00:30 (W11) in Berlin
            _contact("i3", "c3", "a2", "chat", "billing", "2026-03-08 23:30:00", 200.0, False),
            _contact("i4", "c1", "a1", "voice", "delivery", "2026-03-09 09:00:00", 400.0, False),  # W11
            _contact("i5", "c2", "a2", "chat", "billing", "2026-03-10 10:00:00", 500.0, False),    # W11
            _contact("i6", "c3", "a1", "voice", "delivery", "2026-03-15 12:00:00", 300.0, True),   # W11
        ]),
        "surveys": frame([
            {"survey_id": "s1", "customer_id": "c1", "interaction_id": "i1", "answered_at": "2026-03-02 12:00:00",
             "csat": 5, "nps": 10, "ces": 6},
            {"survey_id": "s2", "customer_id": "c2", "interaction_id": "i5", "answered_at": "2026-03-10 12:00:00",
             "csat": 2, "nps": 3, "ces": 2},
            {"survey_id": "s3", "customer_id": "c3", "answered_at": "2026-03-11 12:00:00", "csat": 4,
             "nps": 8, "ces": 5},
        ]),
        "orders": frame([
            {"order_id": "o1", "customer_id": "c1", "ordered_at": "2026-03-03 10:00:00", "amount": 10.0,
             "product": "A", "promised_at": "2026-03-05 00:00:00", "delivered_at": "2026-03-04 00:00:00"},
            {"order_id": "o2", "customer_id": "c2", "ordered_at": "2026-03-10 10:00:00", "amount": 20.0,
             "product": "B", "promised_at": "2026-03-12 00:00:00", "delivered_at": "2026-03-13 00:00:00"},
            {"order_id": "o3", "customer_id": "c1", "ordered_at": "2026-03-11 10:00:00", "amount": 30.0,
             "product": "A", "promised_at": "2026-03-13 00:00:00", "delivered_at": "2026-03-13 00:00:00"},
        ]),
        "returns": frame([{"return_id": "r1", "order_id": "o2", "requested_at": "2026-03-14 00:00:00"}]),
        "journey_events": frame([
            {"event_id": "e1", "journey_id": "j1", "customer_id": "c1", "stage": "find",
             "occurred_at": "2026-03-03 09:00:00"},
            {"event_id": "e2", "journey_id": "j1", "customer_id": "c1", "stage": "buy",
             "occurred_at": "2026-03-03 09:30:00", "outcome": "completed"},
            {"event_id": "e3", "journey_id": "j2", "customer_id": "c2", "stage": "find",
             "occurred_at": "2026-03-10 09:00:00"},
            {"event_id": "e4", "journey_id": "j3", "customer_id": "c3", "stage": "find",
             "occurred_at": "2026-03-11 09:00:00"},
            {"event_id": "e5", "journey_id": "j3", "customer_id": "c3", "stage": "buy",
             "occurred_at": "2026-03-11 09:30:00", "outcome": "completed"},
        ]),
    })


def _row(table: pl.DataFrame, kpi: str) -> dict[str, object]:
    return table.filter(pl.col("kpi") == kpi).row(0, named=True)


# --- weeks ------------------------------------------------------------------------------------------

def test_week_parse_gives_monday_to_sunday() -> None:
    assert (Week.parse("2026-W47").start, Week.parse("2026-W47").end) == (date(2026, 11, 16), date(2026, 11, 22))
    # 2026 starts on a Thursday, so it has a week 53 that ends in 2027
    assert Week.parse("2026-W53").end == date(2027, 1, 3)
    assert Week.of(date(2027, 1, 1)) == Week(2026, 53) and str(Week(2026, 1)) == "2026-W01"
    assert Week(2026, 1).shift(-1) == Week(2025, 52)


@pytest.mark.parametrize("text", ["2025-W53", "2026-47", "2026-W00", "W47", "'; drop table x"])
def test_week_parse_rejects_what_is_not_an_iso_week(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO week"):
        Week.parse(text)


def test_default_week_is_the_last_complete_one() -> None:
    assert weekly.default_week(date(2026, 11, 23), today=date(2026, 11, 23)) == Week(2026, 47)  # Monday
    assert weekly.default_week(date(2026, 11, 22), today=date(2026, 11, 22)) == Week(2026, 46)  # Sunday: not over
    assert weekly.default_week(date(2026, 11, 22), today=date(2026, 11, 25)) == Week(2026, 47)
    assert weekly.default_week(date(2026, 11, 18), today=date(2026, 12, 30)) == Week(2026, 46)  # a range's end


# --- KPI table ---------------------------------------------------------------------------------------

def test_kpi_table_this_last_and_pooled_four_weeks(store: Store) -> None:
    _seed(store)
    table = weekly.kpi_table(store.query, W11, ALL, Settings())
    assert table["kpi"].to_list() == list(kpis.KPI_NAMES)
    fcr = _row(table, "fcr")
    assert (fcr["this_week"], fcr["last_week"]) == (1 / 3, 2 / 3)   # i6 of i4..i6; i1, i2 of i1..i3
    assert fcr["change"] == pytest.approx(-1 / 3)
    # pooled over W07..W10: i0, i1, i2 of i0..i3 = 3/4 (the mean of the weekly rates would be 5/6)
    assert fcr["avg_4w"] == 3 / 4
    assert _row(table, "contacts")["avg_4w"] == 1.0                    # i0..i3 over four weeks: 4 / 4 a week
    assert _row(table, "aht_seconds")["this_week"] == 400.0           # (400 + 500 + 300) / 3
    assert (_row(table, "fcr")["target"], _row(table, "fcr")["status"]) == (None, "no target")


def test_kpi_table_weeks_are_local_days_of_the_time_zone(store: Store) -> None:
    _seed(store)
    table = weekly.kpi_table(store.query, W11, ALL, BERLIN)
    # i3 (Sunday 23:30 UTC) is Monday 00:30 in Berlin: it moves into W11
    assert (_row(table, "contacts")["this_week"], _row(table, "contacts")["last_week"]) == (4.0, 2.0)
    assert (_row(table, "fcr")["this_week"], _row(table, "fcr")["last_week"]) == (1 / 4, 1.0)


def test_kpi_table_filters_apply(store: Store) -> None:
    _seed(store)
    voice = weekly.kpi_table(store.query, W11, Filters(W11.start, W11.end, channel=("voice",)), Settings())
    assert (_row(voice, "contacts")["this_week"], _row(voice, "fcr")["last_week"]) == (2.0, 1.0)


def test_kpi_table_on_an_empty_store_has_missing_values(store: Store) -> None:
    table = weekly.kpi_table(store.query, W11, ALL, Settings())
    assert _row(table, "contacts")["change"] == 0.0
    assert _row(table, "fcr") | {"kpi": None, "status": None} == {
        "kpi": None, "this_week": None, "last_week": None, "avg_4w": None, "change": None, "change_sd": None,
        "beyond_noise": None, "target": None, "status": None}


def test_noise_is_the_standard_deviation_of_weekly_changes() -> None:
    history: list[kpis.Kpis] = [{"contacts": v} for v in (0, 1, 0, 1, 0)]
    assert weekly.noise(history, "contacts") == pytest.approx((4 / 3) ** 0.5)  # changes +1 −1 +1 −1, mean 0
    assert weekly.noise(history[:4], "contacts") is None                       # only 3 changes
    assert weekly.noise([{"fcr": None}] * 13, "fcr") is None


def test_compare_flags_a_change_beyond_twice_the_noise() -> None:
    # 13 weeks of history alternating 10 and 12 contacts a week (changes ±2, sd ≈ 2.09), then 20
    days = [W11.shift(-k).start for k in range(13, 0, -1)] + [W11.start]
    counts = [10 + 2 * (k % 2) for k in range(13)] + [20]
    parts = {"contacts": pl.DataFrame({"contact_date": days, "contacts_count": counts}),
             "surveys": pl.DataFrame(), "journeys": pl.DataFrame(), "orders": pl.DataFrame()}
    row = _row(weekly.compare(parts, W11, Settings()), "contacts")
    assert (row["this_week"], row["last_week"], row["change"]) == (20.0, 10.0, 10.0)
    assert row["change_sd"] == pytest.approx((4 * 12 / 11) ** 0.5)
    assert row["beyond_noise"] is True


# --- mix and rate ------------------------------------------------------------------------------------

def _cells(rows: list[tuple[str, int, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["value", "n0", "s0", "n1", "s1"], orient="row")


def test_decompose_two_cells_hand_computed() -> None:
    # A: 1 of 2 -> 3 of 6, B: 2 of 2 -> 1 of 2. R0 = 3/4, R1 = 4/8, change −1/4.
    # w0 = (1/2, 1/2), w1 = (3/4, 1/4); r0 = (1/2, 1), r1 = (1/2, 1/2)
    # mix A = (1/4)(1/2 − 3/4) = −1/16, mix B = (−1/4)(1 − 3/4) = −1/16
    # rate A = (3/4)(0) = 0, rate B = (1/4)(1/2 − 1) = −1/8
    out = weekly.decompose(_cells([("A", 2, 1, 6, 3), ("B", 2, 2, 2, 1)]))
    assert out["mix"].to_list() == [-1 / 16, -1 / 16]
    assert out["rate"].to_list() == [0.0, -1 / 8]
    assert out["mix"].sum() + out["rate"].sum() == 4 / 8 - 3 / 4


def test_decompose_new_and_gone_cells_still_add_up() -> None:
    # A: 2 of 4 -> 0 of 2; B new: 2 of 2; C gone: 4 of 4. R0 = 6/8, R1 = 2/4.
    # B takes r0 = R0 = 3/4: mix 0, rate (1/2)(1 − 3/4) = 1/8. C: mix (0 − 1/2)(1 − 3/4) = −1/8, rate 0.
    # A: mix 0, rate (1/2)(0 − 1/2) = −1/4.
    out = weekly.decompose(_cells([("A", 4, 2, 2, 0), ("B", 0, 0, 2, 2), ("C", 4, 4, 0, 0)]))
    assert out["mix"].to_list() == [0.0, 0.0, -1 / 8]
    assert out["rate"].to_list() == [-1 / 4, 1 / 8, 0.0]
    assert out["mix"].sum() + out["rate"].sum() == 2 / 4 - 6 / 8


def test_explain_fcr_by_channel_through_sql(store: Store) -> None:
    _seed(store)
    effects = weekly.explain(weekly.cells(store.query, W11, ALL, Settings()), "fcr")
    channel = effects.filter(pl.col("dimension") == "channel").sort("value")
    # chat 1 of 2 -> 0 of 1, voice 1 of 1 -> 1 of 2; R0 = 2/3, R1 = 1/3
    assert channel.select("value", "n0", "s0", "n1", "s1").rows() == [("chat", 2, 1, 1, 0), ("voice", 1, 1, 2, 1)]
    assert channel["mix"].to_list() == pytest.approx([1 / 18, 1 / 9])
    assert channel["rate"].to_list() == pytest.approx([-1 / 6, -1 / 3])
    assert set(effects["dimension"]) == {"channel", "reason", "region", "segment", "team"}


def test_explain_adds_up_to_the_kpi_change_in_every_dimension(store: Store) -> None:
    _seed(store)
    for settings in (Settings(), BERLIN):
        table = weekly.kpi_table(store.query, W11, ALL, settings)
        found = weekly.explanations(weekly.cells(store.query, W11, ALL, settings))
        for kpi, effects in found.items():
            change = _row(table, kpi)["change"]
            assert effects.height > 0, kpi
            sums = effects.group_by("dimension").agg((pl.col("mix") + pl.col("rate")).sum())
            assert sums["mix"].to_list() == pytest.approx([change] * sums.height, abs=1e-12), kpi


def test_explain_csat_counts_surveys_without_a_contact(store: Store) -> None:
    _seed(store)
    effects = weekly.explain(weekly.cells(store.query, W11, ALL, Settings()), "csat_pct")
    channel = effects.filter(pl.col("dimension") == "channel").sort("value")
    # voice 1 of 1 gone; chat 0 of 1 new; s3 has no contact: (none) 1 of 1 new. R0 = 1, R1 = 1/2
    assert channel.select("value", "n0", "n1", "mix", "rate").rows() == [
        ("(none)", 0, 1, 0.0, 0.0), ("chat", 0, 1, 0.0, -0.5), ("voice", 1, 0, 0.0, 0.0)]


def test_explain_with_an_empty_week_is_empty(store: Store) -> None:
    _seed(store)
    quiet = Week(2026, 20)
    assert weekly.explain(weekly.cells(store.query, quiet, ALL, Settings()), "fcr").height == 0


def test_sentence_names_the_largest_contributors() -> None:
    # By reason: delivery fell from 80% to 40% on half the contacts; technical grew from 1/4 to 1/2 of them
    effects = pl.concat([
        weekly.decompose(_cells([("delivery", 10, 8, 10, 4), ("billing", 10, 8, 10, 8)]))
        .with_columns(dimension=pl.lit("reason")),
        weekly.decompose(_cells([("north", 10, 8, 10, 6), ("south", 10, 8, 10, 6)]))
        .with_columns(dimension=pl.lit("region")),
    ])
    text = weekly.sentence("fcr", effects, -0.2)
    assert text == ("FCR fell 20.0 pts (by reason): −20.0 from delivery contacts, whose FCR fell (80.0% → 40.0%).")


def test_sentence_describes_mix_effects() -> None:
    # technical (50%) goes from 1/4 to 1/2 of contacts, billing (90%) shrinks; no cell's rate moves.
    # R0 = 32/40 = 0.8; mix technical = (1/2 − 1/4)(0.5 − 0.8) = −0.075, billing = (1/2 − 3/4)(0.9 − 0.8) = −0.025
    effects = weekly.decompose(_cells([("technical", 10, 5, 20, 10), ("billing", 30, 27, 20, 18)]))
    text = weekly.sentence("fcr", effects.with_columns(dimension=pl.lit("reason")), 0.7 - 0.8)
    assert text == ("FCR fell 10.0 pts (by reason): −7.5 from more technical contacts (25% → 50% of contacts), "
                    "whose FCR is below average (50.0%); −2.5 from fewer billing contacts (75% → 50% of contacts), "
                    "whose FCR is above average (90.0%).")


def test_sentence_without_data_says_so() -> None:
    assert weekly.sentence("nps", weekly.explain({"weekly_survey_cells": pl.DataFrame()}, "nps"), None) == (
        "NPS: not enough data in one of the two weeks to explain a change.")


# --- overview tiles, notes ----------------------------------------------------------------------------

def test_tiles_sparklines_are_the_twelve_weeks_ending_on_the_range_end(store: Store) -> None:
    _seed(store)
    report, lines = weekly.tiles(store.query, Filters(date(2026, 3, 1), date(2026, 3, 15)), Settings())
    assert report.values["contacts"] == 6 and report.this_week["contacts"] == 3 and report.last_week["contacts"] == 3
    assert lines["contacts"] == [0.0] * 9 + [1.0, 3.0, 3.0]
    assert lines["fcr"][-3:] == [1.0, 2 / 3, 1 / 3] and lines["fcr"][0] is None


def test_notes_are_saved_per_week_and_replaced(store: Store) -> None:
    assert weekly.read_notes(store.query, W11) == ""
    weekly.save_notes(store, W11, "Owner: Ana — call back north", now=datetime(2026, 3, 16, 9))
    weekly.save_notes(store, W10, "old week")
    weekly.save_notes(store, W11, "Owner: Ana — call back north; done")
    assert weekly.read_notes(store.query, W11) == "Owner: Ana — call back north; done"
    weekly.save_notes(store, W10, "  ")
    assert weekly.read_notes(store.query, W10) == ""


def test_notes_of_a_store_made_before_notes_existed_are_empty(tmp_path: object) -> None:
    store = open_store(f"duckdb:///{tmp_path}/old.duckdb")
    with store.connect() as connection:
        connection.exec_driver_sql("drop table weekly_notes")
        connection.commit()
    assert weekly.read_notes(open_store(store.url, read_only=True).query, W11) == ""


def test_settled_on_is_the_day_after_the_last_contacts_repeat_window() -> None:
    # a contact late on Sunday 15 March can be repeated until Sunday 22 March: final from Monday 23 March
    assert weekly.settled_on(W11, Settings()) == date(2026, 3, 23)
    assert weekly.settled_on(W11, Settings(repeat_window_days=2.5)) == date(2026, 3, 19)


# --- top movers ---------------------------------------------------------------------------------------

def _agent_contact(interaction_id: str, agent: str, reason: str, at: str, resolved: bool) -> dict[str, object]:
    # every contact its own customer: no repeats, so FCR is resolved / known
    return _contact(interaction_id, f"k{interaction_id}", agent, "chat", reason, at, 100.0, resolved)


def test_agent_movers_compare_mix_adjusted_fcr_through_sql(store: Store) -> None:
    store.load({"agents": frame([{"agent_id": "a1", "team": "t1"}, {"agent_id": "a2", "team": "t2"}]),
                "interactions": frame([
                    # W10: billing only; a1 2 of 2, a2 0 of 2
                    _agent_contact("m1", "a1", "billing", "2026-03-02 09:00:00", True),
                    _agent_contact("m2", "a1", "billing", "2026-03-03 09:00:00", True),
                    _agent_contact("m3", "a2", "billing", "2026-03-04 09:00:00", False),
                    _agent_contact("m4", "a2", "billing", "2026-03-05 09:00:00", False),
                    # W11: billing a1 1 of 2, a2 1 of 2; delivery a2 2 of 2
                    _agent_contact("m5", "a1", "billing", "2026-03-09 09:00:00", True),
                    _agent_contact("m6", "a1", "billing", "2026-03-10 09:00:00", False),
                    _agent_contact("m7", "a2", "billing", "2026-03-11 09:00:00", True),
                    _agent_contact("m8", "a2", "billing", "2026-03-12 09:00:00", False),
                    _agent_contact("m9", "a2", "delivery", "2026-03-13 09:00:00", True),
                    _agent_contact("m10", "a2", "delivery", "2026-03-14 09:00:00", True),
                ])})
    this, last = (agents.report(store.query, Filters(w.start, w.end), Settings()).scorecard for w in (W11, W10))
    movers = weekly_sections.agent_movers(this, last, min_contacts=2)
    # W10: billing 2 of 4, overall 1/2: a1 1/2 + (2 − 1)/2 = 1, a2 0; variance 2 × 1/4 / 2² = 1/8 each.
    # W11: billing 1/2, delivery 1, overall 4/6: a1 2/3 + (1 − 1)/2 = 2/3 (variance 1/8); a2 2/3 + (3 − 3)/4 = 2/3
    # (variance (2 × 1/4 + 0) / 4² = 1/32). a2: +2/3 over sqrt(1/8 + 1/32) = 1.69 errors; a1: −1/3 over 1/2.
    assert movers.select("agent_id", "last_count", "this_count", "beyond_noise").rows() == [
        ("a2", 2, 4, False), ("a1", 2, 2, False)]
    assert movers["fcr_last"].to_list() == pytest.approx([0.0, 1.0])
    assert movers["fcr_this"].to_list() == pytest.approx([2 / 3, 2 / 3])
    assert movers["fcr_change"].to_list() == pytest.approx([2 / 3, -1 / 3])
    assert weekly_sections.agent_movers(this, last, min_contacts=3).height == 0  # a2 had only 2 contacts in W10


def test_agent_movers_beyond_noise_from_the_weekly_intervals() -> None:
    def card(*rows: tuple[str, int, float, float]) -> pl.DataFrame:
        return pl.DataFrame([(a, f"name {a}", n, p, p + agents.Z95 * e) for a, n, p, e in rows], orient="row",
                            schema=["agent_id", "agent_name", "contacts", "fcr_adjusted", "fcr_adjusted_high"])

    # standard errors 0.03 and 0.04 combine to 0.05: a1 moves 0.1 (2 errors), a2 0.09 (1.8), a3 lacks contacts
    last = card(("a1", 40, 0.5, 0.03), ("a2", 40, 0.5, 0.03), ("a3", 10, 0.2, 0.1))
    this = card(("a1", 40, 0.6, 0.04), ("a2", 40, 0.41, 0.04), ("a3", 40, 0.9, 0.04))
    movers = weekly_sections.agent_movers(this, last, min_contacts=30)
    assert movers.select("agent_id", "agent_name", "beyond_noise").rows() == [
        ("a1", "name a1", True), ("a2", "name a2", False)]


def test_stage_movers_from_the_curves_of_both_weeks(store: Store) -> None:
    _seed(store)
    rated = [
        ("r1", "k1", "c1", "receive", "2026-03-04 10:00:00", 5),
        ("r2", "k2", "c2", "receive", "2026-03-05 10:00:00", 5),
        ("r3", "k3", "c1", "receive", "2026-03-10 10:00:00", 1),
        ("r4", "k4", "c2", "receive", "2026-03-11 10:00:00", 5),
        ("r5", "k5", "c3", "find", "2026-03-12 10:00:00", 4),
        ("r6", "k6", "c3", "receive", "2026-03-12 10:00:00", None),
    ]
    keys = ("event_id", "journey_id", "customer_id", "stage", "occurred_at", "rating")
    store.load({"journey_events": frame([dict(zip(keys, row, strict=True)) for row in rated])})
    this, last = overview.week_curves(store.query, ALL, Settings(), W11.end)
    movers = weekly_sections.stage_movers(this.cells, last.cells, min_ratings=1)
    # receive: scores 100, 100 -> 0 (north, c1), 100 (south, c2). Overall −50 with se = sqrt(0 + 2500/2) ≈ 35.4
    # (z ≈ 1.41); north −100 with no spread at all: beyond noise. find has no rating last week.
    assert movers.select("stage", "dimension", "value", "score_last", "score_this", "score_change",
                         "beyond_noise").rows() == [
        ("receive", "region", "north", 100.0, 0.0, -100.0, True),
        ("receive", "segment", "smb", 100.0, 50.0, -50.0, False),
        ("receive", "stage", "all", 100.0, 50.0, -50.0, False),
        ("receive", "region", "south", 100.0, 100.0, 0.0, False),
    ]
    assert weekly_sections.stage_movers(this.cells, last.cells, min_ratings=2)["value"].to_list() == [
        "smb", "all"]


# --- journey conversion cells agree with the KPI's own query ----------------------------------------------------

def test_journey_cells_count_journeys_as_kpi_journeys_daily_does(store: Store) -> None:
    # weekly_journey_cells repeats kpi_journeys_daily's journey and conversion rules, per region and segment;
    # this guards that the two never drift apart
    _seed(store)
    store.load({
        "customers": frame([{"customer_id": "c5", "segment": "smb"}]),  # no region
        "journey_events": frame([
            # first event Sunday 8 March (W10), bought on Monday (W11): a W10 journey that converted
            {"event_id": "g1", "journey_id": "j4", "customer_id": "c5", "stage": "find", "channel": "web",
             "occurred_at": "2026-03-08 23:00:00"},
            {"event_id": "g2", "journey_id": "j4", "customer_id": "c5", "stage": "buy", "channel": "voice",
             "occurred_at": "2026-03-09 08:00:00", "outcome": "completed"},
            # an abandoned and a failed buy do not convert
            {"event_id": "g3", "journey_id": "j5", "customer_id": "c4", "stage": "buy", "channel": "web",
             "occurred_at": "2026-03-12 08:00:00", "outcome": "abandoned"},
            {"event_id": "g4", "journey_id": "j6", "customer_id": "c4", "stage": "buy", "channel": "web",
             "occurred_at": "2026-03-13 08:00:00", "outcome": "failed"},
        ]),
    })
    for flt in (ALL, Filters(W11.start, W11.end, channel=("web",)), Filters(W11.start, W11.end, segment=("smb",))):
        cells = weekly.cells(store.query, W11, flt, Settings())["weekly_journey_cells"]
        daily = kpis.daily(store.query, flt.with_range(W10.start, W11.end), Settings())["journeys"]
        for period, week in ((0, W10), (1, W11)):
            days = daily.filter(pl.col("journey_date").is_between(week.start, week.end))
            expected = [int(days["journeys_count"].sum()), int(days["converted_count"].sum())]
            for dimension in ("region", "segment"):
                rows = cells.filter((pl.col("period") == period) & (pl.col("dimension") == dimension))
                assert [int(rows["journeys_count"].sum()), int(rows["converted_count"].sum())] == expected, (
                    flt, week, dimension)
    # and the counts are not trivially zero: W10 has j1 and j4 (both converted) without filters
    w10 = weekly.cells(store.query, W11, ALL, Settings())["weekly_journey_cells"].filter(
        (pl.col("period") == 0) & (pl.col("dimension") == "region"))
    assert sorted(w10.select(pl.col("value").fill_null("(none)"), "journeys_count", "converted_count").rows()) == [
        ("(none)", 1, 1), ("north", 1, 1)]
