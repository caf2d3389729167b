"""Run gold and predicted SQL for scoring: guarded, read-only, time-limited, cached per (database, SQL).

The guard call lives here and only here. Scoring uses the database's own policy with no row limit.
The guard checks the very text that then runs; we run that text rather than the guard's re-rendering
because sqlglot's round trip can change what a SQLite query means (quoting, function spellings), and the
verdicts must be those of Spider's evaluator, which runs the text as written.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Literal
from collections.abc import Sequence

from nl2sql.errors import ExecutionFailed, GuardRejected, QueryTimeout
from nl2sql.ports import Warehouse

# Beyond this many rows a result is cut. A prediction cut here cannot match a gold result that fits
# (row counts differ), so verdicts are unchanged; a gold result that does not fit is reported apart.
SCORING_ROW_CAP = 2_000_000
ExecStatus = Literal["ok", "refused", "sql_error", "timeout"]
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Execution:
    status: ExecStatus
    columns: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    truncated: bool = False
    error: str | None = None
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ScoringDatabase:
    """One database of a dataset: its warehouses (one per scored file), guard policy and result cache."""

    def __init__(self, warehouses: Sequence[Warehouse], *, timeout_s: float, row_cap: int = SCORING_ROW_CAP) -> None:
        if not warehouses:
            raise ValueError("a scoring database needs at least one warehouse")
        self.warehouses = tuple(warehouses)
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self._policy: Any = None
        self._cache: dict[tuple[int, str], Execution] = {}
        self._lock = threading.Lock()

    def policy(self) -> Any:
        from catalog_semantics.overlay import apply_overlay
        from nl2sql.guard import policy_for_model

        with self._lock:
            if self._policy is None:
                primary = self.warehouses[0]
                model = apply_overlay(primary.read_catalog(), None)
                self._policy = policy_for_model(model, max_rows=None, dialect=primary.dialect)
            return self._policy

    def execute(self, sql: str, index: int = 0) -> Execution:
        """Guard, then run ``sql`` on warehouse ``index``; the same text on the same file runs once."""
        key = (index, sql)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self._execute(sql, self.warehouses[index])
        with self._lock:
            self._cache.setdefault(key, result)
        return result

    def _execute(self, sql: str, warehouse: Warehouse) -> Execution:
        from nl2sql.guard import check

        start = time.perf_counter()
        try:
            checked = replace(check(sql, self.policy()), sql=sql)
        except GuardRejected as e:
            reasons = "; ".join(f"{i.code}: {i.message}" + (f" ({i.detail})" if i.detail else "") for i in e.issues)
            # Text that is not SQL at all is an SQL error, not a policy refusal.
            unreadable = bool(e.issues) and all(i.code == "parse_error" for i in e.issues)
            return Execution("sql_error" if unreadable else "refused", error=reasons or e.message)
        try:
            table = warehouse.run(checked, max_rows=self.row_cap, timeout_s=self.timeout_s)
        except QueryTimeout as e:
            return Execution("timeout", error=e.message, elapsed_ms=(time.perf_counter() - start) * 1000)
        except ExecutionFailed as e:
            return Execution("sql_error", error=str(e), elapsed_ms=(time.perf_counter() - start) * 1000)
        return Execution(
            "ok",
            columns=table.columns,
            rows=tuple(tuple(_hashable(v) for v in row) for row in table.rows),
            truncated=table.truncated,
            elapsed_ms=(time.perf_counter() - start) * 1000,
        )

    def close(self) -> None:
        for warehouse in self.warehouses:
            close = getattr(warehouse, "close", None)
            if close is not None:
                close()


def _hashable(value: Any) -> Any:
    """Rows are compared as bags, so values must hash; drivers other than SQLite can return lists or dicts."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, (set, bytearray)):
        return repr(value)
    return value
