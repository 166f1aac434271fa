"""Rollups: every query that reads them gives exactly what its raw query gives, after a first load and after an
incremental import that adds days, replaces rows, moves a customer to another segment and adds surveys,
journey events and returns to old days; on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from conftest import frame

from journey import demo, rollups
from journey.filters import Filters, local_midnight_utc
from journey.settings import Settings
from journey.store import Store, _rollup_meta

END = date(2026, 3, 31)
CUTOFF = datetime(2026, 3, 10)  # the first import holds what happened before it, the second the rest
TIME_COLUMNS = {"interactions": "started_at", "surveys": "answered_at", "journey_events": "occurred_at",
                "orders": "ordered_at", "returns": "requested_at", "follow_ups": "created_at",
                "opportunities": "created_at", "opportunity_stages": "entered_at"}


BUILT = {rollups.VERSION_KEY: str(rollups.VERSION), rollups.TIME_ZONE_KEY: "UTC"}  # rollups of this version, UTC


def split_demo() -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """The tiny demo cut in time, and a second import that also corrects and replaces earlier rows and moves
    customers to another segment and agents to another team."""
    tables = demo.generate("tiny", end_date=END)
    first = {name: t.filter(pl.col(TIME_COLUMNS[name]) < CUTOFF) if name in TIME_COLUMNS else t
             for name, t in tables.items()}
    second = {name: t.filter(pl.col(TIME_COLUMNS[name]) >= CUTOFF) for name, t in tables.items()
              if name in TIME_COLUMNS}
    old_contacts = first["interactions"].head(40)  # replaced: other channel and agent, one moved a day later
    second["interactions"] = pl.concat([second["interactions"], old_contacts.with_columns(
        channel=pl.lit("chat"), agent_id=pl.lit(tables["agents"]["agent_id"][0]),
        started_at=pl.col("started_at") + timedelta(days=1))])
    second["surveys"] = pl.concat([second["surveys"], first["surveys"].head(20).with_columns(
        csat=pl.lit(5, pl.Int64))])
    second["customers"] = tables["customers"].head(30).with_columns(segment=pl.lit("moved"), region=pl.lit("east"))
    second["agents"] = tables["agents"].head(3).with_columns(team=pl.lit("Moved"))
    # deals of the first import: five lost after a new stage row, and stage rows tied in time with another
    lost = first["opportunities"].filter(pl.col("status") == "open").head(5)
    stages = first["opportunity_stages"]
    tied = stages.head(6).with_columns(stage=pl.when(pl.col("stage") == "proposal").then(pl.lit("qualified"))
                                       .otherwise(pl.lit("proposal")))
    second["opportunities"] = pl.concat([second["opportunities"], lost.with_columns(
        status=pl.lit("lost"), stage=pl.lit("negotiation"), closed_at=pl.lit(CUTOFF + timedelta(days=2)))])
    second["opportunity_stages"] = pl.concat([second["opportunity_stages"], tied, lost.select(
        "opportunity_id", stage=pl.lit("negotiation"), entered_at=pl.lit(CUTOFF + timedelta(days=1)))])
    return first, second


def params(settings: Settings, end: date, **changes: Any) -> dict[str, Any]:
    flt = Filters(end - timedelta(days=27), end)
    return {**flt.params(settings), "split_ts": local_midnight_utc(end - timedelta(days=6), settings),
            "by_week": False, "all_agents": True, "agent_ids": [], "all_agents_visible": True,
            "visible_agents": [], "scope_salt": "salt", "repurchase_window_sec": 90 * 86400, "stage": "receive",
            "journeys_limit": 10, **changes}


def views(settings: Settings, agents: list[str]) -> list[dict[str, Any]]:
    """The default view and filtered ones: each rollup query must apply every filter it accepts."""
    base = params(settings, END)
    return [
        base,
        params(settings, END - timedelta(days=25)),  # a range across the two imports
        {**base, "all_channels": False, "channels": ["voice", "chat"]},
        {**base, "all_segments": False, "segments": ["moved", "smb"]},
        {**base, "all_regions": False, "regions": ["east", "north"], "all_teams": False, "teams": ["Moved", "Sales"]},
        {**base, "by_week": True, "all_agents": False, "agent_ids": agents[:2]},
        {**base, "all_agents_visible": False, "visible_agents": agents[:3]},
        {**base, "stage": "find", "journeys_limit": 3, "repurchase_window_sec": 7 * 86400},
        {**params(settings, END - timedelta(days=60)), "stage": "return", "repurchase_window_sec": 30 * 86400},
    ]


def assert_same(raw: pl.DataFrame, rolled: pl.DataFrame, label: str) -> None:
    """Counts exactly equal; sums of floats equal up to the order of summation (raw queries sum in no fixed
    order either)."""
    assert raw.columns == rolled.columns, label
    assert raw.height == rolled.height, label
    if raw.height == 0:
        return
    assert raw.schema == rolled.schema, label
    for column in raw.columns:
        if raw[column].dtype == pl.Float64:
            gap = (raw[column] - rolled[column]).abs() <= 1e-9 * (raw[column].abs() + 1)
            assert (raw[column].is_null() == rolled[column].is_null()).all(), f"{label}: {column}"
            assert gap.fill_null(True).all(), f"{label}: {column}"
        else:
            assert raw[column].to_list() == rolled[column].to_list(), f"{label}: {column}"


def compare_all(store: Store, settings: Settings) -> None:
    agents = store.query("filter_values").height and sorted(store.query("agent_contact_cells", **params(
        settings, END))["agent_id"].unique().to_list())
    with store.connect() as connection:
        meta = _rollup_meta(connection)
    for name in rollups.ROUTES:
        if name.startswith("pipeline_") or name == "customer_value_kept":  # each tested on its own
            continue
        for n, view in enumerate(views(settings, agents or [])):
            if n == 0:  # the default view reads the rollup, else this test would compare raw with raw
                assert rollups.choose(name, view, meta) == rollups.ROUTES[name].rollup, name
            store.use_rollups = False
            raw = store.query(name, **view)
            store.use_rollups = True
            assert_same(raw, store.query(name, **view), f"{name}, view {n}")


def pipeline_views(settings: Settings, agents: list[str]) -> list[dict[str, Any]]:
    """Pipeline queries as of the first day of each month of the demo and of two days around the cut (changes
    and closes over the five weeks before it), unfiltered, filtered and scoped."""
    days = [date(2025, 6, 1), date(2025, 9, 1), date(2025, 12, 1), date(2026, 2, 1), CUTOFF.date(),
            CUTOFF.date() + timedelta(days=2), date(2026, 4, 1)]
    views = []
    for day in days:
        start = day - timedelta(days=35)
        flt = {**Filters(start, day - timedelta(days=1)).params(settings), "start_date": start, "end_date": day}
        base = {**flt, "first_stage": settings.pipeline_stages[0], "as_of_date": day,
                "all_agents_visible": True, "visible_agents": [], "scope_salt": "salt",
                "base_date": day, "first_step": 1, "last_step": 12, "horizon_months": 3}
        views += [base, {**base, "all_segments": False, "segments": ["moved", "smb"]},
                  {**base, "all_regions": False, "regions": ["east"], "all_teams": False, "teams": ["Moved", "Sales"]},
                  {**base, "all_agents_visible": False, "visible_agents": agents[:3]}]
    return views


def compare_pipeline(store: Store, settings: Settings) -> None:
    owners = sorted(store.query("pipeline_open_cells", **pipeline_views(settings, [])[-1])["owner_id"].to_list())
    with store.connect() as connection:
        meta = _rollup_meta(connection)
    names = [name for name in rollups.ROUTES if name.startswith("pipeline_")]
    assert len(names) == 5
    seen = 0
    for name in names:
        for n, view in enumerate(pipeline_views(settings, owners)):
            assert rollups.choose(name, view, meta) == rollups.ROUTES[name].rollup, name
            store.use_rollups = False
            raw = store.query(name, **view)
            store.use_rollups = True
            assert_same(raw, store.query(name, **view), f"{name}, view {n}")
            seen += raw.height
    assert seen > 0


def test_pipeline_rollup_queries_equal_raw_queries_after_a_load_and_an_incremental_import(store: Store) -> None:
    settings = Settings()
    first, second = split_demo()
    store.load(first, settings)
    compare_pipeline(store, settings)
    store.load(second, settings)
    compare_pipeline(store, settings)


def test_a_stage_entered_at_midnight_counts_from_the_next_day_and_a_tie_goes_to_the_later_stage_name(
        store: Store) -> None:
    settings = Settings()
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}]),
                "agents": frame([{"agent_id": "a1", "name": "Ann", "team": "t1"}]),
                "opportunities": frame([{"opportunity_id": "o1", "customer_id": "c1", "owner_id": "a1",
                                         "amount": 100.0, "created_at": "2026-01-05 10:00:00", "stage": "proposal",
                                         "status": "open"}]),
                "opportunity_stages": frame([
                    {"opportunity_id": "o1", "stage": "qualified", "entered_at": "2026-01-10 00:00:00"},
                    {"opportunity_id": "o1", "stage": "proposal", "entered_at": "2026-01-10 00:00:00"},
                    {"opportunity_id": "o1", "stage": "negotiation", "entered_at": "2026-02-01 00:00:00"}])}, settings)
    expected = {date(2026, 1, 5): [], date(2026, 1, 6): ["lead"], date(2026, 1, 10): ["lead"],
                date(2026, 1, 11): ["qualified"], date(2026, 2, 1): ["qualified"], date(2026, 2, 2): ["negotiation"]}
    for use_rollups in (True, False):
        store.use_rollups = use_rollups
        for day, stages in expected.items():
            view = {**Filters(day, day).params(settings), "first_stage": "lead", "as_of_date": day,
                    "base_date": day, "first_step": 1, "last_step": 0, "all_agents_visible": True,
                    "visible_agents": [], "scope_salt": "salt"}
            assert store.query("pipeline_open_cells", **view)["stage"].to_list() == stages, (use_rollups, day)


def load_outcome_deals(store: Store, settings: Settings, closes: dict[str, str],
                       stage_rows: list[tuple[str, str, str]]) -> None:
    """Deals created on 1 January 2025, won (odd numbers) or lost at the given instants."""
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}]),
                "agents": frame([{"agent_id": "a1", "name": "Ann", "team": "t1"}]),
                "opportunities": frame([
                    {"opportunity_id": deal, "customer_id": "c1", "owner_id": "a1", "amount": 10.0,
                     "created_at": "2025-01-01 00:00:00", "stage": "lead",
                     "status": "won" if int(deal[1:]) % 2 else "lost", "closed_at": closed}
                    for deal, closed in closes.items()]),
                "opportunity_stages": frame([{"opportunity_id": deal, "stage": stage, "entered_at": entered}
                                             for deal, stage, entered in stage_rows])}, settings)


def outcomes(store: Store, settings: Settings, as_of: date, base: date, last_step: int) -> list[tuple[Any, ...]]:
    """pipeline_stage_outcomes from its rollup, checked equal to the raw query's."""
    view = {**Filters(as_of, as_of).params(settings), "first_stage": "lead", "as_of_date": as_of, "base_date": base,
            "first_step": 1, "last_step": last_step, "all_agents_visible": True, "visible_agents": [],
            "scope_salt": "salt"}
    with store.connect() as connection:
        assert rollups.choose("pipeline_stage_outcomes", view, _rollup_meta(connection)) == \
            "rollup_pipeline_stage_outcomes"
    rows = store.query("pipeline_stage_outcomes", **view).rows()
    store.use_rollups = False
    raw = store.query("pipeline_stage_outcomes", **view).rows()
    store.use_rollups = True
    assert rows == raw, as_of
    return rows


