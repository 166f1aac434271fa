"""What happened in each contact: waits, handle times, transfers, sentiment, QA; and the interactions table."""

from __future__ import annotations

import numpy as np
import polars as pl

from journey import schema
from journey.demo import catalog
from journey.demo.common import (
    AGENT,
    CUSTOMER,
    INTERACTION,
    OPPORTUNITY,
    ORDER,
    Codes,
    Floats,
    Rng,
    flags,
    ids,
    numbers,
    ref,
    stamps,
    text,
)
from journey.demo.people import Agents

MOOD = {"complaint": -0.5, "technical_fault": -0.35, "delivery_issue": -0.3, "return_request": -0.15,
        "billing": -0.1, "payment_reminder": -0.2}
ESCALATION = {"complaint": 0.12, "technical_fault": 0.08}
ANALYSED = [catalog.CHANNEL[c] for c in ("voice", "chat", "email", "social")]  # speech and text analytics
QA_SAMPLE = 0.12


def add_details(rng: Rng, contacts: pl.DataFrame, agents: Agents) -> pl.DataFrame:
    """The contacts with wait_sec, handle_sec, transferred, escalated, mood_start, mood_end and qa."""
    agent, channel = contacts["agent"].to_numpy(), contacts["channel"].to_numpy()
    reason, resolved = contacts["reason"].to_numpy(), contacts["resolved"].to_numpy()
    outbound = contacts["outbound"].to_numpy()
    staffed = agent >= 0
    staff = np.maximum(agent, 0)
    start, end = _sentiment(rng, reason, resolved, outbound, agents.skill[staff])
    analysed = staffed & np.isin(channel, ANALYSED)
    return contacts.with_columns(
        wait_sec=pl.Series(np.where(outbound, 0.0, _wait(rng, channel))),
        handle_sec=pl.Series(_handle(rng, channel, reason, np.where(staffed, agents.speed[staff], 1.0),
                                     ~staffed & outbound)),
        transferred=pl.Series(np.where(staffed, _transferred(rng, resolved, agents.bonus[staff, reason]), -1)),
        escalated=pl.Series(np.where(staffed, _escalated(rng, reason, resolved), -1)),
        mood_start=pl.Series(np.where(analysed, start, np.nan)),
        mood_end=pl.Series(np.where(analysed, end, np.nan)),
        qa=pl.Series(np.where(staffed & (rng.random(len(agent)) < QA_SAMPLE),
                              _qa(rng, agents.qa[staff], resolved), np.nan)),
    )


def _wait(rng: Rng, channel: Codes) -> Floats:
    return np.round(rng.exponential(np.array([c.wait_sec for c in catalog.CHANNELS])[channel]))


def _handle(rng: Rng, channel: Codes, reason: Codes, speed: Floats, automated: Codes) -> Floats:
    median = (np.array([c.handle_sec for c in catalog.CHANNELS])[channel]
              * np.array([r.handle for r in catalog.REASONS])[reason] * speed)
    return np.where(automated, np.nan, np.round(median * rng.lognormal(0, 0.45, len(channel))))


def _transferred(rng: Rng, resolved: Codes, bonus: Floats) -> Codes:
    """Unsolved contacts and reasons the agent is not trained for are passed on more often."""
    chance = 0.04 + 0.10 * (resolved == 0) + 0.12 * (bonus < 0)
    return np.asarray(rng.random(len(resolved)) < chance, dtype=np.int64)


def _escalated(rng: Rng, reason: Codes, resolved: Codes) -> Codes:
    base = np.array([ESCALATION.get(r.name, 0.02) for r in catalog.REASONS])[reason]
    return np.asarray(rng.random(len(reason)) < base + 0.05 * (resolved == 0), dtype=np.int64)


def _sentiment(rng: Rng, reason: Codes, resolved: Codes, outbound: Codes, skill: Floats) -> tuple[Floats, Floats]:
    n = len(reason)
    mood = np.array([MOOD.get(r.name, 0.0) for r in catalog.REASONS])[reason]
    start = np.clip(rng.normal(np.where(outbound, 0.05, mood - 0.1), 0.3), -1, 1)
    lift = np.select([resolved == 1, resolved == 0], [0.35 + 0.1 * skill, np.full(n, -0.1)], 0.05)
    end = np.clip(start + rng.normal(lift, 0.2), -1, 1)
    return np.round(start, 2), np.round(end, 2)


def _qa(rng: Rng, mean: Floats, resolved: Codes) -> Floats:
    return np.asarray(np.round(np.clip(rng.normal(mean + 5 * (resolved == 1) - 3, 7), 0, 100)), dtype=np.float64)


def interactions_frame(contacts: pl.DataFrame) -> pl.DataFrame:
    """The interactions table of SPEC.md from the coded contacts."""
    c = {name: contacts[name].to_numpy() for name in contacts.columns}
    reason = c["reason"]
    department = np.array([schema.DEPARTMENTS.index(r.department) for r in catalog.REASONS])[reason]
    stage = np.array([-1 if r.stage is None else schema.STAGES.index(r.stage) for r in catalog.REASONS])[reason]
    return pl.DataFrame({
        "interaction_id": ids(INTERACTION, len(reason)),
        "customer_id": ref(CUSTOMER, c["customer"]),
        "agent_id": ref(AGENT, c["agent"]),
        "channel": text([ch.name for ch in catalog.CHANNELS], c["channel"]),
        "direction": text(schema.DIRECTIONS, c["outbound"].astype(np.int64)),
        "department": text(schema.DEPARTMENTS, department),
        "reason": text([r.name for r in catalog.REASONS], reason),
        "stage": text(schema.STAGES, stage),
        "started_at": stamps(c["started"]),
        "wait_seconds": numbers(c["wait_sec"], 0),
        "handle_seconds": numbers(c["handle_sec"], 0),
        "resolved": flags(c["resolved"]),
        "transferred": flags(c["transferred"]),
        "escalated": flags(c["escalated"]),
        "sentiment_start": numbers(c["mood_start"]),
        "sentiment_end": numbers(c["mood_end"]),
        "qa_score": numbers(c["qa"], 0),
        "order_id": ref(ORDER, c["order"]),
        "opportunity_id": ref(OPPORTUNITY, c["opportunity"]),
    })
