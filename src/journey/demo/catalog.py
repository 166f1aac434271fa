"""The demo company as data: teams, channels, contact reasons, products and the planted effects.

Every number a story depends on is declared here, once, so a test or a reader can find it.
"""

from __future__ import annotations

from typing import NamedTuple

SEGMENTS = ("consumer", "smb", "enterprise")
SEGMENT_SHARES = (0.80, 0.15, 0.05)
SEGMENT_CONTACT_WEIGHT = (1.0, 1.6, 3.0)  # businesses call more often
SEGMENT_PURCHASE_WEIGHT = (1.0, 1.4, 2.0)
SEGMENT_QUANTITY = (1.0, 3.0, 8.0)  # median units per order
PURCHASE_SPREAD = 0.5  # lognormal sigma of how much customers buy
REGIONS = ("north", "south", "east", "west")
REGION_SHARES = (0.24, 0.30, 0.23, 0.23)
DIP_REGION = REGIONS.index("north")  # its deliveries go wrong in the last DIP_DAYS days
DIP_DAYS = 28
STALE_SHARE = 0.10
COSTLY_SHARE = 0.03  # customers who call a lot and buy little


class Team(NamedTuple):
    name: str
    site: str
    agents: int
    skill: float  # mean resolution skill, on the logit scale


TEAMS = (
    Team("Care Blue", "Leeds", 12, 0.10),
    Team("Care Green", "Porto", 12, -0.05),
    Team("Tech Support", "Leeds", 8, 0.05),
    Team("Retention", "Porto", 6, 0.15),
    Team("Sales", "London", 8, 0.0),
    Team("Outreach", "Remote", 6, 0.0),
)
# Planted agents (0-based positions in the agent list, A001 = 0).
BUSY_AGENT = 2  # Care Blue: takes three times the calls, rushes them, resolves least
BUSY_VOLUME, BUSY_SKILL, BUSY_SPEED, BUSY_CSAT, BUSY_QA = 3.2, -1.2, 0.65, -0.6, 64.0
SPECIALIST_AGENT = 24  # the first of Tech Support: by far the best on technical faults
SPECIALIST_BONUS = 1.9
# agent position -> (available from, available to) in days before end_date (None = whole year)
AVAILABILITY: dict[int, tuple[int | None, int | None]] = {9: (None, 200), 19: (None, 90), 23: (120, None)}


class Channel(NamedTuple):
    name: str
    profile: str  # hour and weekday profile of its contacts
    share: float  # of inbound agent contacts
    handle_sec: float  # median handle time
    wait_sec: float  # mean wait before an answer
    effect: float  # on resolution, logit scale


CHANNELS = (
    Channel("voice", "live", 0.45, 420, 75, 0.15),
    Channel("email", "async", 0.18, 360, 18_000, -0.25),
    Channel("chat", "live", 0.20, 540, 40, 0.05),
    Channel("web", "async", 0.0, 200, 0, -0.8),  # self-service only
    Channel("sms", "async", 0.05, 180, 3_600, -0.35),
    Channel("social", "async", 0.05, 300, 7_200, -0.15),
    Channel("fax", "live", 0.02, 480, 21_600, -0.30),
    Channel("in_person", "store", 0.05, 600, 240, 0.30),
)
CHANNEL = {c.name: i for i, c in enumerate(CHANNELS)}


class Reason(NamedTuple):
    name: str
    department: str
    stage: str | None
    resolve: float  # base probability that an average agent resolves it
    handle: float  # handle-time factor
    share: float  # of the inbound contact pool
    self_service: float  # share of its inbound contacts done on the web without an agent
    teams: dict[str, float]  # routing: team -> share


