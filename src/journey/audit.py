"""The audit log: who signed in, who failed to, who exported what, who saved weekly notes; read by analysts on
the Data health page."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import polars as pl
import sqlalchemy as sa

from journey import schema
from journey.store import StoreError, new_id, open_store

Query = Callable[..., pl.DataFrame]
EVENTS = ("sign_in", "sign_in_failed", "sign_out", "export", "report", "denied", "notes_saved")
LIST_LIMIT = 500
log = logging.getLogger("journey.audit")
# Events that could not be written yet (a DuckDB store is locked while `journey import` loads): written
# with the next event that gets through, so a busy store delays the log but loses nothing while the app runs.
_pending: list[dict[str, object]] = []
_lock = threading.Lock()
_writers: list[threading.Thread] = []


def record(url: str, user_name: str, event: str, detail: str = "", now: datetime | None = None) -> None:
    """Append an event; it is written in the background, so a busy store never holds up a page."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    row = {"event_id": new_id(), "occurred_at": now or datetime.now(UTC).replace(tzinfo=None),
           "user_name": user_name, "event": event, "detail": detail[:500]}
    log.info("audit %s %s %s", user_name, event, detail)  # the server log keeps a copy whatever happens
    with _lock:
        _pending.append(row)
    writer = threading.Thread(target=flush, args=(url,), name="journey-audit", daemon=True)
    _writers[:] = [w for w in _writers if w.is_alive()] + [writer]
    writer.start()


def flush(url: str) -> bool:
    """Write every pending event; False when the store was busy and they wait for the next event."""
    with _lock:
        if not _pending:
            return True
        try:
            store = open_store(url)  # a short writing connection; creates the log in a store that predates it
            try:
                with store.connect() as connection, connection.begin():
                    connection.execute(sa.insert(schema.audit_log), _pending)
            finally:
                store.engine.dispose()
        except StoreError as error:
            log.warning("%d audit events kept in memory until the store can be written: %s", len(_pending), error)
            return False
        _pending.clear()
        return True


def wait() -> None:
    """Wait for the background writes started so far (tests, and the CLI before it exits)."""
    while _writers:
        _writers.pop().join()


def pending() -> int:
    """Events waiting in memory for the store."""
    return len(_pending)


def recent(query: Query, limit: int = LIST_LIMIT, events: tuple[str, ...] = ()) -> pl.DataFrame:
    """The newest audit events (of the given kinds, else all): occurred_at, user_name, event, detail."""
    try:
        return query("audit_log", limit=limit, all_events=not events, events=list(events))
    except StoreError as error:
        if "audit_log" not in str(error):
            raise
        return pl.DataFrame(schema={"occurred_at": pl.Datetime("us"), "user_name": pl.String, "event": pl.String,
                                    "detail": pl.String})


def failures_since(query: Query, user_name: str, since: datetime) -> int:
    """Failed sign-ins of `user_name` since `since` (UTC), for the pause after too many."""
    try:
        rows = query("audit_failures", user_name=user_name, since=since)
    except StoreError as error:
        if "audit_log" not in str(error):
            raise
        return 0
    return int(rows["failures_count"][0]) if rows.height else 0
