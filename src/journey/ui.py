"""The one library module that imports Streamlit: store access with caching, filters, shared widgets."""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl
import streamlit as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from journey import access, audit, definitions, overlap, weekly
from journey import filters as filters_module
from journey import settings as settings_module
from journey.access import AccessError, Scope, User
from journey.filters import DIMENSIONS, Filters
from journey.settings import Settings, Target
from journey.store import Store, StoreError, open_store, query_text

log = logging.getLogger("journey")
_BUILD_LOCK = threading.Lock()
FILTERS_KEY = "journey_filters"
USER_KEY = "journey_user"  # the signed-in User, set only by the sign-in code below, never from a widget or URL
SCOPED = ":visible_agents"  # a query naming this returns per-agent rows: it gets the signed-in user's scope


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
    """Run a named query, cached until the store's data changes (its data version moves on).

    A query returning per-agent rows always gets the signed-in user's scope, whatever the caller passed.
    """
    require_user()
    if SCOPED in query_text(name):
        params = {**params, **scope().params()}
    current = store()
    key = json.dumps(params, default=str, sort_keys=True)
    return _cached_query(current.url, current.data_version(), name, key, params)


def _session_handover() -> Callable[[], None]:
    """A page's part computed in a thread of its own (journey.overlap) runs in the session of the page that started
    it: the signed-in user, their scope, the query cache."""
    session = get_script_run_ctx(suppress_warning=True)

    def join_session() -> None:
        if session is not None:  # else the library is called outside a page (the benchmark): nothing to join
            add_script_run_ctx(threading.current_thread(), session)

    return join_session


overlap.hand_over(_session_handover)


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _cached_query(url: str, version: int, name: str, key: str, _params: dict[str, Any]) -> pl.DataFrame:
    # `key` stands for the parameters in the cache key; `_params` (unhashed) carries their real types
    return _open(url).query(name, **_params)


def ensure_store() -> None:
    """Build the demo store on first start when the configured DuckDB file does not exist yet."""
    try:
        url = make_url(database_url())
    except ArgumentError:
        store()  # not a URL at all: opening it says so, as a StoreError
        return
    if url.get_backend_name() != "duckdb" or not url.database or Path(url.database).exists():
        return
    from journey import demo  # only on a first start: generating data is not needed otherwise

    final = Path(url.database)
    # Built beside the final file and moved into place when complete: a tab closed during the build stops
    # this run, and a half-built store must never look like a finished one. One build at a time.
    with _BUILD_LOCK, st.status("First start: building the demo store…", expanded=True) as status:
        if final.exists():  # another session finished it while this one waited
            return
        building = final.with_name(f"{final.name}.building")
        for leftover in (building, building.with_name(f"{building.name}.wal")):
            leftover.unlink(missing_ok=True)
        partial = open_store(url.set(database=str(building)).render_as_string(hide_password=False))
        counts = demo.build(partial, "small", progress=st.write)
        partial.engine.dispose()
        building.replace(final)
        status.update(label=f"Demo store ready: {sum(counts.values()):,} rows", state="complete",
                      expanded=False)
    _open.clear()


# --- who is signed in, and what they may see ------------------------------------------------------

def current_user() -> User | None:
    """The signed-in user of this session; with access mode none, the open local user."""
    if settings().access_mode == "none":
        return access.LOCAL_USER
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def scope() -> Scope:
    """The agents whose own rows the signed-in user may see (nobody's before sign-in)."""
    return access.scope_for(current_user(), query)


def scope_text() -> str:
    """Whose agent rows the signed-in user sees, in a few words."""
    user = current_user()
    if user is None:
        return "no agent"
    if user.sees_all_agents:
        return "every agent"
    if user.role == "manager":
        return f"the agents of team {', '.join(user.teams)}"
    return f"your own rows (agent {user.agent_id})"


