"""Import an export that is not in the interchange format, through a mapping (journey.mapping_file).

Each part of the mapping turns the records of one file into rows of one table, as text; the rows then
go through the interchange rules (journey.validate) and load with their rejects as `journey import DIR`
loads a folder: same checks, rejects file, import record and idempotence (rows replace rows by id).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from journey import ingest, validate
from journey.ingest import ImportResult, Progress
from journey.mapping_file import DURATIONS, PLACEHOLDER, Condition, Lookup, Mapping, MappingError, Part, Rule
from journey.schema import SPEC_BY_NAME, SPECS, Column
from journey.settings import Settings
from journey.sources import Source, SourceError, read_source
from journey.store import Store
from journey.validate import LINE, REJECT_SCHEMA, Keys

CREATED = "(created)"  # the file named for rows made for ids the export refers to but does not list
FILE, SEQ = "__file", "__seq"


@dataclass
class Export:
    """An export read through a mapping: checked rows per table, their rejects (REJECT_SCHEMA), and per table
    the records it turned into rows (valid or rejected), those its `skip` conditions left out and the rows
    `create` added."""

    valid: dict[str, pl.DataFrame]
    rejects: pl.DataFrame
    made: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)


def import_export(store: Store, mapping: Mapping, source: Path, settings: Settings,
                  rejects_dir: Path = Path("data/rejects"), progress: Progress | None = None) -> ImportResult:
    """Read the export through the mapping, upsert its valid rows, write and record the rejects."""
    report = progress or _quiet
    started = datetime.now(UTC).replace(tzinfo=None)
    export = read_export(mapping, source, settings, store, report)
    return ingest.load_checked(store, export.valid, export.rejects, rejects_dir,
                               f"{Path(source).resolve()} (mapping {mapping.name})", started, report)


def read_export(mapping: Mapping, source: Path, settings: Settings, store: Store | None = None,
                progress: Progress | None = None) -> Export:
    """The export's rows as the mapping makes them, checked; references resolve in the export, else in `store`.

    Raises MappingError, before checking any row, when a file is missing or lacks a column the mapping names.
    """
    report = progress or _quiet
    files = _Files(Path(source), mapping)
    made: dict[str, list[pl.DataFrame]] = {}
    rejects = [pl.DataFrame(schema=REJECT_SCHEMA)]
    export = Export({}, pl.DataFrame(schema=REJECT_SCHEMA))
    for part in mapping.parts:
        name, source_table = files.part(part)
        rows, part_rejects, skipped = _apply(part, source_table, name, files)
        made.setdefault(part.table, []).append(rows)
        rejects.append(part_rejects)
        export.skipped[part.table] = export.skipped.get(part.table, 0) + skipped
        records = source_table.frame.height + source_table.ragged.height - skipped
        export.made[part.table] = export.made.get(part.table, 0) + records
        report(f"{name} -> {part.table}: {source_table.frame.height:,} records"
               + (f", {skipped:,} skipped by the mapping's conditions" if skipped else ""))
    tables = {table: pl.concat(frames, how="diagonal") for table, frames in made.items()}
    for table in mapping.create:
        tables[table] = _create(table, tables, store)
        export.created[table] = int((tables[table][FILE] == CREATED).sum())
        export.made[table] = export.made.get(table, 0) + export.created[table]
        report(f"{table}: {export.created[table]:,} created for ids the export refers to but does not list")
    zoned = replace(settings, time_zone=mapping.time_zone) if mapping.time_zone else settings
    export.valid, checked = _check(tables, zoned, store)
    export.rejects = pl.concat([*rejects, checked]).sort("table", "file", "line", maintain_order=True)
    for table, frame in export.valid.items():
        bad = export.rejects.filter(pl.col("table") == table).select("file", "line").n_unique()
        report(f"{table}: {frame.height:,} valid, {bad:,} rejected")
    return export


def _quiet(message: str) -> None:
    pass


class _Files:
    """The export's files, each read once; names resolve in the export folder (or beside the export file)."""

    def __init__(self, source: Path, mapping: Mapping) -> None:
        if not source.exists():
            raise MappingError(f"{source}: no such folder or file; pass the folder of the export")
        self.folder = source if source.is_dir() else source.parent
        self.single: Path | None = None if source.is_dir() else source
        self.mapping = mapping
        self.read: dict[tuple[str, str | None, str | None, str | None], Source] = {}

    def part(self, part: Part) -> tuple[str, Source]:
        if part.file is None and self.single is None:
            raise MappingError(f"{part.where}: no file named; add file = \"...\" or pass the file itself as SOURCE")
        name = part.file or (self.single.name if self.single else "")
        return name, self.get(name, part.sheet, part.encoding, part.delimiter, f"{part.where} file")

    def get(self, name: str, sheet: str | None, encoding: str | None, delimiter: str | None, where: str) -> Source:
        dialect = (name, sheet, encoding or self.mapping.encoding, delimiter or self.mapping.delimiter)
        if dialect not in self.read:
            path = self.folder / name
            if not path.is_file():
                raise MappingError(f"{path}: no such file (named by {where})")
            try:
                self.read[dialect] = read_source(path, *dialect[1:])
            except SourceError as error:
                raise MappingError(str(error)) from None
        return self.read[dialect]

    def lookup(self, lookup: Lookup, where: str) -> tuple[pl.Series, pl.Series]:
        """Keys and values of a lookup: the first value of each key, or the sum of its values."""
        frame = self.get(lookup.file, lookup.sheet, None, None, where).frame
        _require_columns(frame, [(lookup.key, where), (lookup.value, where)], lookup.file)
        pairs = frame.select(key=pl.col(lookup.key), value=pl.col(lookup.value)).filter(pl.col("key").is_not_null())
        if lookup.sum:
            pairs = pairs.group_by("key", maintain_order=True).agg(
                pl.col("value").cast(pl.Float64, strict=False).sum().cast(pl.String))
        else:
            pairs = pairs.unique("key", keep="first", maintain_order=True)
        return pairs["key"], pairs["value"]


