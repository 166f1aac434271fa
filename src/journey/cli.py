"""The `journey` command: the same numbers the pages show, for scripts and scheduled checks."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from journey import settings as settings_module
from journey.filters import DIMENSIONS, Filters
from journey.settings import Settings, SettingsError
from journey.store import Store, StoreError, open_store

Run = Callable[[argparse.Namespace, Settings], int]
FORMATS = ("table", "csv", "json")


class UsageError(ValueError):
    """A command-line value that cannot be used; the message says which and why."""


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = settings_module.load(args.config)
        run: Run = args.run
        return run(args, settings)
    except (StoreError, SettingsError, UsageError, OSError) as error:
        print(f"journey: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("journey: interrupted", file=sys.stderr)
        return 130


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="journey", description=__doc__)
    root.add_argument("--db", help="store URL (else $JOURNEY_DATABASE_URL, else config/journey.toml)")
    root.add_argument("--config", type=Path, help="settings file (default config/journey.toml)")
    root.add_argument("--as", dest="as_user", metavar="USER", help="show only what USER's role may see "
                      "(default: the operator's full access; see docs/access.md)")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(commands)
    return root


# --- shared pieces for commands -------------------------------------------------------------------

def range_command(commands: Any, name: str, help_text: str, run: Run, as_of: bool = False,
                  formats: Sequence[str] = FORMATS) -> argparse.ArgumentParser:
    """A subcommand with --from/--to (and --as-of), the global filters and --format."""
    command: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
    command.add_argument("--from", dest="start", type=_day, help="first day, YYYY-MM-DD (default: to − 27)")
    command.add_argument("--to", dest="end", type=_day, help="last day, inclusive (default: today)")
    if as_of:
        command.add_argument("--as-of", dest="as_of", type=_day, help="state at the start of this day "
                             "(default: today)")
    for dimension in DIMENSIONS:
        command.add_argument(f"--{dimension}", action="append", default=[],
                             help=f"only this {dimension} (repeat for several)")
    command.add_argument("--format", choices=formats, default=formats[0])
    command.set_defaults(run=run)
    return command


def filters(args: argparse.Namespace, settings: Settings) -> Filters:
    """The command's date range and filters; the range defaults to the 28 days up to today."""
    end = args.end or today(settings)
    start = args.start or end - timedelta(days=27)
    if start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    chosen = {d: tuple(v for value in getattr(args, d) for v in value.split(",") if v) for d in DIMENSIONS}
    return Filters(start, end, **chosen)


def today(settings: Settings) -> date:
    return datetime.now(settings.zone).date()


def reading_store(args: argparse.Namespace, settings: Settings) -> Store:
    """The store, opened read-only so a running dashboard or import is not blocked; with --as USER, its
    per-agent queries are bound to that user's scope."""
    store = open_store(settings_module.database_url(settings, args.db), read_only=True)
    if not args.as_user:
        return store
    from journey import access

    scope = access.scope_for(signed_in(args, store), store.query)
    return access.ScopedStore.of(store, scope)


def signed_in(args: argparse.Namespace, store: Store) -> Any:
    """The user named by --as (None without it: the operator, who sees everything)."""
    from journey import access

    if not args.as_user:
        return None
    found = access.find_user(store.query, args.as_user)
    if found is None:
        raise UsageError(f"--as {args.as_user}: no such user (journey user list shows them)")
    return found[0]


def writing_store(args: argparse.Namespace, settings: Settings) -> Store:
    return open_store(settings_module.database_url(settings, args.db))


