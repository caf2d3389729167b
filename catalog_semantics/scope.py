"""Limit a semantic model to what one principal may read.

Everything downstream (linking, prompt context, the offline planner, verified queries, the guard's
allowlist) sees only the scoped model, so a question about hidden tables cannot even name them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import sqlglot
from sqlglot import exp

from catalog_semantics.model import SemanticModel, VerifiedQuery


@dataclass(frozen=True)
class Principal:
    """Who is asking, and which tables they may read (names as in the model; None = all)."""

    name: str
    allowed_tables: frozenset[str] | None = None

    @classmethod
    def of(cls, name: str, tables: Iterable[str] | None = None) -> Principal:
        return cls(name, None if tables is None else frozenset(t.lower() for t in tables))


def _tables_in(sql: str, dialect: str) -> set[str] | None:
    """Lower-case bare table names a SQL text reads (CTE names excluded); None when it does not parse."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError:
        return None
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table) if t.name.lower() not in ctes}


def scope_model(model: SemanticModel, principal: Principal | None) -> SemanticModel:
    """The part of ``model`` that ``principal`` may read; metrics and queries touching more are dropped."""
    if principal is None or principal.allowed_tables is None:
        return model
    allowed = principal.allowed_tables
    tables = tuple(t for t in model.tables if t.name.lower() in allowed or t.qualified_name.lower() in allowed)
    names = {t.name.lower() for t in tables}

    def visible(sql: str, *extra: str) -> bool:
        used = _tables_in(sql, model.dialect)
        return used is not None and used <= names and all(e.lower() in names for e in extra)

    hidden = {t.name.lower() for t in model.tables if t.name.lower() not in names}
    hidden |= {c.name.lower() for t in model.tables if t.name.lower() in hidden for c in t.columns}

    def mentions_hidden(text: str) -> bool:
        return bool(hidden & set(re.findall(r"[a-z_][a-z0-9_]*", text.lower())))

    return replace(
        model,
        tables=tables,
        instructions=tuple(i for i in model.instructions if not mentions_hidden(i)),
        relationships=tuple(
            r for r in model.relationships if r.from_table.lower() in names and r.to_table.lower() in names
        ),
        metrics=tuple(m for m in model.metrics if m.table.lower() in names and all(j.lower() in names for j in m.joins)),
        filters=tuple(f for f in model.filters if f.table.lower() in names),
        verified_queries=tuple(q for q in model.verified_queries if visible(q.sql)),
    )


def visible_queries(queries: Iterable[VerifiedQuery], model: SemanticModel) -> tuple[VerifiedQuery, ...]:
    """The verified queries (e.g. promoted from feedback) that read only tables of the (scoped) model."""
    names = {t.name.lower() for t in model.tables}
    visible = []
    for query in queries:
        used = _tables_in(query.sql, model.dialect)
        if used is not None and used <= names:
            visible.append(query)
    return tuple(visible)
