"""The global filters (date range, channel, segment, region, team), their SQL parameters and URL form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from journey.settings import Settings

DIMENSIONS = ("channel", "segment", "region", "team")
DEFAULT_DAYS = 28  # every page opens on the days up to the newest contact
MAX_RANGE_DAYS = 3 * 366  # a longer range is cut, with a note, so one link cannot scan a decade
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    channel: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    team: tuple[str, ...] = ()

    def params(self, settings: Settings) -> dict[str, Any]:
        """Bound parameters shared by every query: UTC bounds of the local days, time zone, filters."""
        params: dict[str, Any] = {
            "start_ts": local_midnight_utc(self.start, settings),
            "end_ts": local_midnight_utc(self.end + timedelta(days=1), settings),
            "tz": settings.time_zone,
            "repeat_window_sec": settings.repeat_window_sec,
        }
        for dimension in DIMENSIONS:
            values = getattr(self, dimension)
            params[f"all_{dimension}s"] = not values
            params[f"{dimension}s"] = list(values)
        return params

    def with_range(self, start: date, end: date) -> Filters:
        return replace(self, start=start, end=end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_query(self) -> dict[str, str]:
        """The URL query string form, so a copied link reopens the same view."""
        query = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        query.update({d: ",".join(getattr(self, d)) for d in DIMENSIONS if getattr(self, d)})
        return query


def default_view(newest: date) -> Filters:
    """What every page shows first: the DEFAULT_DAYS up to the newest contact's day, nothing else chosen."""
    return Filters(newest - timedelta(days=DEFAULT_DAYS - 1), newest)


def local_midnight_utc(day: date, settings: Settings) -> datetime:
    """The start of `day` in the configured time zone, as a naive UTC timestamp (the store's form)."""
    local = datetime.combine(day, time(0), tzinfo=settings.zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def from_query(
    query: Mapping[str, str], default: Filters, known: Mapping[str, list[str]]
) -> tuple[Filters, list[str]]:
    """Filters from a URL query; bad values are dropped or corrected and each one gets a note."""
    notes: list[str] = []
    start = _date(query.get("from"), default.start, "from", notes)
    end = _date(query.get("to"), default.end, "to", notes)
    if start > end:
        notes.append(f"'from' {start} was after 'to' {end}; the two were swapped")
        start, end = end, start
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        start = end - timedelta(days=MAX_RANGE_DAYS - 1)
        notes.append(f"the range was longer than {MAX_RANGE_DAYS} days; it now starts {start}")
    chosen: dict[str, tuple[str, ...]] = {}
    for dimension in DIMENSIONS:
        wanted = [v for v in (query.get(dimension) or "").split(",") if v]
        allowed = set(known.get(dimension, []))
        unknown = [v for v in wanted if v not in allowed]
        if unknown:
            notes.append(f"unknown {dimension} {', '.join(repr(v[:40]) for v in unknown)} ignored")
        chosen[dimension] = tuple(v for v in wanted if v in allowed)
    return Filters(start, end, **chosen), notes


def _date(text: str | None, fallback: date, name: str, notes: list[str]) -> date:
    if not text:
        return fallback
    try:
        if not _DATE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        notes.append(f"'{name}' {text[:40]!r} is not a date (YYYY-MM-DD); using {fallback}")
        return fallback