def test_stage_outcomes_count_a_close_at_a_window_edge_by_its_instant_and_a_stage_entered_after_the_close(
        store: Store) -> None:
    """As of 10 March 2026 the window holds the closes from midnight of 10 March 2025 up to, not at, midnight of
    10 March 2026; o5, won on 20 January, enters qualified on 15 February (after its close) and proposal after
    the as-of day, so qualified counts it as of 10 March but not as of 1 February."""
    settings = Settings()
    load_outcome_deals(store, settings, {
        "o1": "2026-03-10 00:00:00", "o2": "2026-03-09 23:59:59", "o3": "2025-03-10 00:00:00",
        "o4": "2025-03-09 23:59:59", "o5": "2026-01-20 10:00:00"},
        [("o5", "qualified", "2026-02-15 00:00:00"), ("o5", "proposal", "2026-03-12 00:00:00")])
    assert outcomes(store, settings, date(2026, 3, 10), date(2026, 3, 1), 1) == [
        (date(2026, 2, 1), "lead", 3, 2),  # o3, o4, o5
        (date(2026, 3, 10), "lead", 3, 2),  # o2, o3, o5
        (date(2026, 3, 10), "qualified", 1, 1)]
    # an incremental import moves o2's close to the as-of instant and closes o6 a second before it
    load_outcome_deals(store, settings, {"o2": "2026-03-10 00:00:00", "o6": "2026-03-09 23:59:59"}, [])
    assert outcomes(store, settings, date(2026, 3, 10), date(2026, 3, 1), 1) == [
        (date(2026, 2, 1), "lead", 3, 2), (date(2026, 3, 10), "lead", 3, 2), (date(2026, 3, 10), "qualified", 1, 1)]


