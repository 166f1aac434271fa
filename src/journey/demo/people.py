"""Customers and agents: who calls, who buys, who answers and how well."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from journey.demo import catalog
from journey.demo.common import (
    AGENT,
    CUSTOMER,
    DAY,
    HOUR,
    MISSING,
    Codes,
    Floats,
    Ints,
    Rng,
    Window,
    flags,
    ids,
    logit,
    pick,
    stamps,
    text,
)

FIRST = ("Anna", "Ben", "Clara", "David", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Leo",
         "Maya", "Nils", "Olga", "Pedro", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will", "Yara", "Zoe")
LAST = ("Berg", "Costa", "Dahl", "Evans", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen", "Khan",
        "Larsen", "Moreau", "Novak", "Okafor", "Patel", "Quinn", "Rossi", "Silva", "Tanaka", "Weber")
COMPANY = ("Acme", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper",
           "Kestrel", "Lumen", "Maple", "Nimbus", "Orbit", "Pine", "Quartz", "River", "Summit", "Tidal")
KIND = ("Logistics", "Dental", "Studio", "Foods", "Consulting", "Motors", "Health", "Labs", "Retail", "Energy")


@dataclass(frozen=True)
class Customers:
    segment: Ints
    region: Ints
    contact_weight: Floats
    purchase_weight: Floats
    created: Ints  # before any activity is known; `customers_frame` moves it before the first one

    @property
    def n(self) -> int:
        return len(self.segment)


def make_customers(rng: Rng, n: int, window: Window) -> Customers:
    segment = pick(rng, n, catalog.SEGMENT_SHARES)
    costly = rng.random(n) < catalog.COSTLY_SHARE
    purchase = rng.lognormal(0, catalog.PURCHASE_SPREAD, n) * np.asarray(catalog.SEGMENT_PURCHASE_WEIGHT)[segment]
    contact = rng.lognormal(0, 0.8, n) * np.asarray(catalog.SEGMENT_CONTACT_WEIGHT)[segment]
    newcomer = rng.random(n) < 0.18
    before = rng.integers(window.start - 6 * 365 * DAY, window.start, n)
    within = rng.integers(window.start, window.days_before_end(7), n)
    return Customers(
        segment=segment, region=pick(rng, n, catalog.REGION_SHARES),
        contact_weight=np.where(costly, contact * 6 + 4, contact),
        purchase_weight=np.where(costly, purchase * 0.15, purchase),
        created=np.where(newcomer, within, before),
    )


def customers_frame(rng: Rng, customers: Customers, first_activity: Ints, window: Window) -> pl.DataFrame:
    """The customers table; created before the first activity, ~10% not updated for over 180 days."""
    n = customers.n
    lead = rng.integers(HOUR, 20 * DAY, n)
    created = np.where(first_activity == MISSING, customers.created,
                       np.minimum(customers.created, first_activity - lead))
    old_enough = created < window.days_before_end(200)
    stale = old_enough & (rng.random(n) < catalog.STALE_SHARE * n / max(1, old_enough.sum()))
    stale_at = created + (rng.random(n) * (window.days_before_end(181) - created)).astype(np.int64)
    recent_from = np.maximum(created, window.days_before_end(180))
    recent_at = recent_from + (rng.random(n) * (window.end - 1 - recent_from)).astype(np.int64)
    return pl.DataFrame({
        "customer_id": ids(CUSTOMER, n),
        "name": _customer_names(rng, customers.segment),
        "segment": text(catalog.SEGMENTS, customers.segment),
        "region": text(catalog.REGIONS, customers.region),
        "created_at": stamps(created),
        "updated_at": stamps(np.where(stale, stale_at, recent_at)),
    })


def _customer_names(rng: Rng, segment: Ints) -> pl.Series:
    n = len(segment)
    person = pl.Series(np.array(FIRST)[rng.integers(0, len(FIRST), n)]) + " " + \
        pl.Series(np.array(LAST)[rng.integers(0, len(LAST), n)])
    company = pl.Series(np.array(COMPANY)[rng.integers(0, len(COMPANY), n)]) + " " + \
        pl.Series(np.array(KIND)[rng.integers(0, len(KIND), n)])
    return pl.Series(np.where(segment == 0, person.to_numpy(), company.to_numpy()), dtype=pl.String)


@dataclass(frozen=True)
class Agents:
    team: Ints
    skill: Floats  # resolution skill, logit scale
    bonus: Floats  # agents x reasons: extra resolution skill per reason
    csat: Floats  # effect on survey answers
    qa: Floats  # mean QA score
    speed: Floats  # handle-time factor
    volume: Floats  # share of their team's contacts, relative
    available: tuple[Ints, Ints]  # [from, to) in epoch seconds
    frame: pl.DataFrame

    @property
    def n(self) -> int:
        return len(self.team)

    def of_team(self, name: str) -> Ints:
        return np.flatnonzero(self.team == [t.name for t in catalog.TEAMS].index(name))


def make_agents(rng: Rng, window: Window) -> Agents:
    team = np.repeat(np.arange(len(catalog.TEAMS)), [t.agents for t in catalog.TEAMS])
    n = len(team)
    skill = np.asarray([t.skill for t in catalog.TEAMS])[team] + rng.normal(0, 0.35, n)
    volume = rng.uniform(0.8, 1.2, n)
    speed = rng.lognormal(0, 0.12, n)
    csat = rng.normal(0, 0.15, n)
    qa = np.clip(rng.normal(80, 4, n) + 6 * skill, 55, 97)
    busy = catalog.BUSY_AGENT
    volume[busy], skill[busy], speed[busy] = catalog.BUSY_VOLUME, catalog.BUSY_SKILL, catalog.BUSY_SPEED
    csat[busy], qa[busy] = catalog.BUSY_CSAT, catalog.BUSY_QA
    available = _availability(window, n)
    hired = window.start - rng.integers(60 * DAY, 8 * 365 * DAY, n)
    return Agents(
        team=team, skill=skill, bonus=_reason_bonus(team), csat=csat + 0.3 * skill, qa=qa, speed=speed,
        volume=volume, available=available,
        frame=pl.DataFrame({
            "agent_id": ids(AGENT, n),
            "name": _agent_names(rng, n),
            "team": text([t.name for t in catalog.TEAMS], team),
            "site": text([t.site for t in catalog.TEAMS], team),
            "hired_at": stamps(np.where(available[0] > window.start, available[0], hired)),
            "active": flags((available[1] >= window.end).astype(np.int8)),
        }),
    )


def _availability(window: Window, n: int) -> tuple[Ints, Ints]:
    start = np.full(n, window.start - DAY, dtype=np.int64)
    stop = np.full(n, window.end + DAY, dtype=np.int64)
    for agent, (since, until) in catalog.AVAILABILITY.items():
        if since is not None:
            start[agent] = window.days_before_end(since)
        if until is not None:
            stop[agent] = window.days_before_end(until)
    return start, stop


def _reason_bonus(team: Ints) -> Floats:
    names = [t.name for t in catalog.TEAMS]
    bonus = np.zeros((len(team), len(catalog.REASONS)))
    for (team_name, reason), value in catalog.TEAM_REASON_BONUS.items():
        bonus[team == names.index(team_name), catalog.REASON[reason]] += value
    bonus[catalog.SPECIALIST_AGENT, catalog.REASON["technical_fault"]] += catalog.SPECIALIST_BONUS
    return bonus


def _agent_names(rng: Rng, n: int) -> list[str]:
    grid = [f"{f} {last}" for f in FIRST for last in LAST]
    return [grid[i] for i in rng.permutation(len(grid))[:n]]


def assign(rng: Rng, reasons: Codes, times: Ints, agents: Agents) -> Ints:
    """An agent for each contact: routed by reason to teams, by volume within a team, when present."""
    agent = np.empty(len(reasons), dtype=np.int64)
    names = [t.name for t in catalog.TEAMS]
    for code, reason in enumerate(catalog.REASONS):
        rows = np.flatnonzero(reasons == code)
        if len(rows):
            team_share = np.array([reason.teams.get(names[t], 0.0) for t in agents.team])
            agent[rows] = pick(rng, len(rows), team_share * agents.volume / _team_volume(agents))
    return _cover_absences(rng, agent, times, agents)


def _team_volume(agents: Agents) -> Floats:
    totals = np.bincount(agents.team, weights=agents.volume)
    return np.asarray(totals[agents.team], dtype=np.float64)


def _cover_absences(rng: Rng, agent: Ints, times: Ints, agents: Agents) -> Ints:
    """Contacts routed to an agent outside their employment go to an always-present team-mate."""
    start, stop = agents.available
    always = np.ones(agents.n, dtype=bool)
    always[list(catalog.AVAILABILITY)] = False
    for absent in catalog.AVAILABILITY:
        rows = np.flatnonzero((agent == absent) & ((times < start[absent]) | (times >= stop[absent])))
        mates = np.flatnonzero((agents.team == agents.team[absent]) & always)
        mates = mates[mates != absent]
        agent[rows] = mates[pick(rng, len(rows), agents.volume[mates])]
    return agent


def resolution_logit(agents: Agents, agent: Ints, reasons: Codes) -> Floats:
    """The logit of resolving: the reason's difficulty, the agent's skill and their skill for the reason."""
    base = np.array([logit(min(max(r.resolve, 0.01), 0.99)) for r in catalog.REASONS])[reasons]
    return base + agents.skill[agent] + agents.bonus[agent, reasons]