def leave_folder_mode() -> None:
    """Rerun at once if Streamlit is treating pages/ as a folder of pages.

    Until st.navigation has run once in the server process, Streamlit runs an app that has a pages/ folder the
    old way: the frame as one page among them, or a page script alone, without the frame, when the URL names
    it. Widgets made in such a run (the sign-in form) lose their values on the next run, and a page would run
    before sign-in. Streamlit then keeps navigation mode for the life of the process.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_user() -> None:
    """Stop here with the sign-in form when nobody is signed in (a page run without the frame must ask too)."""
    leave_folder_mode()
    if current_user() is None and sign_in() is None:
        st.stop()


def sign_in() -> User | None:
    """The session's user; until there is one, the sign-in form (or why sign-in failed) is drawn instead."""
    mode = settings().access_mode
    user = current_user()
    if mode == "oidc" and user is not None and not st.user.is_logged_in:
        user = None  # signed out at the provider (or the session cookie expired)
        del st.session_state[USER_KEY]
    if user is not None:
        return user
    try:
        ensure_store()
        return {"password": _password_sign_in, "proxy": _proxy_sign_in, "oidc": _oidc_sign_in}[mode]()
    except (StoreError, OSError) as error:  # OSError: a DuckDB file's folder cannot be made or read
        st.error(f"The store cannot be opened, so nobody can sign in: {error}")
        _retry("sign_in")
        return None


def _signed_in(user: User, how: str) -> User:
    st.session_state[USER_KEY] = user
    audit.record(database_url(), user.name, "sign_in", f"{how}; role {user.role}")
    return user


def _refused(name: str, reason: str) -> None:
    audit.record(database_url(), name[:100] or "(empty)", "sign_in_failed", reason)
    st.error(reason)


def _password_sign_in() -> User | None:
    st.title("Journey")
    with st.form("sign_in"):
        name = st.text_input("User name", key="sign_in_name")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return None
    reader = store()  # uncached: a new user or a failed attempt a moment ago must count
    failures = audit.failures_since(reader.query, name.strip(), access.lockout_start(settings()))
    try:
        user = access.check_password(reader.query, name, password, failures, settings())
    except AccessError as error:
        _refused(name.strip(), str(error))
        if access.list_users(reader.query).height == 0:
            st.info("No user exists yet: on the server, run `journey user add NAME --role analyst`.")
        return None
    _signed_in(user, "password")
    st.rerun()
    return user


def _proxy_sign_in() -> User | None:
    try:
        name = access.proxy_user_name(dict(st.context.headers), st.context.ip_address, settings())
    except AccessError as error:
        _refused("(proxy)", str(error))
        return None
    found = access.find_user(store().query, name)
    if found is None:
        _refused(name, f"{name} has no Journey role; an analyst can add one with `journey user add {name} --role …`")
        return None
    return _signed_in(found[0], "proxy")


def _oidc_sign_in() -> User | None:
    if not st.user.is_logged_in:
        st.title("Journey")
        st.button("Sign in", type="primary", on_click=st.login, args=(settings().oidc_provider or None,))
        return None
    email = str(st.user.get("email") or "")
    found = access.find_user(store().query, email)
    if found is None:
        _refused(email, f"{email or 'this account'} has no Journey role; an analyst can add one with "
                 f"`journey user add {email or 'EMAIL'} --role …`")
        st.button("Sign out", on_click=st.logout)
        return None
    return _signed_in(found[0], "oidc")


def sign_out() -> None:
    user = current_user()
    if user is not None:
        audit.record(database_url(), user.name, "sign_out")
    st.session_state.pop(USER_KEY, None)
    if settings().access_mode == "oidc":
        st.logout()


def health_in_menu(user: User | None) -> Literal["visible", "hidden"]:
    """Data health is in the menu of executives and analysts; others reach it only from an Overview alert
    (stale data), and see just the freshness lights there."""
    return "visible" if user is not None and user.sees_data_health else "hidden"


def _account(user: User) -> None:
    if settings().access_mode == "none":
        # markdown, not a caption: the page's own last caption stays the footer
        st.sidebar.markdown(":small[:orange[●] Open access (access.mode = none): anyone who can reach this server "
                            "sees everything; it listens on 127.0.0.1 only. See docs/access.md to require sign-in.]")
        return
    left, right = st.sidebar.columns([3, 2], vertical_alignment="center")
    left.caption(f"Signed in as **{user.name}** · {user.role}")
    right.button("Sign out", key="sign_out", on_click=sign_out, type="tertiary")


