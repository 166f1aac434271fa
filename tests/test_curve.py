"""The experience curve, peaks, funnel and peak impact on tiny journey timelines, on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from conftest import frame
from polars.testing import assert_frame_equal

from journey import curve, curve_charts, curve_detail, kpis
from journey.filters import Filters
from journey.settings import Settings
from journey.store import Store

MARCH = Filters(date(2026, 3, 1), date(2026, 3, 16))
CUSTOMERS = {"c1": ("smb", "north"), "c2": ("enterprise", "south"), "c3": ("smb", "south"), "c4": ("smb", "east")}
Step = tuple[Any, ...]  # (stage, "YYYY-MM-DD HH:MM[:SS]", rating or None[, outcome][, {column: value}])


def journeys(customers: dict[str, str] | None = None, **timelines: list[Step]) -> dict[str, pl.DataFrame]:
    """Store tables from readable timelines; each journey's customer is `customers[j]`, else c1.

    An event's outcome defaults to completed and its channel to web (receive: none).
    """
    rows = []
    for journey_id, steps in timelines.items():
        for number, (stage, at, rating, *more) in enumerate(steps):
            extra = next((m for m in more if isinstance(m, dict)), {})
            outcome = next((m for m in more if isinstance(m, str)), "completed")
            rows.append({"event_id": f"{journey_id}e{number}", "journey_id": journey_id,
                         "customer_id": (customers or {}).get(journey_id, "c1"), "stage": stage,
                         "occurred_at": at if len(at) > 16 else f"{at}:00", "rating": rating, "outcome": outcome,
                         "channel": None if stage == "receive" else "web", "product": "Phone", **extra})
    return {"customers": frame([{"customer_id": c, "segment": s, "region": r} for c, (s, r) in CUSTOMERS.items()]),
            "journey_events": frame(rows)}


VOICE = {"channel": "voice"}
MAIN = journeys(
    customers={"j2": "c2", "j4": "c2", "j6": "c2", "j7": "c2"},
    j1=[("find", "2026-03-01 09:00", 5), ("choose", "2026-03-01 09:20", 4), ("buy", "2026-03-01 09:40", 3),
        ("receive", "2026-03-05 10:00", 5)],
    j2=[("find", "2026-03-02 10:00", 2, VOICE), ("choose", "2026-03-02 10:30", 1, "abandoned", VOICE)],
    j3=[("find", "2026-03-10 09:00", 4), ("choose", "2026-03-10 09:30", 5), ("buy", "2026-03-11 12:00", None)],
    j4=[("find", "2026-03-12 09:00", 3), ("buy", "2026-03-12 09:30", 2, "failed")],
    j5=[("find", "2026-03-14 09:00", 5), ("buy", "2026-03-14 09:10", None, "abandoned")],
    j6=[("find", "2026-02-28 23:00", 1), ("buy", "2026-03-01 08:00", None)],  # starts the evening before the range
    j7=[("find", "2026-03-17 00:00", 1)],  # the first instant after the range
)
BENCHMARKS = frame([
    {"stage": "find", "peer": "A", "score": 65.0, "period_start": "2026-03-01", "period_end": "2026-03-31"},
    {"stage": "find", "peer": "B", "score": 80.0, "period_start": "2026-02-01", "period_end": "2026-02-28"},
    {"stage": "find", "peer": "C", "score": 60.0, "period_start": None, "period_end": None},
    {"stage": "choose", "peer": "A", "score": 53.4, "period_start": "2026-03-01", "period_end": "2026-03-31"},
    {"stage": "buy", "peer": "A", "score": 30.0, "period_start": "2026-03-16", "period_end": None},
    {"stage": "buy", "peer": "B", "score": 35.0, "period_start": "2026-03-17", "period_end": "2026-03-31"},
    {"stage": "receive", "peer": "A", "score": 100.0, "period_start": None, "period_end": "2026-03-01"},
    {"stage": "return", "peer": "A", "score": 80.0, "period_start": None, "period_end": None},
])


def _seed(store: Store, benchmarks: bool = True) -> None:
    store.load({**MAIN, **({"benchmarks": BENCHMARKS} if benchmarks else {})})


def _report(store: Store, flt: Filters = MARCH, settings: Settings | None = None) -> curve.CurveReport:
    return curve.report(store.query, flt, settings or Settings())


def _rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: pytest.approx(v) if isinstance(v, float) else v for k, v in row.items()} for row in table.to_dicts()]


def test_report_curve_hand_computed(store: Store) -> None:
    _seed(store)
    rows = [
        # find: j1 5, j2 2, j3 4, j4 3, j5 5 → (1 + .25 + .75 + .5 + 1) / 5; j6 and j7 fall outside the range.
        # Peers: A 65 (March) and C 60 (no period); B (February) does not overlap. 70 − 65 = 5: exactly a peak.
        ("find", 70.0, 2 / 5, 5, 65.0, 5.0, True),
        # choose: j1 4, j2 1, j3 5 → 1.75 / 3; 4.93 points over A is under the margin
        ("choose", 175 / 3, 1 / 3, 3, 53.4, 175 / 3 - 53.4, False),
        # buy: j1 3, j4 2 (j3, j5 unrated); A starts on the range's last day and is open-ended, B starts after
        ("buy", 37.5, 0.0, 2, 30.0, 7.5, True),
        ("receive", 100.0, 1.0, 1, 100.0, 0.0, False),  # A ends on the range's first day: it overlaps
        ("return", None, None, 0, 80.0, None, False),  # nothing rated: no score, no peak
    ]
    expected = pl.DataFrame(rows, schema=list(curve.CURVE_COLUMNS), orient="row")
    assert _rows(curve.cli_table(_report(store))) == _rows(expected)


def test_report_peers_are_those_overlapping_the_range(store: Store) -> None:
    _seed(store)
    peers = _report(store).peers.sort("stage", "peer")
    assert peers.rows() == [("buy", "A", 30.0), ("choose", "A", 53.4), ("find", "A", 65.0), ("find", "C", 60.0),
                            ("receive", "A", 100.0), ("return", "A", 80.0)]


def test_peaks_margin_at_exactly_peak_margin_and_just_under() -> None:
    scores = pl.DataFrame({"stage": ["find", "choose"], "score": [67.35, 55.0], "top_box": [0.5, 0.5],
                           "ratings": [2, 2]})
    peers = pl.DataFrame({"stage": ["find", "choose"], "peer": ["A", "A"], "score": [62.35, 50.0 + 1e-6]})
    # 67.35 − 62.35 is 4.999999999999993 in floating point: still exactly the margin
    assert curve.peaks(scores, peers, 5.0)["peak"].to_list() == [True, False]


def test_report_without_benchmarks_calls_no_peak(store: Store) -> None:
    _seed(store, benchmarks=False)
    result = _report(store)
    assert not result.has_benchmarks
    assert result.curve["peak"].to_list() == [False] * 5
    assert result.curve["peer_best"].null_count() == 5 and result.curve["margin"].null_count() == 5
    assert result.curve["score"][0] == pytest.approx(70.0)


def test_report_peak_margin_comes_from_settings(store: Store) -> None:
    _seed(store)
    result = _report(store, settings=Settings(peak_margin=7.5))
    assert result.curve["peak"].to_list() == [False, False, True, False, False]  # only buy's 7.5


def test_report_week_change_reaches_before_the_range(store: Store) -> None:
    _seed(store)
    change = _report(store, Filters(date(2026, 3, 1), date(2026, 3, 12))).change
    find = change.filter(pl.col("stage") == "find").row(0, named=True)
    # this week 6–12 March: j3 4, j4 3 → 62.5; the 7 days before (27 Feb – 5 Mar): j6 1, j1 5, j2 2 → 1.25 / 3
    assert (find["score_this"], find["score_last"]) == (62.5, pytest.approx(125 / 3))
    assert find["score_week_change"] == pytest.approx(62.5 - 125 / 3)
    assert change.filter(pl.col("stage") == "receive")["score_week_change"].item() is None  # none this week


def test_reports_of_several_ranges_are_each_range_s_report_from_one_read(store: Store) -> None:
    _seed(store)
    calls: list[str] = []

    def query(name: str, **params: Any) -> pl.DataFrame:
        calls.append(name)
        return store.query(name, **params)

    ranges = [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 3, 6), date(2026, 3, 12)),
              (date(2026, 2, 27), date(2026, 3, 5))]
    north = Filters(MARCH.start, MARCH.end, region=("north",))
    for flt in (MARCH, north):
        calls.clear()
        together = curve.reports(query, flt, Settings(), ranges)
        assert calls.count("curve_ratings_daily") == 1
        for (start, end), result in zip(ranges, together, strict=True):
            alone = _report(store, flt.with_range(start, end))
            assert result.curve["score"].drop_nulls().len() > 0
            for part in ("curve", "peers", "change", "cells"):
                assert_frame_equal(getattr(result, part), getattr(alone, part))


def test_report_filters_apply_before_scores(store: Store) -> None:
    _seed(store)
    north = _report(store, Filters(MARCH.start, MARCH.end, region=("north",))).curve
    assert north["score"][0] == pytest.approx(275 / 3)  # c1's find: j1 5, j3 4, j5 5
    voice = _report(store, Filters(MARCH.start, MARCH.end, channel=("voice",))).curve
    assert voice["score"].to_list()[:2] == [25.0, 0.0] and voice["ratings"].to_list() == [1, 1, 0, 0, 0]


def test_report_range_is_local_days(store: Store) -> None:
    _seed(store)
    berlin = _report(store, settings=Settings(time_zone="Europe/Berlin")).curve
    # j6's find at 23:00 UTC on 28 Feb is midnight on 1 March in Berlin; j7 (01:00 on the 17th) stays out
    assert (berlin["score"][0], berlin["ratings"][0]) == (pytest.approx(3.5 / 6 * 100), 6)


def test_report_on_an_empty_store(store: Store) -> None:
    result = _report(store)
    assert result.curve["stage"].to_list() == ["find", "choose", "buy", "receive", "return"]
    assert result.curve["ratings"].to_list() == [0] * 5 and result.curve["score"].null_count() == 5
    assert result.ratings == 0 and result.peers.height == 0
    assert curve.compare(result.cells, "segment").height == 0
    assert curve.rating_distribution(result.cells, "find").height == 0
    assert curve_charts.figure(result.curve, result.peers, result.change) is not None


def test_compare_by_segment_flags_thin_samples(store: Store) -> None:
    _seed(store)
    table = curve.compare(_report(store).cells, "segment")
    assert _rows(table.select("value", "stage", "score", "ratings", "thin")) == _rows(pl.DataFrame([
        ("enterprise", "find", 37.5, 2, True),  # j2 2, j4 3
        ("enterprise", "choose", 0.0, 1, True),
        ("enterprise", "buy", 25.0, 1, True),
        ("smb", "find", 275 / 3, 3, True),  # j1 5, j3 4, j5 5
        ("smb", "choose", 87.5, 2, True),
        ("smb", "buy", 50.0, 1, True),
        ("smb", "receive", 100.0, 1, True),
    ], schema=["value", "stage", "score", "ratings", "thin"], orient="row"))


def test_rating_distribution_by_monday_weeks(store: Store) -> None:
    _seed(store)
    weeks = curve.rating_distribution(_report(store).cells, "find")
    # 1 March is a Sunday: j1 belongs to the week of 23 Feb
    assert weeks.select("week_start", "ratings", "score", "rating_5_count").rows() == [
        (date(2026, 2, 23), 1, 100.0, 1), (date(2026, 3, 2), 1, 25.0, 0), (date(2026, 3, 9), 3, 75.0, 1)]


def test_journey_totals_conversion_is_the_kpi(store: Store) -> None:
    _seed(store)
    totals = curve_detail.journey_totals(store.query, MARCH, Settings())
    kpi = kpis.summarize(kpis.daily(store.query, MARCH, Settings()), MARCH.start, MARCH.end)
    # j1..j5 begin in the range (j6 the evening before, j7 after); j1 and j3 complete a buy
    assert curve_detail.conversion(totals) == kpi["journey_conversion"] == 2 / 5


def test_funnel_hand_computed(store: Store) -> None:
    _seed(store)
    table = curve_detail.funnel(curve_detail.journey_totals(store.query, MARCH, Settings()))
    assert _rows(table) == _rows(pl.DataFrame([
        ("find", 5, 1.0, 1.0, 0, 0.0),            # every journey went on
        ("choose", 3, 3 / 5, 2 / 3, 1, 1 / 3),    # j1, j2, j3; j2 stopped there, abandoned
        ("buy", 4, 4 / 5, 1 / 4, 1, 1 / 4),       # j1, j3, j4, j5 (j4 and j5 skipped choose); j1 received
        ("receive", 1, 1 / 5, 0.0, 0, 0.0),
        ("return", 0, 0.0, None, 0, None),
    ], schema=list(table.columns), orient="row"))


def test_peak_impact_difference_and_interval(store: Store) -> None:
    _seed(store)
    impact = curve_detail.peak_impact(curve_detail.journey_totals(store.query, MARCH, Settings()))
    # peaks (a find or choose rated 5): j1, j3, j5, two converted; without: j2, j4, none converted
    assert (impact.with_count, impact.with_successes, impact.without_count, impact.without_successes) == (3, 2, 2, 0)
    half = 1.959964 * ((2 / 3) * (1 / 3) / 3) ** 0.5  # the without group has no variance
    assert impact.interval == pytest.approx((2 / 3, 2 / 3 - half, 2 / 3 + half))
    assert impact.significant and "is significant" in curve_detail.sentence(impact)


def test_difference_interval_not_significant_says_so() -> None:
    comparison = curve_detail.Comparison("x", "with", "without", 2, 1, 2, 1)
    assert comparison.interval == pytest.approx((0.0, -1.959964 * 0.5, 1.959964 * 0.5))  # √(.125 + .125) = .5
    assert comparison.significant is False
    assert "not significant" in curve_detail.sentence(comparison)
    assert curve_detail.impact_table([comparison])["verdict"].to_list() == ["not significant"]


def test_difference_interval_without_variation_cannot_judge() -> None:
    comparison = curve_detail.Comparison("x", "with", "without", 1, 1, 2, 0)  # 100% against 0%
    assert comparison.interval == (1.0, 1.0, 1.0) and comparison.significant is None
    assert "Too little variation to judge" in curve_detail.sentence(comparison)
    assert curve_detail.verdict_word(comparison) == "cannot judge"


def test_peak_impact_empty_has_nothing_to_compare(store: Store) -> None:
    impact = curve_detail.peak_impact(curve_detail.journey_totals(store.query, MARCH, Settings()))
    assert impact.interval is None and impact.significant is None
    assert curve_detail.sentence(impact) == "Nothing to compare: one group is empty (0 against 0)."
    assert curve_detail.funnel({})["reached_count"].to_list() == [0] * 5


def test_repurchase_within_90_days_by_first_rating(store: Store) -> None:
    store.load(journeys(
        customers={"j3": "c2", "j4": "c2", "j5": "c3", "j6": "c3", "j7": "c4"},
        j1=[("buy", "2026-03-01 09:00", None), ("receive", "2026-03-03 09:00", 5), ("return", "2026-03-10 09:00", 5)],
        j2=[("buy", "2026-06-01 09:00", None)],       # c1: exactly 90 days after the receive rating
        j3=[("buy", "2026-03-02 09:00", None), ("receive", "2026-03-04 09:00", 5)],
        j4=[("buy", "2026-06-02 09:00:01", None)],    # c2: 90 days and one second: too late
        j5=[("buy", "2026-03-05 09:00", None), ("receive", "2026-03-06 09:00", 2)],
        j6=[("buy", "2026-03-20 09:00", None), ("receive", "2026-03-25 09:00", 5)],  # c3's first rating was 2
        j7=[("buy", "2026-03-07 09:00", None), ("receive", "2026-03-08 09:00", 4),
            ("buy", "2026-03-09 09:00", None)],       # c4: a buy in the same journey is not a repurchase
    ))
    receive, returned = curve_detail.repurchase(store.query, Filters(date(2026, 3, 1), date(2026, 3, 31)), Settings())
    counts = (receive.with_count, receive.with_successes, receive.without_count, receive.without_successes)
    assert counts == (2, 1, 2, 1)
    assert (returned.with_count, returned.with_successes, returned.without_count) == (1, 1, 0)
    assert returned.significant is None


def test_stage_reasons_are_contacts_at_that_stage(store: Store) -> None:
    _seed(store)
    contact = ("interaction_id", "customer_id", "channel", "reason", "stage", "started_at", "resolved")
    store.load({"interactions": frame([dict(zip(contact, row, strict=True)) for row in (
        ("i1", "c1", "voice", "delivery_issue", "receive", "2026-03-05 10:00:00", True),
        ("i2", "c2", "chat", "delivery_issue", "receive", "2026-03-06 10:00:00", False),
        ("i3", "c1", "voice", "late", "receive", "2026-03-07 10:00:00", None),
        ("i4", "c1", "voice", "product_question", "find", "2026-03-02 10:00:00", True),
        ("i5", "c1", "voice", "delivery_issue", "receive", "2026-03-20 10:00:00", True),  # after the range
    )])})
    reasons = curve_detail.stage_reasons(store.query, MARCH, Settings(), "receive")
    assert _rows(reasons) == _rows(pl.DataFrame([("delivery_issue", 2, 2 / 3, 0.5), ("late", 1, 1 / 3, None)],
                                                schema=list(reasons.columns), orient="row"))


def test_worst_journeys_lowest_rating_first_with_their_events(store: Store) -> None:
    _seed(store)
    worst = curve_detail.worst_journeys(store.query, MARCH, Settings(), "find", limit=2)
    # find ratings in range: j2 2, j4 3, j3 4, j1 5, j5 5 (j6's 1 is before the range)
    assert worst.select("journey_rank", "journey_id", "stage", "stage_rating").rows() == [
        (1, "j2", "find", 2), (1, "j2", "choose", 2), (2, "j4", "find", 3), (2, "j4", "buy", 3)]


def test_figure_marks_peaks_with_their_margin_and_says_when_there_are_no_benchmarks(store: Store) -> None:
    _seed(store)
    result = _report(store)
    peaks = next(t for t in curve_charts.figure(result.curve, result.peers, result.change).data if t.name == "peak")
    assert (list(peaks.x), list(peaks.text)) == (["find", "buy"], ["peak +5.0", "peak +7.5"])
    small = curve_charts.small(result)
    assert small.layout.height == 220 and small.layout.showlegend is False
    assert [t.name for t in small.data] == ["A", "C", "our score", "peak"]
    bare = curve_charts.figure(result.curve.with_columns(peak=False), result.peers.clear())
    assert [a.text for a in bare.layout.annotations] == [curve_charts.NO_BENCHMARKS]


def test_funnel_labels_are_shares_of_all_journeys_even_when_nobody_was_seen_finding() -> None:
    # an export with receive ratings only (e.g. a shop's delivery reviews): 0 journeys at find
    totals = {"journeys_count": 4, "receive_reached_count": 3, "return_reached_count": 1}
    figure = curve_charts.funnel_figure(curve_detail.funnel(totals))
    assert list(figure.data[0].text) == ["0%", "0%", "0%", "75%", "25%"]
    assert list(curve_charts.funnel_figure(curve_detail.funnel({})).data[0].text) == ["–"] * 5
