"""Imports through mapping files: each transform on literal rows, CSV dialects and .xlsx, clear errors for
malformed mappings and missing columns, and the two real exports end to end on DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl
import pytest
import sqlalchemy as sa
from conftest import frame
from polars.testing import assert_frame_equal
from test_pipeline import maven_tables

from journey import cli, kpis, mapping_file, pipeline_flow, schema
from journey.filters import Filters
from journey.mapping import Export, import_export, read_export
from journey.mapping_file import MappingError, load_mapping
from journey.settings import Settings
from journey.sources import decode, read_source, sniff_delimiter
from journey.store import Store

DATA = Path(__file__).parents[2] / "shared" / "data"
MAVEN, OLIST = DATA / "maven-crm", DATA / "olist-sample"
needs_maven = pytest.mark.skipif(not MAVEN.is_dir(), reason=f"the Maven CRM export is not at {MAVEN}")
needs_olist = pytest.mark.skipif(not OLIST.is_dir(), reason=f"the Olist sample is not at {OLIST}")

CALLS = """
create = ["customers", "agents"]
[interactions]
file = "calls.csv"
[interactions.columns]
interaction_id = "call"
customer_id = "caller"
channel = { value = "voice" }
reason = "topic"
started_at = { template = "{day} {time}", format = "%d.%m.%Y %H:%M" }
"""


def mapped(tmp_path: Path, toml: str, files: dict[str, str | bytes], settings: Settings | None = None,
           store: Store | None = None) -> Export:
    """The export of `files` (name -> text or bytes) read through the mapping `toml`."""
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    (tmp_path / "mapping.toml").write_text(toml, encoding="utf-8")
    return read_export(load_mapping(str(tmp_path / "mapping.toml")), folder, settings or Settings(), store)


def calls(tmp_path: Path, extra_columns: str, rows: str, header: str = "call;caller;topic;day;time") -> Export:
    """The CALLS mapping plus `extra_columns` over a semicolon-separated calls.csv."""
    return mapped(tmp_path, CALLS + extra_columns, {"calls.csv": f"{header}\n{rows}"})


def rejects(export: Export) -> list[tuple[object, ...]]:
    return export.rejects.select("file", "line", "column", "reason", "value").rows()


# --- transforms ------------------------------------------------------------------------------------------------------

def test_rename_and_constant_make_the_rows_and_create_the_referenced_customer_and_agent(tmp_path: Path) -> None:
    export = calls(tmp_path, 'agent_id = "agent"\n', "k1;c9;billing;01.03.2026;09:30;Ann Lee\n",
                   header="call;caller;topic;day;time;agent")
    assert export.valid["interactions"].select("interaction_id", "customer_id", "agent_id", "channel", "reason",
                                               "started_at").rows() == [
        ("k1", "c9", "Ann Lee", "voice", "billing", datetime(2026, 3, 1, 9, 30))]
    assert (export.valid["customers"].rows(), export.valid["agents"]["agent_id"].to_list()) == ([("c9",)], ["Ann Lee"])
    assert export.created == {"customers": 1, "agents": 1}


def test_template_combines_date_and_time_and_rejects_what_the_format_cannot_read(tmp_path: Path) -> None:
    export = calls(tmp_path, "", "k1;c1;billing;28.02.2026;23:05\nk2;c1;billing;2026-02-30;10:00\n"
                                 "k3;c1;billing;;10:00\nk4;c1;billing;2026-02-27;10:00\n")
    # ISO 8601 is read too (Excel date cells arrive so); 30 February is no date in either
    assert export.valid["interactions"]["started_at"].to_list() == [datetime(2026, 2, 28, 23, 5),
                                                                    datetime(2026, 2, 27, 10)]
    # k3 has no day: the template is empty and started_at is a missing required value
    assert rejects(export) == [
        ("calls.csv", 3, "started_at", "not a timestamp in the format %d.%m.%Y %H:%M", "2026-02-30 10:00"),
        ("calls.csv", 4, "started_at", "missing required value", None)]


@pytest.mark.parametrize(("written", "text", "seconds"), [
    ("H:MM:SS", "1:02:03", 3723.0), ("H:MM:SS", "0:00:07.5", 7.5), ("MM:SS", "75:30", 4530.0),
    ("[H:]MM:SS", "04:10", 250.0), ("[H:]MM:SS", "2:04:10", 7450.0)])
def test_duration_becomes_seconds(tmp_path: Path, written: str, text: str, seconds: float) -> None:
    export = calls(tmp_path, f'handle_seconds = {{ column = "talk", duration = "{written}" }}\n',
                   f"k1;c1;billing;01.03.2026;09:00;{text}\n", header="call;caller;topic;day;time;talk")
    assert export.valid["interactions"]["handle_seconds"].to_list() == [seconds]


@pytest.mark.parametrize(("written", "text"), [("H:MM:SS", "1:75:00"), ("H:MM:SS", "04:10"), ("MM:SS", "1:02:03"),
                                               ("MM:SS", "4 min")])
def test_duration_not_written_as_declared_is_rejected(tmp_path: Path, written: str, text: str) -> None:
    export = calls(tmp_path, f'handle_seconds = {{ column = "talk", duration = "{written}" }}\n',
                   f"k1;c1;billing;01.03.2026;09:00;{text}\n", header="call;caller;topic;day;time;talk")
    assert rejects(export) == [("calls.csv", 2, "handle_seconds", f"not a duration written {written}", text)]


def test_map_turns_codes_into_values_keeps_or_replaces_the_rest_and_maps_to_empty(tmp_path: Path) -> None:
    extra = ('resolved = { column = "ok", map = { Y = "true", N = "false", "?" = "" } }\n'
             'department = { column = "team", map = { Verkauf = "sales" }, unmapped = "other" }\n'
             'stage = { column = "phase", map = { Kauf = "buy" } }\n')
    export = calls(tmp_path, extra, "k1;c1;x;01.03.2026;09:00;Y;Verkauf;Kauf\nk2;c1;x;01.03.2026;09:00;?;IT;Kauf\n"
                                    "k3;c1;x;01.03.2026;09:00;N;;Suche\n",
                   header="call;caller;topic;day;time;ok;team;phase")
    assert export.valid["interactions"].select("interaction_id", "resolved", "department", "stage").rows() == [
        ("k1", True, "sales", "buy"), ("k2", None, "other", "buy")]
    # an unmapped value is kept and the interchange rules reject it; an empty team takes the default department
    [(line, column, reason, value)] = export.rejects.select("line", "column", "reason", "value").rows()
    assert (line, column, value) == (4, "stage", "Suche") and reason.startswith("unknown value; expected one of")


def test_derived_id_and_decimal_comma(tmp_path: Path) -> None:
    toml = ('create = ["customers"]\n[orders]\nfile = "lines.csv"\n[orders.columns]\n'
            'order_id = { template = "{shop}-{number}" }\ncustomer_id = "buyer"\nordered_at = "date"\n'
            'amount = { column = "total", decimal = "," }\n')
    export = mapped(tmp_path, toml, {"lines.csv": 'shop;number;buyer;date;total\nB;7;c1;2026-03-01;"1.234,50"\n'
                                                  "H;7;c1;2026-03-01;0,99\n"})
    assert export.valid["orders"].select("order_id", "amount").rows() == [("B-7", 1234.5), ("H-7", 0.99)]


def test_naive_timestamps_read_in_the_mappings_zone_and_offsets_as_given(tmp_path: Path) -> None:
    toml = CALLS.replace("[interactions]", 'time_zone = "Europe/Berlin"\n[interactions]') + (
        'handle_seconds = { value = "1" }\n')
    export = mapped(tmp_path, toml, {"calls.csv": "call;caller;topic;day;time\nk1;c1;x;01.03.2026;09:30\n"
                                                  "k2;c1;x;01.07.2026;09:30\n"})
    # Berlin is UTC+1 in March, UTC+2 in July
    assert export.valid["interactions"]["started_at"].to_list() == [datetime(2026, 3, 1, 8, 30),
                                                                    datetime(2026, 7, 1, 7, 30)]
    aware = toml.replace('{ template = "{day} {time}", format = "%d.%m.%Y %H:%M" }',
                         '{ column = "at", format = "%d/%m/%Y %H:%M %z" }')
    export = mapped(tmp_path, aware, {"calls.csv": "call;caller;topic;at\nk1;c1;x;01/03/2026 09:30 -0500\n"})
    assert export.valid["interactions"]["started_at"].to_list() == [datetime(2026, 3, 1, 14, 30)]


def test_date_column_reads_its_format(tmp_path: Path) -> None:
    toml = ('create = ["customers", "agents"]\n[opportunities]\nfile = "deals.csv"\n[opportunities.columns]\n'
            'opportunity_id = "id"\ncustomer_id = "account"\nowner_id = "rep"\namount = "value"\n'
            'created_at = { column = "opened", format = "%m/%d/%Y" }\n'
            'expected_close_date = { column = "due", format = "%m/%d/%Y" }\nstage = { value = "lead" }\n'
            'status = { value = "open" }\n')
    export = mapped(tmp_path, toml, {"deals.csv": "id,account,rep,value,opened,due\n"
                                                  "d1,a1,r1,100,03/01/2026,04/30/2026\nd2,a1,r1,100,03/01/2026,30/04/2026\n"})
    assert export.valid["opportunities"].select("created_at", "expected_close_date").rows() == [
        (datetime(2026, 3, 1), date(2026, 4, 30))]
    assert rejects(export) == [("deals.csv", 3, "expected_close_date", "not a date in the format %m/%d/%Y",
                                "30/04/2026")]


def test_skip_and_when_make_unanswered_calls_contacts_without_an_agent(tmp_path: Path) -> None:
    extra = ('agent_id = { column = "agent", when = { column = "answered", equals = "Y" } }\n'
             'wait_seconds = { column = "wait", default = "0" }\n')
    toml = CALLS.replace('file = "calls.csv"', 'file = "calls.csv"\nskip = [{ column = "topic", in = ["test", '
                                               '"spam"] }, { column = "caller", empty = true }]') + extra
    rows = ("call;caller;topic;day;time;agent;answered;wait\nk1;c1;billing;01.03.2026;09:00;Ann;Y;12\n"
            "k2;c1;billing;01.03.2026;09:05;Ann;N;\nk3;c1;spam;01.03.2026;09:06;Ann;Y;1\n"
            "k4;;billing;01.03.2026;09:07;Ann;Y;1\n")
    export = mapped(tmp_path, toml, {"calls.csv": rows})
    assert export.valid["interactions"].select("interaction_id", "agent_id", "wait_seconds").rows() == [
        ("k1", "Ann", 12.0), ("k2", None, 0.0)]
    assert export.skipped == {"interactions": 2}


@pytest.mark.parametrize(("condition", "skipped"), [
    ('{ column = "topic", equals = "spam" }', ["k3"]), ('{ column = "topic", not_equals = "spam" }', ["k1", "k2"]),
    ('{ column = "topic", in = ["spam", "test"] }', ["k3"]), ('{ column = "topic", not_in = ["spam"] }', ["k1", "k2"]),
    ('{ column = "topic", empty = true }', ["k2"]), ('{ column = "topic", empty = false }', ["k1", "k3"])])
def test_skip_conditions(tmp_path: Path, condition: str, skipped: list[str]) -> None:
    toml = CALLS.replace('reason = "topic"', 'reason = { column = "topic", default = "none" }').replace(
        'file = "calls.csv"', f'file = "calls.csv"\nskip = [{condition}]')
    export = mapped(tmp_path, toml, {"calls.csv": "call;caller;topic;day;time\nk1;c1;billing;01.03.2026;09:00\n"
                                                  "k2;c1;;01.03.2026;09:00\nk3;c1;spam;01.03.2026;09:00\n"})
    assert export.valid["interactions"]["interaction_id"].to_list() == [k for k in ("k1", "k2", "k3")
                                                                        if k not in skipped]


def test_lookup_first_sum_chain_and_alternatives(tmp_path: Path) -> None:
    toml = ('create = ["customers"]\n[orders]\nfile = "orders.csv"\n[orders.columns]\norder_id = "id"\n'
            'customer_id = "buyer"\nordered_at = "at"\n'
            'amount = [{ column = "total" }, { column = "id", lookup = { file = "pay.csv", key = "order", '
            'value = "paid", sum = true } }]\n'
            'product = { column = "id", lookup = [{ file = "items.csv", key = "order", value = "sku" }, '
            '{ file = "skus.csv", key = "sku", value = "name" }] }\n')
    export = mapped(tmp_path, toml, {
        "orders.csv": "id,buyer,at,total\no1,c1,2026-03-01,\no2,c1,2026-03-01,5\no3,c1,2026-03-01,\n",
        "pay.csv": "order,paid\no1,10.5\no1,2\no2,99\n", "items.csv": "order,sku\no1,s1\no1,s2\no2,s9\n",
        "skus.csv": "sku,name\ns1,Desk\ns2,Chair\n"})
    # o1: sum of its payments and its first item's name; o2: its own total wins, item s9 has no name
    assert export.valid["orders"].select("order_id", "amount", "product").rows() == [
        ("o1", 12.5, "Desk"), ("o2", 5.0, None)]
    assert rejects(export) == [("orders.csv", 4, "amount", "not found in pay.csv (column order)", "o3")]


def test_rows_of_several_files_in_one_table_point_rejects_at_their_own_file(tmp_path: Path) -> None:
    toml = ('[[customers]]\nfile = "shop.csv"\ncolumns = { customer_id = "id", segment = "kind" }\n'
            '[[customers]]\nfile = "crm.csv"\ncolumns = { customer_id = "Kunde", segment = "Art" }\n')
    export = mapped(tmp_path, toml, {"shop.csv": "id,kind\nc1,smb\n,smb\n", "crm.csv": "Kunde;Art\nc2;smb\nc1;big\n"})
    assert export.valid["customers"].rows() == [("c1", "smb"), ("c2", "smb")]
    assert rejects(export) == [
        ("crm.csv", 3, "customer_id", "repeats the key of shop.csv line 2", "c1"),
        ("shop.csv", 3, "customer_id", "missing required value", None)]


def test_source_may_be_the_one_file_that_parts_without_a_file_read(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text(CALLS.replace('file = "calls.csv"\n', ""), encoding="utf-8")
    (tmp_path / "export.txt").write_text("call\tcaller\ttopic\tday\ttime\nk1\tc1\tbilling\t01.03.2026\t09:00\n")
    export = read_export(load_mapping(str(tmp_path / "m.toml")), tmp_path / "export.txt", Settings())
    assert export.valid["interactions"]["interaction_id"].to_list() == ["k1"]


# --- reading files ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "delimiter"), [
    ("a,b;c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a|b|c", "|"), ('"x;y",b,c', ","), ("single", ",")])
def test_sniff_delimiter_counts_outside_quotes(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


@pytest.mark.parametrize(("data", "text"), [
    ("Müller €5".encode("cp1252"), "Müller €5"), ("Müller".encode(), "Müller"),
    (b"\xef\xbb\xbfid", "id"), ("\ufeffid\tname".encode("utf-16-le"), "id\tname"), (b"caf\xe9 \x81", "café \x81")])
def test_decode_by_bom_then_utf8_then_windows_1252(data: bytes, text: str) -> None:
    assert decode(data) == text


def test_read_source_follows_quoted_newlines_crlf_bom_and_drops_blank_records(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b'\xef\xbb\xbf"id";"note"\r\n1;"two\r\nlines; one field"\r\n\r\n 2 ;  \r\n')
    source = read_source(path)
    assert source.frame.rows() == [("1", "two\r\nlines; one field", 2), ("2", None, 5)]


def test_read_source_reads_cp1252_tabs_and_classic_mac_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("Kunde\tOrt\rK1\tKöln\rK2\tGroß-Gerau".encode("cp1252"))
    assert read_source(path).frame.rows() == [("K1", "Köln", 2), ("K2", "Groß-Gerau", 3)]


def test_record_with_more_fields_than_the_header_is_rejected_and_the_rest_load(tmp_path: Path) -> None:
    toml = '[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id", name = "name" }\n'
    export = mapped(tmp_path, toml, {"c.csv": "id;name\nc1;Ann\nc2;Bo;extra\nc3;Cy\n"})
    assert export.valid["customers"]["customer_id"].to_list() == ["c1", "c3"]
    assert rejects(export) == [("c.csv", 3, "(row)", "3 fields where the header has 2; quote values holding a ';'",
                                "c2;Bo;extra")]


def test_encoding_named_in_the_mapping_wins_over_detection(tmp_path: Path) -> None:
    toml = 'encoding = "latin-1"\n[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id", name = "name" }\n'
    export = mapped(tmp_path, toml, {"c.csv": "id,name\nc1,Jos\xe9\n".encode("latin-1")})
    assert export.valid["customers"]["name"].to_list() == ["José"]


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    """A one-sheet workbook: text as inline strings, numbers as numbers, ("date", serial) and ("time", fraction of a
    day) styled as Excel dates and durations."""
    def cell(ref: str, value: object) -> str:
        if isinstance(value, tuple):
            return f'<c r="{ref}" s="{1 if value[0] == "date" else 2}"><v>{value[1]}</v></c>'
        if isinstance(value, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        return "" if value is None else f'<c r="{ref}"><v>{value}</v></c>'
    sheet = "".join(f'<row r="{i}">' + "".join(cell(f"{chr(64 + j)}{i}", v) for j, v in enumerate(row, 1)) + "</row>"
                    for i, row in enumerate(rows, 1))
    main, rel = "http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://schemas.openxmlformats.org"
    kinds = f"{rel}/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": f'<Types xmlns="{rel}/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{rel}/package/2006/relationships"><Relationship Id="r1" '
        f'Type="{kinds}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{kinds}"><sheets><sheet name="Calls" sheetId="1" '
        'r:id="r1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{rel}/package/2006/relationships"><Relationship '
        f'Id="r1" Type="{kinds}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="r2" '
        f'Type="{kinds}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet xmlns="{main}"><numFmts count="1"><numFmt numFmtId="164" formatCode="[h]:mm:ss"'
        '/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/>'
        '</borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="22"'
        ' applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{sheet}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, f'<?xml version="1.0" encoding="UTF-8"?>{text}')


def test_xlsx_sheet_with_date_duration_and_number_cells(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    write_xlsx(tmp_path / "export" / "calls.xlsx", [
        ["call", "caller", "topic", "at", "talk"],
        [1001, "c1", "billing", ("date", 46082.375), ("time", 0.0434375)],  # 1 March 2026 09:00, 1:02:33
        [1002, 7, "billing", "03.03.2026 10:15", "0:05:00"],  # the same as text cells
    ])
    toml = CALLS.replace('"calls.csv"', '"calls.xlsx"\nsheet = "Calls"').replace(
        '{ template = "{day} {time}", format = "%d.%m.%Y %H:%M" }', '{ column = "at", format = "%d.%m.%Y %H:%M" }'
    ) + 'handle_seconds = { column = "talk", duration = "H:MM:SS" }\n'
    export = mapped(tmp_path, toml, {})
    shown = export.valid["interactions"].select("interaction_id", "customer_id", "started_at", "handle_seconds")
    assert shown.rows() == [
        ("1001", "c1", datetime(2026, 3, 1, 9), 3753.0), ("1002", "7", datetime(2026, 3, 3, 10, 15), 300.0)]


# --- errors ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("toml", "words"), [
    ("[customers\n", "not valid TOML"),
    ('[clients]\nfile = "c.csv"\n', "unknown key 'clients'; name a table (customers"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id", nme = "name" }\n',
     "[customers] columns.nme: customers has no column nme; its columns are customer_id, name"),
    ('[orders]\nfile = "o.csv"\ncolumns = { order_id = "id", customer_id = "c", amount = "a" }\n',
     "required column ordered_at of orders is not mapped"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = { column = "id", value = "x" } }\n',
     "give exactly one of column"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = { colum = "id" } }\n', "unknown key 'colum'"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id", created_at = { column = "d", format = "%d.%Q" } }\n',
     "format '%d.%Q' cannot read dates"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id", name = { column = "n", format = "%Y" } }\n',
     "format reads timestamps and dates; name is a text column"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id", name = { column = "n", duration = "H:MM" } }\n',
     "duration turns H:MM:SS, MM:SS, [H:]MM:SS into seconds"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = { template = "{id" } }\n', "write each source column as"),
    ('[customers]\nfile = "c.csv"\nskip = [{ column = "id", is = "x" }]\ncolumns = { customer_id = "id" }\n',
     "[customers] skip: unknown key 'is'; expected column, equals, not_equals, in, not_in, empty"),
    ('[customers]\nfile = "c.csv"\nskip = { column = "id" }\ncolumns = { customer_id = "id" }\n',
     "a condition is { column = \"name\", <test> = ... } with one test of equals"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = { column = "id", lookup = { file = "x.csv" } } }\n',
     "a lookup is { file"),
    ('time_zone = "Mars/Olympus"\n[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id" }\n',
     "time_zone 'Mars/Olympus' is not an IANA time zone"),
    ('create = ["orders"]\n[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id" }\n',
     "create must list tables among customers, agents"),
])
def test_malformed_mapping_is_one_clear_error(tmp_path: Path, toml: str, words: str) -> None:
    (tmp_path / "m.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(MappingError) as error:
        load_mapping(str(tmp_path / "m.toml"))
    assert words in str(error.value) and "m.toml" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(("toml", "words"), [
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = "id", name = { template = "{first} {lst}" } }\n',
     "c.csv: no column 'lst' (named by m.toml: [customers] columns.name); its columns are id, first, last"),
    ('[customers]\nfile = "c.csv"\nskip = [{ column = "gone", empty = true }]\ncolumns = { customer_id = "id" }\n',
     "c.csv: no column 'gone' (named by m.toml: [customers] skip)"),
    ('[customers]\nfile = "c.csv"\ncolumns = { customer_id = { column = "id", lookup = { file = "c.csv", key = "id",'
     ' value = "nick" } } }\n', "c.csv: no column 'nick' (named by m.toml: [customers] columns.customer_id lookup)"),
    ('[customers]\nfile = "missing.csv"\ncolumns = { customer_id = "id" }\n',
     "missing.csv: no such file (named by m.toml: [customers] file)"),
    ('[customers]\ncolumns = { customer_id = "id" }\n', "no file named; add file"),
])
def test_export_that_lacks_what_the_mapping_names_is_one_clear_error(tmp_path: Path, toml: str, words: str) -> None:
    (tmp_path / "m.toml").write_text(toml, encoding="utf-8")
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "c.csv").write_text("id,first,last\nc1,Ann,Lee\n", encoding="utf-8")
    with pytest.raises(MappingError) as error:
        read_export(load_mapping(str(tmp_path / "m.toml")), tmp_path / "export", Settings())
    assert words in str(error.value)


def test_unknown_mapping_name_lists_the_shipped_ones() -> None:
    with pytest.raises(MappingError, match=r"no mapping named 'salesforce' \(shipped: .*maven-crm, olist"):
        load_mapping("salesforce")


def test_every_shipped_mapping_loads() -> None:
    for path in (Path(__file__).parents[1] / "config" / "mappings").glob("*.toml"):
        assert load_mapping(path.stem).parts, path


# --- loading: store, idempotence, CLI --------------------------------------------------------------------------------

def test_import_creates_only_ids_the_store_lacks_and_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    store.load({"customers": frame([{"customer_id": "c1", "name": "Ann", "segment": "smb"}])})
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "calls.csv").write_text("call;caller;topic;day;time\nk1;c1;billing;01.03.2026;09:00\n"
                                      "k2;c2;billing;01.03.2026;09:00\nk2;c2;billing;01.03.2026;09:30\n")
    (tmp_path / "m.toml").write_text(CALLS, encoding="utf-8")
    mapping = load_mapping(str(tmp_path / "m.toml"))
    first = import_export(store, mapping, folder, Settings(), tmp_path / "rejects")
    again = import_export(store, mapping, folder, Settings(), tmp_path / "rejects")
    assert first.summary()["loaded"] == {"customers": 1, "agents": 0, "interactions": 2}  # c2 only: c1 is stored
    assert again.summary()["loaded"] == {"customers": 0, "agents": 0, "interactions": 2}
    assert first.summary()["rejected"]["interactions"] == 1 and first.rejects_file
    with store.connect() as connection:
        stored = connection.execute(sa.text("select customer_id, name, segment from customers order by 1")).all()
        assert [tuple(r) for r in stored] == [("c1", "Ann", "smb"), ("c2", None, None)]
        assert connection.execute(sa.text("select count(*) from interactions")).scalar() == 2


def test_cli_refuses_a_malformed_mapping_in_one_line_and_creates_no_store(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.toml").write_text('[customers]\nfile = "c.csv"\ncolumns = { id = "id" }\n', encoding="utf-8")
    db = tmp_path / "store.duckdb"
    code = cli.main(["--db", f"duckdb:///{db}", "import", str(tmp_path), "--mapping", str(tmp_path / "m.toml")])
    error = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in error and "customers has no column id" in error and not db.exists()


def test_cli_mapping_check_shows_the_first_rows_and_the_rejects(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "calls.csv").write_text("call;caller;topic;day;time\nk1;c1;billing;01.03.2026;09:00\n"
                                                   "k2;c1;billing;1 March;09:00\n")
    (tmp_path / "m.toml").write_text(CALLS, encoding="utf-8")
    assert cli.main(["mapping", "check", str(tmp_path / "m.toml"), str(tmp_path / "export"), "--rows", "1"]) == 0
    out = capsys.readouterr().out
    assert "interactions: 2 rows, 1 valid, 1 rejected" in out
    assert [line.split() for line in out.splitlines() if line.startswith("k1 ")] == [
        ["k1", "c1", "voice", "inbound", "service", "billing", "2026-03-01", "09:00:00"]]
    assert "rejected calls.csv:3 started_at: not a timestamp in the format %d.%m.%Y %H:%M (1 March 09:00)" in out


# --- the real exports ------------------------------------------------------------------------------------------------

def raw(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def counts(store: Store) -> dict[str, int]:
    with store.connect() as connection:
        return {t: connection.execute(sa.select(sa.func.count()).select_from(schema.TABLES[t])).scalar() or 0
                for t in schema.SPEC_BY_NAME}


@needs_maven
def test_maven_mapping_makes_the_tables_of_the_hand_written_converter() -> None:
    """tests/test_pipeline.py's converter, written in Python, is an independent reading of the same export."""
    export = read_export(load_mapping("maven-crm"), MAVEN, Settings())
    for table, expected in maven_tables(MAVEN).items():
        expected = expected.with_columns(pl.col("^stage$").replace("engaging", "qualified"))  # our stage for Engaging
        made, key = export.valid[table].select(expected.columns), list(schema.SPEC_BY_NAME[table].key)
        assert_frame_equal(made.sort(key), expected.cast(made.schema).sort(key))


