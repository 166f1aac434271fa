"""Interchange-folder import: every row rule, every folder error, and loading on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from journey import ingest, schema
from journey.ingest import ImportResult, IngestError, Reject, import_folder, read_folder
from journey.settings import Settings
from journey.store import Store

CUSTOMERS = "customer_id,name,segment\nc1,Ann,smb\nc2,Bo,enterprise\n"
AGENTS = "agent_id,name,active\na1,Kim,true\n"
INTERACTIONS = ("interaction_id,customer_id,agent_id,channel,reason,started_at\n"
                "i1,c1,a1,voice,billing,2026-03-01 09:00\n")


def folder(tmp_path: Path, **files: str | bytes) -> Path:
    """An interchange folder of CSVs: the three required ones unless replaced, and `name=text` as name.csv."""
    path = tmp_path / "in"
    path.mkdir(parents=True, exist_ok=True)
    texts: dict[str, str | bytes] = {"customers": CUSTOMERS, "agents": AGENTS, "interactions": INTERACTIONS}
    for name, text in {**texts, **files}.items():
        target = path / f"{name}.csv"
        target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def rejects_of(tmp_path: Path, settings: Settings | None = None, **files: str | bytes) -> list[Reject]:
    return read_folder(folder(tmp_path, **files), settings or Settings())[1]


def valid_of(tmp_path: Path, table: str, settings: Settings | None = None, **files: str | bytes) -> pl.DataFrame:
    return read_folder(folder(tmp_path, **files), settings or Settings())[0][table]


def contents(store: Store, table: str) -> list[tuple[Any, ...]]:
    spec = schema.SPEC_BY_NAME[table]
    columns = [schema.TABLES[table].c[c.name] for c in spec.columns]
    with store.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.select(*columns).order_by(*columns)).fetchall()]


# --- row rules ------------------------------------------------------------------------------------

def test_read_folder_rejects_missing_required_value_and_keeps_the_other_rows(tmp_path: Path) -> None:
    interactions = INTERACTIONS + "i2,c2,,,billing,2026-03-01 10:00\n"
    valid, rejects = read_folder(folder(tmp_path, interactions=interactions), Settings())
    assert rejects == [Reject("interactions", "interactions.csv", 3, "channel", "missing required value", None)]
    assert valid["interactions"]["interaction_id"].to_list() == ["i1"]


def test_read_folder_treats_whitespace_only_cell_as_missing(tmp_path: Path) -> None:
    rejects = rejects_of(tmp_path, customers="customer_id,name\n   ,Ann\nc1,Bo\n")
    assert rejects == [Reject("customers", "customers.csv", 2, "customer_id", "missing required value", None)]


def test_read_folder_rejects_unknown_enum_value_naming_the_allowed_ones(tmp_path: Path) -> None:
    interactions = INTERACTIONS + "i2,c2,,pigeon,billing,2026-03-01 10:00\n"
    [reject] = rejects_of(tmp_path, interactions=interactions)
    assert (reject.line, reject.column, reject.value) == (3, "channel", "pigeon")
    assert reject.reason.startswith("unknown value; expected one of voice, email, chat")


def test_read_folder_reads_enum_values_whatever_their_case(tmp_path: Path) -> None:
    interactions = INTERACTIONS.replace(",voice,", ",Voice,")
    assert valid_of(tmp_path, "interactions", interactions=interactions)["channel"].to_list() == ["voice"]


def test_read_folder_checks_opportunity_stage_against_configured_pipeline(tmp_path: Path) -> None:
    opportunities = ("opportunity_id,customer_id,owner_id,amount,created_at,stage,status\n"
                     "o1,c1,a1,100,2026-03-01,pitch,open\no2,c1,a1,100,2026-03-01,lead,open\n")
    settings = Settings(pipeline_stages=("pitch", "deal"), stage_probabilities={"pitch": 0.2, "deal": 0.5})
    [reject] = rejects_of(tmp_path, settings, opportunities=opportunities)
    assert (reject.line, reject.column, reject.reason) == (3, "stage", "unknown value; expected one of pitch, deal")


def test_read_folder_fills_direction_and_department_defaults(tmp_path: Path) -> None:
    interactions = ("interaction_id,customer_id,channel,direction,reason,started_at\n"
                    "i1,c1,voice,,billing,2026-03-01\ni2,c1,voice,outbound,billing,2026-03-01\n")
    valid = valid_of(tmp_path, "interactions", interactions=interactions)
    assert valid.select("direction", "department").rows() == [("inbound", "service"), ("outbound", "service")]


NUMBER_CASES = [  # file, header, bad row, column, reason, value
    ("orders", "order_id,customer_id,ordered_at,amount", "o2,c1,2026-03-01,-1", "amount", "must be ≥ 0", "-1"),
    ("orders", "order_id,customer_id,ordered_at,amount", "o2,c1,2026-03-01,ten", "amount", "not a number", "ten"),
    ("orders", "order_id,customer_id,ordered_at,amount", "o2,c1,2026-03-01,nan", "amount", "not a number", "nan"),
    ("returns", "return_id,order_id,requested_at,refunded_amount", "r2,o1,2026-03-02,-0.5", "refunded_amount",
     "must be ≥ 0", "-0.5"),
    ("quotas", "owner_id,period_start,period_end,amount", "a1,2026-04-01,2026-04-30,-3", "amount", "must be ≥ 0",
     "-3"),
    ("surveys", "survey_id,customer_id,answered_at,csat", "s2,c1,2026-03-01,6", "csat", "between 1 and 5", "6"),
    ("surveys", "survey_id,customer_id,answered_at,csat", "s2,c1,2026-03-01,4.5", "csat", "not a whole number",
     "4.5"),
    ("surveys", "survey_id,customer_id,answered_at,nps", "s2,c1,2026-03-01,11", "nps", "between 0 and 10", "11"),
    ("surveys", "survey_id,customer_id,answered_at,ces", "s2,c1,2026-03-01,0", "ces", "between 1 and 7", "0"),
    ("journey_events", "event_id,journey_id,customer_id,stage,occurred_at,rating", "e2,j1,c1,buy,2026-03-01,9",
     "rating", "between 1 and 5", "9"),
    ("benchmarks", "stage,peer,score", "buy,acme,100.5", "score", "between 0 and 100", "100.5"),
]
GOOD_ROWS = {"orders": "o1,c1,2026-03-01,10", "returns": "r1,o1,2026-03-02,5", "quotas": "a1,2026-03-01,2026-03-31,5",
             "surveys": "s1,c1,2026-03-01,4", "journey_events": "e1,j1,c1,find,2026-03-01,5",
             "benchmarks": "find,acme,80"}
ORDERS = "order_id,customer_id,ordered_at,amount\no1,c1,2026-03-01,10\n"


@pytest.mark.parametrize(("table", "header", "row", "column", "reason", "value"), NUMBER_CASES)
def test_read_folder_rejects_unreadable_or_out_of_range_number(
        tmp_path: Path, table: str, header: str, row: str, column: str, reason: str, value: str) -> None:
    extra = {"orders": ORDERS} if table == "returns" else {}
    text = f"{header}\n{GOOD_ROWS[table]}\n{row}\n"
    [reject] = rejects_of(tmp_path, **extra, **{table: text})
    assert (reject.table, reject.line, reject.column, reject.value) == (table, 3, column, value)
    assert reason in reject.reason
    assert valid_of(tmp_path, table, **extra, **{table: text}).height == 1


@pytest.mark.parametrize(("column", "value"), [("sentiment_end", "1.5"), ("sentiment_start", "-1.01"),
                                               ("qa_score", "101"), ("wait_seconds", "-1"), ("handle_seconds", "-2")])
def test_read_folder_rejects_interaction_measure_out_of_range(tmp_path: Path, column: str, value: str) -> None:
    interactions = (f"interaction_id,customer_id,channel,reason,started_at,{column}\n"
                    f"i1,c1,voice,billing,2026-03-01,0\ni2,c1,voice,billing,2026-03-01,{value}\n")
    [reject] = rejects_of(tmp_path, interactions=interactions)
    assert (reject.line, reject.column, reject.value) == (3, column, value)
    assert reject.reason.startswith("out of range")


def test_read_folder_reads_booleans_in_every_spelling(tmp_path: Path) -> None:
    agents = "agent_id,active\na1,TRUE\na2,no\na3,1\na4,Yes\na5,0\na6,false\na7,\n"
    assert valid_of(tmp_path, "agents", agents=agents)["active"].to_list() == [
        True, False, True, True, False, False, None]


def test_read_folder_rejects_boolean_outside_the_six_spellings(tmp_path: Path) -> None:
    [reject] = rejects_of(tmp_path, agents="agent_id,active\na1,true\na2,y\n")
    assert reject == Reject("agents", "agents.csv", 3, "active", "not a boolean (true/false, 1/0, yes/no)", "y")


def test_read_folder_rejects_timestamp_that_is_not_iso_8601(tmp_path: Path) -> None:
    interactions = INTERACTIONS + "i2,c1,a1,voice,billing,01/03/2026 09:00\ni3,c1,a1,voice,billing,2026-02-30\n"
    rejects = rejects_of(tmp_path, interactions=interactions)
    assert [(r.line, r.column, r.reason, r.value) for r in rejects] == [
        (3, "started_at", "not an ISO 8601 timestamp", "01/03/2026 09:00"),
        (4, "started_at", "not an ISO 8601 timestamp", "2026-02-30")]


def test_read_folder_reads_naive_timestamps_in_the_configured_zone_and_offsets_as_given(tmp_path: Path) -> None:
    forms = ["2026-03-01", "2026-03-01 09:00", "2026-03-01T09:00:00", "2026-03-01T09:00:00.250",
             "2026-03-01T09:00:00Z", "2026-03-01 09:00:00+02:00", "2026-07-01 09:00"]
    interactions = "interaction_id,customer_id,channel,reason,started_at\n" + "".join(
        f"i{n},c1,voice,billing,{form}\n" for n, form in enumerate(forms))
    valid = valid_of(tmp_path, "interactions", Settings(time_zone="Europe/Berlin"), interactions=interactions)
    assert valid["started_at"].to_list() == [  # Berlin is UTC+1 in March, UTC+2 in July
        datetime(2026, 2, 28, 23), datetime(2026, 3, 1, 8), datetime(2026, 3, 1, 8),
        datetime(2026, 3, 1, 8, 0, 0, 250000), datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 7),
        datetime(2026, 7, 1, 7)]
    assert valid["started_at"].dtype == pl.Datetime("us")


def test_read_folder_reads_a_repeated_local_hour_as_its_first_and_rejects_a_skipped_one(tmp_path: Path) -> None:
    interactions = ("interaction_id,customer_id,channel,reason,started_at\n"
                    "i1,c1,voice,billing,2026-10-25 02:30\ni2,c1,voice,billing,2026-03-29 02:30\n")
    valid, rejects = read_folder(folder(tmp_path, interactions=interactions), Settings(time_zone="Europe/Berlin"))
    assert valid["interactions"]["started_at"].to_list() == [datetime(2026, 10, 25, 0, 30)]
    assert [(r.line, r.reason) for r in rejects] == [
        (3, "local time that does not exist in Europe/Berlin (clock change)")]


def test_read_folder_rejects_date_not_written_yyyy_mm_dd(tmp_path: Path) -> None:
    quotas = "owner_id,period_start,period_end,amount\na1,2026-03-01,2026-03-31,5\na1,2026-04-01,30.04.2026,5\n"
    [reject] = rejects_of(tmp_path, quotas=quotas)
    assert reject == Reject("quotas", "quotas.csv", 3, "period_end", "not a date (YYYY-MM-DD)", "30.04.2026")


def test_read_folder_reports_every_problem_of_a_row_and_counts_the_row_once(tmp_path: Path) -> None:
    interactions = INTERACTIONS + "i2,c1,a1,pigeon,,yesterday\n"
    rejects = rejects_of(tmp_path, interactions=interactions)
    assert [(r.line, r.column) for r in rejects] == [(3, "channel"), (3, "reason"), (3, "started_at")]


def test_read_folder_keeps_the_first_of_a_repeated_key(tmp_path: Path) -> None:
    customers = "customer_id,name\nc1,first\nc2,Bo\nc1,second\n"
    valid, rejects = read_folder(folder(tmp_path, customers=customers), Settings())
    assert valid["customers"].rows() == [("c1", "first"), ("c2", "Bo")]
    assert rejects == [Reject("customers", "customers.csv", 4, "customer_id", "repeats the key of line 2", "c1")]


def test_read_folder_compares_composite_keys_by_value(tmp_path: Path) -> None:
    opportunities = ("opportunity_id,customer_id,owner_id,amount,created_at,stage,status\n"
                     "o1,c1,a1,100,2026-03-01,lead,open\n")
    stages = "opportunity_id,stage,entered_at\no1,lead,2026-03-01 09:00\no1,lead,2026-03-01T09:00:00\n"
    [reject] = rejects_of(tmp_path, opportunities=opportunities, opportunity_stages=stages)
    assert (reject.line, reject.column, reject.reason, reject.value) == (
        3, "opportunity_id+stage+entered_at", "repeats the key of line 2", "o1|lead|2026-03-01T09:00:00")


def test_read_folder_rejects_reference_to_an_unknown_id_but_not_an_empty_optional_one(tmp_path: Path) -> None:
    interactions = INTERACTIONS + "i2,c1,,chat,billing,2026-03-01\ni3,c1,a9,chat,billing,2026-03-01\n"
    valid, rejects = read_folder(folder(tmp_path, interactions=interactions), Settings())
    assert rejects == [Reject("interactions", "interactions.csv", 4, "agent_id",
                              "not found in agents (neither in the folder nor in the store)", "a9")]
    assert valid["interactions"]["interaction_id"].to_list() == ["i1", "i2"]


def test_read_folder_cascades_a_rejected_row_to_the_rows_referring_to_it(tmp_path: Path) -> None:
    customers = CUSTOMERS + "c3,\"Cy\",smb\nc3,again,smb\nc4,,\n"
    orders = "order_id,customer_id,ordered_at,amount\no1,c1,2026-03-01,10\no2,c2,2026-03-01,-5\n"
    returns = "return_id,order_id,requested_at\nr1,o1,2026-03-02\nr2,o2,2026-03-02\n"
    valid, rejects = read_folder(folder(tmp_path, customers=customers, orders=orders, returns=returns), Settings())
    assert valid["returns"]["return_id"].to_list() == ["r1"]
    assert [(r.table, r.line, r.column, r.reason) for r in rejects] == [
        ("customers", 5, "customer_id", "repeats the key of line 4"),
        ("orders", 3, "amount", "out of range: must be ≥ 0"),
        ("returns", 3, "order_id", "refers to a row of orders that was rejected")]


# --- reading files --------------------------------------------------------------------------------

def test_read_folder_counts_physical_lines_across_quoted_newlines(tmp_path: Path) -> None:
    customers = 'customer_id,name\nc1,"Ann\nof ""the"" north"\nc2,"Bo, Jr."\n,"two\r\nlines"\n'
    valid, rejects = read_folder(folder(tmp_path, customers=customers), Settings())
    assert valid["customers"]["name"].to_list() == ['Ann\nof "the" north', "Bo, Jr."]
    assert [(r.line, r.column) for r in rejects] == [(5, "customer_id")]


def test_read_folder_strips_bom_and_reads_crlf_lines(tmp_path: Path) -> None:
    customers = "\ufeffcustomer_id,name\r\nc1,Ann\r\n,Bo\r\n".encode()
    valid, rejects = read_folder(folder(tmp_path, customers=customers), Settings())
    assert valid["customers"].rows() == [("c1", "Ann")]
    assert [(r.line, r.column) for r in rejects] == [(3, "customer_id")]


def test_read_folder_skips_blank_lines_without_shifting_line_numbers(tmp_path: Path) -> None:
    customers = "customer_id,name\nc1,Ann\n\n,\nc1,again\n\n"
    [reject] = rejects_of(tmp_path, customers=customers)
    assert (reject.line, reject.reason) == (5, "repeats the key of line 2")


def test_record_lines_starts_each_record_at_its_physical_line() -> None:
    assert ingest.record_lines(b'a,b\n1,"x\n\ny"\n2,z\n3,"q"""\n4,w').to_list() == [2, 5, 6, 7]
    assert ingest.record_lines(b"a,b\r\n1,x\r\n\r\n2,y\r\n").to_list() == [2, 3, 4]
    assert ingest.record_lines(b"a,b\n1,x").to_list() == [2]


