"""A warehouse behind SQLAlchemy: SQLite files (Spider, BIRD, users' own), PostgreSQL and friends.

Defence in depth around the guard: SQLite files open read-only (``mode=ro`` URI plus ``PRAGMA
query_only``), PostgreSQL runs each query in a ``READ ONLY`` transaction; every query has a time limit
(SQLite: a progress handler that interrupts the statement; PostgreSQL: ``statement_timeout``) and a row
cap. SQL goes to the driver's cursor untouched: no bind-parameter parsing, no transpiling, so a SQLite
query means what SQLite says it means. One engine serves many threads; each query borrows its own
pooled connection.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote

from nl2sql.errors import ConfigError, ExecutionFailed, QueryTimeout
from nl2sql.ports import ResultTable

if TYPE_CHECKING:
    import sqlalchemy

    from catalog_semantics.model import Catalog
    from nl2sql.guard import CheckedSql

_SQLGLOT_DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql", "mssql": "tsql"}
_PROGRESS_STEPS = 2_000  # SQLite VM instructions between deadline checks (cheap, about every 50 µs)
_DRIVER_DETAIL_CHARS = 300


class SqlAlchemyWarehouse:
    """Runs guarded SQL on any SQLAlchemy engine; ``dialect`` is sqlglot's name for the engine's."""

    def __init__(self, url_or_engine: "str | sqlalchemy.engine.Engine", *, name: str | None = None,
                 read_only: bool = True) -> None:
        import sqlalchemy as sa

        if isinstance(url_or_engine, str):
            self.engine = _create_engine(url_or_engine, read_only=read_only)
            shown = _display_name(sa.engine.make_url(url_or_engine))
        else:
            self.engine = url_or_engine
            shown = _display_name(self.engine.url)
        backend = self.engine.dialect.name
        self.dialect = _SQLGLOT_DIALECTS.get(backend, backend)
        self.name = name or shown
        self.read_only = read_only
        self._dbapi_error: type[Exception] = getattr(self.engine.dialect.dbapi, "Error", sa.exc.DBAPIError)
        self._catalog_lock = threading.Lock()

    @classmethod
    def sqlite_file(cls, path: str | Path, *, name: str | None = None) -> "SqlAlchemyWarehouse":
        """A read-only warehouse over one SQLite file (raises ConfigError when it is missing)."""
        file = Path(path).expanduser()
        if not file.is_file():
            raise ConfigError(f"The SQLite file {file} does not exist.")
        return cls(f"sqlite:///{file}", name=name or file.stem)

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

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ limits
    def _time_limit(self, raw: Any, conn: "sqlalchemy.engine.Connection", timeout_s: float,
                    deadline: float) -> tuple[Callable[[], None], Callable[[], None]]:
        if isinstance(raw, sqlite3.Connection):
            def expired() -> int:
                return 1 if time.monotonic() >= deadline else 0

            return (lambda: raw.set_progress_handler(expired, _PROGRESS_STEPS),
                    lambda: raw.set_progress_handler(None, 0))
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


def _create_engine(url: str, *, read_only: bool) -> "sqlalchemy.engine.Engine":
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
