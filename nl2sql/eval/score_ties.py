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


def outer_order_matters(gold_sql: str, dialect: str = "duckdb") -> bool:
    """Whether row order counts: the gold's outermost query orders its rows. An ORDER BY only inside a CTE or
    a subquery (the top 10 picked, then joined or filtered) says nothing of the result's order, though the
    evaluator's substring test (``order_matters``) counts it; text that does not parse falls back to that test.

    >>> outer_order_matters("WITH t AS (SELECT a FROM x ORDER BY a LIMIT 3) SELECT a FROM t")
    False
    >>> outer_order_matters("SELECT a FROM x ORDER BY a"), outer_order_matters("SELECT a FROM x WHERE b IN (SELECT b FROM y ORDER BY c LIMIT 1)")
    (True, False)
    """
    if not order_matters(gold_sql):
        return False
    try:
        tree = sqlglot.parse_one(gold_sql, read=dialect)
    except (SqlglotError, ValueError):
        return True
    return not isinstance(tree, exp.Query) or tree.args.get("order") is not None


def result_eq_up_to_ties(gold: Sequence[Row], pred: Sequence[Row], gold_sql: str, dialect: str = "duckdb") -> bool:
    """Spider's strict match, except that rows tied on the gold's ORDER BY key match in any order, and order
    counts only when the gold's outermost query orders (``outer_order_matters``).

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
    ordered = outer_order_matters(gold_sql, dialect)
    if result_eq(gold, pred, ordered=ordered):
        return True
    if not ordered or not result_eq(gold, pred, ordered=False):
        return False
    tie_key = order_key_columns(gold_sql, dialect)
    return tie_key is not None and relaxed_eq(gold, pred, ordered=True, tie_key=tie_key)