def record_export(file_name: str) -> None:
    """A download happened: into the audit log (on_click of every download button)."""
    record_event("export", file_name)


def record_event(event: str, detail: str) -> None:
    """Something the signed-in user did, into the audit log."""
    user = current_user()
    audit.record(database_url(), user.name if user else "(nobody)", event, detail)


def reports_folder(base: Path) -> Path:
    """Where reports built under the signed-in user's scope are kept: one folder per scope, so nobody lists a
    report that shows agents they may not see."""
    current = scope()
    return base if current.all_agents else base / current.key()


def filters() -> Filters:
    """The global filters: sidebar widgets, initialised from and written back to the URL."""
    require_user()
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
    default = filters_module.default_view(newest)
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
    """Open (or first build) the store, show who is signed in and draw the filters; False, with a message,
    when it cannot."""
    try:
        ensure_store()
        user = current_user()
        if user is None:
            return False
        _account(user)
        filters()
    except (StoreError, OSError) as error:  # OSError: a DuckDB file's folder cannot be made or read
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
                       key=f"download_{key or file_name}", icon=":material/download:", on_click=record_export,
                       args=(f"{file_name}.csv",))


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
# from, unit, suffix: each from where the smaller unit would print 1,000.0
COMPACT = ((999_950_000, 1e9, "B"), (999_950, 1e6, "M"), (100_000, 1e3, "k"))


def format_tile(name: str, value: float | int | None) -> str:
    """A value as a tile shows it: as format_value, but counts, money and other plain numbers from 100,000 on in
    thousands, millions or billions, at most four digits ('836.2k', '1.34M', '115.1M'), which fit a tile of six in a
    row where '836,200' was cut to '836,…'."""
    if value is not None and definitions.kind(name) in ("count", "money", "plain"):
        for start, unit, suffix in COMPACT:
            if abs(value) >= start:
                scaled = value / unit
                return f"{scaled:,.{2 if abs(round(scaled, 2)) < 10 else 1}f}{suffix}"
        if isinstance(value, int):
            return f"{value:,}"  # a whole number of days or customers, not '5,151.0'
    return format_value(name, value)


def tile_help(name: str, value: float | int | None, text: str) -> str:
    """A tile's help, with the whole value where the tile shows it in thousands or millions."""
    whole = format_value(name, value)
    return text if format_tile(name, value) == whole else f"{text}\n\nExactly {whole}."


def format_change(name: str, change: float) -> str:
    """A week-over-week change: points for rates, the KPI's own unit otherwise."""
    if definitions.kind(name) == "rate":
        return f"{100 * change:+.1f} pts"
    return f"{change:+,.0f}" if definitions.kind(name) in ("count", "money", "seconds") else f"{change:+,.1f}"


def delta(name: str, change: float | None, color: str) -> dict[str, Any]:
    """st.metric's delta arguments for a change, in the tile's form (format_tile), coloured as `color` says: a change
    that shows as zero ('+0', '-0.0 pts') moved neither way, so it shows without sign, arrow or colour."""
    if change is None:
        return {"delta": None}
    compact = format_tile(name, change)
    text = format_change(name, change) if compact == format_value(name, change) else "+" * (change > 0) + compact
    if not any(digit in text for digit in "123456789"):
        return {"delta": text.lstrip("+-"), "delta_color": "off", "delta_arrow": "off"}
    return {"delta": text, "delta_color": color}


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


def day_in_url(key: str, default: date) -> date:
    """A page's own day (such as the pipeline's as-of date) read from the URL; a bad one is corrected with a note."""
    text = st.query_params.get(key)
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        st.warning(f"Link corrected: {key}={text!r} is not a date (YYYY-MM-DD); showing {default:%Y-%m-%d}.")
        del st.query_params[key]
        return default


def keep_day_in_url(key: str, day: date, default: date) -> None:
    """Write a page's own day to the URL, leaving it out when it is the default, so copied links stay short."""
    if day == default:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != day.isoformat():
        st.query_params[key] = day.isoformat()
