"""Row rules of the interchange format, vectorised: typed values out, one reject per problem found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from journey.schema import PIPELINE_STAGES, Column, TableSpec
from journey.settings import Settings

LINE = "__line"  # physical line of the row in its file (the header is line 1)
REJECT_SCHEMA = {"table": pl.String, "file": pl.String, "line": pl.Int64, "column": pl.String,
                 "reason": pl.String, "value": pl.String}
BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
# Tried in order; each later format only sees the values no earlier one could read.
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z", "%Y-%m-%d %H:%M%#z",
)

# The usual spelling, UTC with Z and whole seconds (what exports write): read in one pass. None of the formats
# above without an offset reads a value ending in Z, and the first with one reads these as this does.
CANONICAL_UTC = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", "%Y-%m-%dT%H:%M:%SZ")

Lookup = Callable[[str, pl.Series], pl.Series]  # (table, ids the folder lacks) -> those the store holds


@dataclass
class Keys:
    """Keys met so far in the folder, per referenced table: of valid rows, and of rejected rows only."""

    valid: dict[str, pl.Series] = field(default_factory=dict)
    rejected: dict[str, pl.Series] = field(default_factory=dict)


def check_table(spec: TableSpec, raw: pl.DataFrame, file: str, settings: Settings, keys: Keys,
                lookup: Lookup) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid rows with the store's types, and the rejects (REJECT_SCHEMA), of one file.

    In: one row per record, every column text, plus LINE. Out: valid rows (rows with any problem
    dropped) and one reject per problem. Updates `keys` with this table's keys for later tables.
    """
    frame = _clean(spec, raw)
    columns = [c for c in spec.columns if c.name in frame.columns]
    frame = _with_timestamps(frame, columns, settings)
    frame = frame.with_columns(_typed(frame, c, settings) for c in columns if c.kind != "timestamp")
    frame = frame.with_columns(_problem(c, settings) for c in columns)
    frame = frame.with_columns(_reference_problem(frame, c, keys, lookup) for c in columns if c.references)
    frame = frame.with_columns(_repeated(frame, spec))
    problems = [_name("problem", c.name) for c in columns] + [_name("problem", "key")]
    is_bad = pl.any_horizontal(pl.col(problems).is_not_null())
    bad, good = frame.filter(is_bad), frame.filter(~is_bad)
    valid = good.select(_final(c) for c in columns)
    _remember_keys(spec, valid, bad, keys)
    return valid, _rejects(spec, bad, columns, file)


def parse_timestamps(raw: pl.Series, zone: str) -> tuple[pl.Series, pl.Series]:
    """Naive UTC datetimes from ISO 8601 text, and a mask of local times the zone skips (clock change).

    Text without an offset is wall time in `zone`; a repeated hour reads as its first occurrence.
    """
    skipped = pl.repeat(False, raw.len(), dtype=pl.Boolean, eager=True)
    pattern, canonical_format = CANONICAL_UTC
    canonical = raw.str.contains(pattern).fill_null(False)
    values = pl.repeat(None, raw.len(), dtype=pl.Datetime("us"), eager=True)
    todo = raw.is_not_null()
    if canonical.any():
        index = canonical.arg_true()
        subset = raw if index.len() == raw.len() else raw.gather(index)
        parsed = subset.str.strptime(pl.Datetime("us"), canonical_format, strict=False)
        if parsed.null_count() == 0 and parsed.len() == raw.len():
            return parsed, skipped
        read = index.filter(parsed.is_not_null())
        values.scatter(read, parsed.drop_nulls())
        todo.scatter(read, False)
    for fmt in TIMESTAMP_FORMATS:
        index = todo.arg_true()
        if index.is_empty():
            break
        subset = raw if index.len() == raw.len() else raw.gather(index)
        parsed = subset.str.strptime(pl.Datetime("us"), fmt, strict=False)
        utc = _to_utc(parsed, zone)
        read, gap = index.filter(utc.is_not_null()), index.filter(parsed.is_not_null() & utc.is_null())
        values.scatter(read, utc.drop_nulls())
        skipped.scatter(gap, True)
        todo.scatter(read, False).scatter(gap, False)
    return values, skipped


def _to_utc(parsed: pl.Series, zone: str) -> pl.Series:
    dtype = parsed.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    if zone == "UTC":
        return parsed
    local = parsed.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    return local.dt.convert_time_zone("UTC").dt.replace_time_zone(None)


