"""Read one file of an export as text: CSV in the dialects real systems write, or an Excel .xlsx sheet.

CSV: the delimiter (comma, semicolon, tab or bar) is found from the header, quoted fields may hold
delimiters and newlines, line ends may be LF, CRLF or CR, a BOM is dropped, and text that is not UTF-8
is read as Windows-1252 (what Excel on Windows writes) unless the mapping names the encoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from journey.ingest import record_ends, record_lines
from journey.validate import LINE

DELIMITERS = (",", ";", "\t", "|")  # on a tie the earlier wins
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
RAGGED_SCHEMA = {"line": pl.Int64, "reason": pl.String, "value": pl.String}


class SourceError(ValueError):
    """A file that cannot be read at all; the message says which and what to do."""


@dataclass(frozen=True)
class Source:
    """Records of one file: every column text (stripped, empty cells missing, blank records dropped) plus LINE,
    the physical line (header = line 1) or sheet row; and records that cannot be rows (RAGGED_SCHEMA)."""

    frame: pl.DataFrame
    ragged: pl.DataFrame


def read_source(path: Path, sheet: str | None = None, encoding: str | None = None,
                delimiter: str | None = None) -> Source:
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        frame, ragged = _read_excel(path, sheet), pl.DataFrame(schema=RAGGED_SCHEMA)
    elif sheet is not None:
        raise SourceError(f"{path}: a sheet is only read from an .xlsx file")
    else:
        frame, ragged = _read_csv(path, encoding, delimiter)
    data = [c for c in frame.columns if c != LINE]
    cleaned = frame.with_columns(pl.col(data).str.strip_chars().replace("", None))
    return Source(cleaned.filter(pl.any_horizontal(pl.col(data).is_not_null())), ragged)


def decode(data: bytes, encoding: str | None = None) -> str:
    """The text of a file: in `encoding` if given, else by its BOM, else UTF-8, else Windows-1252."""
    if encoding:
        return data.decode(encoding).removeprefix("\ufeff")
    for bom, name in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name)
    for name in ("utf-8", "cp1252"):
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # cp1252 leaves five bytes undefined; latin-1 reads every byte


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV: the candidate found most often outside quotes in its header line (comma if none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path, encoding: str | None, delimiter: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        text = decode(path.read_bytes(), encoding)
    except (LookupError, UnicodeError) as error:
        raise SourceError(f"{path}: cannot be read as {encoding} ({error}); fix `encoding` in the mapping") from None
    if not text.strip():
        raise SourceError(f"{path}: the file is empty; it needs at least a header row")
    if "\n" not in text:  # classic Mac line ends
        text = text.replace("\r", "\n")
    data = text.encode("utf-8")
    separator = delimiter or sniff_delimiter(text.split("\n", 1)[0])
    lines = record_lines(data)
    ragged = pl.DataFrame(schema=RAGGED_SCHEMA)
    try:
        frame = pl.read_csv(data, separator=separator, infer_schema=False)
    except pl.exceptions.ComputeError as error:
        if data.count(b'"') % 2:
            raise SourceError(f"{path}: a quoted field starting on line {lines[-1] if lines.len() else 1} is never "
                              'closed; write a quote inside a quoted field as ""') from None
        if "more fields" not in str(error):
            raise SourceError(f"{path}: cannot be read ({str(error).strip().splitlines()[0]})") from None
        frame = pl.read_csv(data, separator=separator, infer_schema=False, truncate_ragged_lines=True)
        ragged = _too_many_fields(data, separator, lines)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    if lines.len() != frame.height:  # quoting polars read differently: keep going, lines approximate
        lines = pl.int_range(2, frame.height + 2, eager=True)
    frame = frame.with_columns(lines.cast(pl.Int64).alias(LINE))
    return frame.filter(~pl.col(LINE).is_in(ragged["line"].implode())), ragged


def _too_many_fields(data: bytes, separator: str, lines: pl.Series) -> pl.DataFrame:
    """The records with more fields than the header, with their text."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    ends = record_ends(data)
    quotes = np.flatnonzero(buffer == ord('"'))
    separators = np.flatnonzero(buffer == ord(separator))
    separators = separators[np.searchsorted(quotes, separators) % 2 == 0]
    fields = np.diff(np.searchsorted(separators, ends), prepend=0) + 1
    header = int(fields[0])
    rows = [int(i) for i in np.flatnonzero(fields[1:] > header)]
    return pl.DataFrame({
        "line": [int(lines[i]) for i in rows],
        "reason": [f"{fields[i + 1]} fields where the header has {header}; quote values holding a {separator!r}"
                   for i in rows],
        "value": [data[ends[i] + 1:ends[i + 1]].decode("utf-8", "replace").rstrip("\r\n") for i in rows],
    }, schema=RAGGED_SCHEMA)