def emit(value: dict[str, Any] | pl.DataFrame, fmt: str) -> None:
    """Print a result to stdout alone: a JSON object/array, CSV, or an aligned table."""
    if fmt == "json":
        data = value.to_dicts() if isinstance(value, pl.DataFrame) else value
        print(json.dumps(settled(data), default=_json_default, indent=2))
    elif isinstance(value, pl.DataFrame):
        print(_csv(value) if fmt == "csv" else _table(value.rows(), value.columns), end="")
    else:
        rows = [(key, _cell(v)) for key, v in _flatten(value)]
        print(_csv(pl.DataFrame(rows, schema=["name", "value"], orient="row")) if fmt == "csv"
              else _table(rows, ["name", "value"]), end="")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _json_default(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _flatten(value: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, item in value.items():
        if isinstance(item, dict):
            rows.extend(_flatten(item, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", item))
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return json.dumps(value, default=_json_default)
    return str(value)


def _csv(frame: pl.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerows([[_csv_cell(v) for v in row] for row in frame.rows()])
    return buffer.getvalue()


def settled(value: Any) -> Any:
    """Floats to 12 significant digits, in JSON and CSV alike: the last bits of a sum the database computes in
    parallel depend on the order the rows were added in, so full precision changed from run to run
    (0.5972476669897029, then 0.597247666989703) where 12 digits are the same every time."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {key: settled(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(settled(item) for item in value)
    return value


def _csv_cell(value: object) -> object:
    """Empty for missing, lowercase booleans as in JSON, floats settled, everything else as Python writes it."""
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else settled(value)


def _table(rows: Sequence[Sequence[object]], columns: Sequence[str]) -> str:
    cells = [list(columns)] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines) + "\n"


# --- commands -------------------------------------------------------------------------------------

def _demo(commands: Any) -> None:
    from journey import demo

    command = commands.add_parser("demo", help="build the demo store (or, with --out, a demo folder)")
    command.add_argument("--scale", choices=list(demo.SCALES), default="small")
    command.add_argument("--seed", type=int, default=42)
    command.add_argument("--end-date", type=_day, help="last day of demo data (default: yesterday)")
    command.add_argument("--out", type=Path, help="write an interchange folder instead of loading the store")
    command.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace, settings: Settings) -> int:
    from journey import demo

    if args.out:
        progress(f"generating the {args.scale} demo")
        tables = demo.generate(args.scale, args.seed, args.end_date)
        demo.write_folder(tables, args.out)
        progress(f"wrote {sum(t.height for t in tables.values()):,} rows to {args.out}")
        return 0
    counts = demo.build(writing_store(args, settings), args.scale, args.seed, args.end_date, progress)
    progress(f"demo store ready: {sum(counts.values()):,} rows")
    return 0


def _import(commands: Any) -> None:
    command = commands.add_parser("import", help="load an interchange folder (CSV or Parquet), or an export through "
                                  "a mapping, into the store")
    command.add_argument("folder", type=Path, metavar="SOURCE",
                         help="interchange folder; with --mapping, the export's folder (or its one file)")
    command.add_argument("--mapping", help="mapping of config/mappings (e.g. maven-crm, olist) or a .toml file")
    command.add_argument("--format", choices=("table", "json"), default="table")
    command.add_argument("--rejects-dir", type=Path, default=Path("data/rejects"))
    command.set_defaults(run=_run_import)


def _run_import(args: argparse.Namespace, settings: Settings) -> int:
    from journey import ingest, mapping, mapping_file

    try:
        if args.mapping:
            spec = mapping_file.load_mapping(args.mapping)  # before opening the store: a bad mapping changes nothing
            result = mapping.import_export(writing_store(args, settings), spec, args.folder, settings,
                                           rejects_dir=args.rejects_dir, progress=progress)
        else:
            result = ingest.import_folder(writing_store(args, settings), args.folder, settings,
                                          rejects_dir=args.rejects_dir, progress=progress)
    except (ingest.IngestError, mapping_file.MappingError) as error:
        raise UsageError(str(error)) from error
    summary = result.summary()
    if args.format == "json":
        emit(summary, "json")
    else:
        rows = [(t, n, summary["rejected"].get(t, 0)) for t, n in summary["loaded"].items()]
        print(_table(rows, ["table", "loaded", "rejected"]), end="")
        for reject in result.rejects[:10]:
            progress(f"rejected {reject.file}:{reject.line} {reject.column}: {reject.reason}")
        if result.rejects_file:
            progress(f"{len(result.rejects):,} rejected rows, all listed in {result.rejects_file}")
    return 0


def _mapping(commands: Any) -> None:
    command = commands.add_parser("mapping", help="mapping files for `journey import --mapping` (config/mappings)")
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    help_text = ("check a mapping: its form, and with SOURCE the first rows it makes of that export and what it "
                 "would reject (nothing is loaded)")
    check = actions.add_parser("check", help=help_text, description=help_text)
    check.add_argument("mapping", help="mapping of config/mappings or a .toml file")
    check.add_argument("source", type=Path, nargs="?", help="the export's folder (or its one file)")
    check.add_argument("--rows", type=int, default=5, help="rows shown per table (default 5)")
    check.set_defaults(run=_run_mapping_check)


def _run_mapping_check(args: argparse.Namespace, settings: Settings) -> int:
    from journey import mapping, mapping_file

    try:
        spec = mapping_file.load_mapping(args.mapping)
        export = mapping.read_export(spec, args.source, settings, progress=progress) if args.source else None
    except mapping_file.MappingError as error:
        raise UsageError(str(error)) from error
    print(f"{spec.path}: a valid mapping" + (f" ({spec.description})" if spec.description else ""))
    if export is None:
        for part in spec.parts:
            print(f"{part.table} <- {part.file or 'SOURCE'}: {', '.join(part.columns)}")
        return 0
    for table, frame in export.valid.items():
        print(f"\n{mapping.table_summary(export, table)}")
        print(_table(mapping.preview(frame.head(args.rows)).rows(), frame.columns), end="")
        for row in export.rejects.filter(pl.col("table") == table).head(3).iter_rows(named=True):
            print(f"rejected {row['file']}:{row['line']} {row['column']}: {row['reason']} ({row['value']})")
    return 0


def _kpis(commands: Any) -> None:
    range_command(commands, "kpis", "executive KPIs of the range (JSON object of SPEC.md)", _run_kpis,
                  formats=("json", "csv", "table"))


def _run_kpis(args: argparse.Namespace, settings: Settings) -> int:
    from journey import kpis

    flt = filters(args, settings)
    daily = kpis.daily(reading_store(args, settings).query, flt, settings)
    emit(dict(kpis.summarize(daily, flt.start, flt.end)), args.format)
    return 0


def _report(commands: Any) -> None:
    help_text = "the weekly review of an ISO week: KPI table to stdout, or the HTML (and PDF) report"
    command = commands.add_parser("report", help=help_text, description=help_text)
    command.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: the last complete week)")
    command.add_argument("--out", type=Path, help="write the self-contained HTML report here")
    command.add_argument("--pdf", type=Path, help="also print the report to this PDF (needs Chromium)")
    command.add_argument("--keep", action="store_true", help="also keep a copy among the past reports the Weekly "
                         "review page lists (data/reports/)")
    for dimension in DIMENSIONS:
        command.add_argument(f"--{dimension}", action="append", default=[],
                             help=f"only this {dimension} (repeat for several)")
    command.add_argument("--format", choices=FORMATS, default="table", help="KPI table format without --out")
    command.set_defaults(run=_run_report)


def _run_report(args: argparse.Namespace, settings: Settings) -> int:
    from journey import report, weekly

    try:
        week = weekly.Week.parse(args.week) if args.week else weekly.default_week(today(settings), today(settings))
    except ValueError as error:
        raise UsageError(str(error)) from None
    chosen = {d: tuple(v for value in getattr(args, d) for v in value.split(",") if v) for d in DIMENSIONS}
    flt, store = Filters(week.start, week.end, **chosen), reading_store(args, settings)
    if not args.out and not args.pdf and not args.keep:
        review = report.review(store.query, week, flt, settings)
        table = review.table.select(pl.lit(str(week)).alias("week"), pl.all())
        emit({"week": str(week), "kpis": review.table.to_dicts(), "why": review.sentences} if args.format == "json"
             else table, args.format)
        return 0
    html = report.build(store.query, week, flt, settings, report.store_label(store.url))
    if args.keep:
        progress(f"kept {report.save(html, report.file_name(week, flt))}")
    out = args.out or (args.pdf.with_suffix(".html") if args.pdf else None)
    if out:
        out.write_text(html, encoding="utf-8")
        progress(f"wrote {out}")
    if out and args.pdf:
        try:
            progress(f"wrote {report.pdf(out, args.pdf)}")
        except report.ReportError as error:
            raise UsageError(str(error)) from None
    return 0


def _agents(commands: Any) -> None:
    range_command(commands, "agents", "agent scorecard: raw and mix-adjusted metrics, composite score and rank "
                  "(one row per agent with contacts in range)", _run_agents, formats=("csv", "table", "json"))
    range_command(commands, "best-agents", "the recommended agent per contact reason (highest shrunk FCR among "
                  "agents with min_contacts_reason contacts of it)", _run_best_agents, formats=("csv", "table", "json"))


def _run_agents(args: argparse.Namespace, settings: Settings) -> int:
    from journey import agents

    store = reading_store(args, settings)
    result = agents.report(store.query, filters(args, settings), settings, _scope(store))
    emit(agents.cli_table(result.scorecard), args.format)
    return 0


def _run_best_agents(args: argparse.Namespace, settings: Settings) -> int:
    from journey import agents

    store = reading_store(args, settings)
    result = agents.report(store.query, filters(args, settings), settings, _scope(store))
    emit(result.best, args.format)
    return 0


def _pipeline(commands: Any) -> None:
    range_command(commands, "pipeline", "the pipeline as of a day: weighted pipeline, stage probabilities, forecast of "
                  "the as-of month and the two after it, backtest and WAPE (both methods)", _run_pipeline,
                  as_of=True, formats=("json", "table", "csv"))


def _run_pipeline(args: argparse.Namespace, settings: Settings) -> int:
    from journey import pipeline

    as_of = args.as_of or today(settings)
    result = pipeline.forecasts(reading_store(args, settings).query, as_of, filters(args, settings), settings)
    emit(pipeline.cli_json(result), args.format)
    return 0


def _curve(commands: Any) -> None:
    range_command(commands, "curve", "the experience curve: stage score, top-box share and ratings against the best "
                  "peer benchmark, and peaks (one row per stage in journey order)", _run_curve,
                  formats=("csv", "table", "json"))


def _run_curve(args: argparse.Namespace, settings: Settings) -> int:
    from journey import curve

    result = curve.report(reading_store(args, settings).query, filters(args, settings), settings)
    emit(curve.cli_table(result), args.format)
    return 0


def _customers(commands: Any) -> None:
    range_command(commands, "customers", "customer value against cost-to-serve (groups' counts and margins, Pareto "
                  "share), contact coordination and at-risk customers without follow-up", _run_customers,
                  formats=("json", "table", "csv"))
    help_text = "freshness of every table (rows, newest record, age, traffic light) and stale customer records"
    command = commands.add_parser("health", help=help_text, description=help_text)
    command.add_argument("--format", choices=("json", "table", "csv"), default="json")
    command.set_defaults(run=_run_health)


def _run_customers(args: argparse.Namespace, settings: Settings) -> int:
    from journey import customers

    emit(customers.cli_json(reading_store(args, settings).query, filters(args, settings), settings), args.format)
    return 0


def _run_health(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC

    from journey import health

    store = reading_store(args, settings)
    user = signed_in(args, store)
    if user is not None and not user.sees_data_health:
        raise UsageError(f"--as {user.name}: the {user.role} role does not see data health")
    now = datetime.now(UTC).replace(tzinfo=None)
    emit(health.cli_json(store.query, settings, now), args.format)
    return 0


def _scope(store: Store) -> Any:
    from journey import access

    return store.scope if isinstance(store, access.ScopedStore) else access.EVERYONE


def _user(commands: Any) -> None:
    command = commands.add_parser("user", help="manage who may sign in to the dashboard and with which role",
                                  description="Users of the password, proxy and oidc access modes (docs/access.md).")
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add or replace a user")
    add.add_argument("name", help="sign-in name, or the e-mail the proxy or OIDC provider gives")
    add.add_argument("--role", required=True, choices=("executive", "manager", "agent", "analyst"))
    add.add_argument("--agent-id", help="an agent's own agent id")
    add.add_argument("--team", action="append", default=[], help="a manager's team (repeat for several)")
    password = add.add_mutually_exclusive_group()
    password.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    password.add_argument("--no-password", action="store_true", help="signs in through a proxy or OIDC only")
    add.set_defaults(run=_run_user_add)
    remove = actions.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    remove.set_defaults(run=_run_user_remove)
    listing = actions.add_parser("list", help="every user with role, agent id, teams and whether a password is set")
    listing.add_argument("--format", choices=FORMATS, default="table")
    listing.set_defaults(run=_run_user_list)


def _run_user_add(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from journey import access

    try:
        user = access.make_user(args.name, args.role, args.agent_id, tuple(args.team))
        secret = None
        if args.password_stdin:
            secret = sys.stdin.readline().rstrip("\n")
        elif not args.no_password:
            secret = getpass.getpass(f"password for {user.name}: ")
            if getpass.getpass("again: ") != secret:
                raise UsageError("the two passwords differ")
        store = writing_store(args, settings)
        access.add_user(store, user, secret)
    except access.AccessError as error:
        raise UsageError(str(error)) from None
    if user.role in ("manager", "agent") and not access.scope_for(user, store.query).agent_ids:
        progress(f"warning: no agent in the store matches {user.name}'s team or agent id yet: they see no agent rows")
    progress(f"user {user.name} ({user.role}) saved" + ("" if secret else "; no password: proxy or OIDC sign-in"))
    return 0


def _run_user_remove(args: argparse.Namespace, settings: Settings) -> int:
    from journey import access

    if not access.remove_user(writing_store(args, settings), args.name):
        raise UsageError(f"no user named {args.name!r}")
    progress(f"user {args.name} removed")
    return 0


def _run_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from journey import access

    emit(access.list_users(reading_store(args, settings).query), args.format)
    return 0


# Each register(commands) adds one subcommand; a feature adds its own line here.
COMMANDS: list[Callable[[Any], None]] = [
    _demo,
    _import,
    _mapping,
    _kpis,
    _report,
    _agents,
    _pipeline,
    _curve,
    _customers,
    _user,
]
