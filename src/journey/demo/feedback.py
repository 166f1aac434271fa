"""Surveys after contacts (and a few without one), and the follow-ups of customers at risk."""

from __future__ import annotations

import numpy as np
import polars as pl

from journey.demo import catalog
from journey.demo.common import (
    AGENT,
    CUSTOMER,
    DAY,
    FOLLOW_UP,
    HOUR,
    INTERACTION,
    MISSING,
    SURVEY,
    Codes,
    Floats,
    Ints,
    Rng,
    Window,
    flags,
    ids,
    ref,
    sample_times,
    stamps,
    text,
    whole,
)
from journey.demo.people import Agents

RESOLVED_MOOD = {1: 0.9, 0: -0.9, -1: 0.1}


def make_surveys(rng: Rng, contacts: pl.DataFrame, agents: Agents, n_customers: int, window: Window) -> pl.DataFrame:
    """Survey answers as codes: csat, nps and ces follow how the contact went; -1 = not answered."""
    asked = np.flatnonzero(~contacts["outbound"].to_numpy() & (rng.random(contacts.height) < catalog.SURVEY_SHARE))
    picked = contacts[asked]
    agent, resolved = picked["agent"].to_numpy(), picked["resolved"].to_numpy()
    mood = (np.select([resolved == 1, resolved == 0], [RESOLVED_MOOD[1], RESOLVED_MOOD[0]], RESOLVED_MOOD[-1])
            + np.where(agent >= 0, agents.csat[np.maximum(agent, 0)], -0.1))
    delay = np.nan_to_num(picked["handle_sec"].to_numpy()) + rng.exponential(8 * HOUR, len(asked)) + 300
    related = _answers(rng, picked["customer"].to_numpy(), picked["started"].to_numpy() + delay.astype(np.int64),
                       mood, picked["transferred"].to_numpy(), asked)
    k = round(len(asked) * catalog.RELATIONSHIP_SURVEYS / (1 - catalog.RELATIONSHIP_SURVEYS))
    relationship = _answers(rng, rng.integers(0, n_customers, k), sample_times(rng, k, window, "async"),
                            rng.normal(0.2, 0.6, k), np.zeros(k, dtype=np.int64), np.full(k, -1), csat=False)
    surveys = pl.concat([related, relationship]).filter(pl.col("answered") < window.end)
    return surveys.sort("answered", maintain_order=True)


def _answers(rng: Rng, customer: Ints, answered: Ints, mood: Floats, transferred: Codes, interaction: Ints,
             csat: bool = True) -> pl.DataFrame:
    n = len(customer)
    z = mood + rng.normal(0, 1, n)
    score = 1 + np.digitize(z, [-1.3, -0.5, 0.2, 0.9])
    nps = np.clip(np.round(6.5 + 2.2 * (0.85 * z + 0.5 * rng.normal(0, 1, n))), 0, 10)
    ces = np.clip(np.round(5 + 1.3 * (0.7 * z + 0.6 * rng.normal(0, 1, n)) - 0.5 * (transferred == 1)), 1, 7)
    churn = (z + rng.normal(0, 0.6, n) < -1.9).astype(np.int64)
    bucket = np.digitize(z, [-0.5, 0.5])  # negative, neutral, positive
    return pl.DataFrame({
        "customer": customer, "answered": answered, "interaction": interaction,
        "csat": np.where(csat & (rng.random(n) < 0.95), score, -1),
        "nps": np.where(rng.random(n) < (0.6 if csat else 1.0), nps, -1).astype(np.int64),
        "ces": np.where(csat & (rng.random(n) < 0.5), ces, -1).astype(np.int64),
        "churn": np.where(rng.random(n) < 0.7, churn, -1),
        "comment": np.where(rng.random(n) < catalog.COMMENT_SHARE, _comment(rng, bucket), -1),
    })


