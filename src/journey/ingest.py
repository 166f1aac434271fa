"""Import an interchange folder (SPEC.md): read every file, check every row, load the valid rows, keep the rejects."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import sqlalchemy as sa

from journey import customers, schema, validate
from journey.schema import REQUIRED_TABLES, SPEC_BY_NAME, TableSpec
from journey.settings import Settings
from journey.store import Store, new_id
from journey.validate import LINE, REJECT_SCHEMA, Keys

Progress = Callable[[str], None]
SUFFIXES = (".csv", ".parquet")
LOOKUP_CHUNK = 200_000  # ids per store query
RECORD_CHUNK = 100_000  # rejects per insert into import_rejects


class IngestError(ValueError):
    """A folder or file that cannot be imported at all; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Reject:
    table: str
    file: str
    line: int
    column: str
    reason: str
    value: str | None


@dataclass
class ImportResult:
    loaded: dict[str, int]
    rejected: dict[str, int]
    rejects_file: str | None
    rejects: list[Reject]

    def summary(self) -> dict[str, Any]:
        """The `journey import --format json` object of SPEC.md."""
        return {"loaded": dict(self.loaded), "rejected": dict(self.rejected), "rejects_file": self.rejects_file}


def read_folder(folder: Path, settings: Settings, store: Store | None = None,
                progress: Progress | None = None) -> tuple[dict[str, pl.DataFrame], list[Reject]]:
    """The valid rows of every table in the folder (load order, store types) and the rejects.

    References resolve in the folder's valid rows, else in `store` (without one, only in the folder).
    Raises IngestError, before checking any row, if a file cannot be imported at all.
    """
    valid, rejects = _read_folder(Path(folder), settings, store, progress or _quiet)
    return valid, _reject_list(rejects)


def import_folder(store: Store, folder: Path, settings: Settings, rejects_dir: Path = Path("data/rejects"),
                  source: str | None = None, progress: Progress | None = None) -> ImportResult:
    """Check the folder, upsert its valid rows, write and record the rejects; nothing loads on IngestError.

    Every file is read (and refused whole if it cannot be imported) before any row loads; then each table
    loads while the next one is checked.
    """
    report = progress or _quiet
    started = _now()
    files, raws = _read_files(Path(folder), report)
    rejects = [pl.DataFrame(schema=REJECT_SCHEMA)]
    with _Loader(store, report) as loader:
        for table, frame in _check_tables(files, raws, settings, loader.after_loads(store_lookup(store)), rejects,
                                          report):
            loader.load(table, frame)
    return _finish(store, loader.loaded, pl.concat(rejects), Path(rejects_dir),
                   source or str(Path(folder).resolve()), started, report)


def load_checked(store: Store, valid: dict[str, pl.DataFrame], rejects: pl.DataFrame, rejects_dir: Path,
                 source: str, started: datetime, progress: Progress) -> ImportResult:
    """Upsert rows checked by validate.check_table (load order), write and record their rejects (REJECT_SCHEMA).

    Shared with imports that read their records another way (journey.mapping); a rejected record is
    counted once per table, however many problems or rows it has.
    """
    with _Loader(store, progress) as loader:
        for table, frame in valid.items():
            loader.load(table, frame)
    return _finish(store, loader.loaded, rejects, rejects_dir, source, started, progress)


class _Loader:
    """Upserts tables in the order given, one at a time, each on a worker thread while the caller makes the
    next ones (polars and the database drivers release Python's lock while they work).

    Only the worker uses the store while loads are queued: the caller's store lookups wait for them
    (`after_loads`). A failed load raises in the caller and the tables queued after it do not load.
    Progress is reported from the caller's thread.
    """

    def __init__(self, store: Store, progress: Progress) -> None:
        self.store = store
        self.progress = progress
        self.loaded: dict[str, int] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journey-load")
        self.queued: list[tuple[str, int, Future[None]]] = []
        self.failed = False

    def __enter__(self) -> _Loader:
        return self

    def __exit__(self, *error: object) -> None:
        try:
            if error[0] is None:
                self.wait()
                if any(table in customers.VIEW_TABLES for table in self.loaded):
                    self.progress("ranking customers for the Customers page")
                    self.store.rank_customers()
        finally:
            self.failed = self.failed or error[0] is not None  # an error in the caller: nothing more loads
            self.worker.shutdown(wait=True)  # no load outlives the import

    def load(self, table: str, frame: pl.DataFrame) -> None:
        # one table loading and one waiting: a large table's load then overlaps the checks of the next two
        # (interactions, then surveys and journey events); further ahead would hold more rows in memory
        while len(self.queued) > 1:
            self._finished(self.queued[0][2].result())
        self.queued.append((table, frame.height, self.worker.submit(self._load, table, frame)))
        self.loaded[table] = frame.height

    def _load(self, table: str, frame: pl.DataFrame) -> None:
        if self.failed:
            raise CancelledError(f"{table}: not loaded, an earlier table failed")
        try:
            self.store.load({table: frame}, rank_customers=False)  # once, after the last table
        except BaseException:
            self.failed = True
            raise

    def wait(self) -> None:
        """Finish every queued load, in order; the first failure raises here."""
        while self.queued:
            self._finished(self.queued[0][2].result())

    def _finished(self, _: None) -> None:
        table, rows, _load = self.queued.pop(0)
        self.progress(f"{table}: loaded {rows:,} rows")

    def after_loads(self, lookup: validate.Lookup) -> validate.Lookup:
        """`lookup`, asked only once the queued loads are finished (it reads the store)."""
        def waiting(table: str, ids: pl.Series) -> pl.Series:
            self.wait()
            return lookup(table, ids)
        return waiting


