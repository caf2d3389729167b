"""The row cap: add a LIMIT, or lower the one the query has, on the outermost query.

A LIMIT on a set operation (``... UNION ... LIMIT n``) belongs to the whole result, which is where
sqlglot puts it, so it is set on the root node and ORDER BY keeps its meaning. Limits that are not plain
numbers (an expression, FETCH ... PERCENT / WITH TIES) are kept and the query is wrapped in an outer
``SELECT * FROM (...) LIMIT n``.
"""

from __future__ import annotations

from sqlglot import exp


def _literal_int(node: exp.Expr | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(str(node.this))
        except ValueError:
            return None
    return None


def unwrap(tree: exp.Expr) -> exp.Expr:
    """``((SELECT ...))`` -> ``SELECT ...``: outer parentheses add nothing to a statement."""
    while isinstance(tree, exp.Subquery) and not tree.alias and isinstance(tree.this, exp.Query) \
            and not any(tree.args.get(k) for k in ("limit", "offset", "order", "with_", "with")):
        tree = tree.this
    return tree


def current_limit(tree: exp.Expr) -> tuple[bool, int | None]:
    """(has a LIMIT/FETCH, its plain row count or None when it is not a plain number)."""
    node = tree.args.get("limit")
    if node is None:
        return False, None
    if isinstance(node, exp.Limit):
        return True, _literal_int(node.expression)
    if isinstance(node, exp.Fetch):
        options = node.args.get("limit_options")
        if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
            return True, None
        return True, _literal_int(node.args.get("count"))
    return True, None


def apply_limit(tree: exp.Expr, max_rows: int | None) -> tuple[exp.Expr, int | None]:
    """Return the capped tree and its effective limit.

    >>> import sqlglot
    >>> t, n = apply_limit(sqlglot.parse_one("SELECT a FROM t LIMIT 5000"), 100)
    >>> t.sql(), n
    ('SELECT a FROM t LIMIT 100', 100)
    """
    tree = unwrap(tree)
    if isinstance(tree, (exp.Pivot, exp.Values)):             # PIVOT or VALUES statements have no LIMIT
        if max_rows is None:
            return tree, None
        alias = exp.TableAlias(this=exp.to_identifier("_guarded"))
        wrapped = exp.select("*").from_(exp.Subquery(this=tree, alias=alias))
        return wrapped.limit(max_rows), max_rows
    has, rows = current_limit(tree)
    if max_rows is None:
        return tree, rows
    if not has:
        tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))
        return tree, max_rows
    if rows is not None:
        if rows > max_rows:
            tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))
        return tree, min(rows, max_rows)
    if not isinstance(tree, exp.Query):                       # only queries carry a LIMIT the guard may keep
        raise TypeError(f"cannot wrap a {type(tree).__name__} in a LIMIT")
    wrapped = exp.select("*").from_(tree.subquery("_guarded"))
    wrapped.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))
    return wrapped, max_rows
