"""The demo store: a year of a fictional retailer's contacts, journeys, orders and pipeline, with stories planted.

`generate` builds every table of SPEC.md as Polars frames (deterministic for a scale, seed and end
date); `build` loads them into a store; `write_folder` writes them as an interchange folder.
The planted stories (and the numbers behind them) are declared in `catalog`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from journey import schema
from journey.demo import catalog
from journey.demo.commerce import benchmarks, make_commerce
from journey.demo.common import MISSING, Ints, Window, rng_for
from journey.demo.contacts import make_contacts
from journey.demo.details import add_details, interactions_frame
from journey.demo.feedback import follow_ups_frame, make_surveys, surveys_frame
from journey.demo.people import customers_frame, make_agents, make_customers
from journey.demo.pipeline import make_pipeline
from journey.store import Store

# scale -> interactions (about); the other tables grow with it
SCALES: dict[str, int] = {"tiny": 6_000, "small": 60_000, "medium": 1_000_000, "large": 10_000_000}
SPECIALIST_AGENT_ID = f"A{catalog.SPECIALIST_AGENT + 1:03d}"
BUSY_AGENT_ID = f"A{catalog.BUSY_AGENT + 1:03d}"
_TYPES: dict[str, pl.DataType] = {"text": pl.String(), "timestamp": pl.Datetime("us"), "date": pl.Date(),
                                  "float": pl.Float64(), "int": pl.Int64(), "bool": pl.Boolean()}


def generate(scale: str = "small", seed: int = 42, end_date: date | None = None) -> dict[str, pl.DataFrame]:
    """Every table of SPEC.md for the 365 days up to `end_date` (default: yesterday, UTC).

    Yesterday, not today: a day that is not over yet would hold contacts later than now.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown demo scale {scale!r}; choose one of {', '.join(SCALES)}")
    total = SCALES[scale]
    window = Window(end_date or datetime.now(UTC).date() - timedelta(days=1))
    customers = make_customers(rng_for(seed, "customers"), max(500, total // 12), window)
    agents = make_agents(rng_for(seed, "agents"), window)
    commerce = make_commerce(rng_for(seed, "journeys"), total * 2 // 5, customers, window)
    pipeline = make_pipeline(rng_for(seed, "pipeline"), max(80, total // 100), customers.segment,
                             agents.of_team("Sales"), window)
    contacts = make_contacts(rng_for(seed, "contacts"), total, customers, agents, commerce, pipeline.contacts, window)
    contacts = add_details(rng_for(seed, "details"), contacts, agents)
    surveys = make_surveys(rng_for(seed, "surveys"), contacts, agents, customers.n, window)
    first = _first_activity(customers.n, [
        (contacts["customer"].to_numpy(), contacts["started"].to_numpy()),
        (commerce.journey_customer, commerce.journey_start), (pipeline.customer, pipeline.created),
        (surveys["customer"].to_numpy(), surveys["answered"].to_numpy()),
    ])
    tables = {
        "customers": customers_frame(rng_for(seed, "customer rows"), customers, first, window),
        "agents": agents.frame,
        "interactions": interactions_frame(contacts),
        "surveys": surveys_frame(surveys),
        "follow_ups": follow_ups_frame(rng_for(seed, "follow-ups"), surveys, contacts, agents, window),
        "benchmarks": benchmarks(window),
        **commerce.tables,
        **pipeline.tables,
    }
    return {spec.name: _typed(spec, tables[spec.name]) for spec in schema.SPECS}


def _first_activity(n: int, sources: list[tuple[Ints, Ints]]) -> Ints:
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    for customer, at in sources:
        np.minimum.at(first, customer, at)
    return np.where(first == np.iinfo(np.int64).max, MISSING, first)


def _typed(spec: schema.TableSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """Exactly the spec's columns, in order, with the store's types."""
    return frame.select(pl.col(c.name).cast(_TYPES[c.kind]) for c in spec.columns)


def build(store: Store, scale: str = "small", seed: int = 42, end_date: date | None = None,
          progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Generate the demo and load it into `store`; rows per table."""
    say = progress or (lambda _message: None)
    say(f"generating the {scale} demo (seed {seed})")
    tables = generate(scale, seed, end_date)
    counts = {}
    for name in list(tables):
        frame = tables.pop(name)  # let each table go once loaded: large runs to gigabytes
        say(f"loading {name}: {frame.height:,} rows")
        store.load({name: frame}, rank_customers=False)
        counts[name] = frame.height
    say("ranking customers")
    store.rank_customers()
    return counts


def write_folder(tables: dict[str, pl.DataFrame], out: Path) -> None:
    """One CSV per table (UTF-8, header row, ISO timestamps in UTC with Z), for `journey import`."""
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_csv(out / f"{name}.csv", datetime_format="%Y-%m-%dT%H:%M:%SZ", date_format="%Y-%m-%d")