def test_read_folder_rejects_a_record_with_more_fields_than_the_header(tmp_path: Path) -> None:
    orders = ('order_id,customer_id,ordered_at,amount,product\no1,c1,2026-03-01,7.5,"Desk, oak"\n'
              "o2,c1,2026-03-01,12,50,Chair\n")
    valid, rejects = read_folder(folder(tmp_path, orders=orders), Settings())
    assert rejects == [Reject("orders", "orders.csv", 3, "(row)", "6 fields where the header has 5; quote values "
                              "holding a comma", "o2,c1,2026-03-01,12,50,Chair")]
    assert valid["orders"].rows() == [("o1", "c1", datetime(2026, 3, 1), 7.5, "Desk, oak")]


def test_read_folder_reports_rows_per_table_to_progress(tmp_path: Path) -> None:
    messages: list[str] = []
    read_folder(folder(tmp_path, agents="agent_id,active\na1,true\na2,maybe\n"), Settings(), progress=messages.append)
    assert messages == ["customers.csv: 2 rows, 2 valid, 0 rejected", "agents.csv: 2 rows, 1 valid, 1 rejected",
                        "interactions.csv: 1 rows, 1 valid, 0 rejected"]


# --- folder errors --------------------------------------------------------------------------------

def _both_formats(path: Path) -> None:
    pl.DataFrame({"agent_id": ["a1"]}).write_parquet(path / "agents.parquet")


