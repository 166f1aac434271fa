"""Agent metrics on tiny hand-computed stores, through the real SQL on DuckDB and PostgreSQL."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest
from conftest import frame
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from journey import agent_detail, agents
from journey.filters import Filters
from journey.settings import Settings
from journey.store import Store

MARCH = Filters(date(2026, 3, 1), date(2026, 3, 9))
Z = agents.Z95


def _contact(*values: object, **extra: object) -> dict[str, object]:
    keys = ("interaction_id", "customer_id", "agent_id", "channel", "reason", "started_at", "handle_seconds",
            "resolved")
    return dict(zip(keys, values, strict=True)) | extra


def _survey(survey_id: str, interaction_id: str | None, answered_at: str, csat: int | None) -> dict[str, object]:
    return {"survey_id": survey_id, "customer_id": "c1", "interaction_id": interaction_id,
            "answered_at": answered_at, "csat": csat}


def _seed_timeline(store: Store) -> None:
    n = None
    store.load({
        "customers": frame([{"customer_id": "c1", "segment": "smb", "region": "north"},
                            {"customer_id": "c2", "segment": "enterprise", "region": "south"}]),
        "agents": frame([{"agent_id": "a1", "name": "Ann", "team": "t1"},
                         {"agent_id": "a2", "name": "Bob", "team": "t2"}]),
        "interactions": frame([
            _contact("i1", "c1", "a1", "voice", "billing", "2026-03-02 09:00:00", 300.0, True, transferred=True,
                     qa_score=80.0, sentiment_start=-0.5, sentiment_end=0.5),
            # self-service, exactly 7 days after i1: i1 is a repeat
            _contact("i2", "c1", n, "web", "billing", "2026-03-09 09:00:00", n, n),
            _contact("i3", "c2", "a1", "chat", "billing", "2026-03-02 09:00:00", 100.0, True, transferred=False,
                     sentiment_start=0.0),
            # 7 days and one second after i3: i3 is not a repeat
            _contact("i4", "c2", "a2", "voice", "billing", "2026-03-09 09:00:01", 400.0, n, qa_score=60.0,
                     sentiment_start=0.2, sentiment_end=0.0),
        ]),
        "surveys": frame([
            _survey("s1", "i1", "2026-03-02 12:00:00", 5),
            _survey("s2", "i3", "2026-03-03 12:00:00", 3),
            _survey("s3", "i4", "2026-03-09 12:00:00", n),
            _survey("s4", n, "2026-03-04 12:00:00", 5),    # no contact: no agent's survey
            _survey("s5", "i1", "2026-03-20 12:00:00", 4),  # answered after the range, about a contact in it
        ]),
    })


def _card(store: Store, flt: Filters = MARCH, settings: Settings | None = None) -> dict[str, dict[str, object]]:
    result = agents.report(store.query, flt, settings or Settings())
    return {row["agent_id"]: row for row in result.scorecard.to_dicts()}


def test_scorecard_raw_metrics_hand_computed(store: Store) -> None:
    _seed_timeline(store)
    card = _card(store)
    a1, a2 = card["a1"], card["a2"]
    assert (a1["contacts"], a2["contacts"]) == (2, 1)                  # i2 has no agent
    assert (a1["aht_seconds"], a2["aht_seconds"]) == (200.0, 400.0)     # (300 + 100) / 2
    assert (a1["repeat_7d"], a2["repeat_7d"]) == (0.5, 0.0)            # i1 repeated at exactly 7 days
    assert (a1["fcr"], a2["fcr"]) == (0.5, None)                       # i1 resolved but repeated; i4 unknown
    assert (a1["csat_pct"], a2["csat_pct"]) == (2 / 3, None)           # s1 5, s2 3, s5 4; s3 has no csat
    assert (a1["qa"], a2["qa"]) == (80.0, 60.0)
    assert a1["sentiment_lift"] == pytest.approx(1.0) and a2["sentiment_lift"] == pytest.approx(-0.2)
    # billing median over i1, i3, i4 = 300: a1 (300/300 + 100/300) / 2, a2 400/300
    assert a1["aht_ratio"] == pytest.approx(2 / 3) and a2["aht_ratio"] == pytest.approx(4 / 3)
    assert (a1["transfer_rate"], a2["transfer_rate"]) == (0.5, None)   # a2 has no transfer recorded
    assert (a1["escalation_rate"], a1["agent_name"], a1["team"]) == (None, "Ann", "t1")


def test_scorecard_repeat_boundary_moves_with_the_window(store: Store) -> None:
    _seed_timeline(store)
    # with a window one second longer, i3 (followed 7 days + 1 s later) is a repeat too
    card = _card(store, settings=Settings(repeat_window_days=7 + 1 / 86400))
    assert card["a1"]["repeat_7d"] == 1.0 and card["a1"]["fcr"] == 0.0


def test_scorecard_filters_apply_before_metrics(store: Store) -> None:
    _seed_timeline(store)
    voice = _card(store, Filters(MARCH.start, MARCH.end, channel=("voice",)))
    # i1 and i4; i1 stays a repeat: the look-ahead sees the web contact the filter hides
    assert {k: (v["contacts"], v["repeat_7d"]) for k, v in voice.items()} == {"a1": (1, 1.0), "a2": (1, 0.0)}
    # the billing median is now over i1 and i4: 350
    assert voice["a2"]["aht_ratio"] == pytest.approx(400 / 350)
    team = _card(store, Filters(MARCH.start, MARCH.end, team=("t2",)))
    assert list(team) == ["a2"] and team["a2"]["aht_ratio"] == 1.0
    south = _card(store, Filters(MARCH.start, MARCH.end, region=("south",)))
    assert {k: v["contacts"] for k, v in south.items()} == {"a1": 1, "a2": 1}  # i3 and i4 (c2)
    early = _card(store, Filters(date(2026, 3, 1), date(2026, 3, 8)))
    assert list(early) == ["a1"]                                     # i4 starts on the 9th


def _seed_mix(store: Store, contacts: list[tuple[str, str, bool]]) -> None:
    """One contact per (agent, reason, resolved), each with a customer of its own so none repeats."""
    ids = [f"c{i}" for i in range(len(contacts))]
    store.load({
        "customers": frame([{"customer_id": c} for c in ids]),
        "agents": frame([{"agent_id": a, "team": "t1"} for a in sorted({a for a, _, _ in contacts})]),
        "interactions": frame([
            _contact(f"i{i}", ids[i], agent, "voice", reason, f"2026-03-0{1 + i % 9} 10:00:00", 100.0, resolved)
            for i, (agent, reason, resolved) in enumerate(contacts)
        ]),
    })


def test_adjusted_rate_two_reasons_two_agents_hand_computed(store: Store) -> None:
    # easy: a1 2/2, a2 1/1 -> p = 1; hard: a1 0/1, a2 1/2 -> p = 1/3; overall 4/6
    _seed_mix(store, [("a1", "easy", True), ("a1", "easy", True), ("a1", "hard", False),
                      ("a2", "easy", True), ("a2", "hard", True), ("a2", "hard", False)])
    cells = agents.contact_cells(store.query, MARCH, Settings())
    result = agents.adjusted_rate(cells, ["agent_id"], "fcr_count", "resolved_known_count").sort("agent_id")
    # a1: E = 2·1 + 1/3 = 7/3, adjusted = 2/3 + (2 − 7/3)/3 = 5/9, variance (1 · 1/3 · 2/3) / 9 = 2/81
    # a2: E = 1 + 2/3 = 5/3, adjusted = 2/3 + (2 − 5/3)/3 = 7/9, variance (2 · 1/3 · 2/3) / 9 = 4/81
    expected = pl.DataFrame({
        "agent_id": ["a1", "a2"], "n": [3, 3], "observed": [2, 2], "expected": [7 / 3, 5 / 3],
        "adjusted": [5 / 9, 7 / 9],
        "adjusted_low": [5 / 9 - Z * math.sqrt(2) / 9, 7 / 9 - Z * 2 / 9],
        "adjusted_high": [5 / 9 + Z * math.sqrt(2) / 9, 7 / 9 + Z * 2 / 9],
    })
    assert_frame_equal(result, expected, check_dtypes=False)


def test_scorecard_adjusted_ranking_differs_from_raw(store: Store) -> None:
    # a1 takes only easy contacts (3 of 4, the team 7 of 8), a2 only hard ones (2 of 4, the team 2 of 8)
    easy = [("a1", "easy", True)] * 3 + [("a1", "easy", False)] + [("a3", "easy", True)] * 4
    hard = [("a2", "hard", True)] * 2 + [("a2", "hard", False)] * 2 + [("a3", "hard", False)] * 4
    _seed_mix(store, easy + hard)
    card = agents.report(store.query, MARCH, Settings(min_contacts=4)).scorecard
    raw = card.sort("fcr", descending=True)["agent_id"].to_list()
    # overall 9/16; a1 9/16 + (3 − 3.5)/4 = 0.4375, a2 9/16 + (2 − 1)/4 = 0.8125, a3 9/16 + (4 − 4.5)/8 = 0.5
    assert raw[0] == "a1"
    assert card.select("agent_id", "fcr", "fcr_adjusted", "rank").rows() == [
        ("a2", 0.5, 0.8125, 1), ("a3", 0.5, 0.5, 2), ("a1", 0.75, 0.4375, 3)]


def test_composite_z_scores_and_renormalised_weights() -> None:
    card = pl.DataFrame({
        "agent_id": ["a", "b", "c", "d"], "contacts": [30, 40, 50, 29],
        "fcr_adjusted": [0.5, 0.7, 0.9, 0.1], "qa": [70.0, 90.0, None, 10.0],
    }).with_columns(pl.lit(None, pl.Float64).alias(m) for m in ("csat_pct", "repeat_7d", "sentiment_lift",
                                                                "aht_ratio"))
    scored = agents.composite(card, Settings())
    # fcr over a, b, c (d is below 30): mean 0.7, population sd 0.2·sqrt(2/3), z = ∓sqrt(1.5), 0
    # qa over a, b: mean 80, sd 10, z = −1, +1; c lacks QA, so its weights renormalise to fcr alone
    z = math.sqrt(1.5)
    assert scored["composite"].to_list() == pytest.approx(
        [(-0.30 * z - 0.15) / 0.45, 0.15 / 0.45, z, None], nan_ok=True)  # type: ignore[arg-type]
    assert scored["rank"].to_list() == [3, 2, 1, None]


def test_composite_single_agent_and_equal_metrics_score_zero() -> None:
    card = pl.DataFrame({"agent_id": ["a", "b"], "contacts": [30, 30], "fcr_adjusted": [0.6, 0.6]}).with_columns(
        pl.lit(None, pl.Float64).alias(m) for m in ("qa", "csat_pct", "repeat_7d", "sentiment_lift", "aht_ratio"))
    scored = agents.composite(card, Settings())
    assert scored["composite"].to_list() == [0.0, 0.0] and scored["rank"].to_list() == [1, 1]


def _cells(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    """Cells from (agent, reason, contacts with resolution known, fcr successes); one channel."""
    data = [{"agent_id": a, "reason": r, "channel": "voice", "contacts_count": n, "resolved_known_count": n,
             "fcr_count": s} for a, r, n, s in rows]
    return agents.conform(pl.DataFrame(data).with_columns(
        pl.lit(None, pl.String).alias(k) for k in ("agent_name", "team", "week_start")).with_columns(
        pl.lit(0).alias(m) for m in agents.MEASURES if m not in ("contacts_count", "resolved_known_count",
                                                                 "fcr_count")))


def test_reason_matrix_shrinks_a_small_sample_towards_the_reason_rate() -> None:
    cells = _cells([("a1", "billing", 2, 2), ("a2", "billing", 8, 7), ("a3", "billing", 2, 0),
                    ("a1", "other", 1, 1)])
    matrix = agents.reason_matrix(cells, Settings(min_contacts_reason=2))
    # billing p = 9/12 = 0.75, k = 20: a1 (2 + 15) / 22 < a2 (7 + 15) / 28, though a1's raw FCR is 1.0
    billing = matrix.filter(pl.col("reason") == "billing")
    assert billing.select("agent_id", "fcr", "fcr_shrunk", "best").rows() == [
        ("a2", 7 / 8, 22 / 28, True), ("a1", 1.0, 17 / 22, False), ("a3", 0.0, 15 / 22, False)]
    # "other" has no agent with 2 contacts: no recommendation
    assert agents.best_agents(matrix).rows() == [("billing", "a2", 8, 7 / 8, 22 / 28)]


def test_reason_matrix_respects_min_contacts_reason() -> None:
    cells = _cells([("a1", "billing", 2, 2), ("a2", "billing", 8, 7)])
    best = agents.best_agents(agents.reason_matrix(cells, Settings(min_contacts_reason=9)))
    assert best.height == 0 and best.columns == list(agents.BEST_COLUMNS)


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 5), st.integers(1, 4), st.integers(0, 4)),
                min_size=1, max_size=6))
def test_adjusted_rate_of_an_agent_at_the_cell_rates_is_the_overall_rate(
        cells: list[tuple[int, int, int, int]]) -> None:
    # per cell: rate k/d (k ≤ d); agent "a" has m·d contacts with m·k successes, agent "b" m'·d with m'·k
    rows = []
    for i, (d, k, m, m_other) in enumerate(cells):
        k = min(k, d)
        rows += [("a", f"r{i}", m * d, m * k), ("b", f"r{i}", m_other * d, m_other * k)]
    frame_ = _cells(rows)
    result = agents.adjusted_rate(frame_, ["agent_id"], "fcr_count", "resolved_known_count")
    overall = frame_["fcr_count"].sum() / frame_["resolved_known_count"].sum()
    assert result.filter(pl.col("agent_id") == "a")["adjusted"].item() == pytest.approx(overall)


def test_report_on_an_empty_store_is_empty_not_an_error(store: Store) -> None:
    result = agents.report(store.query, MARCH, Settings())
    assert result.scorecard.height == 0 and result.best.height == 0 and result.teams.height == 0
    assert agents.cli_table(result.scorecard).columns == list(agents.CLI_COLUMNS)


FLIP = ([("a1", "easy", True)] * 3 + [("a1", "easy", False)] + [("a3", "easy", True)] * 4
        + [("a2", "hard", True)] * 2 + [("a2", "hard", False)] * 2 + [("a3", "hard", False)] * 4)


def test_raw_vs_adjusted_lists_the_biggest_rank_changes_first(store: Store) -> None:
    _seed_mix(store, FLIP)
    card = agents.report(store.query, MARCH, Settings(min_contacts=4)).scorecard
    table = agent_detail.raw_vs_adjusted(card)
    # raw: a1 0.75 (1), a2 = a3 = 0.5 (2); adjusted: a2, a3, a1; expected FCR of a1's easy mix is 7/8
    assert table.select("agent_id", "fcr_expected", "rank_raw", "rank_adjusted", "places_gained").rows() == [
        ("a1", 7 / 8, 1, 3, -2), ("a2", 0.25, 2, 1, 1), ("a3", 4.5 / 8, 2, 2, 0)]


def test_weekly_trend_adjusts_each_week_with_the_range_cell_rates(store: Store) -> None:
    _seed_mix(store, FLIP)
    reference = agents.contact_cells(store.query, MARCH, Settings())
    weekly = agent_detail.weekly_trend(store.query, MARCH, Settings(), "a2", reference)
    # a2's contacts: 1 March (Sunday, resolved), 2 and 3 March (not), 9 March (resolved); hard p = 1/4,
    # overall 9/16: adjusted 9/16 + (1 − 1/4) = 1.3125, 9/16 + (0 − 1/2)/2 = 0.3125
    assert weekly.select("week_start", "contacts", "fcr", "fcr_adjusted").rows() == [
        (date(2026, 2, 23), 1, 1.0, 1.3125), (date(2026, 3, 2), 2, 0.0, 0.3125), (date(2026, 3, 9), 1, 1.0, 1.3125)]


def test_mix_sets_the_agent_against_the_team(store: Store) -> None:
    _seed_mix(store, FLIP)
    cells = agents.contact_cells(store.query, MARCH, Settings())
    mix = agent_detail.mix(cells, "a1", "reason").sort("reason")
    # a1: 4 easy of 4; team t1 (everyone): 8 easy, 8 hard; FCR easy 7/8, hard 2/8
    assert mix.rows() == [("easy", 4, 1.0, 0.5, 7 / 8), ("hard", 0, 0.0, 0.5, 0.25)]


def test_reason_gaps_call_a_clear_gap_a_strength_or_a_coaching_point() -> None:
    cells = _cells([("a1", "billing", 40, 36), ("a2", "billing", 40, 20), ("a1", "other", 2, 1),
                    ("a2", "other", 2, 1)])
    # billing p = 56/80 = 0.7: a1 gap (36 − 28)/40 = +0.2, half-width 1.96·sqrt(40·0.21)/40 = 0.142
    gaps = agent_detail.reason_gaps(cells, "a1")
    assert gaps.select("reason", "verdict").rows() == [("other", "as expected"), ("billing", "strength")]
    billing = gaps.row(1, named=True)
    assert billing["fcr_gap"] == pytest.approx(0.2)
    assert billing["fcr_gap_low"] == pytest.approx(0.2 - Z * math.sqrt(40 * 0.21) / 40)
    assert agent_detail.reason_gaps(cells, "a2").row(0, named=True)["verdict"] == "coaching point"


def test_metric_gaps_and_points_compare_with_the_ranked_agents() -> None:
    card = pl.DataFrame({"agent_id": ["a", "b", "c"], "contacts": [30, 30, 5], "qa": [60.0, 80.0, 99.0],
                         "repeat_7d": [0.5, 0.25, 0.0]}).with_columns(
        pl.lit(None, pl.Float64).alias(m) for m in ("fcr_adjusted", "csat_pct", "sentiment_lift", "aht_ratio"))
    metrics = agent_detail.metric_gaps(card, "a", Settings())
    # over a and b: qa mean 70, sd 10 -> z −1; repeat mean 0.375, sd 0.125 -> +1 flipped to −1
    assert metrics.filter(pl.col("verdict") != "as expected").select("metric", "signed_z").rows() == [
        ("repeat_7d", pytest.approx(-1.0)), ("qa", pytest.approx(-1.0))]
    said = agent_detail.points(agent_detail.reason_gaps(_cells([("a", "r", 1, 1)]), "a"), metrics)
    assert said["strength"] == [] and said["coaching point"][1] == (
        "QA: 60.00 against 70.00 for the ranked agents (-1.0 standard deviations, positive = better)")


def test_teams_pool_their_agents_contacts(store: Store) -> None:
    _seed_timeline(store)
    teams = agents.report(store.query, MARCH, Settings()).teams
    # t1 is a1 (i1 repeated, i3 resolved); t2 is a2, whose only contact has no resolution recorded
    assert teams.select("team", "agents", "contacts", "fcr", "fcr_adjusted").rows() == [
        ("t1", 1, 2, 0.5, 0.5), ("t2", 1, 1, None, None)]