def _require_columns(frame: pl.DataFrame, named: list[tuple[str, str]], file: str) -> None:
    for column, where in named:
        if column not in frame.columns:
            shown = ", ".join(c for c in frame.columns if c != LINE)
            raise MappingError(f"{file}: no column {column!r} (named by {where}); its columns are {shown}")


# --- one part: records of a file -> rows of a table, as text ------------------------------------------------------

def _apply(part: Part, source: Source, file: str, files: _Files) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """The part's rows (target columns as text, LINE, FILE), the rejects of records it cannot make rows of
    (values its rules cannot read, records with too many fields), and how many records `skip` left out."""
    spec = SPEC_BY_NAME[part.table]
    named = [(c.column, f"{part.where} skip") for c in part.skip]
    named += [(column, rule.where) for rules in part.columns.values() for rule in rules for column in rule.sources]
    _require_columns(source.frame, named, file)
    skip = pl.any_horizontal(_holds(c) for c in part.skip) if part.skip else pl.lit(False)
    records = source.frame.filter(~skip)
    made = records
    steps = [_rule_steps(rule, spec.column(name), files, _tag(name, i))
             for name, rules in part.columns.items() for i, rule in enumerate(rules)]
    for step in range(3):  # each step as columns, so polars runs every parse once per record
        made = made.with_columns(expr for rule_steps in steps for expr in rule_steps[step])
    made = made.select(pl.col(LINE), *(expr for name, rules in part.columns.items()
                                       for expr in _column(name, len(rules), spec.column(name))))
    problems = [f"__problem__{name}" for name in part.columns]
    bad = pl.any_horizontal(pl.col(problems).is_not_null())
    rejects = [made.filter(pl.col(f"__problem__{name}").is_not_null()).select(
        table=pl.lit(part.table), file=pl.lit(file), line=LINE, column=pl.lit(name),
        reason=f"__problem__{name}", value=f"__shown__{name}") for name in part.columns]
    rejects.append(source.ragged.select(table=pl.lit(part.table), file=pl.lit(file), line="line",
                                        column=pl.lit("(row)"), reason="reason", value="value"))
    rows = made.filter(~bad).select(*part.columns, LINE, pl.lit(file).alias(FILE))
    return rows, pl.concat(rejects), source.frame.height - records.height


