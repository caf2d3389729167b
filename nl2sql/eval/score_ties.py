"""Strict execution match that lets rows tied on the gold's ORDER BY key come back in either order.

The official strict score compares ordered results as lists, so a gold whose ORDER BY has ties is
right or wrong depending on the order the engine happened to return the tied rows in; on DuckDB
that order changes from run to run. Snapshots must not flip on it, so they score with this: the two
results are equal as bags (strict values, same width) and, when order matters, their order agrees up
to ties (the relaxed score's tie-group rule). A gold whose only ORDER BY is inside a subquery ("those top 5
customers", counted) sets no order on its rows, so they match as a bag.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from nl2sql.eval.score import Row, order_key_columns, order_matters, relaxed_eq, result_eq


def result_eq_up_to_ties(gold: Sequence[Row], pred: Sequence[Row], gold_sql: str, dialect: str = "duckdb") -> bool:
    """Spider's strict match, except that rows tied on the gold's ORDER BY key match in any order.

    >>> sql = "SELECT name, n FROM t ORDER BY n DESC"
    >>> result_eq_up_to_ties([("a", 2), ("b", 1), ("c", 1)], [("a", 2), ("c", 1), ("b", 1)], sql)
    True
    >>> result_eq_up_to_ties([("a", 2), ("b", 1), ("c", 1)], [("b", 1), ("a", 2), ("c", 1)], sql)
    False
    >>> result_eq_up_to_ties([("a", 2.0)], [("a", 2.0000000001)], sql)
    False
    >>> inner = "SELECT name, n FROM t WHERE id IN (SELECT id FROM t ORDER BY n DESC LIMIT 2)"
    >>> result_eq_up_to_ties([("a", 2), ("b", 1)], [("b", 1), ("a", 2)], inner)
    True
    """
    ordered = order_matters(gold_sql)
    if result_eq(gold, pred, ordered=ordered):
        return True
    if not ordered or not result_eq(gold, pred, ordered=False):
        return False
    if not _ordered_outside(gold_sql, dialect):
        return True                 # the ORDER BY is a subquery's: the result's rows come in no set order
    tie_key = order_key_columns(gold_sql, dialect)
    return tie_key is not None and relaxed_eq(gold, pred, ordered=True, tie_key=tie_key)


def _ordered_outside(sql: str, dialect: str) -> bool:
    """Whether the outermost query has an ORDER BY (text that does not parse counts as ordered: strict)."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except (SqlglotError, ValueError):
        return True
    return not isinstance(tree, exp.Query) or tree.args.get("order") is not None