def test_stage_outcomes_around_a_midnight_that_daylight_saving_repeats_or_skips(store: Store) -> None:
    """Havana repeats the hour from midnight on 1 November 2026 (04:00 to 05:00 UTC, then again 05:00 to 06:00):
    both engines take that midnight as 05:00 UTC, so o2 and o3, on 1 November there, close before it and count
    as of that day; it skips the midnight of 8 March 2026 (taken as 05:00 UTC, the first instant of the day)."""
    settings = Settings(time_zone="America/Havana")
    load_outcome_deals(store, settings, {
        "o1": "2026-11-01 03:59:59", "o2": "2026-11-01 04:00:00", "o3": "2026-11-01 04:30:00",
        "o4": "2026-11-01 05:00:00", "o5": "2026-03-08 04:59:59", "o6": "2026-03-08 05:00:00"}, [])
    expected = {date(2026, 11, 1): (5, 3), date(2026, 11, 2): (6, 3), date(2026, 3, 8): (1, 1),
                date(2026, 3, 9): (2, 1),
                # windows that start at those midnights (365 days before) and next to them
                date(2027, 10, 31): (4, 2), date(2027, 11, 1): (1, 0), date(2027, 11, 2): None,
                date(2027, 3, 8): (5, 2), date(2027, 3, 9): (4, 2)}
    for as_of, counts in expected.items():
        assert outcomes(store, settings, as_of, as_of, 0) == ([(as_of, "lead", *counts)] if counts else []), as_of


