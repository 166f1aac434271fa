"""Page benchmark (issue 10): each page's default-view data on DuckDB and PostgreSQL, against a hand-written
SQL query over the raw tables and against loading raw rows into Polars; AppTest first renders; import
speed; the app's memory with five pages open.

Usage:
  .venv/bin/python bench/pages.py --duckdb duckdb:////tmp/h10/medium.duckdb \
      [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/journey_medium] [--runs 5] \
      [--folder /tmp/h10/medium_folder] [--apptest] [--rss] [--skip-baselines]

Page data = every library call the page makes for its default view (the last 28 days up to the newest
contact, no filter, first item of every picker), called on the store directly (no Streamlit cache; a query
repeated with the same parameters in one run is answered once, as the app's query cache answers it; the parts a
page computes at the same time, with journey.overlap, run at the same time here too), warm:
one run to warm up, then the median of --runs. Prints its figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from journey import (
    agent_detail,
    agents,
    audit,
    curve,
    curve_detail,
    customers,
    health,
    ingest,
    overview,
    pipeline,
    pipeline_flow,
    report,
    weekly,
    weekly_sections,
)
from journey.filters import Filters, default_view
from journey.overlap import together
from journey.settings import Settings
from journey.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("overview", "journey", "agents", "pipeline", "weekly_review", "customers", "data_health")
TARGETS = {"duckdb": 0.3, "postgresql": 1.0, "apptest": 1.5, "import_rows_per_s": 300_000, "rss_mb": 1536}
Query = Callable[..., pl.DataFrame]


# --- each page's default-view data: the calls pages/<page>.py makes, in order ---------------------------

def default_filters(query: Query, settings: Settings) -> Filters:
    """What ui.filters() shows first: the 28 days up to the newest contact, no dimension chosen."""
    newest = query("store_extent", tz=settings.time_zone)["newest_date"].item()
    newest = newest if isinstance(newest, date) else datetime.now(settings.zone).date()
    query("filter_values")
    return default_view(newest)


def frame(query: Query, settings: Settings) -> Filters:
    """What dashboard.py runs around every page: the filters and the footer's freshness."""
    flt = default_filters(query, settings)
    health.footer_status(query, settings, datetime.now(UTC).replace(tzinfo=None))
    return flt


def overview_page(query: Query, settings: Settings) -> None:
    flt = frame(query, settings)
    now = datetime.now(UTC).replace(tzinfo=None)
    as_of = overview.forecast_as_of(flt, datetime.now(settings.zone).date())
    (report_, _), (_, weeks), *forecasts = together(
        lambda: weekly.tiles(query, flt, settings), lambda: overview.curves(query, flt, settings),
        *overview.forecast_parts(query, as_of, flt, settings))
    overview.tile_of(as_of, *forecasts)
    overview.alerts(query, flt, settings, report_.values, weeks, now)


def journey(query: Query, settings: Settings) -> None:
    flt = frame(query, settings)
    result = curve.report(query, flt, settings)
    totals = curve_detail.journey_totals(query, flt, settings)
    curve.display(result)
    curve.compare(result.cells, curve.COMPARE_DIMENSIONS[0])
    curve_detail.funnel(totals)
    curve_detail.impact_table([curve_detail.peak_impact(totals), *curve_detail.repurchase(query, flt, settings)])
    stage = "find"
    curve.rating_distribution(result.cells, stage)
    curve_detail.stage_reasons(query, flt, settings, stage)
    curve_detail.worst_journeys(query, flt, settings, stage)


def agents_page(query: Query, settings: Settings) -> None:
    flt = frame(query, settings)
    result = agents.report(query, flt, settings)
    card = result.scorecard
    agents.page_table(card, settings)
    agent_detail.raw_vs_adjusted(card)
    result.best  # noqa: B018 - the page shows it
    if card.height:
        agent_id = card["agent_id"][0]
        agent_detail.weekly_trend(query, flt, settings, agent_id, result.cells)
        for dimension in ("reason", "channel"):
            agent_detail.mix(result.cells, agent_id, dimension)
        agent_detail.points(agent_detail.reason_gaps(result.cells, agent_id),
                            agent_detail.metric_gaps(card, agent_id, settings))
        if result.teams.height:
            agent_detail.team_members(card, result.teams["team"][0])