def _unknown_file(path: Path) -> None:
    (path / "customer.csv").write_text("customer_id\nc1\n", encoding="utf-8")


def _hidden_file_and_missing_table(path: Path) -> None:
    (path / ".DS_Store").write_bytes(b"\0")
    (path / "agents.csv").unlink()


def _broken_parquet(path: Path) -> None:
    (path / "orders.parquet").write_bytes(b"PAR1 not really")


def _nested_parquet_column(path: Path) -> None:
    pl.DataFrame({"order_id": ["o1"], "customer_id": ["c1"], "ordered_at": ["2026-03-01"],
                  "amount": [[1.0]]}).write_parquet(path / "orders.parquet")


FOLDER_ERRORS = [  # how the folder is broken, words the message must hold
    (_both_formats, "both agents.csv and agents.parquet"),
    (_unknown_file, "customer.csv: not a file of the interchange format"),
    (_hidden_file_and_missing_table, "agents.csv missing; customers, agents and interactions are required"),
    (_broken_parquet, "orders.parquet: cannot be read"),
    (_nested_parquet_column, r"column amount holds List\(Float64\) values"),
]


@pytest.mark.parametrize(("breakage", "words"), FOLDER_ERRORS, ids=lambda v: getattr(v, "__name__", "msg"))
def test_import_folder_refuses_a_broken_folder_and_writes_nothing(
        store: Store, tmp_path: Path, breakage: Any, words: str) -> None:
    path = folder(tmp_path)
    breakage(path)
    with pytest.raises(IngestError, match=words):
        import_folder(store, path, Settings(), rejects_dir=tmp_path / "rejects")
    assert contents(store, "customers") == []
    with store.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(schema.imports)).scalar() == 0