def _holds(condition: Condition) -> pl.Expr:
    value, operand = pl.col(condition.column), condition.operand
    tests = {
        "equals": lambda: value.eq_missing(pl.lit(operand)),
        "not_equals": lambda: value.ne_missing(pl.lit(operand)),
        "in": lambda: value.is_in(operand).fill_null(False),
        "not_in": lambda: ~value.is_in(operand).fill_null(False),
        "empty": lambda: value.is_null() if operand else value.is_not_null(),
    }
    return tests[condition.test]()


def _tag(name: str, rule: int) -> str:
    return f"__{name}#{rule}__"


def _column(name: str, rules: int, column: Column) -> list[pl.Expr]:
    """The column's text, why it cannot be made (or null) and the source text shown in a reject, from the
    columns of its rules' steps.

    The first rule that gives a value, or finds a problem, decides; a lookup that finds nothing is a
    problem only when no rule gives a required column a value.
    """
    tags = [_tag(name, i) for i in range(rules)]
    value, problem = pl.lit(None, pl.String), pl.lit(None, pl.String)
    shown = pl.coalesce([pl.col(f"{tag}shown") for tag in tags])
    for tag in reversed(tags):
        decides = pl.col(f"{tag}value").is_not_null() | pl.col(f"{tag}problem").is_not_null()
        value = pl.when(decides).then(pl.col(f"{tag}value")).otherwise(value)
        problem = pl.when(decides).then(pl.col(f"{tag}problem")).otherwise(problem)
        shown = pl.when(decides).then(pl.col(f"{tag}shown")).otherwise(shown)
    if column.required:
        missed = pl.coalesce([pl.col(f"{tag}missed") for tag in tags])
        problem = pl.when(value.is_null() & problem.is_null()).then(missed).otherwise(problem)
    return [value.alias(name), problem.alias(f"__problem__{name}"), shown.alias(f"__shown__{name}")]


def _rule_steps(rule: Rule, column: Column, files: _Files, tag: str) -> list[list[pl.Expr]]:
    """One rule as three steps of columns named `tag`..., each reading the step before: its text (source,
    when, map, lookups), the source text a reject shows and a lookup miss; the parsed value; the problem
    and the final value (with its default)."""
    if rule.column is not None:
        text = pl.col(rule.column)
    elif rule.template is not None:  # null when any column it names is empty
        pieces = PLACEHOLDER.split(rule.template)  # literal, name, literal, name, ..., literal
        text = pl.concat_str([pl.col(p) if i % 2 else pl.lit(p) for i, p in enumerate(pieces) if i % 2 or p])
    else:
        text = pl.lit(rule.value, pl.String)
    if rule.when is not None:
        text = pl.when(_holds(rule.when)).then(text)
    if rule.map is not None:
        text = _mapped(text, rule.map, rule.unmapped)
    missed, given = pl.lit(None, pl.String), text
    for lookup in rule.lookups:
        keys, values = files.lookup(lookup, f"{rule.where} lookup")
        found = text.replace_strict(keys, values, default=None, return_dtype=pl.String)
        reason = f"not found in {lookup.file} (column {lookup.key})"
        missed = pl.coalesce(missed, pl.when(text.is_not_null() & found.is_null()).then(pl.lit(reason)))
        text = found
    parsed, wanted = _parsed(pl.col(f"{tag}text"), rule, column)
    problem = (pl.when(pl.col(f"{tag}text").is_not_null() & pl.col(f"{tag}parsed").is_null()).then(pl.lit(wanted))
               if wanted else pl.lit(None)).cast(pl.String)
    value = pl.col(f"{tag}parsed")
    if rule.default is not None:
        value = pl.when(problem.is_null()).then(value.fill_null(pl.lit(rule.default)))
    return [[text.alias(f"{tag}text"), pl.coalesce(text, given).alias(f"{tag}shown"), missed.alias(f"{tag}missed")],
            [parsed.alias(f"{tag}parsed")], [value.alias(f"{tag}value"), problem.alias(f"{tag}problem")]]


