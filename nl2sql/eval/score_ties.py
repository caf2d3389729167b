"""Strict execution match that lets rows tied on the gold's ORDER BY key come back in either order.

The official strict score compares ordered results as lists, so a gold whose ORDER BY has ties is
right or wrong depending on the order the engine happened to return the tied rows in; on DuckDB
that order changes from run to run. Snapshots must not flip on it, so they score with this: the two
results are equal as bags (strict values, same width) and, when order matters, their order agrees up
to ties (the relaxed score's tie-group rule).
"""

from __future__ import annotations

from collections.abc import Sequence

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
    """
    ordered = order_matters(gold_sql)
    if result_eq(gold, pred, ordered=ordered):
        return True
    if not ordered or not result_eq(gold, pred, ordered=False):
        return False
    tie_key = order_key_columns(gold_sql, dialect)
    return tie_key is not None and relaxed_eq(gold, pred, ordered=True, tie_key=tie_key)
