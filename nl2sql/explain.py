"""Explain SQL in plain words, from its syntax tree: what is computed, from what, filtered and ordered how.

Derived from the SQL that ran (never written by the LLM), so it cannot disagree with it. Deterministic:
the same SQL and model always give the same text. One sentence per line. Anything without a plain-words
rendering is quoted as SQL rather than guessed at.
"""

from __future__ import annotations

import functools

from dataclasses import dataclass, field, replace

import sqlglot
from sqlglot import exp

from catalog_semantics.model import SemanticModel

MAX_FRAGMENT = 120            # longer SQL fragments are shortened in the text

_AGGREGATES: dict[type[exp.Expr], str] = {
    exp.Sum: "the total of {}",
    exp.Avg: "the average of {}",
    exp.Min: "the lowest {}",
    exp.Max: "the highest {}",
    exp.Median: "the median of {}",
    exp.Stddev: "the standard deviation of {}",
}
_ARITHMETIC: dict[type[exp.Expr], str] = {exp.Add: "+", exp.Sub: "−", exp.Mul: "×", exp.Div: "÷", exp.DPipe: "joined to"}
_COMPARISONS: dict[type[exp.Expr], tuple[str, str]] = {   # (plain words, words for dates)
    exp.EQ: ("is", "is"),
    exp.NEQ: ("is not", "is not"),
    exp.GT: ("is greater than", "is after"),
    exp.GTE: ("is at least", "is on or after"),
    exp.LT: ("is less than", "is before"),
    exp.LTE: ("is at most", "is on or before"),
}
_PARTS: dict[type[exp.Expr], str] = {exp.Year: "year", exp.Month: "month", exp.Day: "day", exp.Quarter: "quarter"}


_Known = tuple[str, str, str, str]      # a metric or named filter: (fingerprint, name, description, table)


@dataclass(frozen=True)
class _Context:
    dialect: str
    metrics: tuple[_Known, ...] = ()
    filters: tuple[_Known, ...] = ()
    scope: frozenset[str] = field(default_factory=frozenset)            # tables the current SELECT reads
    ambiguous: frozenset[str] = field(default_factory=frozenset)      # column names read from several tables
    repeated_tables: frozenset[str] = field(default_factory=frozenset)  # read twice by the current SELECT


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
    ctx = _Context(dialect, *_model_fingerprints(model, dialect), ambiguous=_ambiguous_columns(tree))
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


def _query(q: exp.Expr, ctx: _Context) -> list[str]:
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
        return lines + [f"Runs {_fragment(q, ctx)}."]
    return lines + _select(q, ctx)


def _select(q: exp.Select, ctx: _Context) -> list[str]:
    source = q.args.get("from_") or q.args.get("from")
    read = [t.name.lower() for t in (source.this if source else None, *(j.this for j in q.args.get("joins") or ()))
            if isinstance(t, exp.Table)]
    ctx = replace(ctx, repeated_tables=frozenset(t for t in read if read.count(t) > 1), scope=frozenset(read))
    group = q.args.get("group")
    computed = [e for e in q.expressions if _aggregates(e)]
    if group and group.args.get("all"):
        keys = [e for e in q.expressions if not _aggregates(e)]
    else:
        keys = [_resolve(g, q) for g in group.expressions] if group else []
    if computed:
        shown = [e for e in q.expressions if e in computed or _unaliased(e) not in [_unaliased(k) for k in keys]]
        head = "Computes " + _join_words([_item(e, ctx) for e in shown])
        if keys:
            head += " for each " + _join_words([_key(k, q, ctx) for k in keys])
    elif q.args.get("distinct") or keys and {_unaliased(e) for e in q.expressions} <= {_unaliased(k) for k in keys}:
        head = "Lists the distinct values of " + _join_words([_item(e, ctx) for e in q.expressions])
    elif keys:
        head = "Lists " + _join_words([_item(e, ctx) for e in q.expressions])
        head += ", one row for each " + _join_words([_key(k, q, ctx) for k in keys])
    else:
        head = "Lists " + _join_words([_item(e, ctx) for e in q.expressions])
    lines = [head + "."]
    if source is not None:
        joins = "".join(_join(j, ctx) for j in q.args.get("joins") or ())
        lines.append("Reads " + _source(source.this, ctx) + joins + ".")
    if q.args.get("where"):
        lines.append("Keeps only rows where " + _cond(q.args["where"].this, ctx) + ".")
    if q.args.get("having"):
        lines.append("Keeps only groups where " + _cond(q.args["having"].this, ctx) + ".")
    return lines + _order_and_limit(q, ctx)


