"""Foundation benchmark: demo build, import speed against DuckDB's own CSV reader, KPI time per engine.

Usage: .venv/bin/python bench/foundation.py [--scale medium] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/journey_bench]
Prints its figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from journey import demo, ingest, kpis
from journey.filters import Filters
from journey.settings import Settings
from journey.store import open_store

END = date(2026, 11, 22)


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = run()
    return time.perf_counter() - began, result


def median_time(run: Callable[[], Any], repeats: int = 5) -> float:
    run()  # warm
    return statistics.median(timed(run)[0] for _ in range(repeats))


def fresh_postgres(url: str) -> str:
    base = sa.engine.make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"drop database if exists {base.database}"))
        connection.execute(sa.text(f"create database {base.database}"))
    admin.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/journey_bench")
    args = parser.parse_args()
    settings = Settings()
    work = Path(tempfile.mkdtemp(prefix="journey-bench-"))
    flt = Filters(END - timedelta(days=27), END)

    seconds, counts = timed(lambda: demo.build(open_store(f"duckdb:///{work / 'demo.duckdb'}"), args.scale,
                                               end_date=END))
    rows = sum(counts.values())
    print(f"demo build ({args.scale}, DuckDB): {seconds:.1f} s for {rows:,} rows "
          f"({counts['interactions']:,} interactions)")

    folder = work / "folder"
    seconds, _ = timed(lambda: demo.write_folder(demo.generate(args.scale, end_date=END), folder))
    print(f"demo --out folder: {seconds:.1f} s")

    target = open_store(f"duckdb:///{work / 'import.duckdb'}")
    seconds, result = timed(lambda: ingest.import_folder(target, folder, settings, rejects_dir=work / "rejects"))
    imported = sum(result.loaded.values())
    print(f"journey import (DuckDB): {seconds:.1f} s, {imported / seconds:,.0f} rows/s, "
          f"rejected {sum(result.rejected.values())}")

    raw = duckdb.connect(str(work / "raw.duckdb"))
    seconds, _ = timed(lambda: [raw.execute(f"create table {p.stem} as select * from read_csv('{p}')")
                                for p in sorted(folder.glob("*.csv"))])
    print(f"DuckDB read_csv of the same files (no validation): {seconds:.1f} s, {imported / seconds:,.0f} rows/s")

    duck = open_store(f"duckdb:///{work / 'import.duckdb'}", read_only=True)
    seconds = median_time(lambda: kpis.report(duck.query, flt, settings))
    print(f"journey kpis, 28 days (DuckDB, warm median): {seconds:.3f} s")

    try:
        postgres = open_store(fresh_postgres(args.postgres))
    except Exception as error:  # noqa: BLE001 - a missing server only skips that figure
        print(f"PostgreSQL skipped: {error}")
        return
    seconds, _ = timed(lambda: ingest.import_folder(postgres, folder, settings, rejects_dir=work / "rejects"))
    print(f"journey import (PostgreSQL): {seconds:.1f} s, {imported / seconds:,.0f} rows/s")
    print(f"journey kpis, 28 days (PostgreSQL, warm median): "
          f"{median_time(lambda: kpis.report(postgres.query, flt, settings)):.3f} s")


if __name__ == "__main__":
    main()
