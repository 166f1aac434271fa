"""Interactions as codes: the inbound pool with its repeats, outbound campaigns, collections, sales."""

from __future__ import annotations

import numpy as np
import polars as pl

from journey.demo import catalog
from journey.demo.commerce import Commerce, Orders
from journey.demo.common import (
    DAY,
    HOUR,
    Ints,
    Rng,
    Window,
    by_profile,
    clock,
    contact_batch,
    logit,
    pick,
    sample_times,
    sigmoid,
)
from journey.demo.people import Agents, Customers, assign, resolution_logit

WEB = catalog.CHANNEL["web"]
VOICE = catalog.CHANNEL["voice"]
ORDER_REASONS = [catalog.REASON[r] for r in ("order_status", "delivery_issue", "return_request")]
REPEAT_FACTOR = 1.25  # contacts per first contact, once repeats are added; keeps totals near the scale


def make_contacts(rng: Rng, total: int, customers: Customers, agents: Agents, commerce: Commerce,
                  sales: pl.DataFrame, window: Window) -> pl.DataFrame:
    """Every contact as codes, sorted by start; `details` adds handle times, sentiment and the rest."""
    outbound = pl.concat([
        _campaign(rng, round(total * catalog.OUTBOUND_SHARES["campaign_offer"]), customers, agents, window),
        _collections(rng, round(total * catalog.OUTBOUND_SHARES["payment_reminder"]), customers, agents, window),
        _uncoordinated(rng, customers, agents, window),
        sales,
    ])
    first = max(0, total - outbound.height) / REPEAT_FACTOR
    pool = _staff(rng, pl.concat([_pool(rng, round(first), customers, commerce.orders, window),
                                  _about_orders(rng, commerce, window)]), agents)
    waves = [pool]
    for _ in range(catalog.REPEAT_LEVELS):
        waves.append(_staff(rng, _repeats(rng, waves[-1], window), agents))
    contacts = pl.concat([*waves, outbound]).filter(pl.col("started") < window.end)
    return contacts.sort("started", maintain_order=True)


def _agent_channels(rng: Rng, n: int) -> Ints:
    return pick(rng, n, [c.share for c in catalog.CHANNELS])


def _pool(rng: Rng, n: int, customers: Customers, orders: Orders, window: Window) -> pl.DataFrame:
    """First contacts about the inbound reasons, on the web when the customer serves themselves.

    Contacts about an order come from the customer who placed it, in the days after it.
    """
    reason = pick(rng, n, [r.share for r in catalog.REASONS])
    self_service = rng.random(n) < np.array([r.self_service for r in catalog.REASONS])[reason]
    channel = np.where(self_service, WEB, _agent_channels(rng, n))
    started = by_profile(rng, channel, window)
    customer = pick(rng, n, customers.contact_weight)
    order = _orders_asked_about(rng, reason, len(orders.customer))
    about = np.flatnonzero(order >= 0)
    customer[about] = orders.customer[order[about]]
    started[about] = _after_order(rng, orders.ordered[order[about]], reason[about], channel[about],
                                  started[about] % DAY)
    return contact_batch(customer, channel, reason, started, order=order)