def pipeline_page(query: Query, settings: Settings) -> None:
    flt = frame(query, settings)
    as_of = pipeline.today(settings)
    (result, best), closed, states = together(lambda: pipeline.with_preferred(query, as_of, flt, settings),
                                              lambda: pipeline_flow.closed_cells(query, flt, settings),
                                              lambda: pipeline_flow.week_states(query, as_of, flt, settings))
    pipeline.headline(result, best)
    pipeline_flow.funnel(query, result.open_cells, result.probabilities, flt, settings)
    pipeline_flow.velocity(result.open_cells, closed)
    pipeline.side_by_side(result)
    for keys in (("team",), ("owner_id", "owner_name")):
        pipeline.against_quota(query, result, flt, settings, best.method, keys)
    pipeline.backtest_table(result)
    pipeline_flow.bridge(states, result.probabilities, settings.pipeline_stages)
    pipeline_flow.week_summary(states, settings.pipeline_stages)
    pipeline_flow.win_loss(closed, ("product",))
    pipeline_flow.lost_reasons(closed)


def weekly_review(query: Query, settings: Settings) -> None:
    flt = frame(query, settings)
    today = datetime.now(settings.zone).date()
    week = weekly.default_week(flt.end, today)
    review, *_ = together(lambda: report.review(query, week, flt, settings),
                          *weekly_sections.builders(query, week, flt, settings))
    report.display_table(review.table)
    weekly.read_notes(query, week)


def customers_page(query: Query, settings: Settings) -> None:
    flt = frame(query, settings)
    # the default view opens the first tab, Value and cost-to-serve: only the open tab runs its queries
    report = customers.value_report(query, flt, settings, "most_valuable")  # cells, scatter and list: one query
    cells = report.cells
    value = customers.value_summary(cells)
    if value["customers"]:
        customers.pareto_curve(cells)
        customers.group_tiles(value)
        for dimension in ("segment", "region"):
            customers.groups_by(cells, dimension)


def data_health(query: Query, settings: Settings) -> None:
    frame(query, settings)
    now = datetime.now(UTC).replace(tzinfo=None)
    tables = health.freshness(query, settings, now)
    count = int(tables.filter(tables["table_name"] == "customers")["rows_count"].sum())
    health.stale_customers(query, settings, now, count)
    history = health.imports(query)
    if history.height:
        chosen = history["import_id"][0]
        if health.reject_reasons(query, chosen).height:
            health.import_rejects(query, chosen)
    audit.recent(query)  # shown to analysts, the local user's role


PAGE_DATA: dict[str, Callable[[Query, Settings], None]] = {
    "overview": overview_page, "journey": journey, "agents": agents_page, "pipeline": pipeline_page,
    "weekly_review": weekly_review, "customers": customers_page, "data_health": data_health,
}


# --- timing -------------------------------------------------------------------------------------------

def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = run()
    return time.perf_counter() - began, result


def warm_median(run: Callable[[], Any], runs: int) -> float:
    run()
    return statistics.median(timed(run)[0] for _ in range(runs))