FILE_ERRORS = [  # file contents, words the message must hold
    ("interaction_id,customer_id,agent_id,reason,started_at\ni1,c1,a1,billing,2026-03-01\n",
     "interactions.csv: required column channel missing"),
    ("interaction_id,customer_id,channel,reason,started_at,handle_secs\ni1,c1,voice,billing,2026-03-01,4\n",
     "unknown column handle_secs; the columns of interactions are interaction_id"),
    ("interaction_id,customer_id,channel,channel,reason,started_at\ni1,c1,voice,chat,billing,2026-03-01\n",
     "column channel appears more than once"),
    ("", "interactions.csv: the file is empty"),
    (b"interaction_id,customer_id,channel,reason,started_at\ni1,c1,voice,caf\xe9,2026-03-01\n",
     "interactions.csv: cannot be read .*utf-8"),
    ('interaction_id,customer_id,channel,reason,started_at\n'
     'i1,c1,voice,"5 screen,2026-03-01\ni2,c1,voice,x,2026-03-01\n',
     "the quoted field starting on line 2 is never closed"),
    ("interaction_id;customer_id;channel;reason;started_at\ni1;c1;voice;billing;2026-03-01\n",
     "separated by commas, not semicolons"),
]


@pytest.mark.parametrize(("text", "words"), FILE_ERRORS)
def test_read_folder_refuses_a_file_it_cannot_check(tmp_path: Path, text: str | bytes, words: str) -> None:
    with pytest.raises(IngestError, match=words):
        read_folder(folder(tmp_path, interactions=text), Settings())


