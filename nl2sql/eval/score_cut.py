"""Whether an answer that misses a gold's top N differs from it only in which tied rows the cut kept.

"Which year has the most concerts?" with two years tied at the top: the gold's ``ORDER BY count(*) DESC LIMIT 1``
keeps whichever tied row its engine returned first; the product breaks the tie by a stated rule and says so in
its notes (planner/checks_ties.py). Both are one of the right answers. This check reruns the gold without its
LIMIT, with its ORDER BY keys beside the shown columns, and accepts a prediction of the same length that holds
every row ranked above the cut and otherwise only rows tied with the last one kept. Used by the Spider benchmark
to report a tie-aware figure beside the strict one; it never changes the strict score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import sqlglot
from sqlglot import exp

from nl2sql.eval.score import Row

Run = Callable[[str], Sequence[Row]]


def _unlimited_with_keys(gold_sql: str, dialect: str) -> tuple[str, int, int] | None:
    """The gold without its LIMIT, its ORDER BY keys appended to the shown columns; (sql, shown width, N)."""
    try:
        tree = sqlglot.parse_one(gold_sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None
    limit, order = tree.args.get("limit"), tree.args.get("order")
    if not isinstance(tree, exp.Select) or limit is None or order is None:
        return None
    try:
        n = int(limit.expression.name)
    except (AttributeError, ValueError):
        return None
    width = len(tree.expressions)
    keyed = tree.copy()
    keyed.set("limit", None)
    for i, ordered in enumerate(order.expressions):
        keyed = keyed.select(exp.alias_(ordered.this.copy(), f"cut_key_{i}"), copy=False)
    return keyed.sql(dialect=dialect), width, n


def tied_at_cut(run: Run, gold_sql: str, pred: Sequence[Row], dialect: str = "sqlite") -> bool:
    """Whether ``pred`` is the gold's top N up to which rows tied at the cut were kept.

    >>> import sqlite3
    >>> con = sqlite3.connect(":memory:")
    >>> _ = con.executescript("CREATE TABLE c (y TEXT); INSERT INTO c VALUES ('a'), ('a'), ('b'), ('b'), ('c');")
    >>> gold = "SELECT y FROM c GROUP BY y ORDER BY count(*) DESC LIMIT 1"
    >>> run = lambda sql: con.execute(sql).fetchall()
    >>> tied_at_cut(run, gold, [("a",)]), tied_at_cut(run, gold, [("b",)]), tied_at_cut(run, gold, [("c",)])
    (True, True, False)
    """
    found = _unlimited_with_keys(gold_sql, dialect)
    if found is None:
        return False
    sql, width, n = found
    try:
        rows = [tuple(r) for r in run(sql)]
    except Exception:              # the rewritten gold may not run on every engine: no verdict
        return False
    if len(rows) <= n or len(pred) != n or any(len(r) != width for r in pred):
        return False
    cut = rows[n - 1][width:]
    above = [r[:width] for r in rows[:n] if r[width:] != cut]
    tied = [r[:width] for r in rows if r[width:] == cut]
    shown = Counter(tuple(r) for r in pred)
    rest = shown - Counter(above)
    return not (Counter(above) - shown) and not (rest - Counter(tied))
