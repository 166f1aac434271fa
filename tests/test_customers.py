"""Customer value, coordination, voice and service requests on tiny hand-computed stores, on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
import pytest
from conftest import frame

from journey import cli, customers
from journey.filters import Filters, default_view
from journey.settings import Settings
from journey.store import Store

MARCH = Filters(date(2026, 3, 1), date(2026, 3, 31))
n = None


def _contact(*values: object) -> dict[str, object]:
    keys = ("interaction_id", "customer_id", "agent_id", "channel", "direction", "department", "reason", "started_at",
            "escalated")
    return dict(zip(keys, values, strict=True))


def _order(*values: object) -> dict[str, object]:
    return dict(zip(("order_id", "customer_id", "ordered_at", "amount", "status"), values, strict=True))


def seed_value(store: Store) -> None:
    """Four customers active in March 2026 (gross margin 0.35):

    c1 smb/north: orders 100 (and a cancelled 500; 300 in June 2025); voice 6 + email 2.5 + web 0.2 = 8.7 -> margin 26.3
    c2 consumer/south: order 20 -> 7.0; voice 6 + sms 0.5 + sms 0.5 = 7.0 -> margin exactly 0
    c3 consumer/north: no order; in_person 15 + outbound sms 0.5 = 15.5 -> margin -15.5
    c4 enterprise/south: order 200, no contact -> margin 70
    c5: only February activity -> not a customer of the range
    """
    store.load({
        "customers": frame([
            {"customer_id": "c1", "name": "Ann", "segment": "smb", "region": "north"},
            {"customer_id": "c2", "name": "Bob", "segment": "consumer", "region": "south"},
            {"customer_id": "c3", "name": "Cy", "segment": "consumer", "region": "north"},
            {"customer_id": "c4", "name": "Dee", "segment": "enterprise", "region": "south"},
            {"customer_id": "c5", "name": "Eve", "segment": "consumer", "region": "south"},
        ]),
        "agents": frame([{"agent_id": "a1", "team": "t1"}]),
        "interactions": frame([
            _contact("i1", "c1", "a1", "voice", "inbound", "service", "billing", "2026-03-02 09:00:00", False),
            _contact("i2", "c1", n, "email", "inbound", "service", "billing", "2026-03-04 09:00:00", n),
            _contact("i3", "c1", n, "web", "inbound", "service", "delivery", "2026-03-20 09:00:00", n),
            _contact("i4", "c2", n, "voice", "inbound", "service", "complaint", "2026-03-03 10:00:00", True),
            _contact("i5", "c2", n, "sms", "inbound", "service", "complaint", "2026-03-03 11:00:00", True),
            _contact("i6", "c2", n, "sms", "inbound", "service", "billing", "2026-03-25 10:00:00", False),
            _contact("i7", "c3", n, "in_person", "inbound", "service", "complaint", "2026-03-15 12:00:00", False),
            _contact("i8", "c3", n, "sms", "outbound", "marketing", "campaign_offer", "2026-03-15 13:00:00", n),
            _contact("i9", "c5", n, "voice", "inbound", "service", "billing", "2026-02-20 10:00:00", n),
            # after the range: costs nothing in March, but makes i6 a 7-day repeat
            _contact("i10", "c2", n, "sms", "inbound", "service", "billing", "2026-04-01 01:00:00", n),
        ]),
        "orders": frame([
            _order("o1", "c1", "2026-03-05 10:00:00", 100.0, "delivered"),
            _order("o2", "c1", "2026-03-06 10:00:00", 500.0, "cancelled"),
            _order("o3", "c1", "2025-06-15 10:00:00", 300.0, "delivered"),
            _order("o4", "c2", "2026-03-10 10:00:00", 20.0, "placed"),
            _order("o5", "c4", "2026-03-31 23:59:59", 200.0, n),
            _order("o6", "c5", "2026-02-10 10:00:00", 50.0, "delivered"),
        ]),
    })


# --- value against cost-to-serve ------------------------------------------------------------------

def test_value_summary_mixed_channels_and_margin_exactly_zero(store: Store, settings: Settings) -> None:
    seed_value(store)
    value = customers.value_summary(customers.value_cells(store.query, MARCH, settings))
    assert value["customers"] == 4 and value["revenue"] == 320.0
    assert value["cost_to_serve"] == pytest.approx(8.7 + 7.0 + 15.5)
    assert value["margin"] == pytest.approx(26.3 + 0 - 15.5 + 70)
    # ceil(0.2 × 4) = 1 most valuable: c4; c2 at margin 0 is not below marginal cost, c3 is
    assert value["most_valuable"] == {"count": 1, "margin": 70.0}
    assert value["below_marginal_cost"] == {"count": 1, "margin": -15.5}
    # positive margin 96.3, 80% = 77.04: c4 (70) is short of it, c4 + c1 reach it -> 2 of 4
    assert value["pareto_share"] == 0.5


def test_customer_list_gives_each_customer_its_cost_and_margin(store: Store, settings: Settings) -> None:
    seed_value(store)
    listed = customers.customer_list(store.query, MARCH, settings, "all")
    rows = {r["customer_id"]: r for r in listed.rows.to_dicts()}
    assert listed.total == 4 and list(rows) == ["c4", "c1", "c2", "c3"]  # by margin, highest first
    assert {c: (r["contacts_count"], r["cost_to_serve"], r["margin"]) for c, r in rows.items()} == {
        "c4": (0, 0.0, 70.0), "c1": (3, 8.7, 26.3), "c2": (3, 7.0, 0.0), "c3": (2, 15.5, -15.5)}
    assert rows["c4"]["groups"] == "most valuable, fastest growing" and rows["c2"]["groups"] == "other"


def test_value_summary_channel_missing_from_costs_costs_nothing(store: Store) -> None:
    seed_value(store)
    only_voice = Settings(cost_per_contact={"voice": 6.0})
    value = customers.value_summary(customers.value_cells(store.query, MARCH, only_voice))
    # c1 voice 6, c2 voice 6, c3 in_person and sms cost 0 but c3 still counts (it had contacts)
    assert value["customers"] == 4 and value["cost_to_serve"] == 12.0
    assert value["below_marginal_cost"] == {"count": 0, "margin": 0.0}


def test_fastest_growing_compares_six_months_before_range_end_with_the_six_before(
        store: Store, settings: Settings) -> None:
    seed_value(store)
    growing = customers.customer_list(store.query, MARCH, settings, "fastest_growing")
    # growth (Oct 2025–Mar 2026 minus Apr–Sep 2025): c4 +200, c2 +20, c3 0, c1 100 − 300; top ceil(0.2 × 4) = 1
    assert growing.rows.select("customer_id", "revenue_last_6m", "revenue_prior_6m", "revenue_growth").rows() == [
        ("c4", 200.0, 0.0, 200.0)]
    everyone = customers.customer_list(store.query, MARCH, settings, "all").rows
    assert dict(everyone.select("customer_id", "revenue_growth").rows()) == {
        "c4": 200.0, "c1": -200.0, "c2": 20.0, "c3": 0.0}


def test_value_cells_filters_segment_region_channel_and_team(store: Store, settings: Settings) -> None:
    seed_value(store)

    def summary(**chosen: tuple[str, ...]) -> dict[str, object]:
        flt = Filters(MARCH.start, MARCH.end, **chosen)
        return customers.value_summary(customers.value_cells(store.query, flt, settings))

    north = summary(region=("north",))  # c1 26.3, c3 −15.5
    assert north["customers"] == 2 and north["margin"] == pytest.approx(10.8)
    assert north["most_valuable"]["count"] == 1 and north["most_valuable"]["margin"] == pytest.approx(26.3)
    assert summary(segment=("consumer",))["customers"] == 2
    # voice contacts only: c1 and c2 cost 6 each, c3 has no voice contact and no order, orders are not filtered
    voice = summary(channel=("voice",))
    assert voice["customers"] == 3 and voice["cost_to_serve"] == 12.0 and voice["revenue"] == 320.0
    # team t1 serves only i1 (c1, voice)
    team = summary(team=("t1",))
    assert team["customers"] == 3 and team["cost_to_serve"] == 6.0


def test_pareto_curve_ends_at_total_over_positive_margin(store: Store, settings: Settings) -> None:
    seed_value(store)
    curve = customers.pareto_curve(customers.value_cells(store.query, MARCH, settings))
    # one percentile per customer: c4 70, c1 26.3, c2 0, c3 −15.5 over 96.3
    assert curve["customer_share"].to_list() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert curve["margin_share"].to_list() == pytest.approx([0, 70 / 96.3, 1, 1, 80.8 / 96.3])


def test_groups_by_segment_adds_up_to_the_summary(store: Store, settings: Settings) -> None:
    seed_value(store)
    table = customers.groups_by(customers.value_cells(store.query, MARCH, settings), "segment")
    rows = {r["segment"]: r for r in table.to_dicts()}
    assert rows["consumer"]["customers_count"] == 2 and rows["consumer"]["below_marginal_cost_count"] == 1
    assert rows["enterprise"]["most_valuable_margin"] == 70.0 and rows["enterprise"]["fastest_growing_count"] == 1
    assert table["margin"].sum() == pytest.approx(80.8)


def test_value_on_an_empty_store_is_zero_and_missing(store: Store, settings: Settings) -> None:
    cells = customers.value_cells(store.query, MARCH, settings)
    assert customers.value_summary(cells) == {
        "customers": 0, "revenue": 0.0, "cost_to_serve": 0.0, "margin": 0.0,
        "most_valuable": {"count": 0, "margin": 0.0}, "below_marginal_cost": {"count": 0, "margin": 0.0},
        "fastest_growing": {"count": 0, "revenue_growth": 0.0}, "pareto_share": None}
    assert customers.pareto_curve(cells).height == 0
    assert customers.customer_list(store.query, MARCH, settings, "most_valuable").total == 0


def test_value_report_ranks_once_for_the_cells_the_scatter_and_the_list(store: Store, settings: Settings) -> None:
    seed_value(store)
    names: list[str] = []

    def counting(name: str, **params: object) -> pl.DataFrame:
        names.append(name)
        return store.query(name, **params)

    report = customers.value_report(counting, MARCH, settings, "below_marginal_cost")
    assert names == ["customer_value_kept", "customer_value"]  # is the view kept ranked? (not March: raw)
    assert report.cells.equals(customers.value_cells(store.query, MARCH, settings))
    # 4 customers, fewer than SCATTER_POINTS: every one, by margin
    assert report.points.select("customer_id", "group").rows() == [
        ("c4", "most valuable"), ("c1", "other"), ("c2", "other"), ("c3", "below marginal cost")]
    assert (report.listed.total, report.listed.rows.select("customer_id", "margin", "groups").rows()) == (
        1, [("c3", -15.5, "below marginal cost")])


# the default view: the 28 days up to the newest contact (i10, 1 April), as every page opens
VIEW = default_view(date(2026, 4, 1))


def recording(store: Store, kept: list[bool]) -> customers.Query:
    """store.query that notes whether customer_value read the kept ranking."""
    def query(name: str, **params: object) -> pl.DataFrame:
        if name == "customer_value":
            kept.append(bool(params["from_rollup"]))
        return store.query(name, **params)
    return query


def same_report(left: customers.ValueReport, right: customers.ValueReport) -> None:
    cell_keys = ["segment", "region", "margin_percentile", "is_most_valuable", "is_below_marginal_cost",
                 "is_fastest_growing", "in_pareto"]
    cells = left.cells.sort(cell_keys), right.cells.sort(cell_keys)
    assert cells[0].drop(pl.selectors.float()).equals(cells[1].drop(pl.selectors.float()))
    for column in cells[0].select(pl.selectors.float()).columns:
        assert cells[0][column].to_list() == pytest.approx(cells[1][column].to_list())
    assert left.points.equals(right.points)
    assert left.listed.total == right.listed.total and left.listed.rows.equals(right.listed.rows)


def test_the_default_view_is_ranked_once_per_load_and_read_as_the_raw_tables_rank_it(store: Store,
                                                                                   settings: Settings) -> None:
    seed_value(store)
    kept: list[bool] = []
    query = recording(store, kept)
    for group in (*customers.GROUPS, "all", "most_contacts"):
        from_kept = customers.value_report(query, VIEW, settings, group)
        store.use_rollups = False
        same_report(from_kept, customers.value_report(query, VIEW, settings, group))
        store.use_rollups = True
    assert kept == [True, False] * 5
    # 5 March - 1 April: c4 70; c1 order o1 35 - web 0.2 = 34.8; c2 7 - sms 0.5 - sms 0.5 = 6; c3 -15.5
    listed = customers.value_report(query, VIEW, settings, "all").listed.rows
    assert listed.select("customer_id", "margin").rows() == [("c4", 70.0), ("c1", 34.8), ("c2", 6.0),
                                                             ("c3", -15.5)]
    assert customers.value_summary(customers.value_report(query, VIEW, settings).cells)["most_valuable"] == {
        "count": 1, "margin": 70.0}


def test_a_load_forgets_the_kept_view_until_it_is_ranked_again_and_other_views_rank_from_raw_tables(
        store: Store, settings: Settings) -> None:
    seed_value(store)
    kept: list[bool] = []
    query = recording(store, kept)
    late = _contact("i11", "c3", n, "voice", "inbound", "service", "complaint", "2026-04-01 02:00:00", n)
    store.load({"interactions": frame([late])}, settings, rank_customers=False)
    assert store.query("customer_value_kept").height == 0

    def c3_margin() -> float:
        rows = customers.value_report(query, VIEW, settings, "below_marginal_cost").listed.rows
        return float(rows.filter(pl.col("customer_id") == "c3")["margin"].item())

    assert c3_margin() == -21.5 and kept == [False]  # the new contact counts at once, ranked from raw tables
    store.rank_customers(settings)
    assert c3_margin() == -21.5 and kept == [False, True]
    customers.value_report(query, Filters(VIEW.start, VIEW.end, region=("north",)), settings)
    customers.value_report(query, VIEW, Settings(gross_margin=0.4))
    customers.value_report(query, MARCH, settings)
    assert kept == [False, True, False, False, False]  # a filter, another margin, another range


def test_a_view_kept_under_another_ranking_is_not_read(store: Store, settings: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seed_value(store)
    kept: list[bool] = []
    customers.value_report(recording(store, kept), VIEW, settings)
    monkeypatch.setattr(customers, "RANKING", customers.RANKING + 1)  # a later Journey ranking otherwise
    customers.value_report(recording(store, kept), VIEW, settings)
    assert kept == [True, False]


def test_a_store_without_contacts_keeps_no_view(store: Store, settings: Settings) -> None:
    store.load({"customers": frame([{"customer_id": "c1", "name": "Ann", "segment": "smb", "region": "north"}])},
               settings)
    assert store.query("customer_value_kept").height == 0
    assert customers.value_report(store.query, VIEW, settings).cells.height == 0


def test_customer_lists_of_each_group_in_its_order(store: Store, settings: Settings) -> None:
    seed_value(store)

    def ids(group: str, **chosen: tuple[str, ...]) -> tuple[int, list[str]]:
        listed = customers.customer_list(store.query, Filters(MARCH.start, MARCH.end, **chosen), settings, group)
        return listed.total, listed.rows["customer_id"].to_list()

    # contacts: c1 3, c2 3 (tie: by id), c3 2; c4 had none
    assert ids("most_contacts") == (3, ["c1", "c2", "c3"])
    assert ids("most_valuable") == (1, ["c4"]) and ids("below_marginal_cost") == (1, ["c3"])
    assert ids("all", region=("north",)) == (2, ["c1", "c3"])
    # team t1 serves only i1: c1's cost 6, c2 and c3 keep no contact (c3, without an order, drops out)
    assert ids("most_contacts", team=("t1",)) == (1, ["c1"])
    assert ids("all", team=("t1",)) == (3, ["c4", "c1", "c2"])
    assert customers.customer_list(store.query, MARCH, settings, "all", limit=2).rows.height == 2


def test_months_before_keeps_the_day_or_takes_the_month_end() -> None:
    assert customers.months_before(date(2026, 4, 1), 6) == date(2025, 10, 1)
    assert customers.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert customers.months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)


# --- contact coordination -------------------------------------------------------------------------

def seed_coordination(store: Store) -> None:
    """c1: sales at 03:00 UTC on 10 March = 23:00 on 9 March in New York (EDT, UTC−4), marketing 15:00 UTC on 9 March.
    c2: outbound collections and an inbound service contact on 9 March; two sales calls on 12 March."""
    store.load({
        "customers": frame([{"customer_id": "c1", "name": "Ann"}, {"customer_id": "c2", "name": "Bob"}]),
        "interactions": frame([
            _contact("i1", "c1", n, "voice", "outbound", "sales", "sales_opportunity", "2026-03-10 03:00:00", n),
            _contact("i2", "c1", n, "email", "outbound", "marketing", "campaign_offer", "2026-03-09 15:00:00", n),
            _contact("i3", "c2", n, "voice", "outbound", "collections", "payment_reminder", "2026-03-09 14:00:00", n),
            _contact("i4", "c2", n, "voice", "inbound", "service", "billing", "2026-03-09 15:00:00", n),
            _contact("i5", "c2", n, "voice", "outbound", "sales", "sales_opportunity", "2026-03-12 09:00:00", n),
            _contact("i6", "c2", n, "voice", "outbound", "sales", "sales_opportunity", "2026-03-12 10:00:00", n),
        ]),
    })


def test_coordination_counts_local_calendar_days_across_a_time_zone_offset(store: Store) -> None:
    seed_coordination(store)
    new_york = Settings(time_zone="America/New_York")
    daily = customers.coordination_daily(store.query, MARCH, new_york)
    # local days: c1 9 March (sales + marketing), c2 9 March (collections only), c2 12 March (sales only)
    assert customers.coordination_summary(daily) == {
        "customer_days_outbound": 3, "uncoordinated_days": 1, "coordination_rate": 1 / 3}
    assert customers.department_pairs(store.query, MARCH, new_york).rows() == [("marketing", "sales", 1)]
    concerned = customers.uncoordinated_customers(store.query, MARCH, new_york)
    assert (concerned.total, concerned.rows.rows()) == (1, [("c1", "Ann", None, None, 1, date(2026, 3, 9))])
    days = customers.uncoordinated_days(store.query, MARCH, new_york)
    assert days.total == 1
    assert days.rows.select("contact_date", "customer_id", "departments", "outbound_count", "day_contacts").rows() == [
        (date(2026, 3, 9), "c1", "marketing, sales", 2,
         "11:00 outbound marketing email: campaign_offer; 23:00 outbound sales voice: sales_opportunity")]


def test_coordination_in_utc_splits_the_same_contacts_over_two_days(store: Store, settings: Settings) -> None:
    seed_coordination(store)
    daily = customers.coordination_daily(store.query, MARCH, settings)
    assert customers.coordination_summary(daily) == {
        "customer_days_outbound": 4, "uncoordinated_days": 0, "coordination_rate": 0.0}
    assert customers.department_pairs(store.query, MARCH, settings).height == 0


def test_coordination_filters_by_segment_channel_and_team(store: Store) -> None:
    seed_coordination(store)
    store.load({"customers": frame([{"customer_id": "c1", "name": "Ann", "segment": "smb", "region": "west"}])})
    new_york = Settings(time_zone="America/New_York")

    def views(**chosen: tuple[str, ...]) -> tuple[dict[str, object], int, list[tuple[object, ...]]]:
        flt = Filters(MARCH.start, MARCH.end, **chosen)
        days = customers.uncoordinated_days(store.query, flt, new_york)
        return (customers.coordination_summary(customers.coordination_daily(store.query, flt, new_york)),
                customers.uncoordinated_customers(store.query, flt, new_york).total,
                days.rows.select("customer_id", "name", "segment", "region", "contacts_count").rows())

    # c1 alone: its 9 March (local) with sales and marketing
    assert views(segment=("smb",)) == (
        {"customer_days_outbound": 1, "uncoordinated_days": 1, "coordination_rate": 1.0}, 1,
        [("c1", "Ann", "smb", "west", 2)])
    assert views(region=("west",)) == views(segment=("smb",))
    assert views(segment=("consumer",))[0]["customer_days_outbound"] == 0
    # voice only: c1's marketing e-mail goes, its day keeps one department
    assert views(channel=("voice",)) == (
        {"customer_days_outbound": 3, "uncoordinated_days": 0, "coordination_rate": 0.0}, 0, [])
    # no contact has an agent: a team keeps none
    assert views(team=("t1",))[0]["customer_days_outbound"] == 0


def test_coordination_weekly_sums_days_into_monday_weeks(store: Store) -> None:
    seed_coordination(store)
    weekly = customers.coordination_weekly(
        customers.coordination_daily(store.query, MARCH, Settings(time_zone="America/New_York")))
    # 9 and 12 March are in the week of Monday 9 March
    assert weekly.rows() == [(date(2026, 3, 9), 3, 1, 1 / 3)]


# --- voice of the customer ------------------------------------------------------------------------

def _survey(*values: object) -> dict[str, object]:
    keys = ("survey_id", "customer_id", "answered_at", "csat", "nps", "ces", "churn_intent", "comment")
    return dict(zip(keys, values, strict=True))


def _follow_up(*values: object) -> dict[str, object]:
    keys = ("follow_up_id", "customer_id", "agent_id", "created_at", "due_at", "completed_at")
    return dict(zip(keys, values, strict=True))


def seed_voice(store: Store) -> None:
    store.load({
        "customers": frame([{"customer_id": c, "segment": "consumer"} for c in ("c1", "c2", "c3", "c4")]),
        "agents": frame([{"agent_id": "a1", "name": "Al", "team": "t1"},
                         {"agent_id": "a2", "name": "Bo", "team": "t2"}]),
        "surveys": frame([
            # followed up exactly 48 hours later: answered in time
            _survey("s1", "c1", "2026-03-05 10:00:00", 2, 3, 3, n, "Waited 50% too long_ok"),
            # churn intent, followed up 48 hours and one second later: too late
            _survey("s2", "c2", "2026-03-06 10:00:00", 4, 8, n, True, "Thinking of LEAVING"),
            # followed up one second before the answer: does not count
            _survey("s3", "c3", "2026-03-07 09:00:00", 5, 6, 5, False, n),
            _survey("s4", "c4", "2026-03-21 12:00:00", 5, 9, n, n, "Great"),  # a promoter: not at risk
            # followed up at the very moment of the answer: in time
            _survey("s7", "c4", "2026-03-20 12:00:00", 1, 0, n, n, "Awful"),
            _survey("s5", "c2", "2026-04-02 10:00:00", 1, 2, n, n, "Still bad"),  # after the range
            _survey("s6", "c1", "2026-03-08 10:00:00", n, n, n, n, "No answer"),  # nothing known: not at risk
        ]),
        "follow_ups": frame([
            _follow_up("f1", "c1", "a1", "2026-03-07 10:00:00", "2026-03-09 10:00:00", "2026-03-08 10:00:00"),
            _follow_up("f2", "c2", "a1", "2026-03-08 10:00:01", "2026-03-10 10:00:00", n),
            _follow_up("f3", "c3", "a2", "2026-03-07 08:59:59", "2026-04-05 00:00:00", n),
            _follow_up("f4", "c4", n, "2026-03-20 12:00:00", "2026-03-22 12:00:00", "2026-04-02 00:00:00"),
        ]),
    })


def test_at_risk_counts_a_follow_up_exactly_two_days_later_as_in_time(store: Store, settings: Settings) -> None:
    seed_voice(store)
    late = customers.at_risk(store.query, MARCH, settings)
    assert late.total == 2
    # oldest first: c2 (6 March, churn intent, followed up 1 s too late), c3 (7 March, followed up before answering)
    assert late.rows.select("customer_id", "surveys_count", "first_answered_at", "lowest_nps", "churn_intent_count",
                            "last_comment").rows() == [
        ("c2", 1, datetime(2026, 3, 6, 10), 8, 1, "Thinking of LEAVING"),
        ("c3", 1, datetime(2026, 3, 7, 9), 6, 0, None)]


def test_at_risk_with_a_shorter_window_misses_the_follow_up_at_48_hours(store: Store) -> None:
    seed_voice(store)
    late = customers.at_risk(store.query, MARCH, Settings(follow_up_window_days=1))
    assert late.rows["customer_id"].to_list() == ["c1", "c2", "c3"]


def test_comments_are_detractors_and_churn_intent_searched_literally(store: Store, settings: Settings) -> None:
    seed_voice(store)

    def found(search: str) -> list[str]:
        return customers.comments(store.query, MARCH, settings, search).rows["survey_id"].to_list()

    assert found("") == ["s7", "s2", "s1"]  # newest first; s3 has no comment, s4 is a promoter
    assert found("leav") == ["s2"]  # any case
    assert found("50%") == ["s1"] and found("%") == ["s1"] and found("_") == ["s1"]  # wildcards are literal
    assert customers.comments(store.query, MARCH, settings, "").total == 3


def test_voice_filters_through_the_survey_contact_and_the_customer(store: Store, settings: Settings) -> None:
    seed_voice(store)
    # s2 answers a voice contact of agent a1 (team t1); the other surveys have no contact
    store.load({
        "interactions": frame([_contact("i1", "c2", "a1", "voice", "inbound", "service", "billing",
                                        "2026-03-06 09:00:00", n)]),
        "surveys": frame([{"survey_id": "s2", "customer_id": "c2", "interaction_id": "i1",
                           "answered_at": "2026-03-06 10:00:00", "csat": 4, "nps": 8, "churn_intent": True,
                           "comment": "Thinking of LEAVING"}]),
    })

    def voice(**chosen: tuple[str, ...]) -> tuple[list[str], list[str]]:
        flt = Filters(MARCH.start, MARCH.end, **chosen)
        return (customers.comments(store.query, flt, settings).rows["survey_id"].to_list(),
                customers.at_risk(store.query, flt, settings).rows["customer_id"].to_list())

    assert voice() == (["s7", "s2", "s1"], ["c2", "c3"])
    assert voice(segment=("consumer",)) == voice()
    assert voice(channel=("voice",)) == (["s2"], ["c2"]) == voice(team=("t1",))
    assert voice(channel=("email",)) == ([], []) == voice(team=("t2",)) == voice(region=("north",))
    # follow-ups: segment through the customer, team through the follow-up's agent
    now = datetime(2026, 11, 1)
    assert customers.follow_ups(store.query, Filters(MARCH.start, MARCH.end, segment=("smb",)), settings,
                                now=now).height == 0
    assert customers.follow_ups(store.query, Filters(MARCH.start, MARCH.end, segment=("consumer",), team=("t1",)),
                                settings, now=now)["agent_id"].to_list() == ["a1"]


def test_follow_ups_per_agent_open_at_the_range_end(store: Store, settings: Settings) -> None:
    seed_voice(store)
    table = customers.follow_ups(store.query, MARCH, settings, now=datetime(2026, 11, 1))
    # as of 1 April 00:00: f1 done; f2 open, due 10 March (overdue); f3 open, due 5 April; f4 completed after the end
    assert table.select("agent_id", "open_follow_ups_count", "due_count", "overdue_count", "oldest_due_at").rows() == [
        ("a1", 1, 0, 1, datetime(2026, 3, 10, 10)), (None, 1, 0, 1, datetime(2026, 3, 22, 12)),
        ("a2", 1, 1, 0, None)]
    assert customers.follow_ups(store.query, Filters(MARCH.start, MARCH.end, team=("t2",)), settings,
                                now=datetime(2026, 11, 1))["agent_id"].to_list() == ["a2"]


def test_survey_weekly_pools_answers_per_monday_week(store: Store, settings: Settings) -> None:
    seed_voice(store)
    weekly = customers.survey_weekly(store.query, MARCH, settings)
    # week of 2 March: s1, s2, s3, s6 -> csat 2, 4, 5: 2/3; nps 3, 8, 6: −2/3; ces 3, 5: 4
    # week of 16 March: s7, s4 -> csat 1, 5: 1/2; nps 0, 9: 0; no ces
    assert weekly.rows() == [(date(2026, 3, 2), 4, pytest.approx(-200 / 3), 2 / 3, 4.0),
                             (date(2026, 3, 16), 2, 0.0, 0.5, None)]


def test_like_pattern_escapes_wildcards() -> None:
    assert customers.like_pattern(" 50%_off! ") == "%50!%!_off!!%"


# --- service requests -----------------------------------------------------------------------------

def test_contact_frequency_counts_inbound_contacts_per_customer(store: Store, settings: Settings) -> None:
    seed_value(store)
    # inbound in March: c1 3, c2 3, c3 1 (its sms was outbound)
    assert customers.contact_frequency(store.query, MARCH, settings).rows() == [("1", 1), ("3", 2)]
    assert customers.contact_frequency(store.query, MARCH, settings, cap=2).rows() == [("1", 1), ("2+", 2)]


def test_service_reasons_rank_repeats_and_escalations(store: Store, settings: Settings) -> None:
    seed_value(store)
    table = customers.service_reasons(store.query, MARCH, settings)
    # complaint: i4 repeated by i5, i4 and i5 escalated of 3 known; billing: i1 repeated by i2, i6 by i10 in April,
    # no escalation of 2 known; delivery: no repeat, escalation unknown
    assert table.select("reason", "contacts_count", "customers_count", "repeat_count", "escalated_count",
                        "escalation_rate").rows() == [
        ("complaint", 3, 2, 1, 2, 2 / 3), ("billing", 3, 2, 2, 0, 0.0), ("delivery", 1, 1, 0, 0, None)]


def test_service_requests_filter_by_region_and_team(store: Store, settings: Settings) -> None:
    seed_value(store)
    north = Filters(MARCH.start, MARCH.end, region=("north",))  # c1 3 inbound, c3 1
    assert customers.contact_frequency(store.query, north, settings).rows() == [("1", 1), ("3", 1)]
    team = Filters(MARCH.start, MARCH.end, team=("t1",))  # only i1: c1 billing, repeated by i2 (another agent)
    assert customers.contact_frequency(store.query, team, settings).rows() == [("1", 1)]
    assert customers.service_reasons(store.query, team, settings).select(
        "reason", "contacts_count", "customers_count", "repeat_count", "escalated_count").rows() == [
        ("billing", 1, 1, 1, 0)]


# --- the command line -----------------------------------------------------------------------------

def test_cli_customers_json_is_the_spec_object(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    seed_value(store)
    seed_voice_for_cli(store)
    assert cli.main(["--db", store.url, "customers", "--from", "2026-03-01", "--to", "2026-03-31",
                     "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == {
        "customers": 4, "revenue": 320.0, "cost_to_serve": pytest.approx(31.2), "margin": pytest.approx(80.8),
        "most_valuable": {"count": 1, "margin": 70.0}, "below_marginal_cost": {"count": 1, "margin": -15.5},
        "pareto_share": 0.5, "customer_days_outbound": 1, "uncoordinated_days": 0, "coordination_rate": 0.0,
        "at_risk_without_follow_up": 1,
    }


def seed_voice_for_cli(store: Store) -> None:
    """One churn-intent survey of c3 with no follow-up, one detractor of c1 followed up the next day."""
    store.load({
        "surveys": frame([_survey("s1", "c3", "2026-03-16 10:00:00", n, n, n, True, n),
                          _survey("s2", "c1", "2026-03-16 10:00:00", n, 5, n, n, n)]),
        "follow_ups": frame([_follow_up("f1", "c1", n, "2026-03-17 10:00:00", "2026-03-19 10:00:00", n)]),
    })


def test_cli_customers_table_names_every_value(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    seed_value(store)
    assert cli.main(["--db", store.url, "customers", "--from", "2026-03-01", "--to", "2026-03-31",
                     "--format", "csv"]) == 0
    rows = dict(line.split(",") for line in capsys.readouterr().out.strip().splitlines()[1:])
    assert rows["most_valuable.count"] == "1" and rows["pareto_share"] == "0.5" and rows["coordination_rate"] == "0"


def test_scatter_points_sample_evenly_by_margin_rank(store: Store, settings: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seed_value(store)
    monkeypatch.setattr(customers, "SCATTER_POINTS", 2)
    # 4 customers, at most 2 points: every 2nd by margin rank (c4 1st, c1 2nd, c2 3rd, c3 4th)
    points = customers.value_report(store.query, MARCH, settings).points
    assert points.select("customer_id", "group").rows() == [("c1", "other"), ("c3", "below marginal cost")]


def test_margins_equal_but_for_float_noise_rank_by_customer_id(store: Store, settings: Settings) -> None:
    # in floating point 0.1 + 0.2 + 0.3 = 0.6000000000000001 and 0.3 + 0.2 + 0.1 = 0.6: the same revenue, summed in
    # order of time. x1 and x2 are equal in margin and growth, as are y1 and y2 (an sms contact each, cost 0.5);
    # each pair ranks by id, where the noise alone would put the other first
    ascending, descending = (0.1, 0.2, 0.3), (0.3, 0.2, 0.1)
    store.load({
        "customers": frame([{"customer_id": c, "name": c, "segment": "smb", "region": "north"}
                            for c in ("x1", "x2", "y1", "y2")]),
        "orders": frame([
            _order(f"o{customer}{day}", customer, f"2026-03-{day:02d} 10:00:00", amount, "delivered")
            for customer, amounts in (("x1", descending), ("x2", ascending), ("y1", ascending), ("y2", descending))
            for day, amount in zip((2, 3, 4), amounts, strict=True)]),
        "interactions": frame([
            _contact(f"i{c}", c, n, "sms", "inbound", "service", "billing", "2026-03-05 09:00:00", n)
            for c in ("y1", "y2")]),
    })
    margin = {order: sum(order, 0.0) * settings.gross_margin for order in (ascending, descending)}
    assert margin[ascending] > margin[descending] and margin[ascending] - 0.5 > margin[descending] - 0.5  # the noise

    def first(group: str) -> str:
        return str(customers.customer_list(store.query, MARCH, settings, group).rows["customer_id"][0])

    # most valuable: ceil(0.2 × 4) = 1 customer; fastest growing: all four grew by the same 0.6
    assert [first(group) for group in ("all", "most_valuable", "fastest_growing", "below_marginal_cost")] == [
        "x1", "x1", "x1", "y1"]
