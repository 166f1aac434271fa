"""The interaction store: open DuckDB or PostgreSQL, create the schema, run named queries, load rows."""

from __future__ import annotations

import atexit
import re
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from journey import rollups, schema
from journey import settings as settings_module

QUERIES = Path(__file__).resolve().parents[2] / "queries"
LOAD_CHUNK_ROWS = 500_000
# DuckDB lets one process write a file or several read it, and in one process one configuration at a time:
# a connection that meets the other kind waits this long (writers longer: a viewer's query is short)
BUSY_WAIT_SEC = {"read": 1.0, "write": 30.0}
# a page's results are thousands of rows: the extra copy DuckDB warns of costs less than Python rows would
warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
# Opening a DuckDB database costs ~15 ms whatever its size, and a page runs a dozen queries back to back: the
# read-only stores of a process keep it open between them, until this long after the last query, and never
# longer than the second figure in a row (then they rest as long, so a writer waiting for the file gets it).
READER_HOLD_SEC = (0.2, 2.0)


def _as_rows_type(frame: pl.DataFrame | pl.Series) -> pl.DataFrame:
    """A DuckDB result read as Arrow (four times faster than Python rows for a page's thousands), typed as Python
    rows would type it: integers as Int64, floats as Float64, dictionaries as strings."""
    assert isinstance(frame, pl.DataFrame)
    as_rows = {name: _rows_type(dtype) for name, dtype in frame.schema.items()}
    return frame.cast({name: dtype for name, dtype in as_rows.items() if dtype is not None})


