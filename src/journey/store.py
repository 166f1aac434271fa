"""The interaction store: open DuckDB or PostgreSQL, create the schema, run named queries, load rows."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from journey import schema

QUERIES = Path(__file__).resolve().parents[2] / "queries"
LOAD_CHUNK_ROWS = 500_000


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says what to do."""


@dataclass
class Store:
    url: str
    engine: sa.Engine
    read_only: bool

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def query(self, name: str, **params: Any) -> pl.DataFrame:
        """Run queries/<name>.sql with bound parameters; lists bind as expanding IN lists."""
        sql = query_text(name)
        statement = sa.text(sql).bindparams(*(
            sa.bindparam(key, expanding=True)
            for key, value in params.items()
            if isinstance(value, (list, tuple)) and re.search(rf":{key}\b", sql)
        ))
        # an empty IN list does not bind on every engine; callers pair lists with an `all_` flag
        bound = {k: (list(v) or [""]) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
        with self.connect() as connection:
            result = connection.execute(statement, bound)
            columns = list(result.keys())
            rows = result.fetchall()
        return pl.DataFrame([tuple(r) for r in rows], schema=columns, orient="row",
                            infer_schema_length=None)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as connection:
                yield connection
        except DBAPIError as error:
            raise StoreError(_explain(self.url, error)) from error

    def init(self) -> None:
        """Create missing tables and record the schema version (an existing store is upgraded)."""
        with self.connect() as connection:
            schema.metadata.create_all(connection)
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
            value = connection.execute(
                sa.select(schema.journey_meta.c.value).where(schema.journey_meta.c.key == "data_version")
            ).scalar()
        return int(value or 0)

    def load(self, tables: dict[str, pl.DataFrame]) -> None:
        """Upsert rows by key, one transaction per table, in load order; rows must already be valid."""
        for spec in schema.SPECS:
            frame = tables.get(spec.name)
            if frame is not None and frame.height:
                self._load_table(spec, _conform(spec, frame))

    def _load_table(self, spec: schema.TableSpec, frame: pl.DataFrame) -> None:
        columns = ", ".join(c.name for c in spec.columns)
        same_key = " and ".join(f"s.{k} is not distinct from t.{k}" for k in spec.key)
        with self._driver() as (driver, run):
            run(f"create temp table stage as select {columns} from {spec.name} where false")
            self._stage(driver, frame, columns)
            run("begin")
            if spec.name == "interactions":
                run("create temp table affected as select distinct customer_id from stage "
                    "union select t.customer_id from interactions t join stage s "
                    "on s.interaction_id = t.interaction_id")
            run(f"delete from {spec.name} t where exists (select 1 from stage s where {same_key})")
            run(f"insert into {spec.name} ({columns}) select {columns} from stage")
            if spec.name == "interactions":
                run(_REPEAT_GAPS)
            run("update journey_meta set value = cast(cast(value as integer) + 1 as varchar) "
                "where key = 'data_version'")
            run("commit")

    def _stage(self, driver: Any, frame: pl.DataFrame, columns: str) -> None:
        if self.dialect == "duckdb":
            driver.register("stage_frame", frame.to_arrow())
            driver.execute(f"insert into stage select {columns} from stage_frame")
            driver.unregister("stage_frame")
            return
        with driver.cursor() as cursor:
            for chunk in frame.iter_slices(LOAD_CHUNK_ROWS):
                with cursor.copy(f"copy stage ({columns}) from stdin (format csv)") as copy:
                    copy.write(chunk.write_csv(include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.f"))

    @contextmanager
    def _driver(self) -> Iterator[tuple[Any, Any]]:
        """The engine's own connection, for bulk loading, with a `run(sql)` helper."""
        try:
            with self.engine.connect() as connection:
                driver = connection.connection.driver_connection
                if self.dialect == "duckdb":
                    yield driver, driver.execute
                else:
                    driver.autocommit = True
                    with driver.cursor() as cursor:
                        yield driver, cursor.execute
                    driver.autocommit = False
        except DBAPIError as error:
            raise StoreError(_explain(self.url, error)) from error
        except Exception as error:
            if "duckdb" in type(error).__module__:
                raise StoreError(_explain(self.url, error)) from error
            raise


# For every contact of the customers just loaded: seconds to the next contact of the same customer
# and reason that starts strictly later (ties share a timestamp, so lead() runs over distinct times).
_REPEAT_GAPS = """
update interactions set next_contact_gap_sec = gaps.gap_sec
from (
    select customer_id, reason, started_at,
        extract(epoch from (lead(started_at) over (
            partition by customer_id, reason order by started_at) - started_at)) as gap_sec
    from (
        select distinct customer_id, reason, started_at from interactions
        where customer_id in (select customer_id from affected)
    ) as distinct_times
) as gaps
where interactions.customer_id = gaps.customer_id
    and interactions.reason = gaps.reason
    and interactions.started_at = gaps.started_at
"""


def _conform(spec: schema.TableSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with exactly the spec's columns, in order, with the store's types."""
    types = {"text": pl.String, "timestamp": pl.Datetime("us"), "date": pl.Date,
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
    try:
        engine = sa.create_engine(parsed, **options)
    except (NoSuchModuleError, ArgumentError) as error:
        raise StoreError(f"{url!r}: {error}") from None
    store = Store(url, engine, read_only)
    if create and not read_only:
        store.init()
    return store


def _explain(url: str, error: Exception) -> str:
    text = str(getattr(error, "orig", error)).strip().splitlines()[0]
    shown = make_url(url).render_as_string(hide_password=True)
    if "lock" in text.lower():
        return f"the store {shown} is in use by another process writing to it; try again when it finishes"
    if "connection" in text.lower() or "could not translate" in text.lower():
        return f"cannot reach the database {shown}: {text}. Is the server running and the URL right?"
    return f"{shown}: {text}"


def new_id() -> str:
    return uuid.uuid4().hex[:12]
