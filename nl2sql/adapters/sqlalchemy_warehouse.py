"""A warehouse behind SQLAlchemy: SQLite files (Spider, BIRD, users' own), PostgreSQL and friends.

Defence in depth around the guard: SQLite files open read-only (``mode=ro`` URI plus ``PRAGMA
query_only``), PostgreSQL runs each query in a ``READ ONLY`` transaction; every query has a time limit
(SQLite: a progress handler checked every few hundred VM steps plus a timer that calls ``interrupt()``;
PostgreSQL: ``statement_timeout``) and a row cap. SQLite also caps the length of any one string or blob
(``SQLITE_LIMIT_LENGTH``, a sixteenth of NL2SQL_MEMORY_LIMIT): a single ``randomblob(999999999)`` call is
one VM step, which no progress handler can interrupt. On PostgreSQL, ``tables_beyond`` lists what the
connection's role can read beyond the allowlist; the wiring logs a warning at startup when it is not empty. SQL goes to the driver's cursor untouched: no bind-parameter parsing, no transpiling, so a SQLite
query means what SQLite says it means. One engine serves many threads; each query borrows its own
pooled connection.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterable
from urllib.parse import quote

from nl2sql.errors import ConfigError, ExecutionFailed, QueryTimeout
from nl2sql.ports import ResultTable
from nl2sql.settings import DEFAULT_MEMORY_LIMIT, size_bytes

if TYPE_CHECKING:
    import sqlalchemy

    from catalog_semantics.model import Catalog, Table
    from nl2sql.guard import CheckedSql

_SQLGLOT_DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql", "mssql": "tsql"}
_PROGRESS_STEPS = 500    # SQLite VM instructions between deadline checks (a few µs; overhead under 5%)
_LENGTH_SHARE = 16       # SQLite's longest string or blob: this fraction of the memory limit
log = logging.getLogger(__name__)
_DRIVER_DETAIL_CHARS = 300


class SqlAlchemyWarehouse:
    """Runs guarded SQL on any SQLAlchemy engine; ``dialect`` is sqlglot's name for the engine's."""

    def __init__(self, url_or_engine: "str | sqlalchemy.engine.Engine", *, name: str | None = None,
                 read_only: bool = True, memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> None:
        import sqlalchemy as sa

        if isinstance(url_or_engine, str):
            max_length = size_bytes(memory_limit) // _LENGTH_SHARE if memory_limit else None
            self.engine = _create_engine(url_or_engine, read_only=read_only, max_length=max_length)
            shown = _display_name(sa.engine.make_url(url_or_engine))
        else:
            self.engine = url_or_engine
            shown = _display_name(self.engine.url)
        backend = self.engine.dialect.name
        self.dialect = _SQLGLOT_DIALECTS.get(backend, backend)
        self.name = name or shown
        # a file warehouse's path (set by ``sqlite_file``): its size and modification time version the data
        self.path: Path | None = None
        self.read_only = read_only
        self._dbapi_error: type[Exception] = getattr(self.engine.dialect.dbapi, "Error", sa.exc.DBAPIError)
        self._catalog_lock = threading.Lock()
        self._sampled: dict[tuple[Any, str], Table] = {}     # (file version, table name) -> table with values

    @classmethod
    def sqlite_file(cls, path: str | Path, *, name: str | None = None,
                    memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> "SqlAlchemyWarehouse":
        """A read-only warehouse over one SQLite file (raises ConfigError when it is missing)."""
        file = Path(path).expanduser()
        if not file.is_file():
            raise ConfigError(f"The SQLite file {file} does not exist.")
        warehouse = cls(f"sqlite:///{file}", name=name or file.stem, memory_limit=memory_limit)
        warehouse.path = file
        return warehouse

    # ------------------------------------------------------------------ port
    def run(self, checked: "CheckedSql", *, max_rows: int | None, timeout_s: float) -> ResultTable:
        start = time.perf_counter()
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            if raw is None:  # pragma: no cover - a pool never hands these out
                raise ExecutionFailed("The database connection was closed.")
            deadline = time.monotonic() + timeout_s
            arm, disarm = self._time_limit(raw, conn, timeout_s, deadline)
            arm()
            cursor = raw.cursor()
            try:
                cursor.execute(checked.sql)
                columns = tuple(str(d[0]) for d in (cursor.description or ()))
                if max_rows is None:
                    rows = cursor.fetchall()
                    truncated = False
                else:
                    rows = cursor.fetchmany(max_rows + 1)
                    truncated = len(rows) > max_rows
                    rows = rows[:max_rows]
            except self._dbapi_error as e:
                if isinstance(raw, sqlite3.Connection) and "too big" in str(e).lower():
                    raise ExecutionFailed("The query built a value longer than the memory limit allows.",
                                          hint="Ask for shorter values, or raise NL2SQL_MEMORY_LIMIT.") from e
                if time.monotonic() >= deadline or _is_timeout(e):
                    raise QueryTimeout(
                        f"The query took longer than {timeout_s:g} seconds and was stopped.",
                        hint="Ask for a narrower slice (a shorter period, fewer groups) or raise the time limit.",
                    ) from e
                raise ExecutionFailed(
                    "The database could not run this query.", hint=_driver_detail(e)
                ) from e
            finally:
                cursor.close()
                disarm()
                if not isinstance(raw, sqlite3.Connection):
                    raw.rollback()  # ends the READ ONLY transaction and its statement_timeout
        return ResultTable(
            columns=columns,
            rows=tuple(tuple(r) for r in rows),
            truncated=truncated,
            elapsed_ms=(time.perf_counter() - start) * 1000,
        )

    def read_catalog(self) -> "Catalog":
        from catalog_semantics.adapters.sqlalchemy_reader import read_sqlalchemy_catalog

        with self._catalog_lock:
            return read_sqlalchemy_catalog(self.engine)

    def sample_values(self, tables: tuple[str, ...]) -> "Catalog":
        """The catalog with sample values and value vocabularies of ``tables`` (a question's shortlist). Each table
        is read once while its columns and, for a file warehouse, the file stay the same."""
        from dataclasses import replace

        from catalog_semantics.adapters.sqlalchemy_reader import sample_sqlalchemy_tables

        catalog = self.read_catalog()
        stat = self.path.stat() if self.path is not None else None
        version = (stat.st_size, stat.st_mtime_ns) if stat else None
        shapes = {t.qualified_name.lower(): _shape(t) for t in catalog.tables}
        with self._catalog_lock:
            self._sampled = {k: t for k, t in self._sampled.items()      # older data, or a changed table, goes
                             if k[0] == version and shapes.get(t.qualified_name.lower()) == _shape(t)}
            missing = tuple(n for n in tables if (version, n.lower()) not in self._sampled)
            if missing:
                for table in sample_sqlalchemy_tables(self.engine, catalog, missing).tables:
                    for key in {table.name.lower(), table.qualified_name.lower()} & {n.lower() for n in missing}:
                        self._sampled[(version, key)] = table
            sampled = {t.qualified_name: t for n in tables if (t := self._sampled.get((version, n.lower())))}
        return replace(catalog, tables=tuple(sampled.get(t.qualified_name, t) for t in catalog.tables))

    def close(self) -> None:
        self.engine.dispose()

    def tables_beyond(self, allowed: "Iterable[str]") -> tuple[str, ...]:
        """Tables and views the connection's role can read that the allowlist does not name (PostgreSQL).

        The guard is what keeps a principal to the allowlist; this shows when the database would not:
        a role granted exactly the allowed tables makes a guard bug harmless. Other engines: ().
        """
        if self.dialect != "postgres":
            return ()
        import sqlalchemy as sa

        wanted = {a.strip().lower() for a in allowed}
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(_READABLE_TABLES)).all()
        return tuple(f"{schema}.{name}" for schema, name in rows
                     if name.lower() not in wanted and f"{schema}.{name}".lower() not in wanted)

    def warn_if_role_reads_more(self, allowed: "Iterable[str]") -> tuple[str, ...]:
        """Log a warning when ``tables_beyond`` is not empty; return what it found."""
        extra = self.tables_beyond(allowed)
        if extra:
            shown = ", ".join(extra[:10]) + (" ..." if len(extra) > 10 else "")
            log.warning("The database role of %s can read %d table(s) outside the allowlist (%s). The guard keeps "
                        "questions to the allowlist; grant the role only those tables so the database enforces it too.",
                        self.name, len(extra), shown)
        return extra

    # ------------------------------------------------------------------ limits
    def _time_limit(self, raw: Any, conn: "sqlalchemy.engine.Connection", timeout_s: float,
                    deadline: float) -> tuple[Callable[[], None], Callable[[], None]]:
        if isinstance(raw, sqlite3.Connection):
            return _sqlite_time_limit(raw, timeout_s, deadline)
        if self.dialect == "postgres":
            def arm() -> None:
                cursor = raw.cursor()
                try:
                    if self.read_only:
                        cursor.execute("SET TRANSACTION READ ONLY")
                    cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout_s * 1000))}")
                finally:
                    cursor.close()

            return arm, lambda: None
        return (lambda: None), (lambda: None)  # other engines: the row cap and the guard only


def _shape(table: "Table") -> tuple[tuple[str, str], ...]:
    """A table's columns and types: a sampled table is stale once they change."""
    return tuple((c.name, c.type) for c in table.columns)


def _sqlite_time_limit(raw: sqlite3.Connection, timeout_s: float,
                       deadline: float) -> tuple[Callable[[], None], Callable[[], None]]:
    """Progress handler (between VM steps) plus a timer calling ``interrupt()``: the handler alone never
    fires when a query runs few, slow steps. The timer is disarmed under a lock, so it cannot interrupt the
    next query that borrows this pooled connection."""
    guard = threading.Lock()
    running = [False]

    def expired() -> int:
        return 1 if time.monotonic() >= deadline else 0

    def interrupt() -> None:
        with guard:
            if running[0]:
                raw.interrupt()

    timer = threading.Timer(max(timeout_s, 0.001), interrupt)
    timer.daemon = True

    def arm() -> None:
        running[0] = True
        raw.set_progress_handler(expired, _PROGRESS_STEPS)
        timer.start()

    def disarm() -> None:
        with guard:
            running[0] = False
        timer.cancel()
        raw.set_progress_handler(None, 0)

    return arm, disarm


# Relations outside the system schemas on which the role holds SELECT on the table or on any column.
_READABLE_TABLES = """
SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND (has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'))
ORDER BY 1, 2
"""


def _create_engine(url: str, *, read_only: bool, max_length: int | None = None) -> "sqlalchemy.engine.Engine":
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return sa.create_engine(url, pool_pre_ping=True)  # a connection the server dropped is replaced
    path = Path(parsed.database).expanduser()
    if not path.is_file():
        raise ConfigError(f"The SQLite file {path} does not exist.")
    mode = "ro" if read_only else "rw"
    uri = f"file:{quote(str(path.resolve()))}?mode={mode}"

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        # Undecodable bytes in TEXT columns are dropped rather than failing the query, as Spider's
        # evaluator reads them (its results are what ours are compared with).
        connection.text_factory = lambda b: b.decode(errors="ignore")
        if read_only:
            connection.execute("PRAGMA query_only = ON")
        if max_length:                                         # can only lower SQLite's own limit (1e9)
            connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, min(max_length, 1_000_000_000))
        return connection

    return sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.QueuePool, pool_size=4,
                            max_overflow=8)


def _is_timeout(error: Exception) -> bool:
    text = str(error).lower()
    return "interrupted" in text or "statement timeout" in text or "canceling statement" in text


def _driver_detail(error: Exception) -> str:
    """The driver's first line, shortened: tells a data team what failed without dumping internals."""
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return first[:_DRIVER_DETAIL_CHARS]


def _display_name(url: "sqlalchemy.engine.URL") -> str:
    if url.get_backend_name() == "sqlite":
        return Path(url.database).stem if url.database else "sqlite"
    return f"{url.get_backend_name()}://{url.host or ''}/{url.database or ''}"  # never the password
