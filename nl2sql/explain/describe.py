"""Explain SQL in plain words, from its syntax tree: what is computed, from what, filtered and ordered how.

Derived from the SQL that ran (never written by the LLM), so it cannot disagree with it. Deterministic:
the same SQL and model always give the same text. One sentence per line. Anything without a plain-words
rendering is quoted as SQL rather than guessed at.

This module writes the sentences about a query's clauses; ``words`` words the expressions inside them,
``fingerprint`` recognises the model's metrics and filters.
"""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from catalog_semantics.model import SemanticModel
from nl2sql.explain.words import (
    WordContext,
    aggregates,
    condition,
    fragment,
    join_clause,
    source,
    term,
    unaliased,
    word_list,
)
from nl2sql.explain.fingerprint import match_known, model_fingerprints

__all__ = ["explain_sql", "pretty_sql"]


def explain_sql(sql: str, *, dialect: str = "duckdb", model: SemanticModel | None = None) -> str:
    """Explain one SQL query in plain words, one sentence per line.

    >>> print(explain_sql("SELECT region, SUM(amount) AS total FROM sales WHERE year = 1996 "
    ...                   "GROUP BY region ORDER BY total DESC LIMIT 3"))
    Computes the total of amount (as “total”) for each region.
    Reads sales.
    Keeps only rows where year is 1996.
    Sorted by total, from highest to lowest.
    Shows at most 3 rows.
    """
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
    except sqlglot.errors.SqlglotError:
        return "This SQL could not be read, so it cannot be explained."
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        return "This is not a single query, so it cannot be explained."
    tree = trees[0]
    metrics, filters = model_fingerprints(model, dialect)
    ctx = WordContext(dialect, _query, metrics, filters, ambiguous=_ambiguous_columns(tree))
    return "\n".join(_query(tree, ctx))


def pretty_sql(sql: str, *, dialect: str = "duckdb") -> str:
    """The same query laid out on several lines for reading; the text as given if it does not parse.

    >>> print(pretty_sql("select a, sum(b) from t group by a"))
    SELECT
      a,
      SUM(b)
    FROM t
    GROUP BY
      a
    """
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
    except sqlglot.errors.SqlglotError:
        return sql
    return ";\n".join(t.sql(dialect=dialect, pretty=True) for t in trees) if trees else sql


def _query(q: exp.Expr, ctx: WordContext) -> list[str]:
    lines = []
    with_ = q.args.get("with_") or q.args.get("with")
    for cte in with_.expressions if with_ else ():
        inner = " ".join(_query(cte.this, ctx))
        lines.append(f"First, a step named “{cte.alias}”: {inner}")
    if isinstance(q, exp.SetOperation):
        parts = _set_parts(q)
        if isinstance(q, exp.Union):
            dup = "keeping" if q.args.get("distinct") is False else "removing"
            lines.append(f"Combines the rows of {len(parts)} queries ({dup} duplicates):")
        elif isinstance(q, exp.Intersect):
            lines.append(f"Keeps only the rows found in all of {len(parts)} queries:")
        else:
            lines.append(f"Keeps the rows of the first of {len(parts)} queries that the others do not return:")
        lines += [f"Query {i}: " + " ".join(_query(p, ctx)) for i, p in enumerate(parts, 1)]
        lines += _order_and_limit(q, ctx)
        return lines
    if isinstance(q, exp.Subquery):
        return lines + _query(q.this, ctx)
    if not isinstance(q, exp.Select):
        return lines + [f"Runs {fragment(q, ctx)}."]
    return lines + _select(q, ctx)


def _select(q: exp.Select, ctx: WordContext) -> list[str]:
    from_ = q.args.get("from_") or q.args.get("from")
    read = [t.name.lower() for t in (from_.this if from_ else None, *(j.this for j in q.args.get("joins") or ()))
            if isinstance(t, exp.Table)]
    ctx = replace(ctx, repeated_tables=frozenset(t for t in read if read.count(t) > 1), scope=frozenset(read))
    group = q.args.get("group")
    computed = [e for e in q.expressions if aggregates(e)]
    if group and group.args.get("all"):
        keys = [e for e in q.expressions if not aggregates(e)]
    else:
        keys = [_resolve(g, q) for g in group.expressions] if group else []
    if computed:
        shown = [e for e in q.expressions if e in computed or unaliased(e) not in [unaliased(k) for k in keys]]
        head = "Computes " + word_list([_item(e, ctx) for e in shown])
        if keys:
            head += " for each " + word_list([_key(k, q, ctx) for k in keys])
    elif q.args.get("distinct") or keys and {unaliased(e) for e in q.expressions} <= {unaliased(k) for k in keys}:
        head = "Lists the distinct values of " + word_list([_item(e, ctx) for e in q.expressions])
    elif keys:
        head = "Lists " + word_list([_item(e, ctx) for e in q.expressions])
        head += ", one row for each " + word_list([_key(k, q, ctx) for k in keys])
    else:
        head = "Lists " + word_list([_item(e, ctx) for e in q.expressions])
    lines = [head + "."]
    if from_ is not None:
        joins = "".join(join_clause(j, ctx) for j in q.args.get("joins") or ())
        lines.append("Reads " + source(from_.this, ctx) + joins + ".")
    if q.args.get("where"):
        lines.append("Keeps only rows where " + condition(q.args["where"].this, ctx) + ".")
    if q.args.get("having"):
        lines.append("Keeps only groups where " + condition(q.args["having"].this, ctx) + ".")
    return lines + _order_and_limit(q, ctx)