@needs_maven
def test_maven_import_end_to_end(store: Store, tmp_path: Path) -> None:
    deals = raw(MAVEN / "sales_pipeline.csv")
    won = [d for d in deals if d["deal_stage"] == "Won"]
    closed = [d for d in deals if d["deal_stage"] in ("Won", "Lost")]
    result = import_export(store, load_mapping("maven-crm"), MAVEN, Settings(), tmp_path / "rejects")
    dated = sum(1 for d in deals if d["engage_date"])
    assert result.summary() == {"loaded": {"customers": len(raw(MAVEN / "accounts.csv")) + 1,
                                           "agents": len(raw(MAVEN / "sales_teams.csv")),
                                           "opportunities": dated, "opportunity_stages": dated},
                                "rejected": {"customers": 0, "agents": 0, "opportunities": 0, "opportunity_stages": 0},
                                "rejects_file": None}
    cells = pipeline_flow.closed_cells(store.query, Filters(date(2016, 1, 1), date(2018, 12, 31)), Settings())
    won_cells = cells.filter(pl.col("status") == "won")
    assert int(cells["closed_count"].sum()) == len(closed) == 6711
    assert int(won_cells["closed_count"].sum()) / int(cells["closed_count"].sum()) == pytest.approx(
        len(won) / len(closed))  # 63.2 %
    assert float(won_cells["amount_sum"].sum()) == sum(float(d["close_value"]) for d in won)


