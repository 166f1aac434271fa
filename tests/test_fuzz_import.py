"""Import fuzzing: random interaction rows with random corruption. Every row ends loaded or rejected with a
reason, never both, never lost, and the import never crashes (a file that cannot be read at all is refused
whole with IngestError, loading nothing)."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey import ingest
from journey.settings import Settings
from journey.store import Store

COLUMNS = ("interaction_id", "customer_id", "agent_id", "channel", "reason", "started_at", "handle_seconds",
           "resolved", "qa_score")
_examples = itertools.count()
# letters, digits, punctuation, symbols and spaces, plus what CSV must quote: the reason column carries them
TEXT = st.characters(categories=["L", "N", "P", "S", "Zs"]) | st.sampled_from(['"', ",", "\n", "'"])


def _value(good: st.SearchStrategy[str], bad: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly a valid value, sometimes a corrupt one."""
    return st.one_of(good, good, good, bad)


def rows(prefix: str) -> st.SearchStrategy[list[dict[str, str]]]:
    ids = st.integers(0, 40).map(lambda n: f"{prefix}i{n}")  # repeats happen: the first occurrence wins
    row = st.fixed_dictionaries({
        "interaction_id": _value(ids, st.sampled_from(["", " ", "\t"])),
        "customer_id": _value(st.sampled_from([f"{prefix}c0", f"{prefix}c1"]), st.sampled_from(["", "nobody"])),
        "agent_id": _value(st.sampled_from([f"{prefix}a0", ""]), st.just("ghost")),
        "channel": _value(st.sampled_from(["voice", "chat", "email"]), st.sampled_from(["pigeon", "", "VOICE!"])),
        "reason": _value(st.text(TEXT, min_size=1, max_size=12), st.just("")),
        "started_at": _value(st.sampled_from(["2026-03-02T10:00:00", "2026-03-02 10:00:00+02:00", "2026-03-02"]),
                             st.sampled_from(["2026-02-30T10:00:00", "yesterday", "", "10:00"])),
        "handle_seconds": _value(st.floats(0, 1e5, allow_nan=False).map(str), st.sampled_from(["-1", "abc", "nan"])),
        "resolved": _value(st.sampled_from(["true", "false", "1", "0", "yes", "no", ""]), st.just("maybe")),
        "qa_score": _value(st.integers(0, 100).map(str), st.sampled_from(["150", "-3", "x"])),
    })
    return st.lists(row, min_size=1, max_size=25)


def write_folder(folder: Path, prefix: str, records: list[dict[str, str]]) -> dict[int, dict[str, str]]:
    """The interchange folder; returns each interaction record by its physical line (header = line 1)."""
    folder.mkdir()
    (folder / "customers.csv").write_text(f"customer_id\n{prefix}c0\n{prefix}c1\n", encoding="utf-8")
    (folder / "agents.csv").write_text(f"agent_id\n{prefix}a0\n", encoding="utf-8")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    by_line = {}
    for record in records:
        by_line[buffer.getvalue().count("\n") + 1] = record  # a quoted newline makes a record span lines
        writer.writerow([record[c] for c in COLUMNS])
    (folder / "interactions.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return by_line


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_row_is_loaded_or_rejected_with_a_reason(store: Store, tmp_path: Path, data: Any) -> None:
    prefix = f"x{next(_examples)}_"  # one store for every example: ids of their own keep examples apart
    records = data.draw(rows(prefix))
    by_line = write_folder(tmp_path / prefix, prefix, records)
    try:
        result = ingest.import_folder(store, tmp_path / prefix, Settings(), rejects_dir=tmp_path / "rejects")
    except ingest.IngestError as error:  # the file as a whole cannot be read: refused, nothing loaded
        assert str(error) and _stored(store, prefix).height == 0
        return
    rejects = [r for r in result.rejects if r.table == "interactions"]
    assert all(r.reason and r.column for r in rejects)
    rejected = {r.line for r in rejects}
    assert rejected <= set(by_line)  # every reject names a line of a real record
    kept = {line: record for line, record in by_line.items() if line not in rejected}
    stored = _stored(store, prefix)
    # never lost, never both: the stored rows are exactly the records not rejected, one row each
    assert sorted(stored["interaction_id"].to_list()) == sorted(r["interaction_id"] for r in kept.values())
    assert result.loaded["interactions"] == len(kept) and result.rejected["interactions"] == len(rejected)
    stored_reason = dict(stored.select("interaction_id", "reason").iter_rows())
    assert all(stored_reason[r["interaction_id"]] == r["reason"].strip() for r in kept.values())  # cells are trimmed


def _stored(store: Store, prefix: str) -> pl.DataFrame:
    """The example's interactions in the store (its customers are its own)."""
    statement = sa.text("select interaction_id, reason from interactions where customer_id in (:first, :second)")
    with store.connect() as connection:
        rows = connection.execute(statement, {"first": f"{prefix}c0", "second": f"{prefix}c1"}).fetchall()
    return pl.DataFrame([tuple(r) for r in rows], schema=["interaction_id", "reason"], orient="row")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_file_is_refused_whole_or_read_row_by_row_never_a_crash(store: Store, tmp_path: Path,
                                                                          data: Any) -> None:
    prefix = f"y{next(_examples)}_"
    write_folder(tmp_path / prefix, prefix, data.draw(rows(prefix)))
    path = tmp_path / prefix / "interactions.csv"
    raw = bytearray(path.read_bytes())
    at = data.draw(st.integers(0, len(raw)))
    damage = data.draw(st.sampled_from(["truncate", "quote", "bytes", "bom", "crlf"]))
    if damage == "truncate":
        del raw[at:]
    elif damage == "quote":
        raw[at:at] = b'"'
    elif damage == "bytes":
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=4))
    elif damage == "bom":
        raw[0:0] = b"\xef\xbb\xbf"
    else:
        raw = bytearray(bytes(raw).replace(b"\n", b"\r\n"))
    path.write_bytes(bytes(raw))
    try:
        result = ingest.import_folder(store, tmp_path / prefix, Settings(), rejects_dir=tmp_path / "rejects")
    except ingest.IngestError as error:
        assert str(error) and _stored(store, prefix).height == 0
        return
    assert all(r.reason for r in result.rejects)
    assert result.loaded["interactions"] == _stored(store, prefix).height
