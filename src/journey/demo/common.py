"""Shared pieces of the demo generator: the time window, seasonal sampling and frame builders.

Inside the generator, tables are numpy arrays of codes and epoch seconds; the builders here turn
them into the store's column types at the end.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from journey.demo import catalog

DAY = 86_400
HOUR = 3_600
MISSING = np.iinfo(np.int64).min  # an absent timestamp
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[Any]
Rng = np.random.Generator


@dataclass(frozen=True)
class Window:
    """The 365 days up to and including `end_date`, as epoch seconds."""

    end_date: date

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=364)

    @property
    def start(self) -> int:
        return epoch(self.start_date)

    @property
    def end(self) -> int:
        """Exclusive end: midnight after end_date."""
        return epoch(self.end_date) + DAY

    def days_before_end(self, days: float) -> int:
        return self.end - int(days * DAY)

    @cached_property
    def day_weights(self) -> dict[str, Floats]:
        """Per profile, the probability of each of the 365 days: weekday, growth and a holiday peak."""
        day = np.arange(365)
        weekday = (self.start_date.weekday() + day) % 7
        doy = np.array([(self.start_date + timedelta(days=int(d))).timetuple().tm_yday for d in day])
        base = (1 + 0.10 * day / 365) * (1 + 0.25 * np.exp(-(((doy - 340) / 12.0) ** 2)))
        weights = {}
        for name, profile in catalog.WEEKDAY_PROFILES.items():
            w = base * np.asarray(profile)[weekday]
            weights[name] = w / w.sum()
        return weights


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def rng_for(seed: int, part: str) -> Rng:
    """An independent generator per part, so changing one table does not reshuffle the others."""
    return np.random.default_rng([seed, zlib.crc32(part.encode())])


def pick(rng: Rng, n: int, shares: Sequence[float] | Floats) -> Ints:
    """n draws of an index with the given (not necessarily normalised) shares."""
    p = np.asarray(shares, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def clock(rng: Rng, n: int, profile: str) -> Ints:
    """Seconds after midnight, following the hour profile."""
    hour = pick(rng, n, catalog.HOUR_PROFILES[profile])
    return hour * HOUR + rng.integers(0, HOUR, n)


def sample_times(rng: Rng, n: int, window: Window, profile: str) -> Ints:
    """n timestamps in the window with the profile's weekday and hour seasonality."""
    day = rng.choice(365, size=n, p=window.day_weights[profile])
    return window.start + day.astype(np.int64) * DAY + clock(rng, n, profile)


def by_profile(rng: Rng, channels: Codes, window: Window) -> Ints:
    """A timestamp for each contact, seasonal by the profile of its channel."""
    times = np.empty(len(channels), dtype=np.int64)
    for code, channel in enumerate(catalog.CHANNELS):
        rows = np.flatnonzero(channels == code)
        times[rows] = sample_times(rng, len(rows), window, channel.profile)
    return times


def sigmoid(x: Floats) -> Floats:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


# --- frame builders ---------------------------------------------------------------------------------

# id prefix and digits per table; ids number rows from 1
CUSTOMER, AGENT, INTERACTION, SURVEY = ("C", 7), ("A", 3), ("I", 9), ("S", 8)
JOURNEY, EVENT, ORDER, RETURN = ("J", 8), ("E", 9), ("O", 8), ("R", 7)
OPPORTUNITY, FOLLOW_UP = ("P", 6), ("F", 7)


def ids(key: tuple[str, int], n: int) -> pl.Series:
    return ref(key, np.arange(n))


def ref(key: tuple[str, int], codes: Codes) -> pl.Series:
    """The ids of rows numbered by 0-based codes; a negative code is missing."""
    prefix, width = key
    number = pl.Series(codes.astype(np.int64) + 1)
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        number = number.scatter(missing, None)
    return pl.select(pl.format(f"{prefix}{{}}", number.cast(pl.String).str.zfill(width))).to_series()


def text(names: Sequence[str | None] | pl.Series, codes: Codes) -> pl.Series:
    """Labels by code; a negative code is a missing value."""
    index = pl.Series(codes.astype(np.int64))
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        index = index.scatter(missing, None)
    return pl.Series(names, dtype=pl.String).gather(index)


def stamps(seconds: Ints) -> pl.Series:
    series = pl.Series(np.where(seconds == MISSING, 0, seconds) * 1_000_000).cast(pl.Datetime("us"))
    missing = np.flatnonzero(seconds == MISSING)
    return series.scatter(missing, None) if len(missing) else series


def dates(seconds: Ints) -> pl.Series:
    return pl.Series((seconds // DAY).astype(np.int32)).cast(pl.Date)


def flags(codes: Codes) -> pl.Series:
    """1 true, 0 false, -1 missing."""
    values = pl.Series(codes.astype(np.int8))
    return values.replace_strict({1: True, 0: False, -1: None}, return_dtype=pl.Boolean)


def numbers(values: Floats, decimals: int = 2) -> pl.Series:
    return pl.Series(np.round(values, decimals)).fill_nan(None)


def whole(values: Codes) -> pl.Series:
    """Integers; a negative value is missing."""
    series = pl.Series(values.astype(np.int64))
    missing = np.flatnonzero(values < 0)
    return series.scatter(missing, None) if len(missing) else series


def contact_batch(customer: Ints, channel: Ints, reason: Ints, started: Ints, *, agent: Ints | None = None,
                  outbound: Codes | None = None, resolved: Codes | None = None, order: Ints | None = None,
                  opportunity: Ints | None = None) -> pl.DataFrame:
    """Contacts as codes (-1 = none); the interactions table is built from these at the end."""
    n = len(customer)
    none = np.full(n, -1, dtype=np.int64)
    return pl.DataFrame({
        "customer": customer.astype(np.int64), "channel": channel.astype(np.int64),
        "reason": reason.astype(np.int64), "started": started.astype(np.int64),
        "agent": none if agent is None else agent.astype(np.int64),
        "outbound": np.zeros(n, dtype=bool) if outbound is None else outbound.astype(bool),
        "resolved": none if resolved is None else resolved.astype(np.int64),
        "order": none if order is None else order.astype(np.int64),
        "opportunity": none if opportunity is None else opportunity.astype(np.int64),
    })