def _finish(store: Store, loaded: dict[str, int], rejects: pl.DataFrame, rejects_dir: Path, source: str,
            started: datetime, progress: Progress) -> ImportResult:
    """Write and record the rejects of an import whose rows are loaded."""
    import_id = new_id()
    rejects_file = _write_rejects(rejects, Path(rejects_dir) / f"{import_id}.csv") if rejects.height else None
    counts = dict(rejects.group_by("table").agg(pl.struct("file", "line").n_unique()).iter_rows())
    result = ImportResult(dict(loaded), {t: counts.get(t, 0) for t in loaded}, rejects_file, _reject_list(rejects))
    if rejects.height:
        progress(f"recording {rejects.height:,} rejects in {rejects_file} and the store")
    _record(store, import_id, started, source, result, rejects)
    return result


def _quiet(message: str) -> None:
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _read_folder(folder: Path, settings: Settings, store: Store | None,
                 progress: Progress) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    files, raws = _read_files(folder, progress)
    rejects = [pl.DataFrame(schema=REJECT_SCHEMA)]
    lookup = store_lookup(store) if store else _no_lookup
    valid = dict(_check_tables(files, raws, settings, lookup, rejects, progress))
    return valid, pl.concat(rejects)


def _read_files(folder: Path, progress: Progress) -> tuple[dict[str, Path], dict[str, tuple[pl.DataFrame,
                                                                                           pl.DataFrame]]]:
    """Each table's file and its records as text (IngestError for any file that cannot be imported)."""
    files = table_files(folder)
    return files, {table: _read(SPEC_BY_NAME[table], path, progress) for table, path in files.items()}


def _check_tables(files: dict[str, Path], raws: dict[str, tuple[pl.DataFrame, pl.DataFrame]], settings: Settings,
                  lookup: validate.Lookup, rejects: list[pl.DataFrame],
                  progress: Progress) -> Iterator[tuple[str, pl.DataFrame]]:
    """The valid rows of each table in turn (load order), adding its rejects to `rejects`.

    Takes each table's records out of `raws` as it checks them, so their text is freed table by table.
    """
    keys = Keys()
    for table in list(raws):
        raw, ragged = raws.pop(table)
        valid, checked = validate.check_table(SPEC_BY_NAME[table], raw, files[table].name, settings, keys, lookup)
        del raw
        table_rejects = pl.concat([ragged, checked]).sort("line", maintain_order=True)
        rejects.append(table_rejects)
        bad = table_rejects["line"].n_unique()
        progress(f"{files[table].name}: {valid.height + bad:,} rows, {valid.height:,} valid, {bad:,} rejected")
        yield table, valid


def table_files(folder: Path) -> dict[str, Path]:
    """The file of each table in the folder, in load order; IngestError for a folder that is not one."""
    if not folder.is_dir():
        raise IngestError(f"{folder}: no such folder; pass the folder that holds customers.csv, "
                          "agents.csv and interactions.csv")
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.stem not in SPEC_BY_NAME or path.suffix not in SUFFIXES or not path.is_file():
            raise IngestError(f"{path}: not a file of the interchange format; name files <table>.csv or "
                              f"<table>.parquet with <table> one of {', '.join(SPEC_BY_NAME)}")
        if path.stem in files:
            raise IngestError(f"{folder}: both {files[path.stem].name} and {path.name}; keep one file per table")
        files[path.stem] = path
    missing = [f"{table}.csv" for table in REQUIRED_TABLES if table not in files]
    if missing:
        raise IngestError(f"{folder}: {' and '.join(missing)} missing; customers, agents and interactions are "
                          "required (CSV or Parquet)")
    return {table: files[table] for table in SPEC_BY_NAME if table in files}