def _name(role: str, column: str) -> str:
    return f"__{role}__{column}"


def _clean(spec: TableSpec, raw: pl.DataFrame) -> pl.DataFrame:
    """Cells stripped, empty ones missing, blank records gone, defaults filled in."""
    data = [c for c in raw.columns if c != LINE]
    frame = raw.with_columns(pl.col(data).str.strip_chars().replace("", None)).filter(
        pl.any_horizontal(pl.col(data).is_not_null()))
    defaults = [c for c in spec.columns if c.default is not None]
    return frame.with_columns(
        (pl.col(c.name).fill_null(c.default) if c.name in data else pl.lit(c.default)).alias(c.name)
        for c in defaults
    )


def _with_timestamps(frame: pl.DataFrame, columns: list[Column], settings: Settings) -> pl.DataFrame:
    parsed: list[pl.Series] = []
    for column in (c for c in columns if c.kind == "timestamp"):
        values, skipped = parse_timestamps(frame[column.name], settings.time_zone)
        parsed += [values.alias(_name("typed", column.name)), skipped.alias(_name("skipped", column.name))]
    return frame.with_columns(parsed)


def _allowed(column: Column, settings: Settings) -> tuple[str, ...]:
    return settings.pipeline_stages if column.values == PIPELINE_STAGES else tuple(column.values or ())


def _typed(frame: pl.DataFrame, column: Column, settings: Settings) -> pl.Expr:
    """The column's value with its type, null where missing or unreadable (checked in `_problem`)."""
    raw = pl.col(column.name)
    if column.values:  # enums match whatever the case, and load in their configured spelling
        allowed = {value.lower(): value for value in _allowed(column, settings)}
        typed = _by_distinct(frame[column.name], allowed, pl.String)
    elif column.kind == "bool":
        typed = _by_distinct(frame[column.name], BOOLEANS, pl.Boolean)
    elif column.kind == "date":
        typed = raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    elif column.kind in ("float", "int"):
        number = raw.cast(pl.Float64, strict=False)
        typed = pl.when(number.is_finite()).then(number)
    else:
        typed = raw
    return typed.alias(_name("typed", column.name))


def _by_distinct(raw: pl.Series, lowercase: dict[str, str] | dict[str, bool], dtype: type[pl.DataType]) -> pl.Expr:
    """`raw` lowercased and looked up in `lowercase`, null where absent: worked out once per distinct value."""
    distinct = raw.drop_nulls().unique()
    looked_up = distinct.str.to_lowercase().replace_strict(lowercase, default=None, return_dtype=dtype)
    return pl.col(raw.name).replace_strict(distinct, looked_up, default=None, return_dtype=dtype)


def _unreadable(column: Column, settings: Settings) -> str | None:
    if column.values:
        return "unknown value; expected one of " + ", ".join(_allowed(column, settings))
    return {"float": "not a number", "int": "not a number", "bool": "not a boolean (true/false, 1/0, yes/no)",
            "date": "not a date (YYYY-MM-DD)", "timestamp": "not an ISO 8601 timestamp"}.get(column.kind)


def _problem(column: Column, settings: Settings) -> pl.Expr:
    """Why this cell breaks the format, or null: the first rule it breaks, in the order listed."""
    raw, typed = pl.col(column.name), pl.col(_name("typed", column.name))
    rules: list[tuple[pl.Expr, str | None]] = [
        (raw.is_null(), "missing required value" if column.required else None)]
    if column.kind == "timestamp":
        rules.append((pl.col(_name("skipped", column.name)),
                      f"local time that does not exist in {settings.time_zone} (clock change)"))
    rules.append((typed.is_null(), _unreadable(column, settings)))
    if column.kind == "int":
        rules.append((typed != typed.floor(), "not a whole number"))
    if column.low is not None or column.high is not None:
        low = column.low if column.low is not None else -float("inf")
        high = column.high if column.high is not None else float("inf")
        rules.append(((typed < low) | (typed > high), f"out of range: {_bounds(column)}"))
    reason = pl.lit(None, pl.String)
    for broken, text in reversed(rules):
        reason = pl.when(broken).then(pl.lit(text, pl.String)).otherwise(reason)
    return reason.alias(_name("problem", column.name))


def _bounds(column: Column) -> str:
    def shown(bound: float) -> str:
        return f"{bound:g}"
    if column.high is None:
        return f"must be ≥ {shown(column.low or 0)}"
    return f"must be between {shown(column.low or 0)} and {shown(column.high)}"