def test_read_folder_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such folder; pass the folder that holds customers.csv"):
        read_folder(tmp_path / "nowhere", Settings())


# --- loading --------------------------------------------------------------------------------------

def test_import_folder_resolves_references_against_rows_already_in_the_store(store: Store, tmp_path: Path) -> None:
    import_folder(store, folder(tmp_path / "first"), Settings(), rejects_dir=tmp_path / "rejects")
    second = folder(tmp_path / "second", customers="customer_id\nc3\n", agents="agent_id\na2\n",
                    interactions="interaction_id,customer_id,agent_id,channel,reason,started_at\n"
                                 "i2,c1,a1,chat,billing,2026-03-02\ni3,c3,a2,chat,billing,2026-03-02\n"
                                 "i4,c9,a1,chat,billing,2026-03-02\n")
    result = import_folder(store, second, Settings(), rejects_dir=tmp_path / "rejects")
    assert [(r.line, r.column, r.value) for r in result.rejects] == [(4, "customer_id", "c9")]
    assert [row[0] for row in contents(store, "interactions")] == ["i1", "i2", "i3"]


def test_import_folder_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = folder(tmp_path, orders=ORDERS, interactions=INTERACTIONS + "i2,c2,,web,delivery,2026-03-02 10:00\n")
    import_folder(store, path, Settings(), rejects_dir=tmp_path / "rejects")
    before = {table: contents(store, table) for table in ("customers", "agents", "interactions", "orders")}
    again = import_folder(store, path, Settings(), rejects_dir=tmp_path / "rejects")
    assert {table: contents(store, table) for table in before} == before
    assert again.loaded == {"customers": 2, "agents": 1, "orders": 1, "interactions": 2}


