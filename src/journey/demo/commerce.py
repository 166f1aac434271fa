"""Purchase journeys (find, choose, buy, receive, return), the orders and returns they leave, benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from journey import schema
from journey.demo import catalog
from journey.demo.common import (
    CUSTOMER,
    DAY,
    EVENT,
    HOUR,
    JOURNEY,
    MISSING,
    ORDER,
    RETURN,
    Codes,
    Floats,
    Ints,
    Rng,
    Window,
    dates,
    epoch,
    ids,
    numbers,
    pick,
    ref,
    sample_times,
    stamps,
    text,
    whole,
)
from journey.demo.people import Customers

STAGE = {s: i for i, s in enumerate(schema.STAGES)}
OUTCOME = {o: i for i, o in enumerate(schema.OUTCOMES)}
STATUS = {s: i for i, s in enumerate(schema.ORDER_STATUSES)}


@dataclass(frozen=True)
class Orders:
    customer: Ints
    ordered: Ints
    promised: Ints
    delivered: Ints  # MISSING when not (yet) delivered
    amount: Floats
    late: Codes  # bool
    cancelled: Codes  # bool


@dataclass(frozen=True)
class Commerce:
    orders: Orders
    returned_order: Ints  # per return row: the order's index
    returned_at: Ints
    journey_customer: Ints
    journey_start: Ints
    tables: dict[str, pl.DataFrame]


@dataclass
class _Events:
    """Journey events gathered stage by stage, as parallel lists of arrays."""

    parts: list[dict[str, Codes]]

    def add(self, journey: Ints, stage: str, at: Ints, channel: Ints, outcome: Ints, rating: Ints,
            order: Ints) -> None:
        keep = at != MISSING
        self.parts.append({"journey": journey[keep], "stage": np.full(keep.sum(), STAGE[stage]),
                           "at": at[keep], "channel": channel[keep], "outcome": outcome[keep],
                           "rating": rating[keep], "order": order[keep]})


@dataclass(frozen=True)
class _Journeys:
    customer: Ints
    start: Ints
    product: Ints


def make_commerce(rng: Rng, n: int, customers: Customers, window: Window) -> Commerce:
    """n purchase journeys, the orders of those that buy, their deliveries and returns."""
    journeys = _Journeys(customer=pick(rng, n, customers.purchase_weight),
                         start=np.sort(sample_times(rng, n, window, "async")),
                         product=pick(rng, n, [p.share for p in catalog.PRODUCTS]))
    events = _Events([])
    bought, buy_at = _shop(rng, journeys, events, window)
    buyer = journeys.customer[bought]
    orders = _orders(rng, buyer, buy_at[bought], journeys.product[bought], customers.segment[buyer],
                     customers.region[buyer], window)
    return _after_delivery(rng, orders, np.flatnonzero(bought), journeys, events, window)


def _shop(rng: Rng, journeys: _Journeys, events: _Events, window: Window) -> tuple[Codes, Ints]:
    """Find, choose, buy: who goes on depends on how each step was rated, and on a find or choose peak."""
    n = len(journeys.start)
    everyone, no_order = np.arange(n), np.full(n, -1)
    rating = {stage: _ratings(rng, n, stage) for stage in ("find", "choose", "buy")}
    find_ok = _continues(rng, "find", rating["find"])
    events.add(everyone, "find", journeys.start, _channels(rng, n, "find"), _outcome(find_ok), rating["find"],
               no_order)
    choose_at = _within(window, journeys.start + _gap(rng, n), find_ok)
    choose_ok = find_ok & (choose_at != MISSING) & _continues(rng, "choose", rating["choose"])
    events.add(everyone, "choose", choose_at, _channels(rng, n, "choose"), _outcome(choose_ok), rating["choose"],
               no_order)
    peak = (rating["find"] == 5) | (find_ok & (rating["choose"] == 5))
    buy_at = _within(window, choose_at + _gap(rng, n), choose_ok)
    bought, failed = _buy(rng, rating["buy"], peak, buy_at != MISSING)
    outcome = np.select([bought, failed], [OUTCOME["completed"], OUTCOME["failed"]], OUTCOME["abandoned"])
    events.add(everyone, "buy", buy_at, _channels(rng, n, "buy"), outcome, rating["buy"],
               np.where(bought, np.cumsum(bought) - 1, -1))
    return bought, buy_at


def _after_delivery(rng: Rng, orders: Orders, journey: Ints, journeys: _Journeys, events: _Events,
                    window: Window) -> Commerce:
    """Receive (rated worse when late) and, for some, return; the orders' final status."""
    m = len(journey)
    order = np.arange(m)
    delivered = orders.delivered != MISSING
    receive = np.where(orders.late, _ratings(rng, m, "receive_late"), _ratings(rng, m, "receive"))
    events.add(journey, "receive", orders.delivered, np.full(m, -1), np.full(m, OUTCOME["completed"]), receive, order)
    chance = catalog.RETURN_SHARE + catalog.LATE_RETURN_EXTRA * orders.late
    requested = orders.delivered + rng.integers(DAY, 25 * DAY, m)
    returned = delivered & (rng.random(m) < chance) & (requested < window.end)
    rejected = returned & (rng.random(m) < catalog.RETURN_REJECTED)
    outcome = np.where(rejected, OUTCOME["failed"], OUTCOME["completed"])
    events.add(journey, "return", np.where(returned, requested, MISSING), _channels(rng, m, "return"), outcome,
               _ratings(rng, m, "return"), order)
    status = np.select([orders.cancelled, ~delivered, returned & ~rejected],
                       [STATUS["cancelled"], STATUS["placed"], STATUS["returned"]], STATUS["delivered"])
    return Commerce(
        orders=orders, returned_order=order[returned], returned_at=requested[returned],
        journey_customer=journeys.customer, journey_start=journeys.start,
        tables={
            "journey_events": _events_frame(events, journeys.customer, journeys.product),
            "orders": _orders_frame(orders, journeys.product[journey], status),
            "returns": _returns_frame(rng, orders, order[returned], requested[returned], rejected[returned], window),
        },
    )


