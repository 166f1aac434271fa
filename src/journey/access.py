"""Who may see what: users and their roles, password and proxy sign-in, and the scope of agent rows.

A `Scope` says which agents' own rows (scorecard, detail, follow-ups, movers) a user may see. It comes
only from the signed-in user and is bound into the SQL of every query that returns per-agent rows
(`:all_agents_visible`, `:visible_agents`); aggregates stay whole for everybody. See docs/access.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import polars as pl
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from journey import schema
from journey.settings import Settings
from journey.store import Store, StoreError

Query = Callable[..., pl.DataFrame]
ROLES = ("executive", "manager", "agent", "analyst")
ROLE_HELP = {
    "executive": "every page and every agent; Data health without import history and audit log",
    "manager": "aggregates plus the agents of their own teams",
    "agent": "aggregates plus their own scorecard and follow-ups",
    "analyst": "everything, plus import history, rejected rows and the audit log",
}
# agents outside a scope come back from agent_contact_cells.sql under this prefix plus a salted hash: their
# rows keep cell rates and z-scores exact, but no id or name; the library drops them before anything is shown
HIDDEN_PREFIX = "~"
SCOPE_SALT = secrets.token_hex(8)  # per process: pseudonyms cannot be matched to ids from outside
SCOPE_PARAMS = ("all_agents_visible", "visible_agents", "scope_salt")
_HASHER = PasswordHasher()  # argon2id with the library's current recommended cost


class AccessError(ValueError):
    """A user or sign-in that cannot be accepted; the message says why (without revealing secrets)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    agent_id: str | None = None
    teams: tuple[str, ...] = ()

    @property
    def sees_all_agents(self) -> bool:
        return self.role in ("executive", "analyst")

    @property
    def sees_data_health(self) -> bool:
        """Freshness and stale customers: the executive asks 'can I trust these numbers?'."""
        return self.role in ("executive", "analyst")

    @property
    def writes_notes(self) -> bool:
        """The weekly review's decisions and owners: written by those who run the meeting, read by all."""
        return self.role in ("executive", "manager", "analyst")

    @property
    def sees_imports(self) -> bool:
        """Import history, rejected rows (raw values from the files) and the audit log: analysts only."""
        return self.role == "analyst"


LOCAL_USER = User("local", "analyst")  # access mode none: the local demo, open to whoever reaches it


@dataclass(frozen=True)
class Scope:
    """The agents whose own rows a user may see: every agent, or the listed ones (possibly none)."""

    all_agents: bool
    agent_ids: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        """The bound parameters that enforce the scope in SQL."""
        return {"all_agents_visible": self.all_agents, "visible_agents": list(self.agent_ids),
                "scope_salt": SCOPE_SALT}

    def allows(self, agent_id: str | None) -> bool:
        return self.all_agents or agent_id in self.agent_ids

    def key(self) -> str:
        """A short stable name of the scope, e.g. for a folder of reports built under it."""
        digest = hashlib.sha256("\n".join(sorted(self.agent_ids)).encode()).hexdigest()[:12]
        return "all" if self.all_agents else f"scope-{digest}"


EVERYONE = Scope(all_agents=True)
NOBODY = Scope(all_agents=False)


def scope_for(user: User | None, query: Query) -> Scope:
    """The scope of a signed-in user (nobody's rows without one); a manager's agents come from the store."""
    if user is None:
        return NOBODY
    if user.sees_all_agents:
        return EVERYONE
    if user.role == "manager":
        rows = query("access_team_agents", teams=list(user.teams) or [""])
        return Scope(False, tuple(rows["agent_id"].to_list()))
    return Scope(False, (user.agent_id,) if user.agent_id else ())


def scoped(query: Query, scope: Scope) -> Query:
    """A query function that binds `scope`, overriding whatever scope a caller passed."""
    def run(name: str, **params: Any) -> pl.DataFrame:
        return query(name, **{**params, **scope.params()})
    return run


def visible(frame: pl.DataFrame, scope: Scope, column: str = "agent_id") -> pl.DataFrame:
    """The rows of agents in the scope: pseudonymous rows (outside it, masked in SQL) are dropped too."""
    kept = frame.filter(~pl.col(column).cast(pl.String).str.starts_with(HIDDEN_PREFIX).fill_null(False))
    return kept if scope.all_agents else kept.filter(pl.col(column).is_in(list(scope.agent_ids)))


# --- users --------------------------------------------------------------------------------------------

