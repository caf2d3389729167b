"""Whether the SQL a user was shown is the query a frame compiles to (``turns.previous_frame``).

Shown SQL may come from elsewhere than the planner: a verified query the data team wrote for the same question
(``lineitem AS l``, ``GROUP BY month``), or the guard's rendering with its row cap. Both are compared in one
canonical form: table aliases replaced by the tables' names, the schema prefix dropped, GROUP BY and ORDER BY
references to a SELECT alias spelled out, parentheses inside AND chains dropped, the default ASC said, the row cap
aside (a frame's own N may only have been lowered by it). sqlglot's optimizer could do more (it needs the schema
and rewrites far more than two equal queries differ by); this is the part two equal queries differ by here.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp


def same_query(ours: str, shown: str, dialect: str) -> bool:
    """Whether the SQL shown to the user is the query the frame compiles to, the row cap aside.

    >>> same_query("SELECT a FROM t ORDER BY a", "select a from t order by a LIMIT 1000", "duckdb")
    True
    >>> same_query("SELECT a FROM t ORDER BY a LIMIT 5", "SELECT a FROM t ORDER BY a LIMIT 3", "duckdb")
    True
    >>> same_query("SELECT a FROM t", "SELECT b FROM t", "duckdb")
    False
    >>> same_query("SELECT YEAR(t.d) AS y, SUM(t.v) AS s FROM main.t WHERE (t.d > 1 AND t.d < 5) GROUP BY YEAR(t.d)"
    ...            " ORDER BY YEAR(t.d) ASC", "SELECT YEAR(x.d) AS y, SUM(x.v) AS s FROM t AS x WHERE x.d > 1 AND"
    ...            " x.d < 5 GROUP BY y ORDER BY y LIMIT 1000", "duckdb")
    True
    """
    a, b = _canonical(ours, dialect), _canonical(shown, dialect)
    if a is None or b is None or a[0] != b[0]:
        return False
    return a[1] is None or (b[1] is not None and b[1] <= a[1])


def _canonical(sql: str, dialect: str) -> tuple[str, int | None] | None:
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None
    limit = tree.args.get("limit") if isinstance(tree, exp.Select) else None
    n = int(limit.expression.name) if limit is not None and limit.expression is not None \
        and limit.expression.is_int else None
    if limit is not None:
        tree.set("limit", None)
    if isinstance(tree, exp.Select):
        tree = _spelled_out(_unaliased_tables(tree))
    return tree.sql(dialect=dialect, normalize=True), n


def _unaliased_tables(tree: exp.Select) -> exp.Select:
    names = {t.alias_or_name.lower(): t.name.lower() for t in tree.find_all(exp.Table)}
    if len(set(names.values())) != len(names):
        return tree                                      # one table twice: its aliases tell the rows apart
    for t in tree.find_all(exp.Table):
        t.set("alias", None)
        t.set("db", None)
        t.set("catalog", None)
    for c in tree.find_all(exp.Column):
        if c.table and c.table.lower() in names:
            c.set("table", exp.to_identifier(names[c.table.lower()]))
    return tree


def _spelled_out(tree: exp.Select) -> exp.Select:
    aliases = {e.alias.lower(): e.this for e in tree.expressions if isinstance(e, exp.Alias)}
    for key in ("group", "order"):
        clause = tree.args.get(key)
        for c in list(clause.find_all(exp.Column)) if clause is not None else ():
            if not c.table and c.name.lower() in aliases:
                c.replace(aliases[c.name.lower()].copy())
    for o in tree.find_all(exp.Ordered):
        if not o.args.get("desc"):
            o.set("desc", False)
    for p in list(tree.find_all(exp.Paren)):
        if isinstance(p.parent, (exp.And, exp.Where)) and isinstance(p.this, exp.And):
            p.replace(p.this)
    return tree