_CARE = {"Care Blue": 0.46, "Care Green": 0.46, "Retention": 0.04, "Tech Support": 0.04}
REASONS = (
    Reason("billing", "service", None, 0.88, 0.8, 0.17, 0.15, _CARE),
    Reason("account_change", "service", None, 0.90, 0.6, 0.10, 0.30, _CARE),
    Reason("product_question", "service", "find", 0.82, 0.9, 0.135, 0.10, _CARE),
    Reason("pricing_question", "sales", "choose", 0.80, 0.9, 0.015, 0.0, {"Sales": 1.0}),
    Reason("order_status", "service", "buy", 0.86, 0.6, 0.14, 0.30, _CARE),
    Reason("delivery_issue", "service", "receive", 0.66, 1.1, 0.14, 0.05, _CARE),
    Reason("return_request", "service", "return", 0.72, 1.0, 0.10, 0.20,
           {"Retention": 0.30, "Care Blue": 0.35, "Care Green": 0.35}),
    Reason("complaint", "service", None, 0.48, 1.5, 0.08, 0.0,
           {"Retention": 0.60, "Care Blue": 0.20, "Care Green": 0.20}),
    Reason("technical_fault", "service", None, 0.38, 1.7, 0.12, 0.05,
           {"Tech Support": 0.72, "Care Blue": 0.14, "Care Green": 0.14}),
    Reason("campaign_offer", "marketing", "find", 0.0, 0.5, 0.0, 0.0, {"Outreach": 1.0}),
    Reason("payment_reminder", "collections", None, 0.55, 0.7, 0.0, 0.0, {"Outreach": 1.0}),
    Reason("sales_opportunity", "sales", "choose", 0.0, 1.4, 0.0, 0.0, {"Sales": 1.0}),
)
REASON = {r.name: i for i, r in enumerate(REASONS)}
# (team, reason) -> resolution bonus on the logit scale: who is trained for what
TEAM_REASON_BONUS = {
    ("Tech Support", "technical_fault"): 0.6, ("Care Blue", "technical_fault"): -0.3,
    ("Care Green", "technical_fault"): -0.3, ("Retention", "complaint"): 0.5,
    ("Retention", "return_request"): 0.3,
}
ORDER_CONTACT_DAYS = {  # contacts about an order come this many days after it
    "order_status": (0, 6), "delivery_issue": (1, 12), "return_request": (3, 30)}
REPEAT_CHANCE = {1: 0.06, 0: 0.55, -1: 0.20}  # by resolved (1 yes, 0 no, -1 unknown)
REPEAT_LEVELS = 3
UNKNOWN_RESOLUTION = 0.03

OUTBOUND_SHARES = {"campaign_offer": 0.07, "payment_reminder": 0.04}
OUTBOUND_CHANNELS = {  # channel -> share; voice calls are made by agents, the rest are automated
    "campaign_offer": {"email": 0.5, "sms": 0.3, "voice": 0.2},
    "payment_reminder": {"voice": 0.5, "sms": 0.35, "email": 0.15},
    "sales_opportunity": {"voice": 0.7, "email": 0.3},
}
COLLECTIONS_INBOUND = 0.10  # customers calling back about a reminder
UNCOORDINATED_WEEKLY = 0.001  # customers whom several departments call on one day every week
UNCOORDINATED_SOMETIMES = 0.015  # customers whom it happens to a few times a year
CAMPAIGN_SEGMENT_WEIGHT = (1.0, 0.6, 0.3)  # marketing targets consumers most
ARREARS_SHARE = 0.04  # customers collections keeps calling

HOUR_PROFILES = {
    "live": (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 8, 10, 10, 8, 8, 9, 9, 8, 6, 4, 3, 2, 1, 0.5, 0.3),
    "async": (0.6, 0.4, 0.3, 0.3, 0.3, 0.5, 1, 2, 4, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5, 5, 6, 6, 4, 2),
    "store": (0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 8, 9, 10, 10, 9, 9, 8, 7, 5, 0, 0, 0, 0, 0),
    "outbound": (0, 0, 0, 0, 0, 0, 0, 0, 3, 8, 10, 10, 7, 8, 10, 10, 9, 6, 3, 1, 0, 0, 0, 0),
}
WEEKDAY_PROFILES = {  # Monday first
    "live": (1.12, 1.0, 0.98, 0.97, 0.93, 0.42, 0.25),
    "async": (1.05, 1.0, 1.0, 1.0, 0.95, 0.72, 0.66),
    "store": (0.9, 0.9, 0.9, 1.0, 1.15, 1.3, 0.45),
    "outbound": (1.0, 1.0, 1.0, 1.0, 0.95, 0.05, 0.0),
}


class Product(NamedTuple):
    name: str
    price: float
    share: float
    promise_days: int


