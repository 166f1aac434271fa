"""Settings declared once, as data: defaults here, overrides from config/journey.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CONFIG_ENV = "JOURNEY_CONFIG"
DATABASE_ENV = "JOURNEY_DATABASE_URL"
DEFAULT_CONFIG = Path("config/journey.toml")


class SettingsError(ValueError):
    """A configuration file or value that cannot be used."""


@dataclass(frozen=True)
class Target:
    value: float
    better: str  # "higher" or "lower"


@dataclass(frozen=True)
class Settings:
    database_url: str = "duckdb:///data/journey.duckdb"
    time_zone: str = "UTC"
    repeat_window_days: float = 7
    min_contacts: int = 30
    min_contacts_reason: int = 20
    shrinkage_k: float = 20
    composite_weights: dict[str, float] = field(default_factory=lambda: {
        "fcr_adjusted": 0.30, "csat_pct": 0.25, "repeat_7d": 0.15,
        "qa": 0.15, "sentiment_lift": 0.10, "aht_ratio": 0.05,
    })
    peak_margin: float = 5.0
    pipeline_stages: tuple[str, ...] = ("lead", "qualified", "proposal", "negotiation")
    stage_probabilities: dict[str, float] = field(default_factory=lambda: {
        "lead": 0.10, "qualified": 0.20, "proposal": 0.40, "negotiation": 0.60,
    })
    learned_probabilities: bool = True
    min_closed_for_learned: int = 10
    backtest_months: int = 6
    gross_margin: float = 0.35
    follow_up_window_days: float = 2
    cost_per_contact: dict[str, float] = field(default_factory=lambda: {
        "voice": 6.00, "chat": 3.00, "email": 2.50, "social": 2.00,
        "fax": 3.00, "sms": 0.50, "web": 0.20, "in_person": 15.00,
    })
    freshness_green_days: float = 1
    freshness_amber_days: float = 7
    stale_customer_days: float = 180
    targets: dict[str, Target] = field(default_factory=dict)
    access_mode: str = "none"  # none, password, proxy, oidc (docs/access.md)
    proxy_header: str = "X-Forwarded-Email"
    proxy_addresses: tuple[str, ...] = ("127.0.0.1",)
    oidc_provider: str = ""
    max_failed_sign_ins: int = 5
    lockout_minutes: float = 15

    @property
    def repeat_window_sec(self) -> float:
        return self.repeat_window_days * 86400

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


# (toml section, toml key) -> Settings field
_TOML_KEYS: dict[tuple[str, str], str] = {
    ("", "database_url"): "database_url",
    ("", "time_zone"): "time_zone",
    ("agents", "repeat_window_days"): "repeat_window_days",
    ("agents", "min_contacts"): "min_contacts",
    ("agents", "min_contacts_reason"): "min_contacts_reason",
    ("agents", "shrinkage_k"): "shrinkage_k",
    ("agents", "composite_weights"): "composite_weights",
    ("journey", "peak_margin"): "peak_margin",
    ("pipeline", "stages"): "pipeline_stages",
    ("pipeline", "probabilities"): "stage_probabilities",
    ("pipeline", "learned_probabilities"): "learned_probabilities",
    ("pipeline", "min_closed_for_learned"): "min_closed_for_learned",
    ("pipeline", "backtest_months"): "backtest_months",
    ("customers", "gross_margin"): "gross_margin",
    ("customers", "follow_up_window_days"): "follow_up_window_days",
    ("customers", "cost_per_contact"): "cost_per_contact",
    ("freshness", "green_days"): "freshness_green_days",
    ("freshness", "amber_days"): "freshness_amber_days",
    ("freshness", "stale_customer_days"): "stale_customer_days",
    ("", "targets"): "targets",
    ("access", "mode"): "access_mode",
    ("access", "proxy_header"): "proxy_header",
    ("access", "proxy_addresses"): "proxy_addresses",
    ("access", "oidc_provider"): "oidc_provider",
    ("access", "max_failed_sign_ins"): "max_failed_sign_ins",
    ("access", "lockout_minutes"): "lockout_minutes",
}
ACCESS_MODES = ("none", "password", "proxy", "oidc")


def load(path: Path | None = None) -> Settings:
    """Settings from `path` (else $JOURNEY_CONFIG, else config/journey.toml if present)."""
    path = path or Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise SettingsError(f"{path}: not valid TOML: {error}") from error
    return from_mapping(raw, source=str(path))


def from_mapping(raw: dict[str, Any], source: str = "settings") -> Settings:
    """Settings from a parsed TOML mapping; unknown keys are an error so typos do not pass silently."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict) and key != "targets":
            for sub, subvalue in value.items():
                values[_field(source, key, sub)] = subvalue
        else:
            values[_field(source, "", key)] = value
    if "targets" in values:
        values["targets"] = {
            name: Target(float(t["value"]), str(t.get("better", "higher")))
            for name, t in values["targets"].items()
        }
    if "pipeline_stages" in values:
        values["pipeline_stages"] = tuple(values["pipeline_stages"])
    if "proxy_addresses" in values:
        values["proxy_addresses"] = tuple(values["proxy_addresses"])
    settings = replace(Settings(), **values)
    _check(settings, source)
    return settings


def _field(source: str, section: str, key: str) -> str:
    try:
        return _TOML_KEYS[(section, key)]
    except KeyError:
        name = f"{section}.{key}" if section else key
        raise SettingsError(f"{source}: unknown setting {name!r}") from None


def _check(settings: Settings, source: str) -> None:
    try:
        ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{source}: unknown time_zone {settings.time_zone!r}") from None
    if settings.access_mode not in ACCESS_MODES:
        raise SettingsError(f"{source}: access.mode {settings.access_mode!r} is not one of {', '.join(ACCESS_MODES)}")
    missing = set(settings.pipeline_stages) - set(settings.stage_probabilities)
    if missing:
        raise SettingsError(f"{source}: pipeline.probabilities lacks {sorted(missing)}")


def database_url(settings: Settings, override: str | None = None) -> str:
    """The store URL: --db, else $JOURNEY_DATABASE_URL, else the configuration."""
    return override or os.environ.get(DATABASE_ENV) or settings.database_url


def documented_keys() -> list[str]:
    """Every setting name, for the guard test that each one is documented in journey.toml."""
    return [f.name for f in fields(Settings)]