def _key(k: exp.Expr, q: exp.Select, ctx: WordContext) -> str:
    """A grouping key, named by its select alias when it has one: ``region (r_name)``."""
    k = unaliased(k)
    alias = next((e.alias for e in q.expressions if isinstance(e, exp.Alias) and e.this == k), "")
    words = term(k, ctx).removeprefix("the ")              # "for each year of o_orderdate"
    return f"{alias} ({words})" if alias and alias.lower() != words.lower() else words


def _order_and_limit(q: exp.Expr, ctx: WordContext) -> list[str]:
    lines = []
    order = q.args.get("order")
    if order:
        keys = []
        for o in order.expressions:
            target = _resolve(o.this, q) if isinstance(q, exp.Select) else o.this
            numeric = aggregates(target) or isinstance(target, exp.Binary) \
                or isinstance(o.this, exp.Column) and _is_alias_of_aggregate(o.this, q)
            direction = ("from highest to lowest" if o.args.get("desc") else "from lowest to highest") if numeric \
                else ("in descending order" if o.args.get("desc") else "in ascending order")
            keys.append(f"{term(o.this if isinstance(o.this, exp.Column) else target, ctx)}, {direction}")
        lines.append("Sorted by " + "; then by ".join(keys) + ".")
    limit, offset = q.args.get("limit"), q.args.get("offset")
    if limit is not None:
        n = limit.expression if limit.expression is not None else limit.this
        skip = f", after skipping the first {term(offset.expression, ctx)}" if offset is not None else ""
        lines.append(f"Shows at most {term(n, ctx)} rows{skip}.")
    return lines


def _item(e: exp.Expr, ctx: WordContext) -> str:
    if isinstance(e, exp.Star):
        return "all columns"
    alias = e.alias if isinstance(e, exp.Alias) else ""
    inner = e.this if isinstance(e, exp.Alias) else e
    words = term(inner, ctx)
    metric = match_known(inner, ctx.metrics, dialect=ctx.dialect, scope=ctx.scope)
    if metric and metric[0].lower() == alias.lower():
        return words
    if alias and alias.lower() != words.lower() and not (isinstance(inner, exp.Column) and inner.name == alias):
        return f"{words} (as “{alias}”)"
    return words


def _resolve(e: exp.Expr, q: exp.Expr) -> exp.Expr:
    """``GROUP BY 1`` / ``GROUP BY month`` name select items; use those items' expressions."""
    if not isinstance(q, exp.Select):
        return e
    if isinstance(e, exp.Literal) and not e.is_string and e.this.isdigit():
        i = int(e.this) - 1
        if 0 <= i < len(q.expressions):
            return unaliased(q.expressions[i])
    if isinstance(e, exp.Column) and not e.table:      # GROUP BY month, where month is a select alias
        item = next((x for x in q.expressions if isinstance(x, exp.Alias) and x.alias == e.name), None)
        if item is not None and not isinstance(item.this, exp.Column):
            aliased: exp.Expr = item.this
            return aliased
    return e


def _is_alias_of_aggregate(c: exp.Column, q: exp.Expr) -> bool:
    return any(isinstance(e, exp.Alias) and e.alias == c.name and aggregates(e) for e in q.expressions)


def _set_parts(q: exp.SetOperation) -> list[exp.Expr]:
    """Flatten ``a UNION b UNION c`` (a left-deep tree) into its queries."""
    parts: list[exp.Expr] = []
    for side in (q.this, q.expression):
        same = type(side) is type(q) and not side.args.get("order") and not side.args.get("limit")
        parts += _set_parts(side) if same else [side]
    return parts


def _ambiguous_columns(tree: exp.Expr) -> frozenset[str]:
    """Column names the query reads under more than one table, which then keep their qualifier."""
    seen: dict[str, set[str]] = {}
    for c in tree.find_all(exp.Column):
        seen.setdefault(c.name.lower(), set()).add(c.table.lower())
    return frozenset(n for n, tables in seen.items() if len(tables - {""}) > 1)