class Recorder:
    """store.query as a page run sees it, keeping the time of each query it runs. A query asked again with the
    same parameters in the same run is answered from memory, as the app's query cache (ui.query) answers it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: list[tuple[str, float]] = []
        self.answers: dict[str, pl.DataFrame] = {}

    def __call__(self, name: str, **params: Any) -> pl.DataFrame:
        key = f"{name} {sorted(params.items())!r}"
        if key not in self.answers:
            seconds, self.answers[key] = timed(lambda: self.store.query(name, **params))
            self.calls.append((name, seconds))
        return self.answers[key]

    def new_run(self) -> Recorder:
        self.calls.clear()
        self.answers.clear()
        return self


def page_times(store: Store, settings: Settings, runs: int) -> tuple[dict[str, float | None], dict[str, list[str]]]:
    """Median seconds per page, and per page its slowest queries (name and seconds of the last run)."""
    times: dict[str, float | None] = {}
    slowest = {}
    for page, data in PAGE_DATA.items():
        recorder = Recorder(store)
        try:
            times[page] = warm_median(lambda data=data, recorder=recorder: data(  # type: ignore[misc]
                recorder.new_run(), settings), runs)
        except Exception as error:  # noqa: BLE001 - one broken page must not hide the others' figures
            times[page] = None
            slowest[page] = [f"failed: {str(error).splitlines()[0][:120]}"]
            continue
        per_query: dict[str, float] = collections.defaultdict(float)
        for name, seconds in recorder.calls:
            per_query[name] += seconds
        slowest[page] = [f"{name} {seconds:.3f}" for name, seconds in
                         sorted(per_query.items(), key=lambda item: -item[1])[:3]]
    return times, slowest


# --- baselines: one hand-written SQL query over the raw tables, and raw rows into Polars ---------------

# The Overview's figures (contact, survey and order KPIs of the range and of the 12 sparkline weeks) as a
# BI tool pointed at the raw tables would compute them: one query, the repeat flag by a window over all
# contacts (the raw tables have no precomputed gap). Journey conversion is left out of the baselines.
OVERVIEW_SQL = """
with contacts as (
    select started_at, agent_id, handle_seconds, resolved,
        coalesce(first_value(started_at) over (
            partition by customer_id, reason order by started_at
            range between interval '1 microsecond' following and unbounded following)
            - started_at <= interval '7 days', false) as is_repeat
    from interactions
    where started_at >= :first_ts and started_at < :end_ts + interval '7 days'
),
blocks as (
    select cast(floor(extract(epoch from (:end_ts - started_at)) / (7 * 86400)) as integer) as block, *
    from contacts where started_at < :end_ts
),
contact_kpis as (
    select block, count(*) as contacts,
        avg(case when agent_id is not null and resolved is not null
            then case when resolved and not is_repeat then 1.0 else 0.0 end end) as fcr,
        avg(case when agent_id is not null then case when is_repeat then 1.0 else 0.0 end end) as repeat_7d,
        avg(case when agent_id is not null then handle_seconds end) as aht_seconds
    from blocks group by rollup (block)
),
survey_kpis as (
    select block,
        avg(case when csat is not null then case when csat >= 4 then 1.0 else 0.0 end end) as csat_pct,
        100 * avg(case when nps >= 9 then 1.0 when nps <= 6 then -1.0 when nps is not null then 0.0 end) as nps,
        avg(ces) as ces
    from (select cast(floor(extract(epoch from (:end_ts - answered_at)) / (7 * 86400)) as integer) as block, *
          from surveys where answered_at >= :first_ts and answered_at < :end_ts) as s
    group by rollup (block)
),
order_kpis as (
    select block, sum(amount) as revenue, sum(coalesce(returns_count, 0)) * 1.0 / count(*) as return_rate,
        avg(case when delivered_at is not null and promised_at is not null
            then case when delivered_at <= promised_at then 1.0 else 0.0 end end) as on_time_delivery
    from (select cast(floor(extract(epoch from (:end_ts - o.ordered_at)) / (7 * 86400)) as integer) as block,
              o.amount, o.delivered_at, o.promised_at, r.returns_count
          from orders o
          left join (select order_id, count(*) as returns_count from returns group by order_id) r
              on r.order_id = o.order_id
          where o.ordered_at >= :first_ts and o.ordered_at < :end_ts
              and coalesce(o.status, 'placed') <> 'cancelled') as o
    group by rollup (block)
)
select c.block, c.contacts, c.fcr, c.repeat_7d, c.aht_seconds, s.csat_pct, s.nps, s.ces,
    o.revenue, o.return_rate, o.on_time_delivery
from contact_kpis c
left join survey_kpis s on s.block is not distinct from c.block
left join order_kpis o on o.block is not distinct from c.block
order by c.block
"""

# The Agents page's scorecard figures per agent (contacts, AHT, FCR, 7-day repeat, CSAT %, QA, sentiment
# lift) over the range, the repeat flag by a window over all contacts.
AGENTS_SQL = """
with contacts as (
    select interaction_id, agent_id, started_at, handle_seconds, resolved, qa_score,
        sentiment_end - sentiment_start as lift,
        coalesce(first_value(started_at) over (
            partition by customer_id, reason order by started_at
            range between interval '1 microsecond' following and unbounded following)
            - started_at <= interval '7 days', false) as is_repeat
    from interactions
    where started_at >= :start_ts and started_at < :end_ts + interval '7 days'
),
surveyed as (
    select interaction_id, count(csat) as csat_n, count(*) filter (where csat >= 4) as csat_top
    from surveys where interaction_id is not null group by interaction_id
)
select c.agent_id, count(*) as contacts, avg(c.handle_seconds) as aht_seconds,
    count(*) filter (where c.resolved and not c.is_repeat) * 1.0 / nullif(count(c.resolved), 0) as fcr,
    avg(case when c.is_repeat then 1.0 else 0.0 end) as repeat_7d,
    sum(s.csat_top) * 1.0 / nullif(sum(s.csat_n), 0) as csat_pct,
    avg(c.qa_score) as qa, avg(c.lift) as sentiment_lift