def _unaliased(e: exp.Expr) -> exp.Expr:
    return e.this if isinstance(e, exp.Alias) else e


def _key(k: exp.Expr, q: exp.Select, ctx: _Context) -> str:
    """A grouping key, named by its select alias when it has one: ``region (r_name)``."""
    k = _unaliased(k)
    alias = next((e.alias for e in q.expressions if isinstance(e, exp.Alias) and e.this == k), "")
    words = _term(k, ctx).removeprefix("the ")              # "for each year of o_orderdate"
    return f"{alias} ({words})" if alias and alias.lower() != words.lower() else words


def _order_and_limit(q: exp.Expr, ctx: _Context) -> list[str]:
    lines = []
    order = q.args.get("order")
    if order:
        keys = []
        for o in order.expressions:
            target = _resolve(o.this, q) if isinstance(q, exp.Select) else o.this
            numeric = _aggregates(target) or isinstance(target, exp.Binary) \
                or isinstance(o.this, exp.Column) and _is_alias_of_aggregate(o.this, q)
            direction = ("from highest to lowest" if o.args.get("desc") else "from lowest to highest") if numeric \
                else ("in descending order" if o.args.get("desc") else "in ascending order")
            keys.append(f"{_term(o.this if isinstance(o.this, exp.Column) else target, ctx)}, {direction}")
        lines.append("Sorted by " + "; then by ".join(keys) + ".")
    limit, offset = q.args.get("limit"), q.args.get("offset")
    if limit is not None:
        n = limit.expression if limit.expression is not None else limit.this
        skip = f", after skipping the first {_term(offset.expression, ctx)}" if offset is not None else ""
        lines.append(f"Shows at most {_term(n, ctx)} rows{skip}.")
    return lines


def _item(e: exp.Expr, ctx: _Context) -> str:
    if isinstance(e, exp.Star):
        return "all columns"
    alias = e.alias if isinstance(e, exp.Alias) else ""
    inner = e.this if isinstance(e, exp.Alias) else e
    words = _term(inner, ctx)
    metric = _match(inner, ctx.metrics, ctx)
    if metric and metric[0].lower() == alias.lower():
        return words
    if alias and alias.lower() != words.lower() and not (isinstance(inner, exp.Column) and inner.name == alias):
        return f"{words} (as “{alias}”)"
    return words