def _ratings(rng: Rng, n: int, stage: str) -> Ints:
    """Ratings 1..5, 0 where the event is not rated."""
    rated = rng.random(n) < catalog.RATED_SHARE[stage.split("_")[0]]
    return np.where(rated, pick(rng, n, catalog.RATINGS[stage]) + 1, 0)


def _continues(rng: Rng, stage: str, rating: Ints) -> Codes:
    """Whether the customer goes on past this stage: a bad rating makes abandoning likelier."""
    abandon = catalog.ABANDON[stage] * np.asarray(catalog.ABANDON_BY_RATING)[rating]
    return np.asarray(rng.random(len(rating)) >= abandon)


def _buy(rng: Rng, rating: Ints, peak: Codes, reached: Codes) -> tuple[Codes, Codes]:
    u = rng.random(len(rating))
    abandon = catalog.ABANDON["buy"] * np.asarray(catalog.ABANDON_BY_RATING)[rating]
    abandon = np.where(peak, abandon * catalog.PEAK_BUY_FACTOR, abandon)
    failed = reached & (u < catalog.PAYMENT_FAILURE)
    bought = reached & ~failed & (u >= catalog.PAYMENT_FAILURE + abandon)
    return bought, failed


def _gap(rng: Rng, n: int) -> Ints:
    """Time to the next stage: often in the same session, otherwise days later."""
    same_session = rng.random(n) < 0.6
    return np.where(same_session, rng.integers(120, 1_800, n), rng.integers(4 * HOUR, 5 * DAY, n))


def _within(window: Window, at: Ints, happens: Codes) -> Ints:
    return np.where(happens & (at < window.end), at, MISSING)


def _outcome(ok: Codes) -> Ints:
    return np.where(ok, OUTCOME["completed"], OUTCOME["abandoned"])


def _channels(rng: Rng, n: int, stage: str) -> Ints:
    shares = catalog.STAGE_CHANNELS[stage]
    codes = np.array([catalog.CHANNEL[c] for c in shares])
    return codes[pick(rng, n, list(shares.values()))]