def make_user(name: str, role: str, agent_id: str | None = None, teams: tuple[str, ...] = ()) -> User:
    """A checked user: a known role, an agent id for an agent, teams for a manager."""
    name = name.strip()
    if not name:
        raise AccessError("a user needs a name")
    if role not in ROLES:
        raise AccessError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role == "agent" and not agent_id:
        raise AccessError("an agent user needs --agent-id (the agent id their contacts carry)")
    if role == "manager" and not teams:
        raise AccessError("a manager user needs --team (repeat for several teams)")
    return User(name, role, agent_id if role == "agent" else None, tuple(teams) if role == "manager" else ())


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AccessError("a password needs at least 8 characters")
    return _HASHER.hash(password)


def add_user(store: Store, user: User, password: str | None = None, now: datetime | None = None) -> None:
    """Create or replace a user; without a password they can sign in only through a proxy or OIDC."""
    table = schema.users
    row = {"user_name": user.name, "role": user.role, "agent_id": user.agent_id, "teams": ",".join(user.teams),
           "password_hash": hash_password(password) if password is not None else None,
           "created_at": now or _now()}
    with store.connect() as connection, connection.begin():
        connection.execute(sa.delete(table).where(table.c.user_name == user.name))
        connection.execute(sa.insert(table).values(**row))


def remove_user(store: Store, name: str) -> bool:
    """Remove a user; False when there was none of that name."""
    table = schema.users
    with store.connect() as connection, connection.begin():
        return bool(connection.execute(sa.delete(table).where(table.c.user_name == name)).rowcount)


def list_users(query: Query) -> pl.DataFrame:
    """Every user with role, agent id, teams and whether a password is set (never the hash)."""
    return _tolerate_missing(lambda: query("access_users"), "users", _USER_COLUMNS)


def find_user(query: Query, name: str) -> tuple[User, str | None] | None:
    """The user of that name and their password hash, or None."""
    rows = _tolerate_missing(lambda: query("access_user", user_name=name), "users", _USER_COLUMNS)
    if rows.height == 0:
        return None
    row = rows.row(0, named=True)
    teams = tuple(t for t in (row["teams"] or "").split(",") if t)
    return User(row["user_name"], row["role"], row["agent_id"], teams), row["password_hash"]


_USER_COLUMNS = {"user_name": pl.String, "role": pl.String, "agent_id": pl.String, "teams": pl.String,
                 "password_hash": pl.String, "created_at": pl.Datetime("us")}


def _tolerate_missing(run: Callable[[], pl.DataFrame], table: str, columns: Mapping[str, Any]) -> pl.DataFrame:
    """A store made before `table` existed has no rows in it (the app opens stores read-only)."""
    try:
        return run()
    except StoreError as error:
        if table in str(error):
            return pl.DataFrame(schema=dict(columns))
        raise


# --- sign-in ------------------------------------------------------------------------------------------

def check_password(query: Query, name: str, password: str, recent_failures: int, settings: Settings) -> User:
    """The user if name and password match; AccessError with one message for every kind of mismatch."""
    if recent_failures >= settings.max_failed_sign_ins:
        raise AccessError(f"too many failed sign-ins for this name: wait {settings.lockout_minutes:g} minutes")
    found = find_user(query, name.strip())
    stored = found[1] if found else None
    try:
        # verify against a dummy hash for unknown names, so timing does not tell which names exist
        if _HASHER.verify(stored or _dummy_hash(), password) and found and stored:
            return found[0]
    except (VerificationError, InvalidHashError):
        pass
    raise AccessError("unknown user name or wrong password")


@cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_hex(16))


def proxy_user_name(headers: Mapping[str, str], client: str | None, settings: Settings) -> str:
    """The user name a trusted reverse proxy put in its header; AccessError when it cannot be believed."""
    if not client or not _trusted(client, settings.proxy_addresses):
        raise AccessError(f"this server accepts sign-in only through its proxy; {client or 'an unknown address'} "
                          "is not one of access.proxy_addresses")
    name = next((value for key, value in headers.items() if key.lower() == settings.proxy_header.lower()), "")
    if not name.strip():
        raise AccessError(f"the proxy sent no {settings.proxy_header} header: is it configured to?")
    return name.strip()


def _trusted(client: str, allowed: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(entry, strict=False) for entry in allowed)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def lockout_start(settings: Settings, now: datetime | None = None) -> datetime:
    """Failed sign-ins since this time count towards the pause."""
    return (now or _now()) - timedelta(minutes=settings.lockout_minutes)


@dataclass
class ScopedStore(Store):
    """A store whose per-agent queries are bound to one user's scope (the CLI's `--as USER`)."""

    scope: Scope = NOBODY

    @classmethod
    def of(cls, store: Store, scope: Scope) -> ScopedStore:
        """`store` (every setting of it kept) with its queries bound to `scope`."""
        return cls(**{f.name: getattr(store, f.name) for f in fields(store)}, scope=scope)

    def query(self, name: str, **params: Any) -> pl.DataFrame:
        return super().query(name, **{**params, **self.scope.params()})