def test_import_folder_loads_the_same_store_from_csv_and_from_parquet(store: Store, tmp_path: Path) -> None:
    interactions = ("interaction_id,customer_id,channel,reason,started_at,handle_seconds,resolved\n"
                    "i1,c1,voice,billing,2026-03-01 09:00:00,300,true\ni2,c2,chat,delivery,2026-03-01 10:30:00,,\n")
    from_csv = folder(tmp_path / "csv", interactions=interactions)
    import_folder(store, from_csv, Settings(), rejects_dir=tmp_path / "rejects")
    csv_store = {table: contents(store, table) for table in ("customers", "agents", "interactions")}
    assert [len(rows) for rows in csv_store.values()] == [2, 1, 2]
    with store.connect() as connection:
        for table in csv_store:
            connection.execute(schema.TABLES[table].delete())
        connection.commit()
    from_parquet = tmp_path / "parquet"
    from_parquet.mkdir()
    for table in ("customers", "agents"):
        pl.read_csv(from_csv / f"{table}.csv", infer_schema=False).write_parquet(from_parquet / f"{table}.parquet")
    pl.DataFrame({
        "interaction_id": ["i1", "i2"], "customer_id": ["c1", "c2"], "channel": ["voice", "chat"],
        "reason": ["billing", "delivery"], "started_at": [datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 10, 30)],
        "handle_seconds": [300, None], "resolved": [True, None],
    }).write_parquet(from_parquet / "interactions.parquet")
    import_folder(store, from_parquet, Settings(), rejects_dir=tmp_path / "rejects")
    assert {table: contents(store, table) for table in csv_store} == csv_store


