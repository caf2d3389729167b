"""Recognise the semantic model's metrics and named filters inside a query, by comparing normalised SQL.

Two spellings of one expression match when they differ only in table qualifiers, outer parentheses,
identifier case or layout: ``SUM(o.amount)`` is the metric defined as ``sum(amount)``. A definition that
does not parse never matches. Used by the plain-words explanation and by the usage listing.
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp

from catalog_semantics.model import SemanticModel

Known = tuple[str, str, str, str]      # a metric or named filter: (fingerprint, name, description, table)


def fingerprint(e: exp.Expr, dialect: str) -> str:
    """The expression with table qualifiers and outer parentheses dropped, identifiers lower-cased.

    >>> fingerprint(sqlglot.parse_one("(SUM(o.Amount))"), "duckdb")
    'SUM(amount)'
    """
    node = e.copy()
    while isinstance(node, exp.Paren):
        node = node.this
    node = node.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
    return node.sql(dialect=dialect, normalize=True)


def match_known(
    e: exp.Expr, known: tuple[Known, ...], *, dialect: str, scope: frozenset[str]
) -> tuple[str, str] | None:
    """The (name, description) of the metric or named filter ``e`` computes, if its SQL is the same and its
    table is among ``scope`` (the lower-cased tables read where ``e`` appears)."""
    if not known or not isinstance(e, (exp.Func, exp.Binary, exp.Paren, exp.Predicate, exp.Unary)):
        return None
    fp = fingerprint(e, dialect)
    return next(((name, desc) for f, name, desc, table in known if f == fp and table.lower() in scope), None)


def model_fingerprints(
    model: SemanticModel | None, dialect: str
) -> tuple[tuple[Known, ...], tuple[Known, ...]]:
    """The model's metrics and named filters, fingerprinted once (cached across calls)."""
    if model is None:
        return (), ()
    metrics = tuple(_known(m.sql, m.name, m.description, m.table, dialect) for m in model.metrics)
    filters = tuple(_known(f.sql, f.name, f.description, f.table, dialect) for f in model.filters)
    return tuple(k for k in metrics if k), tuple(k for k in filters if k)


@functools.lru_cache(maxsize=4_096)
def _known(sql: str, name: str, description: str | None, table: str, dialect: str) -> Known | None:
    try:
        return (fingerprint(sqlglot.parse_one(sql, read=dialect), dialect), name, description or "", table)
    except sqlglot.errors.SqlglotError:
        return None                              # a definition we cannot parse simply never matches