def _rows_type(dtype: pl.DataType) -> pl.DataType | None:
    if dtype.is_integer() and dtype != pl.Int64 or isinstance(dtype, pl.Decimal) and dtype.scale == 0:
        return pl.Int64()
    if dtype == pl.Float32:
        return pl.Float64()
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return pl.String()
    return None


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says what to do."""


@dataclass
class Store:
    url: str
    engine: sa.Engine
    read_only: bool
    use_rollups: bool = True  # False: every query reads the raw tables (the reference the rollups are tested against)
    holder: _Holder | None = field(default=None, repr=False)  # read-only DuckDB: keeps the database open

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def query(self, name: str, **params: Any) -> pl.DataFrame:
        """Run queries/<name>.sql with bound parameters; lists bind as expanding IN lists.

        Where a rollup gives exactly the same answer, its query (queries/rollup_<name>.sql) runs instead.
        """
        with self.connect() as connection:
            if self.use_rollups and name in rollups.ROUTES:
                name = rollups.choose(name, params, self._remembered("rollup_meta", lambda: _rollup_meta(connection)))
            result = connection.execute(*_statement(query_text(name), params))
            if self.dialect == "duckdb":
                return _as_rows_type(pl.from_arrow(result.cursor.to_arrow_table()))
            columns = list(result.keys())
            rows = result.fetchall()
        return pl.DataFrame([tuple(r) for r in rows], schema=columns, orient="row",
                            infer_schema_length=None)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        if self.holder is not None:
            self.holder.hold()
        try:
            with _writing(self), self.engine.connect() as connection:
                yield connection
        except DBAPIError as error:
            raise StoreError(_explain(self.url, error)) from error

    def init(self) -> None:
        """Create missing tables and record the schema version (an existing store is upgraded)."""
        with self.connect() as connection:
            _drop_changed_rollups(connection)
            schema.metadata.create_all(connection)
            _declared_rollup_indexes(connection)
            stored = connection.execute(
                sa.select(schema.journey_meta.c.value).where(schema.journey_meta.c.key == "schema_version")
            ).scalar()
            if stored is None:
                connection.execute(schema.journey_meta.insert(), [
                    {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                    {"key": "data_version", "value": "0"},
                ])
            elif int(stored) > schema.SCHEMA_VERSION:
                raise StoreError(f"{self.url}: store schema version {stored} is newer than this "
                                 f"Journey ({schema.SCHEMA_VERSION}); upgrade Journey")
            connection.commit()

    def data_version(self) -> int:
        """A number that changes with every load, for cache keys."""
        with self.connect() as connection:
            value = self._remembered("data_version", lambda: connection.execute(
                sa.select(schema.journey_meta.c.value).where(schema.journey_meta.c.key == "data_version")
            ).scalar())
        return int(value or 0)

    def _remembered(self, key: str, load: Callable[[], Any]) -> Any:
        """What `load` reads from journey_meta; a read-only DuckDB store keeps it while it holds the file."""
        return load() if self.holder is None else self.holder.remembered(key, load)

    def load(self, tables: dict[str, pl.DataFrame], settings: settings_module.Settings | None = None,
             rank_customers: bool = True) -> None:
        """Upsert rows by key, one transaction per table, in load order; rows must already be valid.

        Each table's transaction also brings the rollups up to date, for the time zone and repeat window
        of `settings` (default: the configuration). Then the Customers page's default view is ranked again
        when a loaded table changes it (a caller loading table by table passes False and calls
        `rank_customers` once at the end).
        """
        from journey import customers  # it reads the store through access scopes

        settings = settings or settings_module.load()
        for spec in schema.SPECS:
            frame = tables.get(spec.name)
            if frame is not None and frame.height:
                self._load_table(spec, _conform(spec, frame), settings)
        if rank_customers and any(tables.get(name) is not None for name in customers.VIEW_TABLES):
            self.rank_customers(settings)

    def refresh_rollups(self, settings: settings_module.Settings | None = None) -> None:
        """Rebuild every rollup from the raw tables (e.g. after changing the time zone or repeat window)."""
        settings = settings or settings_module.load()
        with self._driver() as (_, run):
            run("begin")
            upkeep = rollups.Maintenance(run, self.dialect, settings.time_zone, settings.repeat_window_sec,
                                         settings.pipeline_stages[0])
            upkeep.start()
            upkeep.rebuild()
            _next_data_version(run)
            run("commit")
            self._analyze(run, *rollups.BUILDS)
        self.rank_customers(settings)

    def rank_customers(self, settings: settings_module.Settings | None = None) -> None:
        """Rank the Customers page's default view once and keep it in rollup_customer_values (journey.customers).

        Loads of the tables it reads forget the kept view in their own transaction; until this runs again the
        page ranks from the raw tables.
        """
        from journey import customers

        settings = settings or settings_module.load()
        columns = ", ".join(schema.ROLLUPS["rollup_customer_values"].c.keys())
        with _writing(self), self.engine.begin() as connection:
            connection.execute(sa.text("delete from rollup_customer_values"))
            connection.execute(sa.text("delete from journey_meta where key = :key"), {"key": customers.VIEW_KEY})
            meta = _rollup_meta(connection)  # the newest day is read from the rollups: they must be this version's
            if (meta.get(rollups.VERSION_KEY), meta.get(rollups.TIME_ZONE_KEY)) != (str(rollups.VERSION),
                                                                                     settings.time_zone):
                return
            newest = connection.execute(sa.text(query_text("rollup_store_extent")),
                                        {"tz": settings.time_zone}).one().newest_date
            if newest is None:
                return
            params = customers.stored_view_params(newest, settings)
            connection.execute(*_statement(
                f"insert into rollup_customer_values ({columns}) select {columns} "
                f"from ({query_text('customer_value')}) as ranked where row_kind in ('cell', 'listed')", params))
            connection.execute(sa.text("insert into journey_meta (key, value) values (:key, :value)"),
                               {"key": customers.VIEW_KEY, "value": customers.view_key(params)})
        if self.dialect == "postgresql":
            with self.engine.connect() as connection:
                connection.execute(sa.text("analyze rollup_customer_values"))
                connection.commit()

    def _load_table(self, spec: schema.TableSpec, frame: pl.DataFrame, settings: settings_module.Settings) -> None:
        from journey import customers

        columns = ", ".join(c.name for c in spec.columns)
        if spec.name == "interactions":  # numbered: each staged contact is given its repeat gap by its number
            frame = frame.with_columns(stage_row=pl.int_range(pl.len(), dtype=pl.Int64))
        with self._driver() as (driver, run):
            self._stage(driver, run, spec, frame)
            run("begin")
            upkeep = rollups.Maintenance(run, self.dialect, settings.time_zone, settings.repeat_window_sec,
                                         settings.pipeline_stages[0])
            current = upkeep.current()
            run(f"create temp table replaced as select * from {spec.name} "
                f"where exists (select 1 from stage where {_same_key(spec, 'stage', spec.name)})")
            upkeep.start()
            upkeep.before(spec.name)
            run(f"delete from {spec.name} where exists (select 1 from replaced where "
                f"{_same_key(spec, 'replaced', spec.name)})")
            insert = f"insert into {spec.name} ({columns}) select {columns} from stage"
            if spec.name == "interactions":
                insert = self._repeat_gaps(run, columns)
            if spec.name in rollups.NEWEST and spec.name != "customers":
                # rows stored in time order: a range of days reads adjacent blocks (DuckDB skips the others
                # by their min/max, PostgreSQL's index scans read pages in order)
                insert += f" order by stage.{rollups.NEWEST[spec.name]}"
            with self._bulk_indexes(run, spec.name, frame.height):
                run(insert)
            if current:
                upkeep.after(spec.name)
            else:
                upkeep.rebuild()
            if spec.name in customers.VIEW_TABLES:  # the kept Customers view is ranked again after the load
                run(f"delete from journey_meta where key = '{customers.VIEW_KEY}'")
            _next_data_version(run)
            run("commit")
            if frame.height >= ANALYZE_ROWS or not current:
                self._analyze(run, spec.name, *(rollups.rollups_of(spec.name) if current else rollups.BUILDS))

    @contextmanager
    def _bulk_indexes(self, run: Any, table: str, rows: int) -> Iterator[None]:
        """On PostgreSQL, a load that adds a large share of a table inserts without its secondary indexes and
        builds them afterwards, in the same transaction: one sort instead of a million index insertions."""
        indexes = [index for index in schema.TABLES[table].indexes
                   if not index.unique] if self.dialect == "postgresql" else []
        if indexes and rows >= ANALYZE_ROWS:
            estimate = run(f"select reltuples from pg_class where oid = to_regclass('{table}')").fetchone()
            indexes = indexes if rows >= BULK_SHARE * max(float(estimate[0] if estimate else 0), 0) else []
        else:
            indexes = []
        for index in indexes:
            run(f"drop index {index.name}")
        yield
        for index in indexes:
            run(str(sa.schema.CreateIndex(index).compile(dialect=self.engine.dialect)))
        if indexes:  # the rollups are computed next, from this table
            run(f"analyze {table}")

    def _repeat_gaps(self, run: Any, columns: str) -> str:
        """Correct the repeat gaps of the stored contacts before the staged ones; the insert that gives the
        staged contacts theirs.

        Only the customers in the load are recomputed, and only rows whose gap changes are updated: an
        import of new days touches the last contacts before them, not the whole history.
        """
        run("create temp table affected as select customer_id from stage union select customer_id from replaced")
        self._analyze(run, "affected")
        run(_REPEAT_GAPS)
        self._analyze(run, "gaps")
        stored = ("(select distinct customer_id, reason, started_at, gap_sec from gaps where stage_row is null) "
                  "as gaps")
        same_time = ("gaps.customer_id = interactions.customer_id and gaps.reason = interactions.reason "
                     "and gaps.started_at = interactions.started_at")
        run(f"create temp table gap_changed as select interactions.started_at from interactions "
            f"inner join {stored} on {same_time} "
            f"where interactions.next_contact_gap_sec is distinct from gaps.gap_sec")
        run(f"update interactions set next_contact_gap_sec = gaps.gap_sec from {stored} where {same_time} "
            f"and interactions.next_contact_gap_sec is distinct from gaps.gap_sec")
        staged = ", ".join(f"stage.{c.strip()}" for c in columns.split(","))
        return (f"insert into interactions ({columns}, next_contact_gap_sec) select {staged}, gaps.gap_sec from stage "
                "left join gaps on gaps.stage_row = stage.stage_row")

    def _analyze(self, run: Any, *tables: str) -> None:
        """PostgreSQL plans with statistics: temp tables never get them by themselves, and a bulk load
        changes a table faster than autovacuum notices."""
        if self.dialect == "postgresql":
            for table in tables:
                run(f"analyze {table}")

    def _stage(self, driver: Any, run: Any, spec: schema.TableSpec, frame: pl.DataFrame) -> None:
        """The rows to load as the table `stage` (with the store's types: see _conform)."""
        if self.dialect == "duckdb":
            # Arrow string views, as polars holds them: DuckDB reads them in place, each statement only the columns
            # it needs; a temp table would be one more converted copy of every row (seconds for millions)
            driver.register("stage", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
            return
        numbered = ", cast(null as bigint) as stage_row" if "stage_row" in frame.columns else ""
        run(f"create temp table stage as select {', '.join(c.name for c in spec.columns)}{numbered} "
            f"from {spec.name} where false")
        columns = ", ".join(frame.columns)
        with driver.cursor() as cursor:
            for chunk in frame.iter_slices(LOAD_CHUNK_ROWS):
                with cursor.copy(f"copy stage ({columns}) from stdin (format csv)") as copy:
                    copy.write(chunk.write_csv(include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.f"))
        self._analyze(run, "stage")

    @contextmanager
    def _driver(self) -> Iterator[tuple[Any, Any]]:
        """The engine's own connection, for bulk loading, with a `run(sql)` helper."""
        try:
            with _writing(self), self.engine.connect() as connection:
                driver: Any = connection.connection.driver_connection
                if self.dialect == "duckdb":
                    yield driver, driver.execute
                else:
                    driver.autocommit = True
                    with driver.cursor() as cursor:
                        # loads sort and hash millions of rows: the 4 MB default spills them to disk
                        cursor.execute(f"set work_mem = '{LOAD_WORK_MEM}'")
                        cursor.execute(f"set maintenance_work_mem = '{LOAD_WORK_MEM}'")
                        yield driver, cursor.execute
                    driver.autocommit = False
        except DBAPIError as error:
            raise StoreError(_explain(self.url, error)) from error
        except Exception as error:
            if "duckdb" in type(error).__module__:
                raise StoreError(_explain(self.url, error)) from error
            raise


ANALYZE_ROWS = 10_000  # a PostgreSQL load of at least this many rows refreshes the planner's statistics
BULK_SHARE = 0.2  # ... and one adding at least this share of a table's rows rebuilds its secondary indexes
LOAD_WORK_MEM = "256MB"  # PostgreSQL memory per sort or hash while loading
QUERY_WORK_MEM = "64MB"  # ... and while answering a page's query

# For every contact of the customers in the load (the stored ones, without the rows being replaced, and the
# staged ones, by their stage_row): seconds to the next contact of the same customer and reason that starts
# strictly later (the frame leaves out the contact's ties). One pass over the contacts as they are, with no
# distinct times to join back: three times faster on both engines.
_REPEAT_GAPS = """
create temp table gaps as
select stage_row, customer_id, reason, started_at,
    extract(epoch from (first_value(started_at) over (
        partition by customer_id, reason order by started_at
        range between current row and unbounded following exclude group) - started_at)) as gap_sec
from (
    select cast(null as bigint) as stage_row, customer_id, reason, started_at from interactions
    where customer_id in (select customer_id from affected)
    union all
    select stage_row, customer_id, reason, started_at from stage
) as contact_times
"""


def _same_key(spec: schema.TableSpec, left: str, right: str) -> str:
    """Join condition on the table's key; `is not distinct from` only where a key column may be empty."""
    return " and ".join(f"{left}.{k} = {right}.{k}" if spec.column(k).required
                        else f"{left}.{k} is not distinct from {right}.{k}" for k in spec.key)


def _next_data_version(run: Any) -> None:
    run("update journey_meta set value = cast(cast(value as integer) + 1 as varchar) where key = 'data_version'")


def _statement(sql: str, params: dict[str, Any]) -> tuple[sa.TextClause, dict[str, Any]]:
    """`sql` with its list parameters bound as expanding IN lists, and the values to execute it with."""
    # an empty IN list does not bind on every engine; callers pair lists with an `all_` flag
    bound = {k: (list(v) or [""]) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
    statement = sa.text(sql).bindparams(*(
        sa.bindparam(key, expanding=True)
        for key, value in params.items()
        if isinstance(value, (list, tuple)) and re.search(rf":{key}\b", sql)
    ))
    return statement, bound


def _rollup_meta(connection: sa.Connection) -> dict[str, str]:
    rows = connection.execute(sa.select(schema.journey_meta.c.key, schema.journey_meta.c.value).where(
        schema.journey_meta.c.key.like("rollup_%"))).all()
    return {key: value for key, value in rows}


def _conform(spec: schema.TableSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with exactly the spec's columns, in order, with the store's types."""
    types: dict[str, Any] = {"text": pl.String, "timestamp": pl.Datetime("us"), "date": pl.Date,
             "float": pl.Float64, "int": pl.Int64, "bool": pl.Boolean}
    return frame.select(
        (pl.col(c.name) if c.name in frame.columns else pl.lit(None)).cast(types[c.kind]).alias(c.name)
        for c in spec.columns
    )


@cache
def query_text(name: str) -> str:
    path = QUERIES / f"{name}.sql"
    if not path.is_file():
        raise StoreError(f"no query named {name!r} ({path} is missing)")
    # header comments name parameters too; they must not reach the driver as placeholders
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--"))


def _drop_changed_rollups(connection: sa.Connection) -> None:
    """Rollup tables whose columns this Journey changed (looked at only in a store whose rollups another version
    built): they hold derived rows only, so they are dropped and created anew, and the next load rebuilds them."""
    stored = set(sa.inspect(connection).get_table_names())
    if "journey_meta" not in stored or _rollup_meta(connection).get(rollups.VERSION_KEY) == str(rollups.VERSION):
        return
    for table in schema.ROLLUPS.values():  # the columns of a query, not the inspector's (DuckDB's fails)
        if table.name in stored and list(connection.execute(
                sa.text(f"select * from {table.name} limit 0")).keys()) != table.c.keys():
            table.drop(connection)


def _declared_rollup_indexes(connection: sa.Connection) -> None:
    """PostgreSQL: the rollup tables' secondary indexes as this Journey declares them. A table gets its indexes
    when it is created, so a store made by an earlier Journey gains the ones added since and loses the ones
    dropped (an index holds no data of its own)."""
    if connection.dialect.name != "postgresql":
        return
    stored = {tuple(row) for row in connection.execute(sa.text(
        "select tables.relname, indexes.relname from pg_index "
        "join pg_class as indexes on indexes.oid = pg_index.indexrelid "
        "join pg_class as tables on tables.oid = pg_index.indrelid "
        "where tables.relname like 'rollup%' and pg_table_is_visible(tables.oid) "
        "and not pg_index.indisprimary and not pg_index.indisunique"))}
    for table in schema.ROLLUPS.values():
        declared = {index.name: index for index in table.indexes if not index.unique}
        for _, name in sorted(row for row in stored if row[0] == table.name and row[1] not in declared):
            connection.execute(sa.text(f'drop index "{name}"'))
        for name, index in declared.items():
            if (table.name, name) not in stored:
                index.create(connection)


def open_store(url: str, read_only: bool = False, create: bool = True) -> Store:
    """Open the store at `url`, creating the schema unless `read_only`."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"{url!r} is not a database URL; use duckdb:///path/to/file.duckdb "
                         "or postgresql+psycopg://user@host:5432/db") from None
    options: dict[str, Any] = {"poolclass": sa.pool.NullPool}
    if parsed.get_backend_name() == "duckdb":
        path = parsed.database or ""
        if path and path != ":memory:":
            if read_only and not Path(path).exists():
                raise StoreError(f"no store at {path}; run `journey demo` or `journey import DIR`")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"read_only": read_only}
    elif parsed.get_backend_name() != "postgresql":
        raise StoreError(f"{url!r}: Journey stores live in DuckDB (duckdb:///file) "
                         "or PostgreSQL (postgresql+psycopg://...)")
    elif read_only:
        # a page runs a dozen queries and a new connection costs about 10 ms; the ping before each reuse costs
        # a round trip and notices a restarted server. Loads keep a connection of their own (NullPool): they
        # change its session settings.
        options = {"pool_size": 4, "max_overflow": 8, "pool_pre_ping": True, "pool_recycle": 600}
    try:
        engine = sa.create_engine(parsed, **options)
    except (NoSuchModuleError, ArgumentError) as error:
        raise StoreError(f"{url!r}: {error}") from None
    if parsed.get_backend_name() == "postgresql":
        sa.event.listen(engine, "connect", _postgres_session)
    if parsed.get_backend_name() == "duckdb":
        _wait_when_busy(engine, BUSY_WAIT_SEC["read" if read_only else "write"])
        sa.event.listen(engine, "connect", _duckdb_session)
    store = Store(url, engine, read_only)
    if read_only and parsed.get_backend_name() == "duckdb":
        store.holder = _holder(parsed.database or "", engine)
    if create and not read_only:
        store.init()
    return store


class _Holder:
    """One idle connection that keeps a read-only DuckDB database open between the queries of a page view."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.connection: Any = None
        self.opened = 0.0
        self.used = 0.0
        self.resting_until = 0.0
        self.timer: threading.Timer | None = None
        self.writers = 0
        self.memory: dict[str, Any] = {}

    def hold(self) -> None:
        idle, longest = READER_HOLD_SEC
        with self.lock:
            if self.writers:  # a writer in this process waits for the file: hold nothing until it is done
                return
            now = time.monotonic()
            if self.connection is not None and now - self.opened > longest:
                self._close()
                self.resting_until = now + idle
            if now < self.resting_until:
                return
            if self.connection is None:
                try:
                    self.connection = self.engine.raw_connection()
                except Exception:  # noqa: BLE001 - the query's own connection reports the problem
                    return
                self.opened = now
            self.used = now
            if self.timer is None:  # one timer per hold, not one per query: starting a thread costs more than a query
                self._release_in(idle)

    def _release_in(self, seconds: float) -> None:
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def _expire(self) -> None:
        with self.lock:
            self.timer = None
            left = self.used + READER_HOLD_SEC[0] - time.monotonic()
            if left > 0 and self.connection is not None:
                self._release_in(left)
            else:
                self._close()

    def remembered(self, key: str, load: Callable[[], Any]) -> Any:
        """`load()`, kept while this holder keeps the file open: meanwhile no other process can write it, and a
        writer of this process makes the holder let go first."""
        with self.lock:
            if self.connection is not None and key in self.memory:
                return self.memory[key]
            opened = self.opened if self.connection is not None else None
        value = load()
        with self.lock:
            if opened is not None and self.connection is not None and self.opened == opened:
                self.memory[key] = value
        return value

    def release(self) -> None:
        with self.lock:
            self._close()

    def _close(self) -> None:
        self.memory.clear()
        if self.connection is not None:
            self.connection.close()
            self.connection = None


_READERS: dict[str, _Holder] = {}  # one per file in this process, however many stores read it
_READERS_LOCK = threading.Lock()


def _holder(path: str, engine: sa.Engine) -> _Holder:
    with _READERS_LOCK:
        return _READERS.setdefault(path, _Holder(engine))


@contextmanager
def _writing(store: Store) -> Iterator[None]:
    """While a writing DuckDB store of this process uses the file, its read-only stores hold it no longer
    (DuckDB opens a file in one mode at a time in a process)."""
    holder = None if store.read_only or store.dialect != "duckdb" else _READERS.get(store.engine.url.database or "")
    if holder is None:
        yield
        return
    with holder.lock:
        holder.writers += 1
        holder._close()
    try:
        yield
    finally:
        with holder.lock:
            holder.writers -= 1


@atexit.register
def _release_all_readers() -> None:
    for holder in list(_READERS.values()):
        holder.release()
        if holder.timer is not None:  # a pending timer keeps DuckDB objects alive past the interpreter
            holder.timer.cancel()
            holder.timer.join(1.0)


def _busy(error: Exception) -> bool:
    text = str(error).lower()
    # another process's lock; or, in this process, the file open in the other mode (DuckDB opens a file in
    # one mode at a time per process: the audit log's short writes against the pages' reads)
    return any(sign in text for sign in ("lock", "different configuration", "unique file handle conflict",
                                         "already attached"))


def _wait_when_busy(engine: sa.Engine, seconds: float) -> None:
    """Retry opening a DuckDB file that another connection holds in the other mode, for up to `seconds`."""
    @sa.event.listens_for(engine, "do_connect")
    def connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
        deadline = time.monotonic() + seconds
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except Exception as error:
                if not _busy(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def _duckdb_session(connection: Any, _record: Any) -> None:
    """DuckDB draws a progress bar on the terminal for statements over two seconds (loads, rollup rebuilds):
    it would run over the import's progress lines and fill logs."""
    connection.execute("set enable_progress_bar = false")


def _postgres_session(connection: Any, _record: Any) -> None:
    """Page queries hash and sort tens of thousands of rollup rows: more than the 4 MB default holds. They
    run in tenths of a second, where compiling expressions (JIT, about 0.1 s) costs more than it saves."""
    with connection.cursor() as cursor:
        cursor.execute(f"set work_mem = '{QUERY_WORK_MEM}'")
        cursor.execute("set jit = off")
    connection.commit()


def _explain(url: str, error: Exception) -> str:
    text = str(getattr(error, "orig", error)).strip().splitlines()[0]
    shown = make_url(url).render_as_string(hide_password=True)
    if _busy(Exception(text)):
        return f"the store {shown} is in use by another process writing to it; try again when it finishes"
    if "connection" in text.lower() or "could not translate" in text.lower():
        return f"cannot reach the database {shown}: {text}. Is the server running and the URL right?"
    return f"{shown}: {text}"


def new_id() -> str:
    return uuid.uuid4().hex[:12]
