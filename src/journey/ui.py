"""The one library module that imports Streamlit: store access with caching, filters, shared widgets."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st
from sqlalchemy.engine import make_url

from journey import definitions, weekly
from journey import filters as filters_module
from journey import settings as settings_module
from journey.filters import DIMENSIONS, Filters
from journey.settings import Settings, Target
from journey.store import Store, StoreError, open_store

log = logging.getLogger("journey")
FILTERS_KEY = "journey_filters"
DEFAULT_DAYS = 28


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return settings_module.load()


def database_url() -> str:
    return settings_module.database_url(settings())


def store() -> Store:
    """The store, read-only: the app never holds a write lock, so `journey import` can run beside it."""
    return _open(database_url())


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(url: str) -> Store:
    return open_store(url, read_only=True)


def query(name: str, **params: Any) -> pl.DataFrame:
    """Run a named query, cached until the store's data changes (its data version moves on)."""
    current = store()
    key = json.dumps(params, default=str, sort_keys=True)
    return _cached_query(current.url, current.data_version(), name, key, params)


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _cached_query(url: str, version: int, name: str, key: str, _params: dict[str, Any]) -> pl.DataFrame:
    # `key` stands for the parameters in the cache key; `_params` (unhashed) carries their real types
    return _open(url).query(name, **_params)


def ensure_store() -> None:
    """Build the demo store on first start when the configured DuckDB file does not exist yet."""
    url = make_url(database_url())
    if url.get_backend_name() != "duckdb" or not url.database or Path(url.database).exists():
        return
    from journey import demo  # only on a first start: generating data is not needed otherwise

    with st.status("First start: building the demo store…", expanded=True) as status:
        counts = demo.build(open_store(database_url()), "small", progress=st.write)
        status.update(label=f"Demo store ready: {sum(counts.values()):,} rows", state="complete",
                      expanded=False)
    _open.clear()


def filters() -> Filters:
    """The global filters: sidebar widgets, initialised from and written back to the URL."""
    if FILTERS_KEY in st.session_state and st.session_state.get("_filters_run") == _run_id():
        return st.session_state[FILTERS_KEY]  # type: ignore[no-any-return]
    flt = _filter_widgets()
    st.session_state[FILTERS_KEY] = flt
    st.session_state["_filters_run"] = _run_id()
    _write_filters_to_url(flt)
    return flt


def _write_filters_to_url(flt: Filters) -> None:
    """Put the filters in the URL, leaving a page's own parameters (as-of date, week) as they are."""
    wanted = flt.to_query()
    for key in ("from", "to", *DIMENSIONS):
        if key not in wanted and key in st.query_params:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def _run_id() -> int:
    return int(st.session_state.get("_run_number", 0))


def new_run() -> None:
    """Called once per run by the frame, so pages know the filters were drawn in this run."""
    st.session_state["_run_number"] = _run_id() + 1


def _filter_widgets() -> Filters:
    known = filter_values()
    newest = newest_day()
    default = Filters(newest - timedelta(days=DEFAULT_DAYS - 1), newest)
    if "flt_range" not in st.session_state:
        flt, notes = filters_module.from_query(st.query_params.to_dict(), default, known)
        st.session_state["flt_range"] = (flt.start, flt.end)
        for dimension in DIMENSIONS:
            st.session_state[f"flt_{dimension}"] = list(getattr(flt, dimension))
        for note in notes:
            st.sidebar.warning(f"Link corrected: {note}")
    sidebar = st.sidebar
    sidebar.header("Filters")
    chosen = sidebar.date_input("Date range", key="flt_range", max_value=date(2100, 1, 1),
                                help="Inclusive, in the configured time zone")
    start, end = (chosen[0], chosen[-1]) if isinstance(chosen, (tuple, list)) and chosen else (default.start,
                                                                                              default.end)
    picked = {d: tuple(sidebar.multiselect(d.capitalize(), known.get(d, []), key=f"flt_{d}",
                                           placeholder=f"All {d}s")) for d in DIMENSIONS}
    flt, notes = filters_module.from_query(Filters(start, end, **picked).to_query(), default, known)
    for note in notes:
        sidebar.warning(note)
    return flt


def filter_values() -> dict[str, list[str]]:
    """Known values of each filter dimension, from the store."""
    rows = query("filter_values")
    return {d: rows.filter(pl.col("dimension") == d)["value"].to_list() for d in DIMENSIONS}


def newest_day() -> date:
    """The last day with contacts (today when the store is empty), the default end of the range."""
    newest = query("store_extent", tz=settings().time_zone)["newest_date"].item()
    return newest if isinstance(newest, date) else datetime.now(settings().zone).date()