def test_open_cells_from_the_month_rows_hold_a_spell_up_to_an_instant_that_ends_it_exactly(store: Store) -> None:
    """As of 1 March (midnight UTC) o1 is still qualified (proposal starts at that instant) and o2, lost at that
    instant, still open; as of 15 April o1 comes from its open-ended proposal row of March and o2 is gone."""
    settings = Settings()
    deal = {"customer_id": "c1", "owner_id": "a1"}
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}]),
                "agents": frame([{"agent_id": "a1", "name": "Ann", "team": "t1"}]),
                "opportunities": frame([
                    {**deal, "opportunity_id": "o1", "amount": 100.0, "created_at": "2026-01-20 10:00:00",
                     "expected_close_date": "2026-05-10", "stage": "proposal", "status": "open"},
                    {**deal, "opportunity_id": "o2", "amount": 50.0, "created_at": "2026-01-25 10:00:00",
                     "expected_close_date": "2026-02-15", "stage": "lead", "status": "lost",
                     "closed_at": "2026-03-01 00:00:00"}]),
                "opportunity_stages": frame([
                    {"opportunity_id": "o1", "stage": "qualified", "entered_at": "2026-02-10 00:00:00"},
                    {"opportunity_id": "o1", "stage": "proposal", "entered_at": "2026-03-01 00:00:00"}])}, settings)
    view = {**Filters(date(2026, 4, 15), date(2026, 4, 15)).params(settings), "first_stage": "lead",
            "as_of_date": date(2026, 4, 15), "base_date": date(2026, 4, 1), "first_step": 1, "last_step": 2,
            "all_agents_visible": True, "visible_agents": [], "scope_salt": "salt"}
    with store.connect() as connection:
        assert rollups.choose("pipeline_open_cells", view, _rollup_meta(connection)) == "rollup_pipeline_open_cells"
    expected = [(date(2026, 2, 1), "lead", 0, date(2026, 2, 1), False, 1, 50.0),   # o2, 7 days old
                (date(2026, 2, 1), "lead", 0, date(2026, 5, 1), False, 1, 100.0),  # o1, 12 days old
                (date(2026, 3, 1), "lead", 1, date(2026, 2, 1), True, 1, 50.0),
                (date(2026, 3, 1), "qualified", 1, date(2026, 5, 1), False, 1, 100.0),
                (date(2026, 4, 15), "proposal", 1, date(2026, 5, 1), False, 1, 100.0)]  # 85 days old
    for use_rollups in (True, False):
        store.use_rollups = use_rollups
        cells = store.query("pipeline_open_cells", **view)
        assert cells.select("as_of_date", "stage", "age_bucket", "close_month", "overdue", "open_count",
                            "amount_sum").rows() == expected, use_rollups


def test_another_first_stage_reads_the_raw_pipeline_tables() -> None:
    meta = {**BUILT, rollups.REPEAT_WINDOW_KEY: "604800.0", rollups.FIRST_STAGE_KEY: "lead"}
    view = pipeline_views(Settings(), [])[0]
    assert rollups.choose("pipeline_open_cells", view, meta) == "rollup_pipeline_open_cells"
    assert rollups.choose("pipeline_open_cells", {**view, "first_stage": "prospect"}, meta) == "pipeline_open_cells"
    assert rollups.choose("pipeline_open_cells", view, {**meta, rollups.FIRST_STAGE_KEY: "x"}) == "pipeline_open_cells"


def rollup_rows(store: Store) -> dict[str, pl.DataFrame]:
    from journey.schema import ROLLUPS

    with store.connect() as connection:
        return {name: pl.DataFrame(connection.execute(table.select()).all(), schema=list(table.c.keys()),
                                   orient="row", infer_schema_length=None).sort(pl.all(), nulls_last=True)
                for name, table in ROLLUPS.items()}


def test_rollup_queries_equal_raw_queries_after_a_load_and_an_incremental_import(store: Store) -> None:
    settings = Settings()
    first, second = split_demo()
    store.load(first, settings)
    compare_all(store, settings)
    store.load(second, settings)
    compare_all(store, settings)
    # what the incremental import kept equals a rebuild from scratch, row for row
    kept = rollup_rows(store)
    store.refresh_rollups(settings)
    rebuilt = rollup_rows(store)
    for name in kept:
        assert_same(rebuilt[name], kept[name], name)