def _comment(rng: Rng, bucket: Codes) -> Ints:
    """An index into the flat list of COMMENTS, from the answer's mood bucket."""
    sizes = [len(catalog.COMMENTS[b]) for b in ("negative", "neutral", "positive")]
    offsets = np.cumsum([0, *sizes[:-1]])
    return np.asarray(offsets[bucket] + (rng.random(len(bucket)) * np.asarray(sizes)[bucket]).astype(np.int64))


def surveys_frame(surveys: pl.DataFrame) -> pl.DataFrame:
    s = {name: surveys[name].to_numpy() for name in surveys.columns}
    comments = [c for b in ("negative", "neutral", "positive") for c in catalog.COMMENTS[b]]
    return pl.DataFrame({
        "survey_id": ids(SURVEY, surveys.height),
        "customer_id": ref(CUSTOMER, s["customer"]),
        "interaction_id": ref(INTERACTION, s["interaction"]),
        "answered_at": stamps(s["answered"]),
        "csat": whole(s["csat"]),
        "nps": whole(s["nps"]),
        "ces": whole(s["ces"]),
        "churn_intent": flags(s["churn"]),
        "comment": text(comments, s["comment"]),
    })


def follow_ups_frame(rng: Rng, surveys: pl.DataFrame, contacts: pl.DataFrame, agents: Agents,
                     window: Window) -> pl.DataFrame:
    """Calls back to at-risk customers (most within 48 hours, some late, some never) and after escalations."""
    parts = pl.concat([_at_risk_calls(rng, surveys, agents), _escalation_calls(rng, contacts)])
    parts = parts.filter(pl.col("created") < window.end).sort("created", maintain_order=True)
    created = parts["created"].to_numpy()
    done = created + rng.integers(HOUR, 3 * DAY, len(created))
    done = np.where((rng.random(len(created)) < 0.75) & (done < window.end), done, MISSING)
    return pl.DataFrame({
        "follow_up_id": ids(FOLLOW_UP, len(created)),
        "customer_id": ref(CUSTOMER, parts["customer"].to_numpy()),
        "interaction_id": ref(INTERACTION, parts["interaction"].to_numpy()),
        "agent_id": ref(AGENT, parts["agent"].to_numpy()),
        "created_at": stamps(created),
        "due_at": stamps(created + 2 * DAY),
        "completed_at": stamps(done),
    })


def _at_risk_calls(rng: Rng, surveys: pl.DataFrame, agents: Agents) -> pl.DataFrame:
    """Retention calls detractors and customers who mean to leave: mostly within 48 hours."""
    at_risk = surveys.filter(((pl.col("nps") >= 0) & (pl.col("nps") <= 6)) | (pl.col("churn") == 1))
    u = rng.random(at_risk.height)
    soon = u < catalog.FOLLOW_UP_SHARE
    called = np.flatnonzero(u < catalog.FOLLOW_UP_SHARE + catalog.LATE_FOLLOW_UP_SHARE)
    lag = np.where(soon, rng.integers(HOUR // 2, 44 * HOUR, len(u)), rng.integers(50 * HOUR, 5 * DAY, len(u)))
    retention = agents.of_team("Retention")
    return pl.DataFrame({
        "customer": at_risk["customer"].to_numpy()[called],
        "interaction": at_risk["interaction"].to_numpy()[called],
        "agent": retention[rng.integers(0, len(retention), len(called))],
        "created": at_risk["answered"].to_numpy()[called] + lag[called],
    })


def _escalation_calls(rng: Rng, contacts: pl.DataFrame) -> pl.DataFrame:
    """The agent of an escalated contact books a call back, a day later at most."""
    escalated = contacts.with_row_index("row").filter(pl.col("escalated") == 1)
    escalated = escalated[np.flatnonzero(rng.random(escalated.height) < catalog.ESCALATION_FOLLOW_UP)]
    return pl.DataFrame({
        "customer": escalated["customer"].to_numpy(),
        "interaction": escalated["row"].to_numpy().astype(np.int64),
        "agent": escalated["agent"].to_numpy(),
        "created": escalated["started"].to_numpy() + rng.integers(HOUR, DAY, escalated.height),
    })
