"""The sales pipeline: opportunities with their stage history, the sales contacts around them, quotas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from journey import schema
from journey.demo import catalog
from journey.demo.common import (
    AGENT,
    CUSTOMER,
    DAY,
    MISSING,
    OPPORTUNITY,
    Floats,
    Ints,
    Rng,
    Window,
    clock,
    contact_batch,
    dates,
    epoch,
    ids,
    logit,
    numbers,
    pick,
    ref,
    sample_times,
    sigmoid,
    stamps,
    text,
)
from journey.settings import Settings

STAGES = Settings().pipeline_stages
STATUS = {s: i for i, s in enumerate(schema.OPPORTUNITY_STATUSES)}


@dataclass(frozen=True)
class Pipeline:
    customer: Ints
    created: Ints
    contacts: pl.DataFrame
    tables: dict[str, pl.DataFrame]


@dataclass(frozen=True)
class _Deals:
    customer: Ints
    owner: Ints
    created: Ints
    entered: Ints  # deals x stages; MISSING where not (yet) entered
    closed: Ints  # MISSING while open
    status: Ints
    amount: Floats


def make_pipeline(rng: Rng, n: int, segment: Ints, owners: Ints, window: Window) -> Pipeline:
    """n opportunities of business customers, owned by the sales team, created over the year."""
    customer = pick(rng, n, np.asarray(catalog.DEAL_SEGMENT_WEIGHT)[segment])
    owner_weight, owner_skill = rng.uniform(0.6, 1.4, len(owners)), rng.normal(0, 0.4, len(owners))
    owner = pick(rng, n, owner_weight)
    created = np.sort(sample_times(rng, n, window, "outbound"))
    product = pick(rng, n, [d.share for d in catalog.DEALS])
    amount = (np.array([d.amount for d in catalog.DEALS])[product] * rng.lognormal(0, 0.5, n)
              * np.where(segment[customer] == catalog.SEGMENTS.index("enterprise"), catalog.ENTERPRISE_DEAL_SIZE, 1))
    deals = _progress(rng, customer, owners[owner], created, owner_skill[owner], window, np.round(amount, -2))
    return Pipeline(
        customer=customer, created=created, contacts=_sales_contacts(rng, deals, window),
        tables={
            "opportunities": _opportunities_frame(rng, deals, product, window),
            "opportunity_stages": _stages_frame(deals),
            "quotas": _quotas_frame(rng, deals, owners, window),
        },
    )


def _progress(rng: Rng, customer: Ints, owner: Ints, created: Ints, skill: Floats, window: Window,
              amount: Floats) -> _Deals:
    """Walk each deal through the stages; it closes after its last one, or is still open at the end."""
    n = len(created)
    reach = np.ones((n, len(STAGES)), dtype=bool)
    for k, chance in enumerate(catalog.ADVANCE, start=1):
        reach[:, k] = reach[:, k - 1] & (rng.random(n) < chance)
    days = rng.gamma(2.0, 0.5, (n, len(STAGES))) * np.asarray(catalog.DWELL_DAYS)
    stuck = rng.random(n) < catalog.STALL_SHARE
    days[np.flatnonzero(stuck), rng.integers(0, len(STAGES), stuck.sum())] *= catalog.STALL_FACTOR
    dwell = (days * DAY).astype(np.int64)
    entered = created[:, None] + np.concatenate([np.zeros((n, 1), np.int64), dwell[:, :-1].cumsum(1)], 1)
    last = reach.sum(1) - 1
    closed = entered[np.arange(n), last] + dwell[np.arange(n), last]
    won = (last == len(STAGES) - 1) & (rng.random(n) < sigmoid(logit(catalog.WIN_AT_NEGOTIATION) + skill))
    is_closed = closed < window.end
    status = np.where(~is_closed, STATUS["open"], np.where(won, STATUS["won"], STATUS["lost"]))
    entered = np.where(reach & (entered < window.end), entered, MISSING)
    return _Deals(customer=customer, owner=owner, created=created, entered=entered,
                  closed=np.where(is_closed, closed, MISSING), status=status, amount=amount)


def _opportunities_frame(rng: Rng, deals: _Deals, product: Ints, window: Window) -> pl.DataFrame:
    n = len(deals.created)
    stage = (deals.entered != MISSING).sum(1) - 1
    mean, sd = catalog.PLANNED_CYCLE_DAYS
    expected = deals.created + (np.clip(rng.normal(mean, sd, n), 14, 180) * DAY).astype(np.int64)
    lost = deals.status == STATUS["lost"]
    return pl.DataFrame({
        "opportunity_id": ids(OPPORTUNITY, n),
        "customer_id": ref(CUSTOMER, deals.customer),
        "owner_id": ref(AGENT, deals.owner),
        "product": text([d.name for d in catalog.DEALS], product),
        "source": text(list(catalog.SOURCES), pick(rng, n, list(catalog.SOURCES.values()))),
        "amount": numbers(deals.amount),
        "created_at": stamps(deals.created),
        "expected_close_date": dates(expected),
        "stage": text(STAGES, stage),
        "status": text(schema.OPPORTUNITY_STATUSES, deals.status),
        "closed_at": stamps(deals.closed),
        "lost_reason": text(list(catalog.LOST_REASONS),
                            np.where(lost, pick(rng, n, list(catalog.LOST_REASONS.values())), -1)),
    })


def _stages_frame(deals: _Deals) -> pl.DataFrame:
    deal, stage = np.nonzero(deals.entered != MISSING)  # row-major: by deal, then stage
    return pl.DataFrame({
        "opportunity_id": ref(OPPORTUNITY, deal),
        "stage": text(STAGES, stage),
        "entered_at": stamps(deals.entered[deal, stage]),
    })


def _quotas_frame(rng: Rng, deals: _Deals, owners: Ints, window: Window) -> pl.DataFrame:
    """A monthly quota per owner: a little above what the team wins per owner and month."""
    won = deals.status == STATUS["won"]
    monthly = 1.1 * deals.amount[won].sum() / 12 / len(owners)
    months = _months(window.start_date, window.end_date, catalog.QUOTA_MONTHS_AHEAD)
    factor = np.round(rng.uniform(0.8, 1.3, len(owners)) * monthly, -3)
    owner = np.repeat(owners, len(months))
    return pl.DataFrame({
        "owner_id": ref(AGENT, owner),
        "period_start": dates(np.tile([epoch(m[0]) for m in months], len(owners))),
        "period_end": dates(np.tile([epoch(m[1]) for m in months], len(owners))),
        "amount": numbers(np.repeat(factor, len(months))),
    })


def _months(first: date, last: date, ahead: int) -> list[tuple[date, date]]:
    """(first day, last day) of every month from `first`'s to `ahead` months after `last`'s."""
    start, stop = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1 + ahead
    begins = [date(index // 12, index % 12 + 1, 1) for index in range(start, stop + 2)]
    return [(begin, following - timedelta(days=1)) for begin, following in zip(begins, begins[1:], strict=False)]


def _sales_contacts(rng: Rng, deals: _Deals, window: Window) -> pl.DataFrame:
    """Calls, mails and visits of each deal's owner while it is open."""
    stages = (deals.entered != MISSING).sum(1)
    deal = np.repeat(np.arange(len(stages)), 1 + rng.poisson(1.3 * stages))
    stop = np.where(deals.closed == MISSING, window.end, deals.closed)[deal]
    start = deals.created[deal]
    day = (start + rng.random(len(deal)) * (stop - start)).astype(np.int64) // DAY * DAY
    started = np.clip(day + clock(rng, len(deal), "outbound"), start, stop - 1)
    channel = np.array([catalog.CHANNEL[c] for c in ("voice", "email", "in_person")])
    return contact_batch(
        deals.customer[deal], channel[pick(rng, len(deal), (0.55, 0.35, 0.10))],
        np.full(len(deal), catalog.REASON["sales_opportunity"]), started, agent=deals.owner[deal],
        outbound=rng.random(len(deal)) < 0.85, opportunity=deal,
    )