def test_a_later_contact_makes_an_earlier_one_a_repeat_in_the_rollups(store: Store) -> None:
    settings = Settings()
    base = {"customer_id": "c1", "agent_id": "a1", "channel": "voice", "reason": "billing", "resolved": True}
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb", "region": "north"}]),
                "agents": frame([{"agent_id": "a1", "team": "t1"}]),
                "interactions": frame([{**base, "interaction_id": "x1", "started_at": "2026-03-02 10:00:00",
                                        "handle_seconds": 100.0}])}, settings)
    store.load({"interactions": frame([{**base, "interaction_id": "x2", "started_at": "2026-03-05 09:00:00",
                                        "handle_seconds": 300.0}])}, settings)
    view = params(settings, date(2026, 3, 7))
    with store.connect() as connection:
        assert rollups.choose("kpi_contacts_daily", view, _rollup_meta(connection)) == "rollup_kpi_contacts_daily"
    days = store.query("kpi_contacts_daily", **view)
    assert days.select("contact_date", "contacts_count", "repeat_count", "fcr_count", "handle_sec_sum").rows() == [
        (date(2026, 3, 2), 1, 1, 0, 100.0), (date(2026, 3, 5), 1, 0, 1, 300.0)]
    # the customer moves segment: every rollup row of theirs follows
    store.load({"customers": frame([{"customer_id": "c1", "segment": "enterprise", "region": "north"}])}, settings)
    smb = {**view, "all_segments": False, "segments": ["smb"]}
    enterprise = {**view, "all_segments": False, "segments": ["enterprise"]}
    assert store.query("kpi_contacts_daily", **smb).height == 0
    assert store.query("kpi_contacts_daily", **enterprise)["contacts_count"].to_list() == [1, 1]


def test_another_time_zone_or_repeat_window_reads_the_raw_tables_until_the_rollups_are_rebuilt(store: Store) -> None:
    settings = Settings()
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}]),
                "interactions": frame([{"interaction_id": "x1", "customer_id": "c1", "channel": "web",
                                        "reason": "r", "started_at": "2026-03-01 23:30:00"}])}, settings)
    berlin = Settings(time_zone="Europe/Berlin")
    with store.connect() as connection:
        meta = _rollup_meta(connection)
    assert rollups.choose("kpi_contacts_daily", params(berlin, date(2026, 3, 7)), meta) == "kpi_contacts_daily"
    longer = params(Settings(repeat_window_days=8), date(2026, 3, 7))
    assert rollups.choose("kpi_contacts_daily", longer, meta) == "kpi_contacts_daily"
    not_midnight = {**params(settings, date(2026, 3, 7)), "start_ts": datetime(2026, 3, 1, 12)}
    assert rollups.choose("kpi_contacts_daily", not_midnight, meta) == "kpi_contacts_daily"
    # the contact at 23:30 UTC is on 2 March in Berlin, whichever query answers
    assert store.query("kpi_contacts_daily", **params(berlin, date(2026, 3, 7)))["contact_date"].to_list() == [
        date(2026, 3, 2)]
    store.refresh_rollups(berlin)
    with store.connect() as connection:
        meta = _rollup_meta(connection)
    assert rollups.choose("kpi_contacts_daily", params(berlin, date(2026, 3, 7)), meta) == "rollup_kpi_contacts_daily"
    assert store.query("kpi_contacts_daily", **params(berlin, date(2026, 3, 7)))["contact_date"].to_list() == [
        date(2026, 3, 2)]


def test_rollups_of_another_version_are_not_read_and_the_next_load_rebuilds_them(store: Store) -> None:
    settings = Settings()
    customer = {"customer_id": "c1", "segment": "smb", "region": "north"}
    store.load({"customers": frame([customer])}, settings)
    with store.connect() as connection:
        connection.execute(sa.text("update journey_meta set value = '1' where key = :key"),
                           {"key": rollups.VERSION_KEY})
        connection.commit()
        assert rollups.choose("filter_values", {}, _rollup_meta(connection)) == "filter_values"
    store.load({"customers": frame([{**customer, "customer_id": "c2", "segment": "mid"}])}, settings)
    with store.connect() as connection:
        assert rollups.choose("filter_values", {}, _rollup_meta(connection)) == "rollup_filter_values"
    values = store.query("filter_values")
    assert values.filter(pl.col("dimension") == "segment")["value"].to_list() == ["mid", "smb"]


def test_a_parameter_the_rollup_query_does_not_bind_sends_the_query_to_the_raw_tables() -> None:
    meta = {**BUILT, rollups.REPEAT_WINDOW_KEY: "604800.0", rollups.MIXED_JOURNEYS_KEY: "0"}
    view = params(Settings(), END)
    assert rollups.choose("kpi_contacts_daily", view, meta) == "rollup_kpi_contacts_daily"
    rollups.parameters.cache_clear()
    try:
        real = rollups.parameters

        def with_scope(name: str) -> frozenset[str]:
            found = real(name)
            return found | {"visible_agents"} if name == "kpi_contacts_daily" else found

        rollups.parameters = with_scope  # type: ignore[assignment]
        assert rollups.choose("kpi_contacts_daily", view, meta) == "kpi_contacts_daily"
    finally:
        rollups.parameters = real  # type: ignore[assignment]