def _term(e: exp.Expr | None, ctx: _Context) -> str:
    """A value expression in plain words."""
    if e is None:
        return "nothing"
    metric = _match(e, ctx.metrics, ctx)
    if metric:
        desc = metric[1].rstrip(". ")
        return f"the “{metric[0]}” metric ({desc[:1].lower() + desc[1:]})" if desc else f"the “{metric[0]}” metric"
    if isinstance(e, exp.Paren):
        return f"({_term(e.this, ctx)})"
    if isinstance(e, exp.Column):
        return _column(e, ctx)
    if isinstance(e, exp.Star):
        return "all columns"
    if isinstance(e, exp.Literal):
        return f"'{e.this}'" if e.is_string else e.this
    if isinstance(e, exp.Null):
        return "empty"
    if isinstance(e, exp.Boolean):
        return "true" if e.this else "false"
    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal):
        return e.this.this                               # DATE '1996-01-01' reads as 1996-01-01
    if isinstance(e, exp.Cast):
        return _term(e.this, ctx)
    if isinstance(e, exp.Neg):
        return f"−{_term(e.this, ctx)}"
    if isinstance(e, exp.Count):
        arg = e.this
        if arg is None or isinstance(arg, exp.Star):
            return "the number of rows"
        if isinstance(arg, exp.Distinct):
            return "the number of distinct " + _join_words([_term(x, ctx) for x in arg.expressions])
        return f"the number of non-empty {_term(arg, ctx)}"
    if type(e) in _AGGREGATES:
        return _AGGREGATES[type(e)].format(_term(e.this, ctx))
    if type(e) in _ARITHMETIC:
        return f"{_term(e.this, ctx)} {_ARITHMETIC[type(e)]} {_term(e.expression, ctx)}"
    if type(e) in _PARTS:
        return f"the {_PARTS[type(e)]} of {_term(e.this, ctx)}"
    if isinstance(e, exp.Extract):
        return f"the {e.this.name.lower()} of {_term(e.expression, ctx)}"
    if isinstance(e, (exp.DateTrunc, exp.TimestampTrunc)) and e.args.get("unit") is not None:
        return f"the {e.args['unit'].name.lower()} of {_term(e.this, ctx)}"
    if isinstance(e, (exp.Subquery, exp.Query)):
        return "the result of a sub-query (" + " ".join(_query(e, ctx)) + ")"
    return _fragment(e, ctx)


def _cond(e: exp.Expr, ctx: _Context) -> str:
    """A condition in plain words."""
    named = _match(e, ctx.filters, ctx)
    if named:
        return f"the “{named[0]}” condition holds ({_fragment(e, ctx)})"
    if isinstance(e, exp.Paren):
        return _cond(e.this, ctx)
    if isinstance(e, exp.And):
        return f"{_cond(e.this, ctx)} and {_cond(e.expression, ctx)}"
    if isinstance(e, exp.Or):
        return f"({_cond(e.this, ctx)} or {_cond(e.expression, ctx)})"
    if isinstance(e, exp.Not):
        inner = e.this.this if isinstance(e.this, exp.Paren) else e.this
        if isinstance(inner, exp.Is):
            return f"{_term(inner.this, ctx)} is not empty"
        if isinstance(inner, exp.In):
            return _in(inner, ctx, negate=True)
        if isinstance(inner, (exp.Like, exp.ILike)):
            return _like(inner, ctx, negate=True)
        if isinstance(inner, exp.Exists):
            return _exists(inner, ctx, negate=True)
        return f"it is not true that {_cond(inner, ctx)}"
    if type(e) in _COMPARISONS:
        plain, dated = _COMPARISONS[type(e)]
        return f"{_term(e.this, ctx)} {dated if _is_date(e.expression) else plain} {_term(e.expression, ctx)}"
    if isinstance(e, exp.Is):
        return f"{_term(e.this, ctx)} is empty" if isinstance(e.expression, exp.Null) else _fragment(e, ctx)
    if isinstance(e, exp.In):
        return _in(e, ctx, negate=False)
    if isinstance(e, exp.Between):
        return f"{_term(e.this, ctx)} is between {_term(e.args['low'], ctx)} and {_term(e.args['high'], ctx)}"
    if isinstance(e, (exp.Like, exp.ILike)):
        return _like(e, ctx, negate=False)
    if isinstance(e, exp.Exists):
        return _exists(e, ctx, negate=False)
    return _term(e, ctx)


def _exists(e: exp.Exists, ctx: _Context, *, negate: bool) -> str:
    """``NOT EXISTS (SELECT 1 FROM orders WHERE o_custkey = c_custkey)``: there is no row of orders where ..."""
    q = e.this
    source = q.args.get("from_") or q.args.get("from") if isinstance(q, exp.Select) else None
    if source is None or q.args.get("group") or q.args.get("with_"):
        return ("no" if negate else "a") + " matching row exists (" + " ".join(_query(q, ctx)) + ")"
    read = [t.name.lower() for t in (source.this, *(j.this for j in q.args.get("joins") or ())) if isinstance(t, exp.Table)]
    inner = replace(ctx, scope=frozenset(read))
    text = f"there is {'no' if negate else 'a'} row of {_source(source.this, inner)}"
    text += "".join(_join(j, inner) for j in q.args.get("joins") or ())
    return text + (f" where {_cond(q.args['where'].this, inner)}" if q.args.get("where") else "")


