"""What a query reads, in the semantic model's words: tables, columns, metrics and named filters.

Shown beside the plain-words explanation so a business user sees the descriptions behind each name.
Read from the SQL's syntax tree; names the model does not know (CTEs, sub-query aliases) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from catalog_semantics.model import SemanticModel
from nl2sql.explain.fingerprint import match_known, model_fingerprints


@dataclass(frozen=True)
class SqlUsage:
    """What a query reads, with the model's words for it: shown beside the explanation."""

    tables: tuple[tuple[str, str | None], ...] = ()                 # (table, comment)
    columns: tuple[tuple[str, str, str | None], ...] = ()           # (table, column, comment)
    metrics: tuple[tuple[str, str | None], ...] = ()                # (metric, description)
    filters: tuple[tuple[str, str | None], ...] = ()                # (named filter, description)


def sql_usage(sql: str, *, dialect: str = "duckdb", model: SemanticModel | None = None) -> SqlUsage:
    """The model's tables, columns, metrics and named filters a query uses, in order of appearance.

    >>> from catalog_semantics.model import Column, Table
    >>> m = SemanticModel(tables=(Table("sales", (Column("amount", "DOUBLE", comment="Net amount"),),
    ...                                 comment="One row per sale"),))
    >>> sql_usage("SELECT SUM(s.amount) FROM sales s", model=m).columns
    (('sales', 'amount', 'Net amount'),)
    """
    if model is None:
        return SqlUsage()
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return SqlUsage()
    aliases: dict[str, str] = {}
    tables: list[tuple[str, str | None]] = []
    for t in tree.find_all(exp.Table):
        table = model.table(t.name)
        if table is None:
            continue                                   # a CTE or a name the model lacks
        aliases[(t.alias or t.name).lower()] = table.name
        if all(name != table.name for name, _ in tables):
            tables.append((table.name, table.comment))
    columns: list[tuple[str, str, str | None]] = []
    for c in tree.find_all(exp.Column):
        owners = [aliases[c.table.lower()]] if c.table and c.table.lower() in aliases else \
            [name for name, _ in tables] if not c.table else []
        for owner in owners:
            owner_table = model.table(owner)           # never None: owners are names model.table found above
            column = owner_table.column(c.name) if owner_table is not None else None
            if column is not None:
                if (owner, column.name, column.comment) not in columns:
                    columns.append((owner, column.name, column.comment))
                break
    metrics_fp, filters_fp = model_fingerprints(model, dialect)
    scope = frozenset(name.lower() for name, _ in tables)
    found_metrics: list[tuple[str, str | None]] = []
    found_filters: list[tuple[str, str | None]] = []
    for node in tree.walk():
        if isinstance(node, exp.AggFunc) or (isinstance(node, (exp.Binary, exp.Paren)) and node.find(exp.AggFunc)):
            _collect(match_known(node, metrics_fp, dialect=dialect, scope=scope), found_metrics)
        elif isinstance(node, (exp.Predicate, exp.Not)):
            _collect(match_known(node, filters_fp, dialect=dialect, scope=scope), found_filters)
    return SqlUsage(tuple(tables), tuple(columns), tuple(found_metrics), tuple(found_filters))


def _collect(hit: tuple[str, str] | None, found: list[tuple[str, str | None]]) -> None:
    if hit is not None and all(name != hit[0] for name, _ in found):
        found.append((hit[0], hit[1] or None))