def _read(spec: TableSpec, path: Path, progress: Progress) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every column as text, plus LINE, and the rejects of records that cannot be rows; IngestError when
    the file cannot be read or has the wrong columns."""
    try:
        frame, ragged = _read_csv(spec, path, progress) if path.suffix == ".csv" else (_read_parquet(path), None)
    except (OSError, pl.exceptions.PolarsError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise IngestError(f"{path}: cannot be read ({first_line}); save it as UTF-8 CSV with a header "
                          "row, or as Parquet") from error
    _check_columns(spec, [c for c in frame.columns if c != LINE], path)
    return frame, ragged if ragged is not None else pl.DataFrame(schema=REJECT_SCHEMA)


def _read_csv(spec: TableSpec, path: Path, progress: Progress) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    if not data or data.isspace():  # strip() would copy a file of gigabytes
        raise IngestError(f"{path}: the file is empty; it needs at least a header row")
    lines = record_lines(data)
    ragged = None
    try:
        frame = pl.read_csv(data, infer_schema=False)
    except pl.exceptions.ComputeError as error:
        if data.count(b'"') % 2:  # polars' message does not say where; the last record start does
            raise IngestError(f"{path}: the quoted field starting on line {lines[-1] if lines.len() else 1} "
                              'is never closed; write a quote inside a quoted field as ""') from None
        if "more fields" not in str(error):
            raise
        frame = pl.read_csv(data, infer_schema=False, truncate_ragged_lines=True)
        ragged = _too_many_fields(spec, path, data, lines)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    if lines.len() != frame.height:  # polars split the records differently: keep going, lines approximate
        progress(f"{path.name}: line numbers are row numbers + 1 (quoting could not be followed)")
        lines = pl.int_range(2, frame.height + 2, eager=True)
    frame = frame.with_columns(lines.cast(pl.Int64).alias(LINE))
    return (frame, None) if ragged is None else (frame.filter(~pl.col(LINE).is_in(ragged["line"].implode())), ragged)


def record_ends(data: bytes) -> np.ndarray:
    """Byte offset where each record ends, the header first: its newline, or the end of a last line without one.

    A newline inside a quoted field (after an odd number of quotes) does not end a record.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    ends = _outside_quotes(data, np.flatnonzero(buffer == ord("\n")))
    return ends if ends.size and ends[-1] == len(data) - 1 else np.append(ends, len(data))


def record_lines(data: bytes) -> pl.Series:
    """The physical line (header = line 1) where each record after the header starts."""
    if b'"' not in data:  # no field can hold a newline: one record per line
        return pl.Series(LINE, np.arange(2, data.count(b"\n") + (1 if data.endswith(b"\n") else 2)))
    ends = record_ends(data)
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
    return pl.Series(LINE, np.searchsorted(newlines, ends[:-1], side="right") + 1)


def _outside_quotes(data: bytes, positions: np.ndarray) -> np.ndarray:
    if b'"' not in data:
        return positions
    quotes = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord('"'))
    outside: np.ndarray = positions[np.searchsorted(quotes, positions) % 2 == 0]
    return outside


def _too_many_fields(spec: TableSpec, path: Path, data: bytes, lines: pl.Series) -> pl.DataFrame:
    """A reject for each record with more fields than the header (often a decimal comma), with its text."""
    ends = record_ends(data)
    commas = _outside_quotes(data, np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord(",")))
    fields = np.diff(np.searchsorted(commas, ends), prepend=0) + 1
    header = int(fields[0])
    rows = [int(i) for i in np.flatnonzero(fields[1:] > header)]
    return pl.DataFrame({
        "table": spec.name, "file": path.name, "line": [int(lines[i]) for i in rows], "column": "(row)",
        "reason": [f"{fields[i + 1]} fields where the header has {header}; quote values holding a comma"
                   for i in rows],
        "value": [data[ends[i] + 1:ends[i + 1]].decode("utf-8", "replace").rstrip("\r\n") for i in rows],
    }, schema=REJECT_SCHEMA)


def _read_parquet(path: Path) -> pl.DataFrame:
    frame = pl.read_parquet(path)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return frame.select(*(_as_text(frame[c], path) for c in frame.columns),
                        pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))


