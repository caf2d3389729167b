"""The guard's shared values: the policy a check runs under and the SQL it lets through.

Kept apart from ``check`` so the rule modules can name ``GuardPolicy`` without importing the module that
imports them (no cycle, not even under type checking).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nl2sql.errors import Issue


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
    max_depth: int = 250                                     # syntax-tree nesting cap (deep trees exhaust parsers)
    max_sql_chars: int = 200_000                             # longer text is refused before parsing
    max_generated_rows: int = 10_000_000                     # generate_series/range with constant bounds
    allow_any_table: bool = False                            # `nl2sql guard` without --allow: any user table,
                                                             # never a system catalog (see guard_names)
    allowed_functions: frozenset[str] = frozenset()          # user-defined functions the overlay names


@dataclass(frozen=True)
class CheckedSql:
    """SQL the guard let through, rendered in the warehouse's dialect. Warehouses run only these."""

    sql: str
    dialect: str
    tables: tuple[str, ...] = ()
    limit: int | None = None
    warnings: tuple[Issue, ...] = ()