def test_read_folder_reads_zoned_parquet_timestamps_as_utc(tmp_path: Path) -> None:
    path = folder(tmp_path)
    (path / "interactions.csv").unlink()
    pl.DataFrame({"interaction_id": ["i1"], "customer_id": ["c1"], "channel": ["voice"], "reason": ["billing"],
                  "started_at": [datetime(2026, 3, 1, 9)]}).with_columns(
        pl.col("started_at").dt.replace_time_zone("Asia/Tokyo")).write_parquet(path / "interactions.parquet")
    valid, _ = read_folder(path, Settings(time_zone="Europe/Berlin"))
    assert valid["interactions"]["started_at"].to_list() == [datetime(2026, 3, 1, 0)]


def test_import_folder_summary_is_the_cli_json_object(store: Store, tmp_path: Path) -> None:
    path = folder(tmp_path, agents="agent_id\na1\na1\n", orders="order_id,customer_id,ordered_at,amount\n")
    result = import_folder(store, path, Settings(), rejects_dir=tmp_path / "rejects")
    summary = json.loads(json.dumps(result.summary()))
    assert summary == {"loaded": {"customers": 2, "agents": 1, "orders": 0, "interactions": 1},
                       "rejected": {"customers": 0, "agents": 1, "orders": 0, "interactions": 0},
                       "rejects_file": result.rejects_file}
    assert result.rejects_file is not None and result.rejects_file.endswith(".csv")


def test_import_folder_records_the_import_and_its_rejects(store: Store, tmp_path: Path) -> None:
    path = folder(tmp_path, customers="customer_id,name\nc1,Ann\nc1,again\n,nobody\n")
    result = import_folder(store, path, Settings(), rejects_dir=tmp_path / "rejects", source="nightly export")
    assert pl.read_csv(result.rejects_file or "", infer_schema=False).rows() == [
        ("customers", "customers.csv", "3", "customer_id", "repeats the key of line 2", "c1"),
        ("customers", "customers.csv", "4", "customer_id", "missing required value", None)]
    with store.connect() as connection:
        [imported] = connection.execute(sa.select(schema.imports)).mappings().all()
        recorded = connection.execute(sa.select(
            schema.import_rejects.c["reject_number", "table_name", "line", "column_name", "value"]
        ).order_by("reject_number")).fetchall()
    assert imported["source"] == "nightly export" and imported["rejects_file"] == result.rejects_file
    assert json.loads(imported["loaded_json"]) == result.loaded
    assert json.loads(imported["rejected_json"]) == {"customers": 2, "agents": 0, "interactions": 0}
    assert imported["started_at"] <= imported["finished_at"]
    assert [tuple(r) for r in recorded] == [(1, "customers", 3, "customer_id", "c1"),
                                            (2, "customers", 4, "customer_id", None)]


def test_import_folder_writes_no_rejects_file_for_a_clean_folder(store: Store, tmp_path: Path) -> None:
    result = import_folder(store, folder(tmp_path), Settings(), rejects_dir=tmp_path / "rejects")
    assert result == ImportResult({"customers": 2, "agents": 1, "interactions": 1},
                                  {"customers": 0, "agents": 0, "interactions": 0}, None, [])
    assert not (tmp_path / "rejects").exists()
