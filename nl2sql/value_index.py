"""Read the value index (``catalog_semantics.values``) from the warehouse: one bounded ``SELECT DISTINCT`` per
text column, through the guard like any other query, built on first use and cached for the assistant's life
(the catalog it describes is read once per assistant too).

A column that fails to read (a view that errors, a permission) is skipped: value hints are a help, never a
reason to fail a question.
"""

from __future__ import annotations

import logging
import threading

from sqlglot import exp

from catalog_semantics.model import SemanticModel
from catalog_semantics.text import is_text_type
from catalog_semantics.values import ValueIndex
from nl2sql.errors import UserFacingError
from nl2sql.extract import sqlglot_dialect
from nl2sql.guard import check, policy_for_model
from nl2sql.ports import Warehouse

log = logging.getLogger(__name__)

PER_COLUMN = 1_000                              # distinct values read per column (CHESS keeps all; we bound it)
TIMEOUT_S = 10.0


def distinct_values_sql(table: str, column: str, dialect: str, limit: int) -> str:
    """``SELECT DISTINCT col FROM t WHERE col IS NOT NULL LIMIT n``, quoted for ``dialect`` by sqlglot.

    >>> distinct_values_sql("orders", "o status", "duckdb", 5)
    'SELECT DISTINCT "o status" FROM orders WHERE NOT "o status" IS NULL LIMIT 5'
    """
    col = exp.column(column, quoted=not column.replace("_", "a").isalnum())
    query = exp.select(col).distinct().from_(exp.to_table(table)).where(exp.Not(this=exp.Is(this=col.copy(),
                                                                                          expression=exp.Null())))
    return query.limit(limit).sql(dialect=sqlglot_dialect(dialect))


def read_value_index(model: SemanticModel, warehouse: Warehouse, *, per_column: int = PER_COLUMN) -> ValueIndex:
    """The index of every text column's distinct values (at most ``per_column`` each)."""
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
    return ValueIndex.build(columns)


class CachedValueIndex:
    """Builds the index once, on first use, whichever thread asks first."""

    def __init__(self, model: SemanticModel, warehouse: Warehouse) -> None:
        self._model, self._warehouse = model, warehouse
        self._index: ValueIndex | None = None
        self._lock = threading.Lock()

    def get(self) -> ValueIndex:
        with self._lock:
            if self._index is None:
                self._index = read_value_index(self._model, self._warehouse)
            return self._index
