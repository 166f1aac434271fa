"""The demo generator: valid interchange rows, deterministic, and every planted story visible in the metrics."""

from __future__ import annotations

import csv
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from journey import demo, schema
from journey.settings import Settings
from journey.store import Store

END = date(2026, 11, 22)
START = END - timedelta(days=364)
END_AT = datetime(2026, 11, 23)
DIP_FROM = END_AT - timedelta(days=28)
TYPES = {"text": pl.String, "timestamp": pl.Datetime("us"), "date": pl.Date, "float": pl.Float64,
         "int": pl.Int64, "bool": pl.Boolean}
# timestamps that may lie after end_date: promises and deadlines, not events
FUTURE_COLUMNS = {("orders", "promised_at"), ("follow_ups", "due_at"), ("opportunities", "expected_close_date"),
                  ("quotas", "period_start"), ("quotas", "period_end")}


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return demo.generate("small", 42, END)


@pytest.fixture(scope="module")
def contacts(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Interactions with SPEC's 7-day repeat flag and FCR success (null where resolution is unknown)."""
    interactions = tables["interactions"]
    key = ["customer_id", "reason"]
    times = (interactions.select(*key, "started_at").unique().sort(*key, "started_at")
             .with_columns(next_at=pl.col("started_at").shift(-1).over(key)))
    return interactions.join(times, on=[*key, "started_at"], how="left", maintain_order="left").with_columns(
        repeat=(pl.col("next_at") - pl.col("started_at") <= timedelta(days=7)).fill_null(False),
    ).with_columns(fcr=pl.col("resolved") & ~pl.col("repeat"))


@pytest.fixture(scope="module")
def agent_stats(tables: dict[str, pl.DataFrame], contacts: pl.DataFrame) -> pl.DataFrame:
    """Per agent: contacts, FCR, mix-adjusted FCR, CSAT %, QA (SPEC's definitions)."""
    staffed = contacts.filter(pl.col("agent_id").is_not_null())
    known = staffed.filter(pl.col("fcr").is_not_null()).with_columns(
        cell=pl.col("fcr").cast(pl.Float64).mean().over("reason", "channel"))
    overall = known["fcr"].mean()
    adjusted = known.group_by("agent_id").agg(
        fcr=pl.col("fcr").mean(),
        fcr_adjusted=overall + (pl.col("fcr").cast(pl.Float64).sum() - pl.col("cell").sum()) / pl.len())
    csat = tables["surveys"].join(staffed.select("interaction_id", "agent_id"), on="interaction_id").group_by(
        "agent_id").agg(csat_pct=(pl.col("csat") >= 4).mean())
    volume = staffed.group_by("agent_id").agg(contacts=pl.len(), qa=pl.col("qa_score").mean())
    return volume.join(adjusted, on="agent_id", how="left").join(csat, on="agent_id", how="left").sort("agent_id")


STAGE_SCORE = 100 * ((pl.col("rating") - 1) / 4).mean()  # SPEC: the experience curve's stage score


# --- interface, determinism, validity ---------------------------------------------------------------


def test_generate_is_deterministic_for_a_seed(tables: dict[str, pl.DataFrame]) -> None:
    again = demo.generate("small", 42, END)
    other = demo.generate("small", 7, END)
    assert all(again[name].equals(frame) for name, frame in tables.items())
    assert not other["interactions"].equals(tables["interactions"])


def test_generate_ends_today_by_default() -> None:
    interactions = demo.generate("tiny")["interactions"]
    today = datetime.now(UTC).date()
    assert interactions["started_at"].max().date() >= today - timedelta(days=3)  # type: ignore[union-attr]
    assert interactions["started_at"].min() >= datetime.combine(today - timedelta(days=366), datetime.min.time())


def test_generate_refuses_an_unknown_scale() -> None:
    with pytest.raises(ValueError, match="huge"):
        demo.generate("huge")


def test_scales_grow_from_tiny_to_large() -> None:
    assert list(demo.SCALES) == ["tiny", "small", "medium", "large"]
    assert demo.SCALES["small"] == 60_000 and demo.SCALES["large"] == 10 * demo.SCALES["medium"]


@pytest.mark.parametrize("spec", schema.SPECS, ids=lambda s: s.name)
def test_tables_have_the_spec_columns_and_store_types(tables: dict[str, pl.DataFrame], spec: schema.TableSpec) -> None:
    assert tables[spec.name].schema == pl.Schema({c.name: TYPES[c.kind] for c in spec.columns})


@pytest.mark.parametrize("spec", schema.SPECS, ids=lambda s: s.name)
def test_keys_are_unique_and_required_values_present(tables: dict[str, pl.DataFrame],
                                                      spec: schema.TableSpec) -> None:
    frame = tables[spec.name]
    assert frame.height > 0
    assert frame.select(spec.key).is_duplicated().sum() == 0
    assert {c: frame[c].null_count() for c in spec.required} == dict.fromkeys(spec.required, 0)


@pytest.mark.parametrize("spec", schema.SPECS, ids=lambda s: s.name)
def test_references_enums_and_ranges_hold(tables: dict[str, pl.DataFrame], spec: schema.TableSpec) -> None:
    frame = tables[spec.name]
    problems = []
    for column in spec.columns:
        values = frame[column.name].drop_nulls()
        if column.references:
            target = tables[column.references][schema.SPEC_BY_NAME[column.references].key[0]]
            problems += [f"{column.name} -> {column.references}"] * int((~values.is_in(target.implode())).sum())
        allowed = Settings().pipeline_stages if column.values == schema.PIPELINE_STAGES else column.values
        if allowed:
            problems += [f"{column.name}: {v}" for v in values.unique() if v not in allowed]
        if column.low is not None and values.len():
            problems += [f"{column.name} < {column.low}"] * int((values < column.low).sum())
        if column.high is not None and values.len():
            problems += [f"{column.name} > {column.high}"] * int((values > column.high).sum())
    assert problems == []


@pytest.mark.parametrize("spec", schema.SPECS, ids=lambda s: s.name)
def test_events_lie_in_the_year_up_to_end_date(tables: dict[str, pl.DataFrame], spec: schema.TableSpec) -> None:
    frame = tables[spec.name]
    late = {c.name: int((frame[c.name] >= (END_AT if c.kind == "timestamp" else END + timedelta(days=1))).sum())
            for c in spec.columns if c.kind in ("timestamp", "date") and (spec.name, c.name) not in FUTURE_COLUMNS}
    assert late == dict.fromkeys(late, 0)


def test_events_start_within_the_365_days(tables: dict[str, pl.DataFrame]) -> None:
    first = datetime.combine(START, datetime.min.time())
    starts = {"interactions": "started_at", "journey_events": "occurred_at", "orders": "ordered_at",
              "surveys": "answered_at", "opportunities": "created_at"}
    assert {t: tables[t][c].min() >= first for t, c in starts.items()} == dict.fromkeys(starts, True)


def test_customers_exist_before_their_first_activity(tables: dict[str, pl.DataFrame]) -> None:
    created = tables["customers"].select("customer_id", "created_at")
    starts = {"interactions": "started_at", "journey_events": "occurred_at", "opportunities": "created_at",
              "surveys": "answered_at"}
    early = {t: tables[t].join(created, on="customer_id").filter(pl.col(c) < pl.col("created_at")).height
             for t, c in starts.items()}
    assert early == dict.fromkeys(starts, 0)


def test_agents_work_between_hiring_and_leaving(tables: dict[str, pl.DataFrame]) -> None:
    worked = tables["interactions"].group_by("agent_id").agg(first=pl.col("started_at").min(),
                                                             last=pl.col("started_at").max())
    agents = tables["agents"].join(worked, on="agent_id", how="left")
    left = agents.filter(~pl.col("active"))
    assert agents.filter(pl.col("first") < pl.col("hired_at")).height == 0
    assert left.height >= 1 and (left["last"] < END_AT - timedelta(days=60)).all()


def test_small_scale_sizes(tables: dict[str, pl.DataFrame]) -> None:
    agents = tables["agents"]
    assert 50_000 <= tables["interactions"].height <= 70_000
    assert 40 <= agents.height <= 60 and 4 <= agents["team"].n_unique() <= 6


# --- 1. seasonality, channels, departments ----------------------------------------------------------


def test_weekends_and_nights_are_quieter(contacts: pl.DataFrame) -> None:
    days = pl.DataFrame({"day": pl.date_range(START, END, eager=True)}).group_by(
        weekday=pl.col("day").dt.weekday()).agg(days=pl.len())
    per_day = contacts.group_by(weekday=pl.col("started_at").dt.weekday()).len().join(days, on="weekday").with_columns(
        daily=pl.col("len") / pl.col("days"))
    weekend = per_day.filter(pl.col("weekday") >= 6)["daily"].mean()
    weekday = per_day.filter(pl.col("weekday") <= 5)["daily"].mean()
    hours = contacts.group_by(hour=pl.col("started_at").dt.hour()).len().sort("len", descending=True)
    office = contacts.filter(pl.col("started_at").dt.hour().is_between(9, 17))
    assert weekend < 0.7 * weekday  # type: ignore[operator]
    assert 9 <= hours["hour"][0] <= 16 and office.height > 0.55 * contacts.height


def test_channels_have_different_shares_and_the_web_is_self_service(contacts: pl.DataFrame) -> None:
    shares = contacts["channel"].value_counts(normalize=True, sort=True)
    web = contacts.filter(pl.col("channel") == "web")
    assert shares["channel"][0] == "voice" and shares["proportion"][0] > 0.3
    assert shares.height == len(schema.CHANNELS) and shares["proportion"].n_unique() == shares.height
    assert web.height > 1_000 and web["agent_id"].null_count() == web.height


def test_service_is_inbound_and_sales_marketing_collections_call_out(contacts: pl.DataFrame) -> None:
    outbound = dict(contacts.group_by("department").agg((pl.col("direction") == "outbound").mean()).iter_rows())
    assert outbound["service"] < 0.05 and outbound["marketing"] == 1.0
    assert outbound["sales"] > 0.6 and outbound["collections"] > 0.8


# --- 2. and 3. reasons, agents, the specialist and the busiest agent ----------------------------------


def test_reasons_differ_in_difficulty(contacts: pl.DataFrame) -> None:
    staffed = contacts.filter(pl.col("agent_id").is_not_null())
    rate = dict(staffed.group_by("reason").agg(pl.col("resolved").mean()).iter_rows())
    assert rate["billing"] > rate["delivery_issue"] + 0.1 and rate["delivery_issue"] > rate["technical_fault"] + 0.08


def test_specialist_has_clearly_the_best_fcr_on_technical_faults(contacts: pl.DataFrame) -> None:
    faults = contacts.filter(pl.col("reason") == "technical_fault", pl.col("agent_id").is_not_null(),
                             pl.col("fcr").is_not_null())
    reason_fcr, k = faults["fcr"].mean(), Settings().shrinkage_k
    best = (faults.group_by("agent_id").agg(n=pl.len(), fcr=pl.col("fcr").mean(), wins=pl.col("fcr").sum())
            .filter(pl.col("n") >= 20)
            .with_columns(shrunk=(pl.col("wins") + k * reason_fcr) / (pl.col("n") + k))
            .sort("shrunk", descending=True))
    assert best["agent_id"][0] == demo.SPECIALIST_AGENT_ID and best["n"][0] >= 20
    assert best["fcr"][0] >= best["fcr"].sort(descending=True)[1] + 0.05


def test_busiest_agent_has_poor_quality(tables: dict[str, pl.DataFrame], agent_stats: pl.DataFrame) -> None:
    stats = agent_stats.join(tables["agents"].select("agent_id", "team"), on="agent_id")
    ranked = stats.sort("contacts", descending=True)
    busy = ranked.row(0, named=True)
    others = stats.filter(pl.col("agent_id") != busy["agent_id"], pl.col("fcr").is_not_null())
    mates = others.filter(pl.col("team") == busy["team"])  # same reason mix, so raw FCR compares fairly
    assert busy["agent_id"] == demo.BUSY_AGENT_ID and busy["contacts"] > 1.5 * ranked["contacts"][1]
    assert busy["fcr"] < mates["fcr"].mean() - 0.10  # type: ignore[operator]
    assert busy["fcr_adjusted"] < others["fcr_adjusted"].mean() - 0.10  # type: ignore[operator]
    assert busy["csat_pct"] < others["csat_pct"].mean() - 0.15  # type: ignore[operator]
    assert busy["qa"] < others["qa"].mean() - 8  # type: ignore[operator]


# --- 4. and 5. repeats and surveys ----------------------------------------------------------------------


def test_unresolved_contacts_come_back_within_a_week(contacts: pl.DataFrame) -> None:
    repeat = dict(contacts.filter(pl.col("resolved").is_not_null()).group_by("resolved")
                  .agg(pl.col("repeat").mean()).iter_rows())
    assert repeat[False] > 3 * repeat[True]


def test_survey_answers_follow_resolution(tables: dict[str, pl.DataFrame]) -> None:
    surveys = tables["surveys"].join(tables["interactions"].select("interaction_id", "resolved"),
                                     on="interaction_id", how="left")
    by = {r["resolved"]: r for r in surveys.group_by("resolved").agg(
        csat=pl.col("csat").mean(), ces=pl.col("ces").mean(),
        nps=100 * ((pl.col("nps") >= 9).mean() - (pl.col("nps") <= 6).mean())).iter_rows(named=True)}
    assert by[True]["csat"] > by[False]["csat"] + 1.0 and by[True]["ces"] > by[False]["ces"] + 0.8
    assert by[True]["nps"] > by[False]["nps"] + 40
    assert surveys.select(pl.corr("csat", "nps")).item() > 0.4


def test_surveys_have_comments_churn_intent_and_some_no_contact(tables: dict[str, pl.DataFrame]) -> None:
    surveys = tables["surveys"]
    assert 0.2 < surveys["comment"].is_not_null().mean() < 0.5  # type: ignore[operator]
    assert 0.02 < surveys["churn_intent"].mean() < 0.2  # type: ignore[operator]
    assert 0.05 < surveys["interaction_id"].is_null().mean() < 0.3  # type: ignore[operator]


# --- 6. and 7. journeys and benchmarks ------------------------------------------------------------------


def test_journeys_run_through_the_stages_in_order(tables: dict[str, pl.DataFrame]) -> None:
    events = tables["journey_events"].with_columns(
        step=pl.col("stage").replace_strict({s: i for i, s in enumerate(schema.STAGES)}))
    first = events.group_by("journey_id").agg(pl.col("step").min())
    ordered = events.sort("journey_id", "step").group_by("journey_id").agg(
        ok=(pl.col("occurred_at").diff().drop_nulls() > timedelta(0)).all())
    counts = [events.filter(pl.col("stage") == s).height for s in schema.STAGES]
    assert first["step"].max() == 0 and ordered["ok"].all()
    assert counts == sorted(counts, reverse=True) and counts[4] < 0.25 * counts[3]
    assert set(events["outcome"].unique()) == set(schema.OUTCOMES)


def test_receive_dips_in_the_north_in_the_last_four_weeks(tables: dict[str, pl.DataFrame]) -> None:
    receive = tables["journey_events"].filter(pl.col("stage") == "receive", pl.col("rating").is_not_null()).join(
        tables["customers"].select("customer_id", "region"), on="customer_id")
    scores = receive.group_by(north=pl.col("region") == "north", recent=pl.col("occurred_at") >= DIP_FROM).agg(
        score=STAGE_SCORE, ratings=pl.len())
    score = {(r["north"], r["recent"]): r["score"] for r in scores.iter_rows(named=True)}
    assert scores.filter(pl.col("north"), pl.col("recent"))["ratings"].item() >= 40
    assert score[True, True] < score[True, False] - 10 and score[True, True] < score[False, True] - 10


def test_journeys_with_a_find_or_choose_peak_convert_more(tables: dict[str, pl.DataFrame]) -> None:
    journeys = tables["journey_events"].group_by("journey_id").agg(
        peak=(pl.col("stage").is_in(["find", "choose"]) & (pl.col("rating") == 5)).any(),
        bought=((pl.col("stage") == "buy") & (pl.col("outcome") == "completed")).any())
    rate = dict(journeys.group_by("peak").agg(pl.col("bought").mean()).iter_rows())
    assert rate[True] > rate[False] + 0.10


def test_return_is_our_only_peak_against_the_benchmarks(tables: dict[str, pl.DataFrame]) -> None:
    events = tables["journey_events"]
    ours = events.filter(pl.col("rating").is_not_null()).group_by("stage").agg(score=STAGE_SCORE)
    peers = tables["benchmarks"].group_by("stage").agg(peer_best=pl.col("score").max(), peers=pl.len())
    curve = ours.join(peers, on="stage").with_columns(peak=pl.col("score") >= pl.col("peer_best") + 5)
    assert dict(curve.select("stage", "peak").iter_rows()) == {s: s == "return" for s in schema.STAGES}
    assert curve["peers"].to_list() == [3] * 5


# --- 8. orders, returns, value against cost-to-serve ----------------------------------------------------


def test_orders_are_sometimes_late_cancelled_or_returned(tables: dict[str, pl.DataFrame]) -> None:
    orders, returns = tables["orders"], tables["returns"]
    delivered = orders.filter(pl.col("delivered_at").is_not_null())
    status = orders["status"].value_counts(normalize=True)
    share = dict(status.iter_rows())
    late = (delivered["delivered_at"] > delivered["promised_at"]).mean()
    assert 0.05 < late < 0.25 and 0.01 < share["cancelled"] < 0.1 and 0.03 < share["returned"] < 0.2  # type: ignore[operator]
    assert set(delivered["status"]) == {"delivered", "returned"} and set(orders["status"]) == set(schema.ORDER_STATUSES)
    refunded = returns.join(orders, on="order_id").filter(pl.col("refunded_amount") > pl.col("amount"))
    assert refunded.height == 0 and returns["order_id"].is_in(orders["order_id"].implode()).all()


def test_a_fifth_of_customers_bring_most_margin_and_some_cost_more(tables: dict[str, pl.DataFrame],
                                                                   settings: Settings) -> None:
    cost = pl.col("channel").replace_strict(settings.cost_per_contact, return_dtype=pl.Float64)
    served = tables["interactions"].group_by("customer_id").agg(cost=cost.sum(), contacts=pl.len())
    revenue = tables["orders"].filter(pl.col("status") != "cancelled").group_by("customer_id").agg(
        revenue=pl.col("amount").sum())
    value = served.join(revenue, on="customer_id", how="full", coalesce=True).fill_null(0).with_columns(
        margin=pl.col("revenue") * settings.gross_margin - pl.col("cost")).sort("margin", descending=True)
    top = value.head(math.ceil(0.2 * value.height))["margin"].sum()
    costly = value.filter(pl.col("margin") < 0, pl.col("contacts") >= 20)
    assert top > 0.65 * value.filter(pl.col("margin") > 0)["margin"].sum()
    assert costly.height >= 20


# --- 9. pipeline -----------------------------------------------------------------------------------------


def test_opportunities_move_through_the_stages_in_order(tables: dict[str, pl.DataFrame]) -> None:
    stages = Settings().pipeline_stages
    history = tables["opportunity_stages"].with_columns(
        step=pl.col("stage").replace_strict({s: i for i, s in enumerate(stages)})).sort("opportunity_id", "step")
    walk = history.group_by("opportunity_id", maintain_order=True).agg(
        steps=pl.col("step"), first_at=pl.col("entered_at").first(), last_at=pl.col("entered_at").last(),
        last_stage=pl.col("stage").last(), rising=(pl.col("entered_at").diff().drop_nulls() > timedelta(0)).all())
    deals = tables["opportunities"].join(walk, on="opportunity_id")
    assert deals.height == tables["opportunities"].height and deals["rising"].all()
    assert deals.filter(pl.col("steps") != pl.int_ranges(pl.col("steps").list.len())).height == 0
    assert (deals["first_at"] == deals["created_at"]).all() and (deals["last_stage"] == deals["stage"]).all()
    closed = deals.filter(pl.col("status") != "open")
    assert (closed["closed_at"] >= closed["last_at"]).all()


def test_deals_are_won_lost_open_and_some_slip(tables: dict[str, pl.DataFrame]) -> None:
    deals, agents = tables["opportunities"], tables["agents"]
    count = dict(deals["status"].value_counts().iter_rows())
    slipping = deals.filter(pl.col("status") == "open", pl.col("expected_close_date") < END)
    owners = agents.filter(pl.col("agent_id").is_in(deals["owner_id"].implode()))
    assert min(count.values()) >= 30 and slipping.height >= 10
    assert (deals["closed_at"].is_null() == (deals["status"] == "open")).all()
    assert (deals["lost_reason"].is_not_null() == (deals["status"] == "lost")).all()
    assert set(owners["team"]) == {"Sales"} and deals["created_at"].dt.month().n_unique() == 12


def test_quotas_cover_every_owner_each_month(tables: dict[str, pl.DataFrame]) -> None:
    quotas, owners = tables["quotas"], tables["opportunities"]["owner_id"].unique()
    per_owner = quotas.group_by("owner_id").agg(months=pl.len(), first=pl.col("period_start").min(),
                                                 last=pl.col("period_end").max())
    assert set(per_owner["owner_id"]) == set(owners) and per_owner["months"].n_unique() == 1
    assert per_owner["first"].max() <= START and per_owner["last"].min() >= END + timedelta(days=60)
    assert (quotas["period_start"].dt.day() == 1).all() and (quotas["amount"] > 0).all()


# --- 10.-13. stale records, coordination, follow-ups, segments ---------------------------------------------


def test_a_tenth_of_customer_records_are_stale(tables: dict[str, pl.DataFrame]) -> None:
    customers = tables["customers"]
    stale = (customers["updated_at"] < END_AT - timedelta(days=181)).mean()
    assert 0.07 < stale < 0.13  # type: ignore[operator]
    assert (customers["updated_at"] >= customers["created_at"]).all()


def test_departments_call_the_same_customer_on_one_day(contacts: pl.DataFrame) -> None:
    days = contacts.filter(pl.col("direction") == "outbound").group_by(
        "customer_id", day=pl.col("started_at").dt.date()).agg(departments=pl.col("department").n_unique())
    crowded = days.filter(pl.col("departments") >= 2)
    weeks = crowded.group_by("customer_id").agg(weeks=pl.col("day").dt.truncate("1w").n_unique())
    assert crowded.height >= 100 and weeks["weeks"].max() >= 45  # type: ignore[operator]


def test_most_at_risk_customers_get_a_follow_up_within_48_hours(tables: dict[str, pl.DataFrame]) -> None:
    at_risk = tables["surveys"].filter((pl.col("nps") <= 6) | pl.col("churn_intent"),
                                       pl.col("answered_at") < END_AT - timedelta(days=2))
    followed = at_risk.join(tables["follow_ups"].select("customer_id", "created_at"), on="customer_id").filter(
        pl.col("created_at").is_between(pl.col("answered_at"), pl.col("answered_at") + timedelta(hours=48)))
    share = followed["survey_id"].n_unique() / at_risk.height
    assert at_risk.height >= 300 and 0.65 < share < 0.92


def test_customers_have_segments_and_regions_and_some_reasons_a_stage(tables: dict[str, pl.DataFrame]) -> None:
    customers, interactions = tables["customers"], tables["interactions"]
    stage = dict(interactions.group_by("reason").agg(pl.col("stage").unique()).iter_rows())
    assert set(customers["segment"]) == {"consumer", "smb", "enterprise"}
    assert set(customers["region"]) == {"north", "south", "east", "west"}
    assert stage["delivery_issue"] == ["receive"] and stage["return_request"] == ["return"]
    assert stage["billing"] == [None]


# --- loading and the interchange folder --------------------------------------------------------------------


def test_build_loads_every_generated_row(store: Store, tables: dict[str, pl.DataFrame]) -> None:
    messages: list[str] = []
    counts = demo.build(store, "small", seed=42, end_date=END, progress=messages.append)
    with store.connect() as connection:
        stored = {t: connection.execute(sa.text(f"select count(*) from {t}")).scalar() for t in counts}
    assert stored == counts == {name: frame.height for name, frame in tables.items()}
    assert len(messages) == len(schema.SPECS) + 2 and messages[-1] == "ranking customers"
    assert store.query("customer_value_kept").height == 1  # ranked once, after the last table


def test_write_folder_writes_one_csv_per_table_with_the_spec_columns(tmp_path: Path) -> None:
    tables = demo.generate("tiny", 42, END)
    demo.write_folder(tables, tmp_path / "demo")
    files = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert files == sorted(f"{spec.name}.csv" for spec in schema.SPECS)
    for spec in schema.SPECS:
        with (tmp_path / "demo" / f"{spec.name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == [c.name for c in spec.columns] and len(rows) == tables[spec.name].height + 1
    first = tables["interactions"].row(0, named=True)
    written = next(csv.DictReader((tmp_path / "demo" / "interactions.csv").open(encoding="utf-8")))
    assert written["started_at"] == first["started_at"].strftime("%Y-%m-%dT%H:%M:%SZ")


def test_written_folder_imports_without_rejects(tmp_path: Path) -> None:
    ingest = pytest.importorskip("journey.ingest")
    from journey.store import open_store

    demo.write_folder(demo.generate("tiny", 42, END), tmp_path / "demo")
    store = open_store(f"duckdb:///{tmp_path / 'import.duckdb'}")
    result = ingest.import_folder(store, tmp_path / "demo", Settings(), rejects_dir=tmp_path / "rejects")
    assert sum(result.rejected.values()) == 0 and result.loaded["interactions"] > 0