PRODUCTS = (
    Product("Laptop", 950, 0.15, 3), Product("Phone", 650, 0.20, 2), Product("Tablet", 420, 0.12, 3),
    Product("Headphones", 140, 0.18, 2), Product("Smart Home Kit", 260, 0.13, 4),
    Product("Accessories", 45, 0.22, 2),
)
STAGE_CHANNELS = {  # journey stage -> channel shares of its events (receive: no channel)
    "find": {"web": 0.6, "social": 0.15, "in_person": 0.1, "voice": 0.1, "chat": 0.05},
    "choose": {"web": 0.55, "in_person": 0.15, "chat": 0.15, "voice": 0.15},
    "buy": {"web": 0.65, "in_person": 0.15, "voice": 0.2},
    "return": {"web": 0.5, "in_person": 0.3, "voice": 0.2},
}
RATED_SHARE = {"find": 0.5, "choose": 0.5, "buy": 0.6, "receive": 0.6, "return": 0.7}
RATINGS = {  # probabilities of ratings 1..5
    "find": (0.05, 0.08, 0.20, 0.37, 0.30),
    "choose": (0.06, 0.09, 0.22, 0.35, 0.28),
    "buy": (0.03, 0.05, 0.15, 0.40, 0.37),
    "receive": (0.03, 0.05, 0.14, 0.38, 0.40),
    "receive_late": (0.35, 0.30, 0.20, 0.10, 0.05),
    "return": (0.01, 0.02, 0.07, 0.30, 0.60),
}
ABANDON = {"find": 0.25, "choose": 0.30, "buy": 0.30}
ABANDON_BY_RATING = (1.0, 2.0, 1.6, 1.1, 0.8, 0.35)  # index 0 = not rated
PEAK_BUY_FACTOR = 0.55  # a find or choose rated 5 makes abandoning the purchase rarer
PAYMENT_FAILURE = 0.04
CANCEL_SHARE = 0.04
LATE_SHARE, DIP_LATE_SHARE = 0.10, 0.60
RETURN_SHARE, LATE_RETURN_EXTRA = 0.09, 0.08
RETURN_REJECTED = 0.06
RETURN_REASONS = ("damaged", "wrong_item", "not_as_described", "changed_mind", "late_delivery")
PEERS = ("Northwind Retail", "Contoso Direct", "Fabrikam Stores")
BENCHMARKS = {  # stage -> score of each peer; our return (≈86) is the only stage 5+ points above the best
    "find": (76.0, 73.0, 71.0), "choose": (74.0, 70.0, 69.0), "buy": (79.0, 77.0, 74.0),
    "receive": (80.0, 75.0, 72.0), "return": (76.0, 78.0, 70.0),
}


class Deal(NamedTuple):
    name: str
    amount: float  # median
    share: float


DEALS = (Deal("Device Fleet", 40_000, 0.25), Deal("Managed Support", 25_000, 0.30),
         Deal("Smart Office", 15_000, 0.25), Deal("Business Laptops", 20_000, 0.20))
DEAL_SEGMENT_WEIGHT = (0.02, 1.0, 3.0)  # who opportunities are with: businesses, enterprises most
ENTERPRISE_DEAL_SIZE = 2.5
SOURCES = {"inbound": 0.35, "outbound": 0.25, "referral": 0.15, "partner": 0.15, "event": 0.10}
ADVANCE = (0.70, 0.70, 0.75)  # lead->qualified, qualified->proposal, proposal->negotiation
WIN_AT_NEGOTIATION = 0.62
DWELL_DAYS = (10.0, 14.0, 18.0, 16.0)  # mean days spent in each pipeline stage
STALL_SHARE, STALL_FACTOR = 0.20, 5.0  # deals stuck in one stage for far longer than planned
PLANNED_CYCLE_DAYS = (45.0, 20.0)  # the owner's expected close: mean, sd
LOST_REASONS = {"price": 0.30, "competitor": 0.25, "no_budget": 0.20, "timing": 0.15, "no_decision": 0.10}
QUOTA_MONTHS_AHEAD = 2

SURVEY_SHARE = 0.14  # of inbound contacts
RELATIONSHIP_SURVEYS = 0.15  # share of surveys sent without a contact
FOLLOW_UP_SHARE, LATE_FOLLOW_UP_SHARE = 0.78, 0.06  # of at-risk surveys: within 48 h, later
ESCALATION_FOLLOW_UP = 0.30
COMMENTS = {
    "positive": ("Quick and friendly, thank you.", "Sorted in one call.", "Agent knew exactly what to do.",
                 "Great service as always.", "Easy and fast.", "Very helpful, problem solved."),
    "neutral": ("It was fine.", "Took a while but got there.", "OK, nothing special.",
                "Had to explain twice.", "Average experience."),
    "negative": ("Still not fixed.", "I had to call three times.", "Nobody called me back.",
                 "Waited far too long.", "Thinking of switching provider.", "The agent did not listen.",
                 "Parcel still missing.", "Refund still not received."),
}
COMMENT_SHARE = 0.35