def _mapped(text: pl.Expr, values: dict[str, str], unmapped: str | None) -> pl.Expr:
    """Source values replaced by target values; others kept, or `unmapped`; a value mapped to "" is empty."""
    replaced = text.replace(list(values), list(values.values()))
    if unmapped is not None:
        replaced = pl.when(text.is_in(list(values))).then(replaced).otherwise(pl.lit(unmapped))
    replaced = pl.when(text.is_not_null()).then(replaced)
    return pl.when(replaced != "").then(replaced)


def _parsed(text: pl.Expr, rule: Rule, column: Column) -> tuple[pl.Expr, str]:
    """Text in the interchange format (ISO timestamps and dates, seconds, plain numbers), and the reason given
    when a value cannot be read ("" when every value can)."""
    if column.kind == "timestamp" and rule.format:
        return _timestamp(text, rule.format), f"not a timestamp in the format {rule.format}"
    if column.kind == "date":
        return _date(text, rule.format or "%Y-%m-%d"), f"not a date in the format {rule.format or '%Y-%m-%d'}"
    if rule.duration:
        return _seconds(text, rule.duration), f"not a duration written {rule.duration}"
    if rule.decimal:
        grouping = "." if rule.decimal == "," else ","
        return text.str.replace_all(rf"[\s{grouping}]", "").str.replace(rule.decimal, ".", literal=True), ""
    return text, ""


def _timestamp(text: pl.Expr, fmt: str) -> pl.Expr:
    """ISO text of a timestamp read with `fmt`: UTC with an offset when the format has one, else naive
    (read later in the mapping's time zone); values `fmt` cannot read are tried as ISO (Excel date cells)."""
    if "%z" in fmt or "%#z" in fmt or "%:z" in fmt:
        aware = text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False).dt.replace_time_zone(None)
        written = aware.dt.to_string("%Y-%m-%d %H:%M:%S%.f") + "+00:00"
    else:
        written = text.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.to_string("%Y-%m-%d %H:%M:%S%.f")
    iso = [text.str.strptime(pl.Datetime("us"), iso_format, strict=False).dt.to_string("%Y-%m-%d %H:%M:%S%.f")
           for iso_format in validate.TIMESTAMP_FORMATS if "z" not in iso_format]
    return pl.coalesce(written, *iso)


def _date(text: pl.Expr, fmt: str) -> pl.Expr:
    read = pl.coalesce(text.str.strptime(pl.Date, fmt, strict=False),
                       text.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False).dt.date())
    return read.dt.to_string("%Y-%m-%d")


def _seconds(text: pl.Expr, written: str) -> pl.Expr:
    """Seconds of a duration written H:MM:SS or MM:SS (minutes may pass 59 when there is no hour)."""
    readings = []
    for pattern in DURATIONS[written]:
        hours, minutes, seconds = (text.str.extract(pattern, i).cast(pl.Float64, strict=False) for i in (1, 2, 3))
        total = hours.fill_null(0) * 3600 + minutes * 60 + seconds
        readings.append(pl.when(text.str.contains(pattern)).then(total))
    return pl.coalesce(readings).cast(pl.String)


# --- all parts: created references, then the interchange rules --------------------------------------------------