@pytest.mark.parametrize("mixed, expected", [("0", "rollup_kpi_journeys_daily"), ("2", "kpi_journeys_daily")])
def test_a_segment_filter_reads_journey_rollups_only_while_no_journey_spans_segments(mixed: str,
                                                                                     expected: str) -> None:
    meta = {**BUILT, rollups.REPEAT_WINDOW_KEY: "604800.0", rollups.MIXED_JOURNEYS_KEY: mixed}
    view = {**params(Settings(), END), "all_segments": False, "segments": ["smb"]}
    assert rollups.choose("kpi_journeys_daily", view, meta) == expected
    assert rollups.choose("kpi_journeys_daily", {**view, "all_segments": True}, meta) == "rollup_kpi_journeys_daily"
    assert rollups.choose("kpi_journeys_daily", {**view, "all_channels": False}, meta) == "kpi_journeys_daily"


def test_a_journey_spanning_two_segments_is_counted_as_the_raw_query_counts_it(store: Store) -> None:
    settings = Settings()
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}, {"customer_id": "c2", "segment": "mid"}]),
                "journey_events": frame([
                    {"event_id": "e1", "journey_id": "j1", "customer_id": "c1", "stage": "find",
                     "occurred_at": "2026-03-02 10:00:00", "rating": 5},
                    {"event_id": "e2", "journey_id": "j1", "customer_id": "c2", "stage": "buy",
                     "occurred_at": "2026-03-03 10:00:00", "outcome": "completed"}])}, settings)
    with store.connect() as connection:
        assert _rollup_meta(connection)[rollups.MIXED_JOURNEYS_KEY] == "1"
    view = params(settings, date(2026, 3, 7))
    days = store.query("kpi_journeys_daily", **view)
    assert days.select("journey_date", "journeys_count", "converted_count", "peak_converted_count").rows() == [
        (date(2026, 3, 2), 1, 1, 1)]
    only_mid = store.query("kpi_journeys_daily", **{**view, "all_segments": False, "segments": ["mid"]})
    assert only_mid.select("journey_date", "journeys_count", "converted_count", "peak_count").rows() == [
        (date(2026, 3, 3), 1, 1, 0)]


def test_repurchase_from_the_rated_events_rollup_takes_each_customers_first_rating_in_the_range(
        store: Store) -> None:
    """The first rating in the range (an earlier one before it and a tie in time broken by event id), a buy
    of the same journey not counted, a buy exactly at the window's end counted, and a buy loaded later."""
    settings = Settings()

    def event(event_id: str, journey: str, customer: str, stage: str, at: str, **more: object) -> dict[str, object]:
        return {"event_id": event_id, "journey_id": journey, "customer_id": customer, "stage": stage,
                "occurred_at": at, "channel": "web", "outcome": "completed", "rating": None, **more}

    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}, {"customer_id": "c2", "segment": "mid"}]),
                "journey_events": frame([
                    event("e1", "j1", "c1", "receive", "2026-03-01 10:00:00", rating=5),  # before the range
                    event("e2", "j2", "c1", "receive", "2026-03-05 10:00:00", rating=2),  # first in the range
                    event("e3", "j3", "c1", "receive", "2026-03-05 10:00:00", rating=5),  # same time, later id
                    event("e4", "j2", "c1", "buy", "2026-03-06 10:00:00"),  # the rated journey's own buy
                    event("e5", "j4", "c1", "buy", "2026-03-12 10:00:00"),  # another journey, 7 days later
                    event("e6", "j5", "c2", "return", "2026-03-06 10:00:00", rating=5)])}, settings)
    view = {**params(settings, date(2026, 3, 31)), "start_ts": datetime(2026, 3, 2), "repurchase_window_sec": 7 * 86400}
    with store.connect() as connection:
        assert rollups.choose("journey_repurchase", view, _rollup_meta(connection)) == "rollup_journey_repurchase"

    def answers(**changes: Any) -> list[tuple[Any, ...]]:
        found = []
        for use_rollups in (True, False):
            store.use_rollups = use_rollups
            found.append(store.query("journey_repurchase", **{**view, **changes}).rows())
        assert found[0] == found[1], changes
        return found[0]

    assert answers() == [("receive", False, 1, 1), ("return", True, 1, 0)]
    assert answers(repurchase_window_sec=7 * 86400 - 1) == [("receive", False, 1, 0), ("return", True, 1, 0)]
    assert answers(all_segments=False, segments=["mid"]) == [("return", True, 1, 0)]
    assert answers(start_ts=datetime(2026, 3, 1)) == [("receive", True, 1, 1), ("return", True, 1, 0)]
    # a later load adds a buy of c2: the earlier return rating now counts as a repurchase
    store.load({"journey_events": frame([event("e7", "j6", "c2", "buy", "2026-03-10 10:00:00")])}, settings)
    assert answers() == [("receive", False, 1, 1), ("return", True, 1, 1)]