def _orders(rng: Rng, customer: Ints, ordered: Ints, product: Ints, segment: Ints, region: Ints,
            window: Window) -> Orders:
    m = len(customer)
    price = np.array([p.price for p in catalog.PRODUCTS])[product] * rng.lognormal(0, 0.25, m)
    units = np.maximum(1, np.round(rng.lognormal(np.log(np.asarray(catalog.SEGMENT_QUANTITY)[segment]), 0.5)))
    units = np.where(segment == 0, 1 + (rng.random(m) < 0.1), units)
    promised = ordered + np.array([p.promise_days for p in catalog.PRODUCTS])[product] * DAY
    dip = (region == catalog.DIP_REGION) & (promised >= window.days_before_end(catalog.DIP_DAYS + 2))
    late = rng.random(m) < np.where(dip, catalog.DIP_LATE_SHARE, catalog.LATE_SHARE)
    delivered = np.where(late, promised + rng.integers(DAY // 2, 6 * DAY, m), promised - rng.integers(0, 36 * HOUR, m))
    cancelled = rng.random(m) < catalog.CANCEL_SHARE
    delivered = np.where(cancelled | (delivered >= window.end), MISSING, delivered)
    return Orders(customer=customer, ordered=ordered, promised=promised, delivered=delivered,
                  amount=np.round(price * units, 2), late=late & ~cancelled, cancelled=cancelled)


def _events_frame(events: _Events, customer: Ints, product: Ints) -> pl.DataFrame:
    parts = {key: np.concatenate([p[key] for p in events.parts]) for key in events.parts[0]}
    order = np.lexsort((parts["stage"], parts["journey"]))
    parts = {key: values[order] for key, values in parts.items()}
    return pl.DataFrame({
        "event_id": ids(EVENT, len(order)),
        "journey_id": ref(JOURNEY, parts["journey"]),
        "customer_id": ref(CUSTOMER, customer[parts["journey"]]),
        "stage": text(schema.STAGES, parts["stage"]),
        "occurred_at": stamps(parts["at"]),
        "channel": text([c.name for c in catalog.CHANNELS], parts["channel"]),
        "product": text([p.name for p in catalog.PRODUCTS], product[parts["journey"]]),
        "outcome": text(schema.OUTCOMES, parts["outcome"]),
        "rating": whole(np.where(parts["rating"] == 0, -1, parts["rating"])),
        "order_id": ref(ORDER, parts["order"]),
    })


def _orders_frame(orders: Orders, product: Ints, status: Ints) -> pl.DataFrame:
    m = len(orders.customer)
    return pl.DataFrame({
        "order_id": ids(ORDER, m),
        "customer_id": ref(CUSTOMER, orders.customer),
        "ordered_at": stamps(orders.ordered),
        "amount": numbers(orders.amount),
        "product": text([p.name for p in catalog.PRODUCTS], product),
        "promised_at": stamps(orders.promised),
        "delivered_at": stamps(orders.delivered),
        "status": text(schema.ORDER_STATUSES, status),
    })


def _returns_frame(rng: Rng, orders: Orders, order: Ints, requested: Ints, rejected: Codes,
                   window: Window) -> pl.DataFrame:
    k = len(order)
    resolved = requested + rng.integers(2 * DAY, 12 * DAY, k)
    resolved = np.where(resolved < window.end, resolved, MISSING)
    share = np.where(rng.random(k) < 0.8, 1.0, rng.uniform(0.5, 0.95, k))
    refunded = np.where(rejected, 0.0, orders.amount[order] * share)
    reason_shares = np.tile(np.array([0.25, 0.15, 0.25, 0.3, 0.05]), (k, 1))
    reason_shares[orders.late[order], -1] = 1.5
    reason = (reason_shares.cumsum(1) / reason_shares.sum(1, keepdims=True) < rng.random((k, 1))).sum(1)
    return pl.DataFrame({
        "return_id": ids(RETURN, k),
        "order_id": ref(ORDER, order),
        "requested_at": stamps(requested),
        "resolved_at": stamps(resolved),
        "refunded_amount": numbers(np.where(resolved == MISSING, np.nan, refunded)),
        "reason": text(catalog.RETURN_REASONS, reason),
    })


def benchmarks(window: Window) -> pl.DataFrame:
    """Peer scores per stage over the year: our easy returns are the one peak."""
    rows = [(stage, peer, score) for stage, scores in catalog.BENCHMARKS.items()
            for peer, score in zip(catalog.PEERS, scores, strict=True)]
    n = len(rows)
    return pl.DataFrame({
        "stage": [r[0] for r in rows], "peer": [r[1] for r in rows], "score": [r[2] for r in rows],
        "period_start": dates(np.full(n, epoch(window.start_date))),
        "period_end": dates(np.full(n, epoch(window.end_date))),
    })