def _after_order(rng: Rng, ordered: Ints, reason: Ints, channel: Ints, time_of_day: Ints) -> Ints:
    """A few days after the order (how many depends on the reason), on a day the channel is busy."""
    days = np.array([catalog.ORDER_CONTACT_DAYS.get(r.name, (0, 0)) for r in catalog.REASONS])[reason]
    day = _open_days(rng, ordered // DAY + rng.integers(days[:, 0], days[:, 1] + 1), channel)
    return np.asarray(np.maximum(day * DAY + time_of_day, ordered + 600), dtype=np.int64)


def _open_days(rng: Rng, day: Ints, channel: Ints) -> Ints:
    """Days since 1970; a weekend day moves to Monday or Tuesday as often as weekends are quiet on the channel."""
    profiles = np.array([catalog.WEEKDAY_PROFILES[c.profile] for c in catalog.CHANNELS])
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    keep = profiles[channel, weekday] / profiles[channel, :5].mean(axis=1)
    return np.where((weekday < 5) | (rng.random(len(day)) < keep), day, day + 2)


def _orders_asked_about(rng: Rng, reason: Ints, n_orders: int) -> Ints:
    """For contacts about orders, which order: each order at most once per reason while orders last."""
    order = np.full(len(reason), -1, dtype=np.int64)
    for code in ORDER_REASONS:
        rows = np.flatnonzero(reason == code)
        if n_orders:
            order[rows] = rng.choice(n_orders, len(rows), replace=len(rows) > n_orders)
    return order


def _about_orders(rng: Rng, commerce: Commerce, window: Window) -> pl.DataFrame:
    """Customers chasing late deliveries and announcing returns."""
    orders = commerce.orders
    late = np.flatnonzero(orders.late & (rng.random(len(orders.late)) < 0.5))
    chase = orders.promised[late] + rng.integers(6 * HOUR, 3 * DAY, len(late))
    back = np.flatnonzero(rng.random(len(commerce.returned_order)) < 0.5)
    order = np.concatenate([late, commerce.returned_order[back]])
    started = np.concatenate([chase, commerce.returned_at[back] + rng.integers(0, 6 * HOUR, len(back))])
    reason = np.concatenate([np.full(len(late), catalog.REASON["delivery_issue"]),
                             np.full(len(back), catalog.REASON["return_request"])])
    keep = started < window.end
    return contact_batch(orders.customer[order][keep], _agent_channels(rng, int(keep.sum())), reason[keep],
                         started[keep], order=order[keep])


def _staff(rng: Rng, batch: pl.DataFrame, agents: Agents) -> pl.DataFrame:
    """Route each inbound contact to an agent (not on the web) and decide whether it was resolved."""
    reason, channel = batch["reason"].to_numpy(), batch["channel"].to_numpy()
    staffed = channel != WEB
    agent = np.where(staffed, assign(rng, reason, batch["started"].to_numpy(), agents), -1)
    odds = np.where(staffed, resolution_logit(agents, np.maximum(agent, 0), reason),
                    np.array([logit(r.resolve) if r.resolve else 0.0 for r in catalog.REASONS])[reason])
    odds = odds + np.array([c.effect for c in catalog.CHANNELS])[channel]
    resolved = (rng.random(len(reason)) < sigmoid(odds)).astype(np.int64)
    resolved[rng.random(len(reason)) < catalog.UNKNOWN_RESOLUTION] = -1
    return batch.with_columns(agent=pl.Series(agent), resolved=pl.Series(resolved))


def _repeats(rng: Rng, parents: pl.DataFrame, window: Window) -> pl.DataFrame:
    """The next contact about the same problem: likely when it was not solved, rare when it was."""
    resolved = parents["resolved"].to_numpy()
    chance = np.select([resolved == 1, resolved == 0], [catalog.REPEAT_CHANCE[1], catalog.REPEAT_CHANCE[0]],
                       catalog.REPEAT_CHANCE[-1])
    rows = np.flatnonzero(rng.random(len(resolved)) < chance)
    before = parents[rows]
    n = len(rows)
    channel = before["channel"].to_numpy()
    switch = (rng.random(n) < 0.4) | ((channel == WEB) & (before["resolved"].to_numpy() != 1))
    channel = np.where(switch, _agent_channels(rng, n), channel)
    return contact_batch(before["customer"].to_numpy(), channel, before["reason"].to_numpy(),
                         _later(rng, before["started"].to_numpy(), window), order=before["order"].to_numpy())


def _later(rng: Rng, started: Ints, window: Window) -> Ints:
    """Hours later the same day, or 1-6 days later; a tenth come back only after the 7-day window."""
    n = len(started)
    kind = pick(rng, n, (0.25, 0.65, 0.10))
    days = np.select([kind == 1, kind == 2], [rng.integers(1, 7, n), rng.integers(8, 21, n)], 0)
    next_day = started // DAY * DAY + days * DAY + clock(rng, n, "live")
    return np.where(kind == 0, started + rng.integers(HOUR, 8 * HOUR, n), next_day)


def _outbound(rng: Rng, customer: Ints, reason: Ints, started: Ints, agents: Agents) -> pl.DataFrame:
    """Outbound contacts: agents make the calls (and all of sales' contacts), the rest are automated."""
    n = len(customer)
    channel = np.empty(n, dtype=np.int64)
    for name, shares in catalog.OUTBOUND_CHANNELS.items():
        rows = np.flatnonzero(reason == catalog.REASON[name])
        codes = np.array([catalog.CHANNEL[c] for c in shares])
        channel[rows] = codes[pick(rng, len(rows), list(shares.values()))]
    staffed = (channel == VOICE) | (reason == catalog.REASON["sales_opportunity"])
    agent = np.where(staffed, assign(rng, reason, started, agents), -1)
    collections = staffed & (reason == catalog.REASON["payment_reminder"])
    odds = resolution_logit(agents, np.maximum(agent, 0), reason)
    resolved = np.where(collections, rng.random(n) < sigmoid(odds), -1)
    return contact_batch(customer, channel, reason, started, agent=agent, outbound=np.ones(n, dtype=bool),
                         resolved=resolved)


def _campaign(rng: Rng, n: int, customers: Customers, agents: Agents, window: Window) -> pl.DataFrame:
    customer = pick(rng, n, np.asarray(catalog.CAMPAIGN_SEGMENT_WEIGHT)[customers.segment])
    started = sample_times(rng, n, window, "outbound")
    return _outbound(rng, customer, np.full(n, catalog.REASON["campaign_offer"]), started, agents)


def _collections(rng: Rng, n: int, customers: Customers, agents: Agents, window: Window) -> pl.DataFrame:
    """Reminders to the few customers in arrears; some call back."""
    arrears = np.flatnonzero(rng.random(customers.n) < catalog.ARREARS_SHARE)
    customer = arrears[rng.integers(0, len(arrears), n)]
    batch = _outbound(rng, customer, np.full(n, catalog.REASON["payment_reminder"]),
                      sample_times(rng, n, window, "outbound"), agents)
    calls_back = (batch["agent"] >= 0) & pl.Series(rng.random(n) < catalog.COLLECTIONS_INBOUND)
    return batch.with_columns(outbound=pl.col("outbound") & ~calls_back)


def _uncoordinated(rng: Rng, customers: Customers, agents: Agents, window: Window) -> pl.DataFrame:
    """Customers whom two departments call on the same day: a few every week, some now and then."""
    weekly = rng.choice(customers.n, max(3, round(customers.n * catalog.UNCOORDINATED_WEEKLY)), replace=False)
    monday = window.start + (-window.start_date.weekday() % 7) * DAY
    weeks = np.arange(0, (window.end - monday) // (7 * DAY))
    days = monday + weeks[None, :] * 7 * DAY + rng.integers(0, 5, (len(weekly), len(weeks))) * DAY
    sometimes = rng.choice(customers.n, round(customers.n * catalog.UNCOORDINATED_SOMETIMES), replace=False)
    occasions = np.repeat(sometimes, rng.integers(1, 4, len(sometimes)))
    day = np.concatenate([days.ravel(), sample_times(rng, len(occasions), window, "outbound") // DAY * DAY])
    customer = np.concatenate([np.repeat(weekly, len(weeks)), occasions])
    reasons = [catalog.REASON[r] for r in ("campaign_offer", "payment_reminder", "sales_opportunity")]
    first = np.asarray(reasons)[rng.integers(0, 3, len(day))]
    second = np.where(first == reasons[0], reasons[1], reasons[0])
    customer, reason = np.concatenate([customer, customer]), np.concatenate([first, second])
    day = np.concatenate([day, day])
    keep = day + DAY <= window.end
    started = day[keep] + clock(rng, int(keep.sum()), "outbound")
    return _outbound(rng, customer[keep], reason[keep], started, agents)