from contacts c
left join surveyed s on s.interaction_id = c.interaction_id
where c.started_at >= :start_ts and c.started_at < :end_ts and c.agent_id is not null
group by c.agent_id
order by c.agent_id
"""


def raw_frame(store: Store, sql: str, **params: Any) -> pl.DataFrame:
    with store.connect() as connection:
        result = connection.execute(sa.text(sql), params)
        return pl.DataFrame([tuple(r) for r in result.fetchall()], schema=list(result.keys()), orient="row",
                            infer_schema_length=None)


def rows_of(store: Store, sql: str) -> pl.DataFrame:
    """Raw rows into Polars the fastest plain way: Arrow from both engines (DuckDB's own, ADBC from PostgreSQL:
    a million rows in 0.9 s, where COPY to CSV and Polars' date-guessing CSV reader took 40 s)."""
    if store.dialect == "postgresql":
        uri = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return pl.read_database_uri(sql, uri, engine="adbc")
    with store.engine.connect() as connection:
        driver: Any = connection.connection.driver_connection
        return driver.sql(sql).pl()  # type: ignore[no-any-return]


def repeat_flags(contacts: pl.DataFrame) -> pl.DataFrame:
    """The contacts with is_repeat: a contact of the same customer and reason strictly later, within 7 days."""
    keys = ["customer_id", "reason"]
    times = contacts.select(*keys, "started_at").unique().sort(*keys, "started_at").with_columns(
        pl.col("started_at").shift(-1).over(keys).alias("next_at"))
    return contacts.join(times, on=[*keys, "started_at"], how="left").with_columns(
        ((pl.col("next_at") - pl.col("started_at")).dt.total_seconds() <= 7 * 86400).fill_null(False)
        .alias("is_repeat"))


def polars_overview(store: Store, first: datetime, end: datetime) -> pl.DataFrame:
    """The Overview's contact KPIs the DataFrame way: the raw rows into Polars, aggregated in Python."""
    lookahead = end + timedelta(days=7)
    contacts = rows_of(store, "select customer_id, reason, started_at, agent_id, handle_seconds, resolved "
                              f"from interactions where started_at >= '{first}' and started_at < '{lookahead}'")
    surveys = rows_of(store, "select answered_at, csat, nps, ces from surveys "
                             f"where answered_at >= '{first}' and answered_at < '{end}'")
    orders = rows_of(store, "select order_id, ordered_at, amount, status, promised_at, delivered_at from orders "
                            f"where ordered_at >= '{first}' and ordered_at < '{end}'")
    returns = rows_of(store, "select order_id from returns")
    week = 7 * 86400
    flagged = repeat_flags(contacts)
    in_range = flagged.filter(pl.col("started_at").is_between(first, end, closed="left")).with_columns(
        ((pl.lit(end) - pl.col("started_at")).dt.total_seconds() // week).alias("block"))
    agent = pl.col("agent_id").is_not_null()
    contact_kpis = in_range.group_by("block").agg(
        pl.len().alias("contacts"),
        ((pl.col("resolved") & ~pl.col("is_repeat")).filter(agent & pl.col("resolved").is_not_null()).mean())
        .alias("fcr"),
        pl.col("is_repeat").filter(agent).mean().alias("repeat_7d"),
        pl.col("handle_seconds").filter(agent).mean().alias("aht_seconds"))
    survey_kpis = surveys.with_columns(
        ((pl.lit(end) - pl.col("answered_at")).dt.total_seconds() // week).alias("block")).group_by("block").agg(
        (pl.col("csat") >= 4).mean().alias("csat_pct"),
        (100 * (pl.col("nps") >= 9).cast(pl.Float64) - 100 * (pl.col("nps") <= 6).cast(pl.Float64))
        .filter(pl.col("nps").is_not_null()).mean().alias("nps"),
        pl.col("ces").mean().alias("ces"))
    returned = returns.group_by("order_id").len("returns")
    order_kpis = orders.filter(pl.col("status").fill_null("placed") != "cancelled").join(
        returned, on="order_id", how="left").with_columns(
        ((pl.lit(end) - pl.col("ordered_at")).dt.total_seconds() // week).alias("block")).group_by("block").agg(
        pl.col("amount").sum().alias("revenue"),
        (pl.col("returns").fill_null(0).sum() / pl.len()).alias("return_rate"),
        (pl.col("delivered_at") <= pl.col("promised_at")).filter(
            pl.col("delivered_at").is_not_null() & pl.col("promised_at").is_not_null()).mean()
        .alias("on_time_delivery"))
    return contact_kpis.join(survey_kpis, on="block", how="left").join(order_kpis, on="block", how="left").sort(
        "block")


def polars_agents(store: Store, start: datetime, end: datetime) -> pl.DataFrame:
    """The Agents page's per-agent figures the DataFrame way."""
    contacts = rows_of(store, "select interaction_id, customer_id, reason, agent_id, started_at, handle_seconds, "
                              "resolved, qa_score, sentiment_start, sentiment_end from interactions "
                              f"where started_at >= '{start}' and started_at < '{end + timedelta(days=7)}'")
    surveys = rows_of(store, "select interaction_id, csat from surveys where interaction_id is not null")
    flagged = repeat_flags(contacts)
    surveyed = surveys.group_by("interaction_id").agg(pl.col("csat").count().alias("csat_n"),
                                                     (pl.col("csat") >= 4).sum().alias("csat_top"))
    rows = flagged.filter(pl.col("started_at").is_between(start, end, closed="left") & pl.col("agent_id").is_not_null())
    return rows.join(surveyed, on="interaction_id", how="left").group_by("agent_id").agg(
        pl.len().alias("contacts"), pl.col("handle_seconds").mean().alias("aht_seconds"),
        ((pl.col("resolved") & ~pl.col("is_repeat")).sum() / pl.col("resolved").count()).alias("fcr"),
        pl.col("is_repeat").mean().alias("repeat_7d"),
        (pl.col("csat_top").sum() / pl.col("csat_n").sum()).alias("csat_pct"),
        pl.col("qa_score").mean().alias("qa"),
        (pl.col("sentiment_end") - pl.col("sentiment_start")).mean().alias("sentiment_lift")).sort("agent_id")


BASELINE_FIGURES = {"overview": "Overview KPI tiles (range, last 2 weeks, 12-week sparklines)",
                    "agents": "Agents scorecard (per-agent figures of the range)"}


def baselines(store: Store, settings: Settings, runs: int) -> dict[str, tuple[float, float, float]]:
    """Seconds of (our library call, hand-written SQL, Polars) for the same figures of two pages."""
    flt = default_filters(store.query, settings)
    params = flt.params(settings)
    end = params["end_ts"]
    first = end - timedelta(days=7 * weekly.SPARKLINE_WEEKS)
    fewer = max(1, runs // 2)
    return {
        "overview": (warm_median(lambda: weekly.tiles(store.query, flt, settings), runs),
                     warm_median(lambda: raw_frame(store, OVERVIEW_SQL, first_ts=first, end_ts=end), runs),
                     warm_median(lambda: polars_overview(store, first, end), fewer)),
        "agents": (warm_median(lambda: agents.report(store.query, flt, settings), runs),
                   warm_median(lambda: raw_frame(store, AGENTS_SQL, start_ts=params["start_ts"], end_ts=end), runs),
                   warm_median(lambda: polars_agents(store, params["start_ts"], end), fewer)),
    }


def baseline_agrees(store: Store, settings: Settings) -> str:
    """Whether the baselines give the pages' figures (this week's contacts, FCR, repeat, CSAT, revenue; contacts
    and FCR per agent), as a check that the three ways compute the same thing."""
    flt = default_filters(store.query, settings)
    params = flt.params(settings)
    end = params["end_ts"]
    first = end - timedelta(days=7 * weekly.SPARKLINE_WEEKS)
    names = ("contacts", "fcr", "repeat_7d", "csat_pct", "revenue")
    ours = weekly.tiles(store.query, flt, settings)[0].this_week
    hand = raw_frame(store, OVERVIEW_SQL, first_ts=first, end_ts=end).filter(pl.col("block") == 0)
    frame_rows = polars_overview(store, first, end).filter(pl.col("block") == 0)
    close = all(abs(float(rows[n][0]) - float(ours[n] or 0)) <= 1e-6 * (1 + abs(float(ours[n] or 0)))
                for rows in (hand, frame_rows) for n in names)
    card = agents.report(store.query, flt, settings).scorecard.select("agent_id", "contacts", "fcr").sort("agent_id")
    per_agent = raw_frame(store, AGENTS_SQL, start_ts=params["start_ts"], end_ts=end)
    joined = card.join(per_agent.select("agent_id", pl.col("contacts").alias("c2"), pl.col("fcr").alias("f2")),
                       on="agent_id", how="full")
    differ = joined.filter((pl.col("contacts") != pl.col("c2")) | ((pl.col("fcr") - pl.col("f2")).abs() > 1e-9))
    return (f"KPIs {'agree' if close else 'DIFFER'}; per agent "
            f"{'agree' if differ.height == 0 and joined.height == card.height else f'DIFFER on {differ.height}'}")


# --- AppTest first render, import speed, app memory --------------------------------------------------

def apptest_renders(url: str) -> dict[str, tuple[float, list[str], list[str]]]:
    """Seconds of each page's first render under AppTest (empty caches), and the queries it ran."""
    import streamlit as st
    from streamlit import logger
    from streamlit.testing.v1 import AppTest

    from journey import store as store_module

    os.environ["JOURNEY_DATABASE_URL"] = url
    os.environ.setdefault("JOURNEY_CONFIG", str(ROOT / "config" / "journey.toml"))
    names: list[str] = []
    original = store_module.Store.query

    def recording(self: Store, name: str, **params: Any) -> pl.DataFrame:
        names.append(name)
        return original(self, name, **params)  # type: ignore[no-any-return,unused-ignore]

    store_module.Store.query = recording  # type: ignore[method-assign,unused-ignore]
    # a server scans the installed packages for components once, at start; every AppTest builds a runtime of
    # its own and would scan them again (about 0.5 s)
    from streamlit.components.v2 import manifest_scanner
    scan = manifest_scanner.scan_component_manifests
    manifest_scanner.scan_component_manifests = functools.cache(scan)  # type: ignore[assignment,unused-ignore]
    # clearing the caches between renders runs outside any script: Streamlit warns of a missing context each time
    logger.set_log_level("error")
    renders = {}
    try:
        # every page once, untimed: a server process imports Streamlit's, Plotly's and pandas' modules once,
        # not per page; what is timed below is each page's first render with empty caches
        for page in PAGES:
            warm = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
            warm.switch_page(f"pages/{page}.py")
            warm.run()
        for page in PAGES:
            st.cache_data.clear()
            st.cache_resource.clear()
            names.clear()
            app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
            app.switch_page(f"pages/{page}.py")
            seconds, _ = timed(app.run)
            problems = [str(e.value)[:80] for e in app.exception] + [str(e.value)[:80] for e in app.error]
            if not app.title:
                problems.append("no page title drawn")
            renders[page] = (seconds, sorted(set(names)), problems)
    finally:
        store_module.Store.query = original  # type: ignore[method-assign,unused-ignore]
        manifest_scanner.scan_component_manifests = scan  # type: ignore[assignment,unused-ignore]
    return renders


def queries_of(store: Store, settings: Settings, page: str) -> list[str]:
    recorder = Recorder(store)
    PAGE_DATA[page](recorder, settings)
    return sorted({name for name, _ in recorder.calls})


def import_speed(folder: Path, settings: Settings) -> tuple[float, int, int]:
    """journey import of the folder into a new DuckDB store: seconds, rows loaded, rows rejected."""
    work = Path(tempfile.mkdtemp(prefix="journey-import-", dir="/tmp"))
    try:
        store = open_store(f"duckdb:///{work / 'import.duckdb'}")
        seconds, result = timed(lambda: ingest.import_folder(store, folder, settings, rejects_dir=work / "rejects"))
        store.engine.dispose()
        return seconds, sum(result.loaded.values()), sum(result.rejected.values())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_memory(url: str, pages: int = 5) -> tuple[float, float]:
    """VmRSS (MB) of a Streamlit server after start and after a browser opened `pages` pages in their own tabs."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "JOURNEY_DATABASE_URL": url}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "streamlit"), "run", str(ROOT / "dashboard.py"), "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        idle = rss_mb(server.pid)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            tabs = []
            for page in PAGES[:pages]:
                tab = browser.new_page()
                tab.goto(f"{base}/{'' if page == 'overview' else page}", wait_until="networkidle")
                tab.wait_for_selector("[data-testid='stApp']", timeout=120_000)
                tab.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                      timeout=300_000)
                tabs.append(tab)
            time.sleep(2)
            opened = rss_mb(server.pid)
            browser.close()
        return idle, opened
    finally:
        server.terminate()
        server.wait(timeout=30)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- printing ------------------------------------------------------------------------------------------

def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def seconds_cell(value: float | None, target: float | None = None) -> str:
    if value is None:
        return "–"
    flag = "" if target is None else (" ✓" if value <= target else " ✗")
    return f"{value:.3f}{flag}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duckdb", required=True, help="DuckDB store URL")
    parser.add_argument("--postgres", help="PostgreSQL store URL holding the same data")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, help="interchange folder to time `journey import` on (DuckDB)")
    parser.add_argument("--apptest", action="store_true", help="time each page's first render through AppTest")
    parser.add_argument("--rss", action="store_true", help="app memory with five pages open (Streamlit + Chromium)")
    parser.add_argument("--skip-baselines", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    stores = {"duckdb": open_store(args.duckdb, read_only=True)}
    if args.postgres:
        stores["postgresql"] = open_store(args.postgres, read_only=True)
    for engine, store in stores.items():
        extent = store.query("store_extent", tz=settings.time_zone).row(0, named=True)
        print(f"{engine}: {extent['contacts_count']:,} contacts, {extent['oldest_date']} – {extent['newest_date']}")

    times, slowest = {}, {}
    for engine, store in stores.items():
        times[engine], slowest[engine] = page_times(store, settings, args.runs)
    base = {engine: ({} if args.skip_baselines else baselines(store, settings, args.runs))
            for engine, store in stores.items()}

    engines = list(stores)
    print(f"\nPage data, warm, median of {args.runs} runs (seconds; target DuckDB ≤ {TARGETS['duckdb']}, "
          f"PostgreSQL ≤ {TARGETS['postgresql']})")
    print_table(["page", *engines], [[page, *(seconds_cell(times[e][page], TARGETS[e]) for e in engines)]
                                     for page in PAGES])
    if not args.skip_baselines:
        print("\nThe same figures three ways, warm medians (seconds): Journey (rollups), one hand-written SQL query "
              "over the raw tables, raw rows loaded into Polars and aggregated there; × = how many times slower "
              "than Journey")
        print_table(["figures", "engine", "Journey", "raw SQL", "×", "Polars", "×"], [
            [BASELINE_FIGURES[name], engine, seconds_cell(ours), seconds_cell(sql), f"{sql / ours:.1f}",
             seconds_cell(frame_s), f"{frame_s / ours:.1f}"]
            for engine in engines for name, (ours, sql, frame_s) in base[engine].items()])
    for engine in engines:
        print(f"slowest queries ({engine}): " + "; ".join(f"{p}: {', '.join(s)}" for p, s in slowest[engine].items()))
        if not args.skip_baselines:
            print(f"baselines against the pages ({engine}): {baseline_agrees(stores[engine], settings)}")

    if args.apptest:
        print(f"\nAppTest first render (DuckDB, empty caches; target ≤ {TARGETS['apptest']} s)")
        for page, (seconds, names, problems) in apptest_renders(args.duckdb).items():
            covered = set(queries_of(stores["duckdb"], settings, page))
            missing = sorted(set(names) - covered)
            note = f"  (page data misses {', '.join(missing)})" if missing else ""
            shown = f"  problems: {problems}" if problems else ""
            print(f"  {page:14s} {seconds_cell(seconds, TARGETS['apptest'])}{note}{shown}")

    if args.folder:
        seconds, rows_loaded, rejected = import_speed(args.folder, settings)
        print(f"\njourney import {args.folder} (DuckDB, all validation): {seconds:.1f} s, {rows_loaded:,} rows, "
              f"{rows_loaded / seconds:,.0f} rows/s (target ≥ {TARGETS['import_rows_per_s']:,}), {rejected} rejected")

    if args.rss:
        idle, opened = app_memory(args.duckdb)
        print(f"\napp memory (Streamlit server VmRSS): {idle:,.0f} MB at start, {opened:,.0f} MB with 5 pages open "
              f"(target ≤ {TARGETS['rss_mb']:,} MB)")


if __name__ == "__main__":
    main()