@needs_olist
def test_olist_import_end_to_end(store: Store, tmp_path: Path) -> None:
    orders, review_rows = raw(OLIST / "olist_orders_dataset.csv"), raw(OLIST / "olist_order_reviews_dataset.csv")
    order_ids, review_records = {o["order_id"] for o in orders}, len(review_rows)
    # reviews of orders in the export; reversed: the first of a repeated review id wins
    reviews = {r["review_id"]: r for r in reversed(review_rows) if r["order_id"] in order_ids}
    kept = [o for o in orders if o["order_status"] not in ("canceled", "unavailable")]
    dated = [o for o in kept if o["order_delivered_customer_date"] and o["order_estimated_delivery_date"]]
    on_time = [o for o in dated if o["order_delivered_customer_date"] <= o["order_estimated_delivery_date"]]
    listed = raw(OLIST / "olist_customers_dataset.csv")
    customers = {o["customer_id"] for o in orders} | {c["customer_id"] for c in listed}
    result = import_export(store, load_mapping("olist"), OLIST, Settings(), tmp_path / "rejects")
    delivered = sum(1 for o in orders if o["order_delivered_customer_date"])
    assert result.summary()["loaded"] == {"customers": len(customers), "orders": len(orders),
                                          "surveys": len(reviews), "journey_events": len(orders) + delivered}
    assert result.summary()["rejected"] == {"customers": 0, "orders": 0, "journey_events": 0,
                                            "surveys": review_records - len(reviews)}
    figures = kpis.summarize(kpis.daily(store.query, Filters(date(2016, 1, 1), date(2018, 12, 31)), Settings()),
                             date(2016, 1, 1), date(2018, 12, 31))
    assert figures["on_time_delivery"] == pytest.approx(len(on_time) / len(dated))
    satisfied = sum(int(r["review_score"]) >= 4 for r in reviews.values())
    assert figures["csat_pct"] == pytest.approx(satisfied / len(reviews))
    assert figures["journey_conversion"] == pytest.approx(len(kept) / len(orders))
    assert counts(store)["journey_events"] == len(orders) + delivered


