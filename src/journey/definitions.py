"""What each shown number means, once: help texts and display kinds by column or KPI name."""

from __future__ import annotations

HELP: dict[str, str] = {
    "contacts": "Number of interactions in the range (after filters).",
    "csat_pct": "Share of surveys with CSAT ≥ 4 among surveys with a CSAT answer.",
    "nps": "Net promoter score in points: % of answers 9–10 minus % of answers 0–6.",
    "ces": "Customer effort score: mean answer, 1–7, 7 = very easy.",
    "fcr": "First-contact resolution: share of agent contacts resolved and not repeated within "
           "7 days, among contacts whose resolution is known.",
    "repeat_7d": "Share of agent contacts followed by another contact of the same customer and "
                 "reason within 7 days (any channel, the whole store is looked at).",
    "aht_seconds": "Average handle time of agent contacts, in seconds.",
    "journey_conversion": "Share of journeys (in range by their first event) with a completed buy event.",
    "revenue": "Sum of order amounts, orders in range by order time, cancelled orders excluded.",
    "return_rate": "Returns of the range's non-cancelled orders, per order.",
    "on_time_delivery": "Delivered orders with delivered ≤ promised, among delivered orders with both dates.",
}

RATES = {"csat_pct", "fcr", "repeat_7d", "journey_conversion", "return_rate", "on_time_delivery"}
MONEY_WORDS = ("revenue", "amount", "margin", "cost", "pipeline", "forecast", "won", "quota")
LABELS: dict[str, str] = {
    "contacts": "Contacts", "csat_pct": "CSAT %", "nps": "NPS", "ces": "CES", "fcr": "FCR",
    "repeat_7d": "7-day repeat", "aht_seconds": "AHT", "journey_conversion": "Journey conversion",
    "revenue": "Revenue", "return_rate": "Return rate", "on_time_delivery": "On-time delivery",
}


def kind(name: str) -> str:
    """How a column is shown, from its name: rate, seconds, money, count or plain."""
    if name in RATES or name.endswith(("_pct", "_rate", "_share")) or name.startswith("fcr"):
        return "rate"
    if name.endswith(("_sec", "_seconds")):
        return "seconds"
    if name.endswith("_count") or name in ("contacts", "ratings", "rank"):
        return "count"
    if any(word in name for word in MONEY_WORDS):
        return "money"
    return "plain"


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())