def test_spell_months_hold_each_spell_once_per_month_and_snapshots_at_a_boundary_take_the_earlier_spell(
        store: Store) -> None:
    """o1 sits in lead from its creation to 1 February, in qualified to 1 April (both at midnight, exactly a
    snapshot) and is still in negotiation; o2 is won exactly at the 1 March snapshot, so it still counts then."""
    settings = Settings()
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}]),
                "agents": frame([{"agent_id": "a1", "name": "Ann", "team": "t1"}]),
                "opportunities": frame([
                    {"opportunity_id": "o1", "customer_id": "c1", "owner_id": "a1", "amount": 100.0,
                     "created_at": "2026-01-05 10:00:00", "stage": "negotiation", "status": "open"},
                    {"opportunity_id": "o2", "customer_id": "c1", "owner_id": "a1", "amount": 50.0,
                     "created_at": "2026-02-10 09:00:00", "stage": "lead", "status": "won",
                     "closed_at": "2026-03-01 00:00:00"}]),
                "opportunity_stages": frame([
                    {"opportunity_id": "o1", "stage": "qualified", "entered_at": "2026-02-01 00:00:00"},
                    {"opportunity_id": "o1", "stage": "negotiation", "entered_at": "2026-04-01 00:00:00"}])}, settings)
    with store.connect() as connection:
        months = connection.execute(sa.text(
            "select opportunity_id, month, stage, open_ended, won_month_index from rollup_opportunity_spell_months "
            "order by opportunity_id, month, hold_start")).all()
    assert [tuple(row) for row in months] == [
        ("o1", date(2026, 1, 1), "lead", False, None), ("o1", date(2026, 2, 1), "lead", False, None),
        ("o1", date(2026, 2, 1), "qualified", False, None), ("o1", date(2026, 3, 1), "qualified", False, None),
        ("o1", date(2026, 4, 1), "qualified", False, None), ("o1", date(2026, 4, 1), "negotiation", True, None),
        ("o2", date(2026, 2, 1), "lead", False, 2026 * 12 + 2), ("o2", date(2026, 3, 1), "lead", False, 2026 * 12 + 2)]
    flt = Filters(date(2026, 7, 1), date(2026, 7, 1))
    for base, expected in (
            (date(2026, 7, 1), [(date(2026, 2, 1), "lead", 0, None), (date(2026, 3, 1), "lead", 0, 0),
                                (date(2026, 3, 1), "qualified", 1, None), (date(2026, 4, 1), "qualified", 1, None),
                                (date(2026, 5, 1), "negotiation", 2, None),
                                (date(2026, 6, 1), "negotiation", 2, None)]),
            (date(2026, 7, 20), [(date(2026, 1, 20), "lead", 0, None), (date(2026, 2, 20), "lead", 0, 1),
                                 (date(2026, 2, 20), "qualified", 1, None), (date(2026, 3, 20), "qualified", 1, None),
                                 (date(2026, 4, 20), "negotiation", 2, None),
                                 (date(2026, 5, 20), "negotiation", 2, None),
                                 (date(2026, 6, 20), "negotiation", 2, None)])):
        view = {**flt.params(settings), "first_stage": "lead", "base_date": base, "first_step": 1, "last_step": 7,
                "horizon_months": 3, "all_agents_visible": True, "visible_agents": [], "scope_salt": "salt"}
        with store.connect() as connection:
            assert rollups.choose("pipeline_timing_cells", view, _rollup_meta(connection)) == \
                "rollup_pipeline_timing_cells"
        for use_rollups in (True, False):
            store.use_rollups = use_rollups
            cells = store.query("pipeline_timing_cells", **view)
            assert cells["deal_count"].to_list() == [1] * len(expected), (use_rollups, base)
            assert cells.select("snapshot_date", "stage", "age_bucket", "won_month_offset").rows() == expected, (
                use_rollups, base)


def test_pipeline_rollup_queries_equal_raw_queries_in_a_time_zone_with_daylight_saving(store: Store) -> None:
    """Auckland's local midnight on the first of a month is still the previous UTC month."""
    settings = Settings(time_zone="Pacific/Auckland")
    first, second = split_demo()
    store.load(first, settings)
    store.load(second, settings)
    compare_pipeline(store, settings)


