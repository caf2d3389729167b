"""The DuckDB warehouse: runs guarded SQL on a database file opened read-only and locked down.

Defence in depth behind the guard. Even SQL that never passed the guard cannot, on this connection:
write the database (``read_only``), read or write files or URLs, ATTACH, COPY or EXPORT
(``enable_external_access=false``), install or load extensions (``autoinstall``/``autoload`` off, no
community extensions), scan Python variables as tables (``python_enable_replacements=false``), or change
any of that (``lock_configuration=true``, so SET/RESET fail). tests/test_security_duckdb.py proves each.

Each call gets its own cursor (DuckDB's unit of thread safety), so many threads may query at once; a
timer interrupts a query that runs past its time limit.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import duckdb

from nl2sql.errors import ConfigError, ExecutionFailed, QueryTimeout
from nl2sql.ports import ResultTable

if TYPE_CHECKING:
    from catalog_semantics.model import Catalog
    from nl2sql.guard import CheckedSql

# Settings applied when the database is opened; DuckDB refuses to change them afterwards.
HARDENED_CONFIG: dict[str, object] = {
    "enable_external_access": False,      # no file system, HTTP, ATTACH, COPY, EXPORT, INSTALL
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "python_enable_replacements": False,  # FROM df must not read a Python variable called df
    "lock_configuration": True,           # last: every setting above is now fixed (SET/RESET fail)
}

_DETAIL_CHARS = 300
# DuckDB suggests similar names ('Did you mean "secrets"?'), which could reveal tables the user may not see.
_SUGGESTION = re.compile(r"\s*Did you mean [^\n]*", re.IGNORECASE)


class DuckDbWarehouse:
    """A DuckDB database file behind the ``Warehouse`` port (``nl2sql.ports``)."""

    dialect = "duckdb"

    def __init__(self, path: str | Path, *, name: str | None = None, memory_limit: str | None = None) -> None:
        file = Path(path).expanduser()
        if not file.is_file():
            raise ConfigError(f"The DuckDB file {file} does not exist.", hint="Check NL2SQL_DB or the --db option.")
        self.path = file
        self.name = name or file.stem
        config = dict(HARDENED_CONFIG)
        if memory_limit:
            config = {"memory_limit": memory_limit, **config}
        try:
            self._connection = duckdb.connect(str(file), read_only=True, config=config)
        except duckdb.Error as e:
            raise ConfigError(f"The DuckDB file {file.name} could not be opened read-only.",
                              hint=_clean(e)) from e
        self._lock = threading.Lock()                         # cursor() on the shared connection, one at a time

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
        with self._lock:
            return self._connection.cursor()

    # ------------------------------------------------------------------ port
    def run(self, checked: "CheckedSql", *, max_rows: int | None, timeout_s: float) -> ResultTable:
        """Run checked SQL; at most ``max_rows`` rows (one more is fetched to tell if there were more)."""
        start = time.perf_counter()
        cursor = self._cursor()
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
        self._connection.close()

    def __enter__(self) -> "DuckDbWarehouse":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _clean(error: Exception) -> str:
    """DuckDB's message, first lines only, without name suggestions; for a data team, not a stack trace.

    >>> _clean(RuntimeError('Catalog Error: Table with name x does not exist! Did you mean "secrets"?'))
    'Catalog Error: Table with name x does not exist!'
    """
    text = _SUGGESTION.sub("", str(error)).strip()
    first = " ".join(line.strip() for line in text.splitlines()[:2] if line.strip())
    return (first or type(error).__name__)[:_DETAIL_CHARS]