@needs_olist
def test_cli_imports_olist_into_a_fresh_store_with_the_json_summary(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = f"duckdb:///{tmp_path / 'olist.duckdb'}"
    args = ["--db", db, "import", str(OLIST), "--mapping", "olist", "--format", "json",
            "--rejects-dir", str(tmp_path / "rejects")]
    assert cli.main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["loaded"]["orders"] == 4071 and summary["rejected"]["surveys"] == 5872
    first_line = Path(summary["rejects_file"]).read_text(encoding="utf-8").splitlines()[1]
    assert first_line.startswith("surveys,olist_order_reviews_dataset.csv,3,customer_id,not found in "
                                 "olist_orders_dataset.csv (column order_id),")


# --- the guide -------------------------------------------------------------------------------------------------------

GUIDE = Path(__file__).parents[1] / "docs" / "mappings.md"


def test_guide_documents_every_option() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    options = {*mapping_file.TOP_KEYS, *mapping_file.PART_KEYS, *mapping_file.RULE_KEYS, *mapping_file.LOOKUP_KEYS,
               *mapping_file.TESTS, *mapping_file.DURATIONS}
    assert sorted(o for o in options if f"`{o}" not in guide and f"\n{o} = " not in guide) == []


def test_guide_example_maps_a_phone_export(tmp_path: Path) -> None:
    blocks = GUIDE.read_text(encoding="utf-8").split("```toml\n")[1:]
    [example] = [block for block in blocks if "[interactions]" in block]
    calls = ("Call ID;Caller;Agent;Answered;Queue;Date;Time;Wait;Talk;Solved;Type\n"
             "7;Müller;Kim;Y;1;02.03.2026;09:15;01:30;0:04:10;Y;external\n"
             "8;Müller;Kim;N;9;02.03.2026;09:20;03:00;;;external\n"
             "9;Kim;Lee;Y;1;02.03.2026;09:30;00:05;0:01:00;Y;internal\n")
    export = mapped(tmp_path, example.split("```")[0], {"calls.csv": calls.encode("cp1252")})
    assert export.valid["interactions"].select(
        "interaction_id", "customer_id", "agent_id", "channel", "reason", "started_at", "wait_seconds",
        "handle_seconds", "resolved").rows() == [
        ("7", "Müller", "Kim", "voice", "billing", datetime(2026, 3, 2, 8, 15), 90.0, 250.0, True),
        ("8", "Müller", None, "voice", "other", datetime(2026, 3, 2, 8, 20), 180.0, None, None)]
    assert (export.skipped, export.created) == ({"interactions": 1}, {"customers": 1, "agents": 1})
