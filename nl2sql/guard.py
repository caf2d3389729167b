"""The guard: only one read-only query over allowed tables ever reaches a warehouse.

(Interface fixed here; rules implemented by the guard work.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from nl2sql.errors import GuardRejected, Issue  # noqa: F401


@dataclass(frozen=True)
class GuardPolicy:
    dialect: str = "duckdb"                                  # sqlglot dialect the SQL is read in
    allowed_tables: frozenset[str] | None = None             # lower-case names, bare or qualified; None = refuse all
    schema: Mapping[str, Mapping[str, str]] | None = None    # table -> column -> type, to catch unknown columns
    max_rows: int | None = 1_000                             # LIMIT added or lowered; None = no limit (eval gold)
    max_nodes: int = 20_000                                  # syntax-tree size cap
    default_catalog: str | None = None                       # Databricks: names resolved against these
    default_schema: str | None = None
    output_dialect: str | None = None                        # rendered in this dialect (default: ``dialect``)


@dataclass(frozen=True)
class CheckedSql:
    """SQL the guard let through, rendered in the warehouse's dialect. Warehouses run only these."""

    sql: str
    dialect: str
    tables: tuple[str, ...] = ()
    limit: int | None = None
    warnings: tuple[Issue, ...] = ()