def _reference_problem(frame: pl.DataFrame, column: Column, keys: Keys, lookup: Lookup) -> pl.Expr:
    """Ids that neither the folder's valid rows nor the store hold (a rejected row counts as absent)."""
    table = column.references or ""
    problem = pl.col(_name("problem", column.name))
    candidates = _minus(frame[column.name].drop_nulls(), keys.valid.get(table)).unique()
    unknown = _minus(candidates, lookup(table, candidates)) if candidates.len() else candidates
    if unknown.is_empty():
        return problem
    value, rejected = pl.col(column.name), keys.rejected.get(table, pl.Series(dtype=pl.String))
    reason = (pl.when(value.is_in(rejected.implode())).then(pl.lit(f"refers to a row of {table} that was rejected"))
              .otherwise(pl.lit(f"not found in {table} (neither in the folder nor in the store)")))
    return pl.coalesce(problem, pl.when(value.is_in(unknown.implode())).then(reason)).alias(
        problem.meta.output_name())


def _minus(values: pl.Series, other: pl.Series | None) -> pl.Series:
    """The values not in `other`, each occurrence (hashing the smaller side: fast on millions of ids)."""
    if other is None or other.is_empty() or values.is_empty():
        return values
    if other.len() < values.len():
        return values.filter(~values.is_in(other.implode()).fill_null(False))
    return values.to_frame("id").join(other.to_frame("id"), on="id", how="anti")["id"]


def _repeated(frame: pl.DataFrame, spec: TableSpec) -> pl.Series:
    """'repeats the key of line N' on every occurrence of a key after its first, in file order."""
    # keys compare by value, so 09:00 and 09:00:00 are the same entered_at; absent key columns are all null
    key = [_name("typed", k) for k in spec.key if k in frame.columns]
    reason = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(_name("problem", "key"))
    if len(key) == 1 and _strictly_increasing(frame[key[0]]):  # the usual export, in key order: checked in one pass
        return reason
    readable = pl.all_horizontal(pl.col(_name("typed", c)).is_not_null() for c in spec.required if c in spec.key)
    marked = frame.select(key + [LINE]).with_columns(repeat=readable & ~pl.struct(key).is_first_distinct())
    if not marked["repeat"].any():
        return reason
    first = marked.filter(~pl.col("repeat")).unique(key, keep="first").select(key + [pl.col(LINE).alias("first")])
    repeats = marked.with_row_index("row").filter("repeat").join(first, on=key, how="left", nulls_equal=True)
    return reason.scatter(repeats["row"], repeats.select(pl.format("repeats the key of line {}", "first")).to_series())


def _strictly_increasing(values: pl.Series) -> bool:
    """No missing value, and each one greater than the one before (so no two are equal)."""
    if values.null_count() or values.len() < 2:
        return values.null_count() == 0
    return bool((values.slice(1) > values.slice(0, values.len() - 1)).all())


def _final(column: Column) -> pl.Expr:
    typed = pl.col(_name("typed", column.name))
    return (typed.cast(pl.Int64) if column.kind == "int" else typed).alias(column.name)


def _remember_keys(spec: TableSpec, valid: pl.DataFrame, bad: pl.DataFrame, keys: Keys) -> None:
    if len(spec.key) != 1:
        return  # only single-column keys are referenced
    # a key repeated in the file is rejected after its first row, so the valid rows' keys are already distinct
    valid_keys = valid[spec.key[0]]
    rejected = bad[spec.key[0]].drop_nulls().unique()
    keys.valid[spec.name] = valid_keys
    keys.rejected[spec.name] = _minus(rejected, valid_keys)


def _rejects(spec: TableSpec, bad: pl.DataFrame, columns: list[Column], file: str) -> pl.DataFrame:
    """One row per problem, by line, then in column order (a repeated key last)."""
    key = [k for k in spec.key if k in bad.columns]
    cells = [(c.name, pl.col(c.name), _name("problem", c.name)) for c in columns]
    cells.append(("+".join(key), pl.concat_str(key, separator="|", ignore_nulls=True), _name("problem", "key")))
    parts = [
        bad.filter(pl.col(problem).is_not_null()).select(
            table=pl.lit(spec.name), file=pl.lit(file), line=pl.col(LINE).cast(pl.Int64),
            column=pl.lit(name), reason=pl.col(problem), value=value.cast(pl.String))
        for name, value, problem in cells
    ]
    return pl.concat(parts).sort("line", maintain_order=True)