def start() -> bool:
    """Open (or first build) the store and draw the filters; False, with a message, when it cannot."""
    try:
        ensure_store()
        filters()
    except StoreError as error:
        st.error(f"The store cannot be opened: {error}")
        _retry("frame")
        return False
    return True


@contextmanager
def guarded(page: str) -> Iterator[None]:
    """Run a page; a store problem or a bug shows a short message and a retry button, never a traceback."""
    try:
        yield
    except StoreError as error:
        st.error(f"The store cannot be read: {error}")
        _retry(page)
    except Exception as error:  # noqa: BLE001 - the browser must never see a traceback
        log.error("page %s failed:\n%s", page, traceback.format_exc())
        st.error(f"Something went wrong on this page ({type(error).__name__}). "
                 "The details are in the server log; other pages still work.")
        _retry(page)


def _retry(page: str) -> None:
    if st.button("Retry", key=f"retry_{page}"):
        _open.clear()
        _cached_query.clear()
        st.rerun()


def caption(text: str) -> None:
    st.caption(text)


def table(frame: pl.DataFrame, file_name: str, key: str | None = None, **options: Any) -> None:
    """A table with formats and help by column name, and its CSV download."""
    st.dataframe(frame, column_config=columns(frame), hide_index=True, key=key, **options)
    st.download_button("Download CSV", frame.write_csv(), file_name=f"{file_name}.csv", mime="text/csv",
                       key=f"download_{key or file_name}", icon=":material/download:")


def columns(frame: pl.DataFrame) -> dict[str, Any]:
    """Column display by name: suffixes decide the format, definitions give the help text."""
    config: dict[str, Any] = {}
    for name in frame.columns:
        kind = definitions.kind(name)
        label, help_text = name.replace("_", " "), definitions.HELP.get(name)
        if frame[name].dtype == pl.Date:
            config[name] = st.column_config.DateColumn(label, help=help_text, format="YYYY-MM-DD")
        elif isinstance(frame[name].dtype, pl.Datetime):
            config[name] = st.column_config.DatetimeColumn(label, help=help_text, format="YYYY-MM-DD HH:mm")
        elif kind == "rate":
            config[name] = st.column_config.NumberColumn(label, help=help_text, format="percent")
        elif kind == "seconds":
            config[name] = st.column_config.NumberColumn(label, help=help_text, format="%.0f s")
        elif kind in ("money", "count"):
            config[name] = st.column_config.NumberColumn(label, help=help_text, format="localized")
        else:
            config[name] = st.column_config.Column(label, help=help_text)
    return config


format_value = weekly.show  # one display form for KPI values, in tiles, tables and the report


def format_change(name: str, change: float) -> str:
    """A week-over-week change: points for rates, the KPI's own unit otherwise."""
    if definitions.kind(name) == "rate":
        return f"{100 * change:+.1f} pts"
    return f"{change:+,.0f}" if definitions.kind(name) in ("count", "money", "seconds") else f"{change:+,.1f}"


def delta_color(target: Target | None) -> str:
    """Green for a change in the better direction; grey when no direction is better (e.g. contacts)."""
    if target is None:
        return "off"
    return "inverse" if target.better == "lower" else "normal"


def status_icon(status: str) -> str:
    return {"on target": ":green[●]", "off target": ":red[●]"}.get(status, ":gray[●]")


def footer() -> None:
    """Where the numbers come from and how fresh they are, on every page (one small cached query)."""
    from datetime import UTC

    from journey import health

    shown = make_url(database_url()).render_as_string(hide_password=True)
    dots = {"green": ":green[●]", "amber": ":orange[●]", "red": ":red[●]"}
    try:
        status = health.footer_status(query, settings(), datetime.now(UTC).replace(tzinfo=None))
    except Exception:  # noqa: BLE001 - freshness is a courtesy; the page above must still show
        log.error("footer freshness failed:\n%s", traceback.format_exc())
        status = None
    if status is None or status.newest is None:
        fresh = "no data yet" if status else "freshness unknown"
    else:
        local = status.newest.replace(tzinfo=UTC).astimezone(settings().zone)
        fresh = f"data as of {local:%Y-%m-%d %H:%M} {dots.get(status.light or '', '')} {status.light}"
        if status.lagging:
            fresh += " · lagging: " + ", ".join(f"{table} {dots[light]} {light}"
                                               for table, light in status.lagging.items()) + " (see Data health)"
    st.caption(f"{fresh} · store `{shown}` · time zone {settings().time_zone}")
