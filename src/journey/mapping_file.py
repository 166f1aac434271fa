"""The mapping file (docs/mappings.md): TOML that says per target table which file of an export to read and
how each target column is made from that file's columns. Parsed once into frozen dataclasses; every
unknown key, unknown target column, unmapped required column or unusable option is a MappingError
naming the file and the place in it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from journey.schema import SPEC_BY_NAME, SPECS, Column

MAPPINGS = Path(__file__).resolve().parents[2] / "config" / "mappings"
CREATABLE = ("customers", "agents")
TOP_KEYS = ("description", "time_zone", "encoding", "delimiter", "create")
PART_KEYS = ("file", "sheet", "encoding", "delimiter", "skip", "columns")
RULE_KEYS = ("column", "template", "value", "when", "map", "unmapped", "lookup", "format", "duration", "decimal",
             "default")
LOOKUP_KEYS = ("file", "sheet", "key", "value", "sum")
TESTS = ("equals", "not_equals", "in", "not_in", "empty")
SECONDS = r"([0-5]\d(?:\.\d+)?)"
DURATIONS = {"H:MM:SS": (rf"^(\d+):([0-5]\d):{SECONDS}$",), "MM:SS": (rf"^()(\d+):{SECONDS}$",),
             "[H:]MM:SS": (rf"^(\d+):([0-5]\d):{SECONDS}$", rf"^()(\d+):{SECONDS}$")}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class MappingError(ValueError):
    """A mapping that cannot be used, or an export it does not fit; the message says where and what to do."""


@dataclass(frozen=True)
class Condition:
    column: str
    test: str  # one of TESTS
    operand: Any  # text, list of texts, or a bool for `empty`


@dataclass(frozen=True)
class Lookup:
    file: str
    key: str
    value: str
    sheet: str | None = None
    sum: bool = False  # add up the values of every row with the key, else take the first


@dataclass(frozen=True)
class Rule:
    """One way to make a target column from a record; `where` locates it in the mapping for messages."""

    where: str
    column: str | None = None
    template: str | None = None
    value: str | None = None
    when: Condition | None = None
    map: dict[str, str] | None = None
    unmapped: str | None = None
    lookups: tuple[Lookup, ...] = ()
    format: str | None = None
    duration: str | None = None
    decimal: str | None = None
    default: str | None = None

    @property
    def sources(self) -> list[str]:
        named = [self.column] if self.column else PLACEHOLDER.findall(self.template or "")
        return named + ([self.when.column] if self.when else [])


@dataclass(frozen=True)
class Part:
    """The rows one file gives one target table; a table may have several parts."""

    table: str
    where: str
    file: str | None
    columns: dict[str, tuple[Rule, ...]]  # target column -> alternatives, the first that gives a value wins
    skip: tuple[Condition, ...] = ()
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class Mapping:
    name: str
    path: Path
    parts: tuple[Part, ...]  # in load order
    description: str = ""
    time_zone: str | None = None  # of naive timestamps; None: the configured one
    create: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None


def resolve(name_or_file: str) -> Path:
    """A mapping file: the path given, else config/mappings/<name>.toml."""
    path = Path(name_or_file)
    if path.suffix == ".toml" or len(path.parts) > 1 or path.is_file():
        if not path.is_file():
            raise MappingError(f"{path}: no such mapping file")
        return path
    shipped = MAPPINGS / f"{name_or_file}.toml"
    if not shipped.is_file():
        names = ", ".join(sorted(p.stem for p in MAPPINGS.glob("*.toml"))) or "none"
        raise MappingError(f"no mapping named {name_or_file!r} (shipped: {names}); or pass the path of a .toml file")
    return shipped


def load_mapping(name_or_file: str) -> Mapping:
    path = resolve(name_or_file)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MappingError(f"{path}: not valid TOML ({error})") from None
    return parse(raw, path)


def parse(raw: dict[str, Any], path: Path) -> Mapping:
    """A Mapping from parsed TOML; unknown keys, target columns and misplaced options are errors."""
    where = path.name
    parts: list[Part] = []
    for key, value in raw.items():
        if key in TOP_KEYS:
            continue
        if key not in SPEC_BY_NAME:
            _fail(where, f"unknown key {key!r}; name a table ({', '.join(SPEC_BY_NAME)}) or one of "
                         f"{', '.join(TOP_KEYS)}")
        items = value if isinstance(value, list) else [value]
        parts += [_part(key, item, f"{where}: [{key}]" + (f" #{i + 1}" if len(items) > 1 else ""))
                  for i, item in enumerate(items)]
    if not parts:
        _fail(where, "maps no table; add a section such as [customers] with file and columns")
    zone = _optional_text(raw, "time_zone", where)
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            _fail(where, f"time_zone {zone!r} is not an IANA time zone (such as Europe/Berlin)")
    create = raw.get("create", [])
    if not isinstance(create, list) or any(t not in CREATABLE for t in create):
        _fail(where, f"create must list tables among {', '.join(CREATABLE)}")
    order = [spec.name for spec in SPECS]
    return Mapping(path.stem, path, tuple(sorted(parts, key=lambda p: order.index(p.table))),
                   _optional_text(raw, "description", where) or "", zone, tuple(create),
                   _optional_text(raw, "encoding", where), _optional_text(raw, "delimiter", where))


def _fail(where: str, problem: str) -> NoReturn:
    raise MappingError(f"{where}: {problem}")


def _table(raw: object, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        _fail(where, "expected a table { key = value, ... }")
    unknown = [k for k in raw if k not in allowed]
    if unknown:
        _fail(where, f"unknown key {unknown[0]!r}; expected {', '.join(allowed)}")
    return raw


def _text(raw: object, where: str) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (str, int, float)):
        return str(raw)
    _fail(where, "expected a text or a number")


def _optional_text(raw: dict[str, Any], key: str, where: str) -> str | None:
    return _text(raw[key], f"{where}: {key}") if key in raw else None


def _part(table: str, raw: object, where: str) -> Part:
    spec = _table(raw, where, PART_KEYS)
    columns = spec.get("columns")
    if not isinstance(columns, dict) or not columns:
        _fail(where, "needs columns = { target_column = \"source column\", ... }")
    target = SPEC_BY_NAME[table]
    names = [c.name for c in target.columns]
    for name in columns:
        if name not in names:
            _fail(f"{where} columns.{name}", f"{table} has no column {name}; its columns are {', '.join(names)}")
    missing = [c for c in target.required if c not in columns]
    if missing:
        _fail(where, f"required column {', '.join(missing)} of {table} is not mapped; add it to columns")
    skip = spec.get("skip", [])
    return Part(table, where, _optional_text(spec, "file", where),
                {name: _rules(rule, f"{where} columns.{name}", target.column(name)) for name, rule in columns.items()},
                tuple(_condition(c, f"{where} skip") for c in (skip if isinstance(skip, list) else [skip])),
                _optional_text(spec, "sheet", where), _optional_text(spec, "encoding", where),
                _optional_text(spec, "delimiter", where))


def _rules(raw: object, where: str, column: Column) -> tuple[Rule, ...]:
    if isinstance(raw, list):
        if not raw:
            _fail(where, "an empty list makes nothing; give a source column, template or value")
        return tuple(_rule(item, f"{where}[{i + 1}]", column) for i, item in enumerate(raw))
    return (_rule(raw, where, column),)


def _rule(raw: object, where: str, column: Column) -> Rule:
    spec = _table({"column": raw} if isinstance(raw, str) else raw, where, RULE_KEYS)
    if sum(k in spec for k in ("column", "template", "value")) != 1:
        _fail(where, "give exactly one of column (a source column), template (\"{a} {b}\") or value (a constant)")
    texts = {k: _text(spec[k], f"{where} {k}") for k in ("column", "template", "value", "unmapped", "default",
                                                           "format", "duration", "decimal") if k in spec}
    if "template" in texts:
        _check_template(texts["template"], where)
    if "format" in texts:
        _check_format(texts["format"], column, where)
    if "duration" in texts and (column.kind not in ("float", "int") or texts["duration"] not in DURATIONS):
        _fail(where, f"duration turns {', '.join(DURATIONS)} into seconds, for a number column")
    if "decimal" in texts and (column.kind not in ("float", "int") or texts["decimal"] not in (",", ".")):
        _fail(where, "decimal is \",\" or \".\" (the other one and spaces group thousands), for a number column")
    mapped = spec.get("map")
    if mapped is not None and not isinstance(mapped, dict):
        _fail(f"{where} map", "expected a table { \"source value\" = \"target value\", ... }")
    if "unmapped" in texts and mapped is None:
        _fail(where, "unmapped is the value for source values missing from map; give map too")
    lookups = spec.get("lookup", [])
    lookups = lookups if isinstance(lookups, list) else [lookups]
    return Rule(where, texts.get("column"), texts.get("template"), texts.get("value"),
                _condition(spec["when"], f"{where} when") if "when" in spec else None,
                {str(k): _text(v, f"{where} map.{k}") for k, v in mapped.items()} if mapped is not None else None,
                texts.get("unmapped"),
                tuple(_lookup(item, f"{where} lookup") for item in lookups),
                texts.get("format"), texts.get("duration"), texts.get("decimal"), texts.get("default"))


def _check_template(template: str, where: str) -> None:
    names = PLACEHOLDER.findall(template)
    if "{" in PLACEHOLDER.sub("", template) or "}" in PLACEHOLDER.sub("", template) or not all(n.strip()
                                                                                              for n in names):
        _fail(where, f"template {template!r}: write each source column as {{column name}}")


def _check_format(fmt: str, column: Column, where: str) -> None:
    """A format must suit a timestamp or date column and read back what it writes (so %Q-style typos fail here)."""
    if column.kind not in ("timestamp", "date"):
        _fail(where, f"format reads timestamps and dates; {column.name} is a {column.kind} column")
    sample = datetime(2024, 11, 28, 13, 45, 30, tzinfo=UTC)
    try:
        written = sample.strftime(fmt.replace("%#z", "%z").replace("%.f", ""))
    except ValueError:
        written = ""
    dtype = pl.Date if column.kind == "date" else pl.Datetime("us")
    if "%" not in fmt or pl.Series([written]).str.strptime(dtype, fmt, strict=False).is_null().any():
        _fail(where, f"format {fmt!r} cannot read dates: write it with %Y %m %d %H %M %S (e.g. \"%d.%m.%Y %H:%M\")")


def _condition(raw: object, where: str) -> Condition:
    spec = _table(raw, where, ("column", *TESTS))
    tests = [t for t in TESTS if t in spec]
    if "column" not in spec or len(tests) != 1:
        _fail(where, f"a condition is {{ column = \"name\", <test> = ... }} with one test of {', '.join(TESTS)}")
    test, operand = tests[0], spec[tests[0]]
    if test == "empty" and not isinstance(operand, bool):
        _fail(where, "empty is true or false")
    if test in ("in", "not_in"):
        if not isinstance(operand, list):
            _fail(where, f"{test} takes a list of values")
        operand = [_text(v, f"{where} {test}") for v in operand]
    elif test != "empty":
        operand = _text(operand, f"{where} {test}")
    return Condition(_text(spec["column"], f"{where} column"), test, operand)


def _lookup(raw: object, where: str) -> Lookup:
    spec = _table(raw, where, LOOKUP_KEYS)
    if not all(k in spec for k in ("file", "key", "value")):
        _fail(where, "a lookup is { file = \"other.csv\", key = \"its id column\", value = \"the column to take\" }")
    return Lookup(_text(spec["file"], where), _text(spec["key"], where), _text(spec["value"], where),
                  _optional_text(spec, "sheet", where), bool(spec.get("sum", False)))