def _in(e: exp.In, ctx: _Context, *, negate: bool) -> str:
    verb = "is not one of" if negate else "is one of"
    query = e.args.get("query")
    if query is not None:
        return f"{_term(e.this, ctx)} {verb} the values of a sub-query (" + " ".join(_query(query, ctx)) + ")"
    return f"{_term(e.this, ctx)} {verb} " + ", ".join(_term(x, ctx) for x in e.expressions)


def _like(e: exp.Expr, ctx: _Context, *, negate: bool) -> str:
    case = " (ignoring case)" if isinstance(e, exp.ILike) else ""
    verb = "does not match" if negate else "matches"
    return f"{_term(e.this, ctx)} {verb} the pattern {_term(e.expression, ctx)}{case}"


def _source(t: exp.Expr, ctx: _Context) -> str:
    if isinstance(t, exp.Table):
        return f"{t.name} (as “{t.alias}”)" if t.alias and t.name.lower() in ctx.repeated_tables else t.name
    if isinstance(t, exp.Subquery):
        label = f" named “{t.alias}”" if t.alias else ""
        return f"a sub-query{label} (" + " ".join(_query(t.this, ctx)) + ")"
    return _fragment(t, ctx)


def _join(j: exp.Join, ctx: _Context) -> str:
    target = _source(j.this, ctx)
    on, using = j.args.get("on"), j.args.get("using")
    match = f" on {_join_condition(on, ctx)}" if on is not None else \
        f" on the same {_join_words([u.name for u in using])}" if using else ""
    side, kind = (j.side or "").upper(), (j.kind or "").upper()
    if kind == "CROSS" or (not match and not side):
        return f", combined with every row of {target}"
    if side == "LEFT":
        return f", plus {target} where it matches{match} (keeping rows without a match)"
    if side == "RIGHT":
        return f", with every row of {target}{match} (kept even without a match)"
    if side == "FULL":
        return f", with {target}{match} (keeping rows without a match on either side)"
    return f", joined with {target}{match}"


def _join_condition(e: exp.Expr, ctx: _Context) -> str:
    """Key equalities read best as ``a = b``; anything else as a condition."""
    if isinstance(e, exp.And):
        return f"{_join_condition(e.this, ctx)} and {_join_condition(e.expression, ctx)}"
    if isinstance(e, exp.EQ) and isinstance(e.this, exp.Column) and isinstance(e.expression, exp.Column):
        return f"{_column(e.this, ctx)} = {_column(e.expression, ctx)}"
    return _cond(e, ctx)


def _column(c: exp.Column, ctx: _Context) -> str:
    if c.table and c.name.lower() in ctx.ambiguous:
        return f"{c.table}.{c.name}"
    return c.name


def _resolve(e: exp.Expr, q: exp.Expr) -> exp.Expr:
    """``GROUP BY 1`` / ``GROUP BY month`` name select items; use those items' expressions."""
    if not isinstance(q, exp.Select):
        return e
    if isinstance(e, exp.Literal) and not e.is_string and e.this.isdigit():
        i = int(e.this) - 1
        if 0 <= i < len(q.expressions):
            return _unaliased(q.expressions[i])
    if isinstance(e, exp.Column) and not e.table:      # GROUP BY month, where month is a select alias
        item = next((x for x in q.expressions if isinstance(x, exp.Alias) and x.alias == e.name), None)
        if item is not None and not isinstance(item.this, exp.Column):
            return item.this
    return e


def _is_alias_of_aggregate(c: exp.Column, q: exp.Expr) -> bool:
    return any(isinstance(e, exp.Alias) and e.alias == c.name and _aggregates(e) for e in q.expressions)