def test_a_local_month_start_in_the_previous_utc_month_reads_that_months_spell_rows(store: Store) -> None:
    """Midnight of 1 March in Auckland is 11:00 UTC on 28 February; the lead spell ends at 20:00 UTC that day,
    so its rows stop at February and the snapshot finds it there."""
    settings = Settings(time_zone="Pacific/Auckland")
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}]),
                "agents": frame([{"agent_id": "a1", "name": "Ann", "team": "t1"}]),
                "opportunities": frame([{"opportunity_id": "o1", "customer_id": "c1", "owner_id": "a1",
                                         "amount": 100.0, "created_at": "2026-02-20 10:00:00", "stage": "qualified",
                                         "status": "open"}]),
                "opportunity_stages": frame([
                    {"opportunity_id": "o1", "stage": "qualified", "entered_at": "2026-02-28 20:00:00"}])}, settings)
    view = {**Filters(date(2026, 4, 1), date(2026, 4, 1)).params(settings), "first_stage": "lead",
            "base_date": date(2026, 4, 1), "first_step": 1, "last_step": 2, "horizon_months": 3,
            "all_agents_visible": True, "visible_agents": [], "scope_salt": "salt"}
    for use_rollups in (True, False):
        store.use_rollups = use_rollups
        cells = store.query("pipeline_timing_cells", **view)
        assert cells.select("snapshot_date", "stage").rows() == [(date(2026, 3, 1), "lead")], use_rollups


def test_transitions_and_week_changes_from_the_spells_skip_repeated_rows_and_rows_after_the_close(
        store: Store) -> None:
    """o1 repeats qualified (no move) and gets a stage row after its win; o2 is closed before its creation and
    before its only stage row, so it moves from the first stage straight to lost (as the raw query takes it)."""
    settings = Settings()
    deal = {"customer_id": "c1", "owner_id": "a1", "amount": 10.0}
    store.load({"customers": frame([{"customer_id": "c1", "segment": "smb"}]),
                "agents": frame([{"agent_id": "a1", "name": "Ann", "team": "t1"}]),
                "opportunities": frame([
                    {**deal, "opportunity_id": "o1", "created_at": "2026-03-01 00:00:00", "stage": "proposal",
                     "status": "won", "closed_at": "2026-03-10 00:00:00"},
                    {**deal, "opportunity_id": "o2", "created_at": "2026-03-05 00:00:00", "stage": "proposal",
                     "status": "lost", "closed_at": "2026-03-03 00:00:00"}]),
                "opportunity_stages": frame([
                    {"opportunity_id": "o1", "stage": "qualified", "entered_at": "2026-03-02 00:00:00"},
                    {"opportunity_id": "o1", "stage": "qualified", "entered_at": "2026-03-04 00:00:00"},
                    {"opportunity_id": "o1", "stage": "proposal", "entered_at": "2026-03-06 00:00:00"},
                    {"opportunity_id": "o1", "stage": "negotiation", "entered_at": "2026-03-20 00:00:00"},
                    {"opportunity_id": "o2", "stage": "proposal", "entered_at": "2026-03-08 00:00:00"}])}, settings)
    scope = {"first_stage": "lead", "all_agents_visible": True, "visible_agents": [], "scope_salt": "salt"}
    march = {**Filters(date(2026, 3, 1), date(2026, 3, 31)).params(settings), **scope}
    week = {**Filters(date(2026, 3, 1), date(2026, 3, 7)).params(settings), **scope,
            "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 8)}
    with store.connect() as connection:
        meta = _rollup_meta(connection)
    assert rollups.choose("pipeline_stage_transitions", march, meta) == "rollup_pipeline_stage_transitions"
    assert rollups.choose("pipeline_changes", week, meta) == "rollup_pipeline_changes"
    for use_rollups in (True, False):
        store.use_rollups = use_rollups
        assert store.query("pipeline_stage_transitions", **march).rows() == [
            ("lead", "lost", 1, -2.0), ("lead", "qualified", 1, 1.0), ("proposal", "won", 1, 4.0),
            ("qualified", "proposal", 1, 4.0)], use_rollups
        assert store.query("pipeline_changes", **week).rows() == [
            ("absent", None, "lost", "lead", 1, 10.0), ("absent", None, "open", "proposal", 1, 10.0)], use_rollups


def test_a_rollup_table_whose_columns_changed_is_created_anew_and_rebuilt_by_the_next_load(store: Store) -> None:
    settings = Settings()
    customer = {"customer_id": "c1", "segment": "smb", "region": "north"}
    store.load({"customers": frame([customer])}, settings)
    with store.connect() as connection:  # as a store of an older Journey left it
        connection.execute(sa.text("alter table rollup_opportunity_spells drop column next_move_at"))
        connection.execute(sa.text("update journey_meta set value = '1' where key = :key"),
                           {"key": rollups.VERSION_KEY})
        connection.commit()
    store.init()
    store.load({"customers": frame([{**customer, "customer_id": "c2"}])}, settings)
    with store.connect() as connection:
        columns = list(connection.execute(sa.text("select * from rollup_opportunity_spells limit 0")).keys())
        assert rollups.choose("filter_values", {}, _rollup_meta(connection)) == "rollup_filter_values"
    assert columns[-1] == "next_move_at"