def _read_excel(path: Path, sheet: str | None) -> pl.DataFrame:
    try:
        import fastexcel
    except ModuleNotFoundError:
        raise SourceError(f"{path}: reading .xlsx needs fastexcel; pip install -r requirements.txt") from None
    try:
        reader, name = fastexcel.read_excel(path), sheet if sheet is not None else 0
        try:
            typed = reader.load_sheet(name, schema_sample_rows=None).to_polars()
            columns = [_cell_text(typed[c]) for c in typed.columns]
        except fastexcel.UnsupportedColumnTypeCombinationError:  # some column mixes text and durations
            text = reader.load_sheet(name, dtypes="string", schema_sample_rows=None).to_polars()
            columns = [_mixed_column(reader, name, i, text[c]) for i, c in enumerate(text.columns)]
    except fastexcel.FastExcelError as error:
        first_line = str(error).strip().splitlines()[-1].strip()
        raise SourceError(f"{path}: cannot be read as an Excel workbook ({first_line})") from None
    frame = pl.DataFrame(columns)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))


def _mixed_column(reader: Any, sheet: str | int, index: int, text: pl.Series) -> pl.Series:
    """A column read on its own; one that mixes text and duration cells is read twice and merged (read as
    text, a duration shows as a time on 31 December 1899)."""
    import fastexcel

    try:
        alone = reader.load_sheet(sheet, use_columns=[index], schema_sample_rows=None).to_polars()
        return _cell_text(alone.to_series())
    except fastexcel.UnsupportedColumnTypeCombinationError:
        durations = reader.load_sheet(sheet, use_columns=[index], dtypes={index: "duration"}).to_polars()
        return pl.select(pl.coalesce(_cell_text(durations.to_series()), text)).to_series().alias(text.name)


def _cell_text(column: pl.Series) -> pl.Series:
    """Excel cells as the text a CSV export would hold: ISO dates, H:MM:SS durations, whole numbers without .0."""
    dtype = column.dtype
    if isinstance(dtype, pl.Datetime):
        return column.dt.to_string("%Y-%m-%d %H:%M:%S%.f")
    if isinstance(dtype, pl.Date):
        return column.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Duration):
        seconds = column.dt.total_seconds().round().cast(pl.Int64)
        parts = pl.DataFrame({"s": seconds}).select(pl.format(
            "{}:{}:{}", pl.col("s") // 3600, (pl.col("s") % 3600 // 60).cast(pl.String).str.zfill(2),
            (pl.col("s") % 60).cast(pl.String).str.zfill(2)))
        return parts.to_series().alias(column.name)
    if dtype == pl.Float64:
        whole = column.is_finite() & (column == column.round())
        return pl.select(pl.when(whole).then(column.cast(pl.Int64, strict=False).cast(pl.String))
                         .otherwise(column.cast(pl.String))).to_series().alias(column.name)
    if dtype == pl.Boolean:
        return column.cast(pl.String).str.to_lowercase()
    return column.cast(pl.String)