def _aggregates(e: exp.Expr) -> bool:
    """Whether ``e`` folds rows together: an aggregate not inside a window (``RANK() OVER`` keeps rows)."""
    for agg in e.find_all(exp.AggFunc):
        node: exp.Expr | None = agg
        while node is not None and node is not e and not isinstance(node, (exp.Window, exp.Query)):
            node = node.parent
        if node is e:
            return True
    return False


def _is_date(e: exp.Expr | None) -> bool:
    if isinstance(e, exp.Cast):
        return e.to.is_type(*exp.DataType.TEMPORAL_TYPES)
    return isinstance(e, exp.Literal) and e.is_string and len(e.this) >= 10 and e.this[4:5] == "-" \
        and e.this[:4].isdigit()


def _fragment(e: exp.Expr, ctx: _Context) -> str:
    text = e.sql(dialect=ctx.dialect)
    return f"`{text if len(text) <= MAX_FRAGMENT else text[: MAX_FRAGMENT - 1] + '…'}`"


def _join_words(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else "nothing"


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


def _fingerprint(e: exp.Expr, dialect: str) -> str:
    """The expression with table qualifiers and outer parentheses dropped, identifiers lower-cased."""
    node = e.copy()
    while isinstance(node, exp.Paren):
        node = node.this
    node = node.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
    return node.sql(dialect=dialect, normalize=True)


def _match(e: exp.Expr, known: tuple[_Known, ...], ctx: _Context) -> tuple[str, str] | None:
    """The metric or named filter ``e`` computes, if its SQL is the same and its table is read here."""
    if not known or not isinstance(e, (exp.Func, exp.Binary, exp.Paren, exp.Predicate, exp.Unary)):
        return None
    fp = _fingerprint(e, ctx.dialect)
    return next(((name, desc) for f, name, desc, table in known if f == fp and table.lower() in ctx.scope), None)


def _model_fingerprints(
    model: SemanticModel | None, dialect: str
) -> tuple[tuple[_Known, ...], tuple[_Known, ...]]:
    if model is None:
        return (), ()
    metrics = tuple(_known(m.sql, m.name, m.description, m.table, dialect) for m in model.metrics)
    filters = tuple(_known(f.sql, f.name, f.description, f.table, dialect) for f in model.filters)
    return tuple(k for k in metrics if k), tuple(k for k in filters if k)


@functools.lru_cache(maxsize=4_096)
def _known(sql: str, name: str, description: str | None, table: str, dialect: str) -> _Known | None:
    try:
        return (_fingerprint(sqlglot.parse_one(sql, read=dialect), dialect), name, description or "", table)
    except sqlglot.errors.SqlglotError:
        return None                              # a definition we cannot parse simply never matches


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
            column = model.table(owner).column(c.name)  # type: ignore[union-attr]
            if column is not None:
                if (owner, column.name, column.comment) not in columns:
                    columns.append((owner, column.name, column.comment))
                break
    metrics_fp, filters_fp = _model_fingerprints(model, dialect)
    ctx = _Context(dialect, metrics_fp, filters_fp, scope=frozenset(name.lower() for name, _ in tables))
    found_metrics: list[tuple[str, str | None]] = []
    found_filters: list[tuple[str, str | None]] = []
    for node in tree.walk():
        if isinstance(node, exp.AggFunc) or (isinstance(node, (exp.Binary, exp.Paren)) and node.find(exp.AggFunc)):
            _collect(_match(node, ctx.metrics, ctx), found_metrics)
        elif isinstance(node, (exp.Predicate, exp.Not)):
            _collect(_match(node, ctx.filters, ctx), found_filters)
    return SqlUsage(tuple(tables), tuple(columns), tuple(found_metrics), tuple(found_filters))


def _collect(hit: tuple[str, str] | None, found: list[tuple[str, str | None]]) -> None:
    if hit is not None and all(name != hit[0] for name, _ in found):
        found.append((hit[0], hit[1] or None))