def _create(table: str, tables: dict[str, pl.DataFrame], store: Store | None) -> pl.DataFrame:
    """The table's rows plus a bare row for every id other tables refer to that neither it nor the store holds."""
    key = SPEC_BY_NAME[table].key[0]
    referring = [tables[spec.name][c.name] for spec in SPECS for c in spec.columns
                 if c.references == table and spec.name in tables and c.name in tables[spec.name].columns]
    listed = tables[table] if table in tables else pl.DataFrame(schema={key: pl.String, LINE: pl.Int64,
                                                                         FILE: pl.String})
    ids = pl.concat([pl.Series(key, [], pl.String), *(s.alias(key) for s in referring)]).drop_nulls().unique()
    missing = _minus(ids, listed[key])
    if store is not None and missing.len():
        missing = _minus(missing, ingest.store_lookup(store)(table, missing))
    created = pl.DataFrame({key: missing.sort()}).with_columns(pl.lit(0, pl.Int64).alias(LINE),
                                                               pl.lit(CREATED).alias(FILE))
    return pl.concat([listed, created], how="diagonal")


def _minus(values: pl.Series, other: pl.Series) -> pl.Series:
    return values.to_frame("id").join(other.to_frame("id"), on="id", how="anti")["id"]


def _check(tables: dict[str, pl.DataFrame], settings: Settings, store: Store | None
           ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """validate.check_table over each table in load order; rejects point at the source file and line."""
    keys, lookup = Keys(), ingest.store_lookup(store) if store else _nothing_stored
    valid: dict[str, pl.DataFrame] = {}
    rejects = [pl.DataFrame(schema=REJECT_SCHEMA)]
    for spec in SPECS:
        if spec.name not in tables:
            continue
        # rows of several parts (files) share line numbers: number them for the check, then map back
        rows = tables[spec.name].with_row_index(SEQ).with_columns(pl.col(SEQ).cast(pl.Int64))
        data = [c for c in rows.columns if c not in (SEQ, LINE, FILE)]
        valid[spec.name], checked = validate.check_table(
            spec, rows.select(*data, pl.col(SEQ).alias(LINE)), "", settings, keys, lookup)
        rejects.append(_pointed(checked, rows.select(SEQ, LINE, FILE)))
    return valid, pl.concat(rejects)


def _nothing_stored(table: str, ids: pl.Series) -> pl.Series:
    return ids.clear()


def _pointed(rejects: pl.DataFrame, origin: pl.DataFrame) -> pl.DataFrame:
    """Rejects numbered by SEQ pointed at their file and line, "repeats the key of line N" included."""
    repeated = rejects["reason"].str.extract(r"^repeats the key of line (\d+)$").cast(pl.Int64).alias("first")
    first = origin.select(pl.col(SEQ).alias("first"), pl.format("repeats the key of {} line {}", FILE, LINE)
                          .alias("first_reason"))
    pointed = (rejects.with_columns(repeated).join(origin, left_on="line", right_on=SEQ, how="left")
               .join(first, on="first", how="left"))
    return pointed.select(
        "table", pl.col(FILE).alias("file"), pl.col(LINE).alias("line"), "column",
        pl.coalesce("first_reason", "reason").alias("reason"), "value")


# --- for `journey mapping check` ----------------------------------------------------------------------------------

def table_summary(export: Export, table: str) -> str:
    """One line: rows made, valid and rejected, and what `skip` left out and `create` added."""
    rejected = export.rejects.filter(pl.col("table") == table).select("file", "line").n_unique()
    notes = [f"{export.skipped[table]:,} records skipped" if export.skipped.get(table) else "",
             f"{export.created[table]:,} created" if export.created.get(table) else ""]
    return (f"{table}: {export.made[table]:,} rows, {export.valid[table].height:,} valid, {rejected:,} rejected"
            + "".join(f"; {note}" for note in notes if note))


def preview(frame: pl.DataFrame, width: int = 32) -> pl.DataFrame:
    """The rows as one-line text cut to `width` characters, for a terminal."""
    text = frame.with_columns(pl.col(pl.Datetime).dt.to_string("%Y-%m-%d %H:%M:%S"))
    cut = pl.all().cast(pl.String).str.replace_all(r"\s+", " ")
    return text.select(pl.when(cut.str.len_chars() > width).then(cut.str.slice(0, width - 1) + "…").otherwise(cut)
                        .name.keep())