def _as_text(column: pl.Series, path: Path) -> pl.Series:
    """A Parquet column as the text the CSV would hold, so one set of rules checks both."""
    dtype = column.dtype
    if isinstance(dtype, pl.Datetime):
        aware = dtype.time_zone is not None
        text = (column.dt.convert_time_zone("UTC") if aware else column).dt.to_string("%Y-%m-%d %H:%M:%S%.f")
        return text + "+00:00" if aware else text
    if isinstance(dtype, pl.Date):
        return column.dt.to_string("%Y-%m-%d")
    if dtype.is_nested() or isinstance(dtype, (pl.Binary, pl.Object)):
        raise IngestError(f"{path}: column {column.name} holds {dtype} values; store plain text, numbers, "
                          "booleans, dates or timestamps")
    return column.cast(pl.String)


def _check_columns(spec: TableSpec, columns: list[str], path: Path) -> None:
    """Unknown columns are an error rather than ignored: usually a misspelt optional column."""
    repeated = sorted({c for c in columns if columns.count(c) > 1}
                      | {m.group(1) for c in columns
                         if (m := re.fullmatch(r"(.+)_duplicated_\d+", c)) and m.group(1) in columns})
    if repeated:
        raise IngestError(f"{path}: column {', '.join(repeated)} appears more than once in the header")
    names = [c.name for c in spec.columns]
    unknown = [c for c in columns if c not in names]
    if unknown:
        hint = " (columns are separated by commas, not semicolons)" if any(";" in c for c in unknown) else ""
        raise IngestError(f"{path}: unknown column {', '.join(unknown)}{hint}; the columns of {spec.name} are "
                          f"{', '.join(names)} (rename or remove it)")
    missing = [c for c in spec.required if c not in columns]
    if missing:
        raise IngestError(f"{path}: required column {', '.join(missing)} missing; add it to the header")


def _no_lookup(table: str, ids: pl.Series) -> pl.Series:
    return ids.clear()


def store_lookup(store: Store) -> validate.Lookup:
    """Ask the store which of the given ids it holds, a bound array per chunk (one round trip per chunk)."""
    def lookup(table: str, ids: pl.Series) -> pl.Series:
        key = SPEC_BY_NAME[table].key[0]
        statement = sa.text(f"select {key} from {table} where {key} in (select unnest(cast(:ids as varchar[])))")
        found: list[str] = []
        with store.connect() as connection:
            for start in range(0, ids.len(), LOOKUP_CHUNK):
                chunk = ids.slice(start, LOOKUP_CHUNK).to_list()
                found += connection.execute(statement, {"ids": chunk}).scalars().all()
        return pl.Series(key, found, pl.String)
    return lookup


def _reject_list(rejects: pl.DataFrame) -> list[Reject]:
    return [Reject(*row) for row in rejects.select(list(REJECT_SCHEMA)).iter_rows()]


def _write_rejects(rejects: pl.DataFrame, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    rejects.select(list(REJECT_SCHEMA)).write_csv(path)
    return str(path)


_INSERT_REJECTS = sa.text(
    "insert into import_rejects (import_id, reject_number, table_name, file, line, column_name, reason, value) "
    "select cast(:import_id as varchar), unnest(cast(:numbers as integer[])), unnest(cast(:tables as varchar[])), "
    "unnest(cast(:files as varchar[])), unnest(cast(:lines as integer[])), unnest(cast(:columns as varchar[])), "
    "unnest(cast(:reasons as varchar[])), unnest(cast(:values as varchar[]))"
)


def _record(store: Store, import_id: str, started: datetime, source: str, result: ImportResult,
            rejects: pl.DataFrame) -> None:
    """One row in imports and every reject in import_rejects, so Data health shows them after restarts."""
    row = {"import_id": import_id, "started_at": started, "finished_at": _now(), "source": source,
           "loaded_json": json.dumps(result.loaded), "rejected_json": json.dumps(result.rejected),
           "rejects_file": result.rejects_file}
    numbered = rejects.with_row_index("number", offset=1)
    with store.connect() as connection:
        connection.execute(sa.insert(schema.imports), row)
        for chunk in numbered.iter_slices(RECORD_CHUNK):
            connection.execute(_INSERT_REJECTS, {
                "import_id": import_id, "numbers": chunk["number"].to_list(), "tables": chunk["table"].to_list(),
                "files": chunk["file"].to_list(), "lines": chunk["line"].to_list(),
                "columns": chunk["column"].to_list(), "reasons": chunk["reason"].to_list(),
                "values": chunk["value"].to_list()})
        connection.commit()
