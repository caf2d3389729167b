"""The DuckDB warehouse: runs guarded SQL on a database file opened read-only and locked down.

Defence in depth behind the guard. Even SQL that never passed the guard cannot, on this connection:
write the database (``read_only``), read or write files or URLs, ATTACH, COPY or EXPORT
(``enable_external_access=false``), install or load extensions (``autoinstall``/``autoload`` off, no
community extensions), scan Python variables as tables (``python_enable_replacements=false``), or change
any of that (``lock_configuration=true``, so SET/RESET fail). tests/test_security_duckdb.py proves each.

Bounded work: ``memory_limit`` (NL2SQL_MEMORY_LIMIT) caps what DuckDB's buffer manager holds (joins,
sorts, aggregates, a recursive CTE's working table) and ``max_temp_directory_size`` what it may spill;
values one scalar call builds are not seen by either, so the guard bounds those (nl2sql/guard/resources.py).
When DuckDB reports its database invalidated (a FATAL or INTERNAL error) or the connection is gone, the
query fails with a clear message and the warehouse reopens the file, so one query cannot take every later
question down with it.

Each call gets its own cursor (DuckDB's unit of thread safety), so many threads may query at once; a
timer interrupts a query that runs past its time limit.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING
from collections.abc import Iterable

import duckdb

from nl2sql.errors import ConfigError, ExecutionFailed, QueryTimeout
from nl2sql.ports import ResultTable
from nl2sql.settings import DEFAULT_MEMORY_LIMIT, size_bytes

if TYPE_CHECKING:
    from catalog_semantics.model import Catalog
    from nl2sql.guard import CheckedSql

DuckDbConfig = dict[str, str | bool | int | float | list[str]]   # the value types duckdb.connect's config takes

# Settings applied when the database is opened; DuckDB refuses to change them afterwards.
HARDENED_CONFIG: DuckDbConfig = {
    "enable_external_access": False,      # no file system, HTTP, ATTACH, COPY, EXPORT, INSTALL
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "python_enable_replacements": False,  # FROM df must not read a Python variable called df
    "lock_configuration": True,           # last: every setting above is now fixed (SET/RESET fail)
}

_DETAIL_CHARS = 300
# Errors after which DuckDB refuses every later query on this database until it is reopened.
_BROKEN = (duckdb.FatalException, duckdb.InternalException, duckdb.ConnectionException)
_INVALIDATED = "database has been invalidated"
# DuckDB suggests similar names ('Did you mean "secrets"?'), which could reveal tables the user may not see.
_SUGGESTION = re.compile(r"\s*Did you mean [^\n]*", re.IGNORECASE)


class DuckDbWarehouse:
    """A DuckDB database file behind the ``Warehouse`` port (``nl2sql.ports``)."""

    dialect = "duckdb"

    def __init__(self, path: str | Path, *, name: str | None = None,
                 memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> None:
        file = Path(path).expanduser()
        if not file.is_file():
            raise ConfigError(f"The DuckDB file {file} does not exist.", hint="Check NL2SQL_DB or the --db option.")
        self.path = file
        self.name = name or file.stem
        self.memory_limit = memory_limit
        self._config: DuckDbConfig = dict(HARDENED_CONFIG)
        if memory_limit:                                       # before lock_configuration, which must come last
            size_bytes(memory_limit)                           # a ConfigError naming NL2SQL_MEMORY_LIMIT
            self._config = {"memory_limit": memory_limit, "max_temp_directory_size": memory_limit, **self._config}
        self.reopened = 0                                      # times the database was reopened after a fatal error
        self._closed = False                                   # close() was called: never reopen
        self._lock = threading.Lock()                         # cursor() and reopening, one at a time
        self._connection = self._open()

    def _open(self) -> "duckdb.DuckDBPyConnection":
        try:
            return duckdb.connect(str(self.path), read_only=True, config=self._config)
        except duckdb.Error as e:
            raise ConfigError(f"The DuckDB file {self.path.name} could not be opened read-only.",
                              hint=_clean(e)) from e

    @classmethod
    def create(cls, path: str | Path, statements: Iterable[str], *, name: str | None = None) -> "DuckDbWarehouse":
        """Build a new database file from trusted setup SQL (fixtures, demo data), then open it hardened."""
        file = Path(path).expanduser()
        if file.exists():
            raise ConfigError(f"The DuckDB file {file} already exists.")
        with duckdb.connect(str(file)) as con:
            for statement in statements:
                con.execute(statement)
        return cls(file, name=name)

    def _cursor(self) -> "duckdb.DuckDBPyConnection":
        return self._cursor_and_connection()[0]

    def _cursor_and_connection(self) -> "tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]":
        """A new cursor and the connection it came from, read together (another thread may reopen)."""
        with self._lock:
            try:
                return self._connection.cursor(), self._connection
            except duckdb.Error as e:                          # invalidated or closed underneath us
                if self._closed:
                    raise ExecutionFailed("The warehouse has been closed.", hint="Restart the app.") from e
                if not needs_reopen(e):
                    raise
                self._replace(self._connection)
                return self._connection.cursor(), self._connection

    def _replace(self, broken: "duckdb.DuckDBPyConnection") -> None:
        """Close a connection DuckDB has invalidated and open the file afresh (caller holds the lock).

        Only the connection that failed is replaced: a thread that already reopened it wins.
        """
        if self._connection is not broken or self._closed:
            return
        try:
            broken.close()
        except duckdb.Error:
            pass
        self._connection = self._open()
        self.reopened += 1

    def _recover(self, broken: "duckdb.DuckDBPyConnection") -> None:
        with self._lock:
            try:
                self._replace(broken)
            except ConfigError:                               # the next query tries again
                pass

    # ------------------------------------------------------------------ port
    def run(self, checked: "CheckedSql", *, max_rows: int | None, timeout_s: float) -> ResultTable:
        """Run checked SQL; at most ``max_rows`` rows (one more is fetched to tell if there were more)."""
        start = time.perf_counter()
        cursor, connection = self._cursor_and_connection()
        expired = threading.Event()

        def interrupt() -> None:
            expired.set()
            try:
                cursor.interrupt()
            except duckdb.Error:                               # the query ended and the cursor closed meanwhile
                pass

        timer = threading.Timer(max(timeout_s, 0.001), interrupt)
        timer.daemon = True
        timer.start()
        try:
            cursor.execute(checked.sql)
            columns = tuple(str(d[0]) for d in (cursor.description or ()))
            rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows + 1)
        except duckdb.Error as e:
            if expired.is_set() or isinstance(e, duckdb.InterruptException):
                raise QueryTimeout(
                    f"The query took longer than {timeout_s:g} seconds and was stopped.",
                    hint="Ask for a narrower slice (a shorter period, fewer groups) or raise the time limit.",
                ) from e
            if isinstance(e, duckdb.OutOfMemoryException):
                raise ExecutionFailed(
                    f"The query needed more memory than the {self.memory_limit or 'configured'} limit allows.",
                    hint="Ask for fewer rows, groups or columns, or raise NL2SQL_MEMORY_LIMIT.") from e
            if needs_reopen(e):
                self._recover(connection)
                raise ExecutionFailed("The database stopped on an internal error while running this query; "
                                      "it has been reopened for the next question.", hint=_clean(e)) from e
            raise ExecutionFailed("The database could not run this query.", hint=_clean(e)) from e
        finally:
            timer.cancel()
            cursor.close()
        truncated = max_rows is not None and len(rows) > max_rows
        kept = rows[:max_rows] if max_rows is not None else rows
        return ResultTable(columns=columns, rows=tuple(tuple(r) for r in kept), truncated=truncated,
                           elapsed_ms=(time.perf_counter() - start) * 1000)

    def read_catalog(self) -> "Catalog":
        from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog

        cursor = self._cursor()
        try:
            return read_duckdb_catalog(cursor)
        finally:
            cursor.close()

    def close(self) -> None:
        self._closed = True
        self._connection.close()

    def __enter__(self) -> "DuckDbWarehouse":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def needs_reopen(error: Exception) -> bool:
    """Whether DuckDB will refuse every later query on this database until it is opened again:
    a FATAL or INTERNAL error invalidates the database instance; a closed connection is just gone.

    >>> fatal = duckdb.FatalException("FATAL Error: Failed: database has been invalidated ...")
    >>> needs_reopen(fatal), needs_reopen(duckdb.BinderException("Binder Error: column x not found"))
    (True, False)
    """
    return isinstance(error, _BROKEN) or _INVALIDATED in str(error)


def _clean(error: Exception) -> str:
    """DuckDB's message, first lines only, without name suggestions; for a data team, not a stack trace.

    >>> _clean(RuntimeError('Catalog Error: Table with name x does not exist! Did you mean "secrets"?'))
    'Catalog Error: Table with name x does not exist!'
    """
    text = _SUGGESTION.sub("", str(error)).strip()
    first = " ".join(line.strip() for line in text.splitlines()[:2] if line.strip())
    return (first or type(error).__name__)[:_DETAIL_CHARS]
