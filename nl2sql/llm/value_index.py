"""Read the value index (``catalog_semantics.values``) from the warehouse: one bounded ``SELECT DISTINCT`` per
text column, through the guard like any other query, built on first use, kept for the assistant's life and
cached on disk with the catalog (``NL2SQL_DATA_DIR/value_index/<catalog version>.json``), so a new process
(a CLI call, an app restart, an eval worker) reads a file instead of scanning every text column again.

The catalog version is a hash of what the values depend on: the warehouse (dialect, name, and for a file
warehouse its path, size and modification time: the data's own version), every table's columns and types,
and the per-column bound. A catalog that changes gets a new file; a file older than ``MAX_AGE_S`` is read
again (a server warehouse's rows change without its schema changing).

A column that fails to read (a view that errors, a permission) is skipped: value hints are a help, never a
reason to fail a question.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path

from sqlglot import exp

from catalog_semantics.model import SemanticModel
from catalog_semantics.text import is_text_type
from catalog_semantics.values import ValueIndex
from nl2sql.errors import UserFacingError
from nl2sql.llm.extract import sqlglot_dialect
from nl2sql.guard import check, policy_for_model
from nl2sql.ports import Warehouse

log = logging.getLogger(__name__)

PER_COLUMN = 1_000                              # distinct values read per column (CHESS keeps all; we bound it)
TIMEOUT_S = 10.0
MAX_AGE_S = 24 * 3600                           # a cached index older than this is read again


def distinct_values_sql(table: str, column: str, dialect: str, limit: int) -> str:
    """``SELECT DISTINCT col FROM t WHERE col IS NOT NULL LIMIT n``, quoted for ``dialect`` by sqlglot.

    >>> distinct_values_sql("orders", "o status", "duckdb", 5)
    'SELECT DISTINCT "o status" FROM orders WHERE NOT "o status" IS NULL LIMIT 5'
    """
    col = exp.column(column, quoted=not column.replace("_", "a").isalnum())
    query = exp.select(col).distinct().from_(exp.to_table(table)).where(exp.Not(this=exp.Is(this=col.copy(),
                                                                                          expression=exp.Null())))
    return query.limit(limit).sql(dialect=sqlglot_dialect(dialect))


Columns = list[tuple[str, str, list[str]]]      # (table, column, distinct values)


def read_value_index(model: SemanticModel, warehouse: Warehouse, *, per_column: int = PER_COLUMN) -> ValueIndex:
    """The index of every text column's distinct values (at most ``per_column`` each)."""
    return ValueIndex.build(read_values(model, warehouse, per_column=per_column))


def read_values(model: SemanticModel, warehouse: Warehouse, *, per_column: int = PER_COLUMN) -> Columns:
    """Every text column's distinct values (at most ``per_column`` each), read through the guard."""
    policy = policy_for_model(model, max_rows=per_column, dialect=warehouse.dialect)
    columns = []
    for table in model.tables:
        for column in table.columns:
            if not is_text_type(column.type or ""):
                continue
            name = ".".join(p for p in (table.catalog, table.schema, table.name) if p)
            try:
                checked = check(distinct_values_sql(name, column.name, warehouse.dialect, per_column), policy)
                rows = warehouse.run(checked, max_rows=per_column, timeout_s=TIMEOUT_S).rows
            except UserFacingError as e:
                log.info("value index: skipped %s.%s (%s)", table.name, column.name, e.code)
                continue
            columns.append((table.name, column.name, [r[0] for r in rows if isinstance(r[0], str)]))
    return columns


def catalog_version(model: SemanticModel, warehouse: Warehouse, *, per_column: int = PER_COLUMN) -> str:
    """A hash of everything the values depend on (module doc); never holds a secret, only hashes names."""
    path = getattr(warehouse, "path", None)
    stat = os.stat(path) if path is not None and os.path.isfile(path) else None
    source = [warehouse.dialect, warehouse.name, str(path or ""), stat.st_size if stat else 0,
              stat.st_mtime_ns if stat else 0, per_column]
    tables = [[t.catalog, t.schema, t.name, [[c.name, c.type] for c in t.columns]] for t in model.tables]
    return hashlib.sha256(json.dumps([source, tables], default=str).encode()).hexdigest()[:32]


def load_cached(file: Path, *, max_age_s: float = MAX_AGE_S) -> Columns | None:
    """The values stored in ``file``, or None when it is missing, too old or unreadable (then it is read again)."""
    try:
        if time.time() - file.stat().st_mtime > max_age_s:
            return None
        data = json.loads(file.read_text(encoding="utf-8"))
        return [(str(t), str(c), [v for v in values if isinstance(v, str)]) for t, c, values in data["columns"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(file: Path, columns: Columns) -> None:
    """Write ``columns`` atomically (a temporary file renamed), so a reader never sees half a file."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        partial = file.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(json.dumps({"columns": columns}, ensure_ascii=False), encoding="utf-8")
        partial.replace(file)
    except OSError as e:                         # a read-only data dir costs a re-read next time, nothing more
        log.info("value index: not cached in %s (%s)", file.parent, e.strerror)


class CachedValueIndex:
    """Builds the index once, on first use, whichever thread asks first; from ``cache_dir`` when a file of
    the same catalog version is there, else from the warehouse (and then stored there)."""

    def __init__(self, model: SemanticModel, warehouse: Warehouse, cache_dir: Path | None = None) -> None:
        self._model, self._warehouse, self._cache_dir = model, warehouse, cache_dir
        self._index: ValueIndex | None = None
        self._lock = threading.Lock()
        self.from_disk = False

    @property
    def tables(self) -> int:
        """How many tables the index reads (all of the model's)."""
        return len(self._model.tables)

    def get(self) -> ValueIndex:
        with self._lock:
            if self._index is None:
                self._index = ValueIndex.build(self._columns())
            return self._index

    def _columns(self) -> Columns:
        if self._cache_dir is None:
            return read_values(self._model, self._warehouse)
        file = self._cache_dir / "value_index" / f"{catalog_version(self._model, self._warehouse)}.json"
        cached = load_cached(file)
        self.from_disk = cached is not None
        if cached is not None:
            return cached
        columns = read_values(self._model, self._warehouse)
        store(file, columns)
        return columns
