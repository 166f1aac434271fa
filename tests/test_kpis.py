"""KPIs on a tiny hand-computed store, on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import frame

from journey import kpis
from journey.filters import Filters
from journey.settings import Settings
from journey.store import Store

MARCH = Filters(date(2026, 3, 1), date(2026, 3, 16))


def _seed(store: Store) -> None:
    n = None
    store.load({
        "customers": frame([
            {"customer_id": "c1", "segment": "smb", "region": "north"},
            {"customer_id": "c2", "segment": "enterprise", "region": "south"},
        ]),
        "agents": frame([{"agent_id": "a1", "team": "t1"}, {"agent_id": "a2", "team": "t2"}]),
        "interactions": frame([
            _contact("i1", "c1", "a1", "voice", "billing", "2026-03-02 09:00:00", 300, True),
            # exactly 7 days after i1, self-service: i1 is a repeat
            _contact("i2", "c1", n, "web", "billing", "2026-03-09 09:00:00", n, n),
            # 7 days and one second after i2: not a repeat of i2; last second of the range still counts
            _contact("i3", "c1", "a2", "chat", "billing", "2026-03-16 09:00:01", 200, True),
            _contact("i4", "c2", "a1", "email", "delivery", "2026-03-03 10:00:00", 500, False),
            _contact("i5", "c2", "a2", "voice", "delivery", "2026-03-05 10:00:00", n, n),
            _contact("i6", "c2", "a2", "voice", "other", "2026-03-20 10:00:00", 100, True),
        ]),
        "surveys": frame([
            _survey("s1", "c1", "i1", "2026-03-02 12:00:00", 5, 10, 6),
            _survey("s2", "c2", "i4", "2026-03-04 08:00:00", 3, 6, 2),
            _survey("s3", "c2", n, "2026-03-10 08:00:00", 4, 9, n),
            _survey("s4", "c1", n, "2026-03-17 00:00:00", 1, 0, 1),
        ]),
        "journey_events": frame([
            _event("e1", "j1", "c1", "find", "2026-03-01 09:00:00", "completed"),
            _event("e2", "j1", "c1", "buy", "2026-03-01 09:30:00", "completed"),
            _event("e3", "j2", "c2", "find", "2026-03-05 09:00:00", "abandoned"),
            _event("e4", "j3", "c1", "find", "2026-02-28 23:00:00", "completed"),
            _event("e5", "j3", "c1", "buy", "2026-03-02 09:00:00", "completed"),
            _event("e6", "j4", "c2", "find", "2026-03-15 09:00:00", "completed"),
            _event("e7", "j4", "c2", "buy", "2026-03-20 09:00:00", "failed"),
        ]),
        "orders": frame([
            _order("o1", "c1", "2026-03-02 10:00:00", 100.0, "2026-03-05 00:00:00", "2026-03-05 00:00:00", "delivered"),
            _order("o2", "c2", "2026-03-03 10:00:00", 50.0, "2026-03-06 00:00:00", "2026-03-08 00:00:00", "returned"),
            _order("o3", "c2", "2026-03-04 10:00:00", 70.0, n, n, "cancelled"),
            _order("o4", "c1", "2026-03-10 10:00:00", 30.0, "2026-03-12 00:00:00", n, "placed"),
        ]),
        "returns": frame([
            {"return_id": "r1", "order_id": "o2", "requested_at": "2026-03-09 00:00:00"},
            {"return_id": "r2", "order_id": "o3", "requested_at": "2026-03-09 00:00:00"},
        ]),
    })


def _contact(*values: object) -> dict[str, object]:
    keys = ("interaction_id", "customer_id", "agent_id", "channel", "reason", "started_at",
            "handle_seconds", "resolved")
    return dict(zip(keys, values, strict=True))


def _survey(*values: object) -> dict[str, object]:
    keys = ("survey_id", "customer_id", "interaction_id", "answered_at", "csat", "nps", "ces")
    return dict(zip(keys, values, strict=True))


def _event(*values: object) -> dict[str, object]:
    keys = ("event_id", "journey_id", "customer_id", "stage", "occurred_at", "outcome")
    return dict(zip(keys, values, strict=True))


def _order(*values: object) -> dict[str, object]:
    keys = ("order_id", "customer_id", "ordered_at", "amount", "promised_at", "delivered_at", "status")
    return dict(zip(keys, values, strict=True))


def _kpis(store: Store, flt: Filters = MARCH, settings: Settings | None = None) -> kpis.Kpis:
    settings = settings or Settings()
    return kpis.summarize(kpis.daily(store.query, flt, settings), flt.start, flt.end)


def test_kpis_hand_computed(store: Store) -> None:
    _seed(store)
    assert _kpis(store) == {
        "contacts": 5,                 # i1..i5; i6 is after the range
        "csat_pct": 2 / 3,             # s1 (5), s3 (4) of s1..s3; s4 is answered after the range
        "nps": 100 * (2 - 1) / 3,      # promoters s1, s3; detractor s2
        "ces": (6 + 2) / 2,
        "fcr": 1 / 3,                  # known: i1 (resolved, but repeated), i3 (yes), i4 (no)
        "repeat_7d": 2 / 4,            # agent contacts i1 (at exactly 7 days), i4 (i5 two days later)
        "aht_seconds": (300 + 200 + 500) / 3,
        "journey_conversion": 1 / 3,   # j1, j2, j4 start in range; j3 starts the day before
        "revenue": 180.0,              # o1 + o2 + o4; o3 cancelled
        "return_rate": 1 / 3,          # r1 of o2; r2 belongs to the cancelled order
        "on_time_delivery": 1 / 2,     # o1 on the promised day, o2 late, o4 not delivered
    }


def test_kpis_range_is_local_days_in_configured_zone(store: Store) -> None:
    _seed(store)
    berlin = _kpis(store, settings=Settings(time_zone="Europe/Berlin"))
    # 2026-02-28 23:00 UTC is 1 March 00:00 in Berlin: j3 now starts in range and converted
    assert berlin["journey_conversion"] == 2 / 4
    assert berlin["contacts"] == 5


def test_kpis_filters_apply_before_metrics(store: Store) -> None:
    _seed(store)
    voice = _kpis(store, Filters(MARCH.start, MARCH.end, channel=("voice",)))
    # i1 and i5; i1 is still a repeat: the look-ahead sees the web contact the filter hides
    assert (voice["contacts"], voice["repeat_7d"], voice["fcr"]) == (2, 0.5, 0.0)
    assert voice["csat_pct"] == 1.0  # only s1 is linked to a voice contact
    team = _kpis(store, Filters(MARCH.start, MARCH.end, team=("t1",)))
    assert (team["contacts"], team["aht_seconds"]) == (2, 400.0)
    south = _kpis(store, Filters(MARCH.start, MARCH.end, region=("south",)))
    assert (south["revenue"], south["journey_conversion"]) == (50.0, 0.0)


def test_kpis_empty_store_gives_zero_counts_and_missing_rates(store: Store) -> None:
    values = _kpis(store)
    assert values["contacts"] == 0 and values["revenue"] == 0.0
    assert all(values[name] is None for name in ("csat_pct", "nps", "ces", "fcr", "aht_seconds"))


def test_report_splits_last_week_from_the_week_before(store: Store) -> None:
    _seed(store)
    week = kpis.report(store.query, MARCH, Settings())
    assert week.this_week["contacts"] == 1     # 10..16 March: i3
    assert week.last_week["contacts"] == 3     # 3..9 March: i4, i5, i2; i1 on the 2nd is before
    assert week.change("contacts") == pytest.approx(-2)
    assert week.values["contacts"] == 5
