"""Plain words for SQL expressions and conditions: the vocabulary ``explain_sql`` builds its sentences from.

``term`` words a value (``SUM(amount)`` -> "the total of amount"), ``condition`` a predicate
(``o_orderdate >= DATE '1996-01-01'`` -> "o_orderdate is on or after 1996-01-01"), ``source`` and
``join_clause`` what a query reads. A sub-query inside an expression is worded as a whole query by the
``describe_query`` hook the caller puts in the context (explain.py owns query sentences, which in turn
use these words). Anything without a plain-words rendering is quoted as SQL rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlglot import exp

from nl2sql.explain.fingerprint import Known, match_known

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


@dataclass(frozen=True)
class WordContext:
    """What wording an expression depends on: the dialect, the model's definitions, the tables in scope."""

    dialect: str
    describe_query: Callable[[exp.Expr, WordContext], list[str]]      # sentences for a nested query
    metrics: tuple[Known, ...] = ()
    filters: tuple[Known, ...] = ()
    scope: frozenset[str] = field(default_factory=frozenset)            # tables the current SELECT reads
    ambiguous: frozenset[str] = field(default_factory=frozenset)      # column names read from several tables
    repeated_tables: frozenset[str] = field(default_factory=frozenset)  # read twice by the current SELECT


def term(e: exp.Expr | None, ctx: WordContext) -> str:
    """A value expression in plain words."""
    if e is None:
        return "nothing"
    metric = _match(e, ctx.metrics, ctx)
    if metric:
        desc = metric[1].rstrip(". ")
        return f"the “{metric[0]}” metric ({desc[:1].lower() + desc[1:]})" if desc else f"the “{metric[0]}” metric"
    if isinstance(e, exp.Paren):
        return f"({term(e.this, ctx)})"
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
        return str(e.this.this)                          # DATE '1996-01-01' reads as 1996-01-01
    if isinstance(e, exp.Cast):
        return term(e.this, ctx)
    if isinstance(e, exp.Neg):
        return f"−{term(e.this, ctx)}"
    if isinstance(e, exp.Count):
        arg = e.this
        if arg is None or isinstance(arg, exp.Star):
            return "the number of rows"
        if isinstance(arg, exp.Distinct):
            return "the number of distinct " + word_list([term(x, ctx) for x in arg.expressions])
        return f"the number of non-empty {term(arg, ctx)}"
    if type(e) in _AGGREGATES:
        return _AGGREGATES[type(e)].format(term(e.this, ctx))
    if type(e) in _ARITHMETIC:
        return f"{term(e.this, ctx)} {_ARITHMETIC[type(e)]} {term(e.expression, ctx)}"
    if type(e) in _PARTS:
        return f"the {_PARTS[type(e)]} of {term(e.this, ctx)}"
    if isinstance(e, exp.Extract):
        return f"the {e.this.name.lower()} of {term(e.expression, ctx)}"
    if isinstance(e, (exp.DateTrunc, exp.TimestampTrunc)) and e.args.get("unit") is not None:
        return f"the {e.args['unit'].name.lower()} of {term(e.this, ctx)}"
    if isinstance(e, (exp.Subquery, exp.Query)):
        return "the result of a sub-query (" + " ".join(ctx.describe_query(e, ctx)) + ")"
    return fragment(e, ctx)


def condition(e: exp.Expr, ctx: WordContext) -> str:
    """A condition in plain words."""
    named = _match(e, ctx.filters, ctx)
    if named:
        return f"the “{named[0]}” condition holds ({fragment(e, ctx)})"
    if isinstance(e, exp.Paren):
        return condition(e.this, ctx)
    if isinstance(e, exp.And):
        return f"{condition(e.this, ctx)} and {condition(e.expression, ctx)}"
    if isinstance(e, exp.Or):
        return f"({condition(e.this, ctx)} or {condition(e.expression, ctx)})"
    if isinstance(e, exp.Not):
        inner = e.this.this if isinstance(e.this, exp.Paren) else e.this
        if isinstance(inner, exp.Is):
            return f"{term(inner.this, ctx)} is not empty"
        if isinstance(inner, exp.In):
            return _in(inner, ctx, negate=True)
        if isinstance(inner, (exp.Like, exp.ILike)):
            return _like(inner, ctx, negate=True)
        if isinstance(inner, exp.Exists):
            return _exists(inner, ctx, negate=True)
        return f"it is not true that {condition(inner, ctx)}"
    if type(e) in _COMPARISONS:
        plain, dated = _COMPARISONS[type(e)]
        return f"{term(e.this, ctx)} {dated if _is_date(e.expression) else plain} {term(e.expression, ctx)}"
    if isinstance(e, exp.Is):
        return f"{term(e.this, ctx)} is empty" if isinstance(e.expression, exp.Null) else fragment(e, ctx)
    if isinstance(e, exp.In):
        return _in(e, ctx, negate=False)
    if isinstance(e, exp.Between):
        return f"{term(e.this, ctx)} is between {term(e.args['low'], ctx)} and {term(e.args['high'], ctx)}"
    if isinstance(e, (exp.Like, exp.ILike)):
        return _like(e, ctx, negate=False)
    if isinstance(e, exp.Exists):
        return _exists(e, ctx, negate=False)
    return term(e, ctx)


def _exists(e: exp.Exists, ctx: WordContext, *, negate: bool) -> str:
    """``NOT EXISTS (SELECT 1 FROM orders WHERE o_custkey = c_custkey)``: there is no row of orders where ..."""
    q = e.this
    from_ = q.args.get("from_") or q.args.get("from") if isinstance(q, exp.Select) else None
    if from_ is None or q.args.get("group") or q.args.get("with_"):
        return ("no" if negate else "a") + " matching row exists (" + " ".join(ctx.describe_query(q, ctx)) + ")"
    read = [t.name.lower() for t in (from_.this, *(j.this for j in q.args.get("joins") or ())) if isinstance(t, exp.Table)]
    inner = replace(ctx, scope=frozenset(read))
    text = f"there is {'no' if negate else 'a'} row of {source(from_.this, inner)}"
    text += "".join(join_clause(j, inner) for j in q.args.get("joins") or ())
    return text + (f" where {condition(q.args['where'].this, inner)}" if q.args.get("where") else "")


def _in(e: exp.In, ctx: WordContext, *, negate: bool) -> str:
    verb = "is not one of" if negate else "is one of"
    query = e.args.get("query")
    if query is not None:
        inner = " ".join(ctx.describe_query(query, ctx))
        return f"{term(e.this, ctx)} {verb} the values of a sub-query ({inner})"
    return f"{term(e.this, ctx)} {verb} " + ", ".join(term(x, ctx) for x in e.expressions)


def _like(e: exp.Expr, ctx: WordContext, *, negate: bool) -> str:
    case = " (ignoring case)" if isinstance(e, exp.ILike) else ""
    verb = "does not match" if negate else "matches"
    return f"{term(e.this, ctx)} {verb} the pattern {term(e.expression, ctx)}{case}"


def source(t: exp.Expr, ctx: WordContext) -> str:
    """A table or sub-query read by FROM/JOIN; a table read twice keeps its alias to tell the two apart."""
    if isinstance(t, exp.Table):
        return f"{t.name} (as “{t.alias}”)" if t.alias and t.name.lower() in ctx.repeated_tables else t.name
    if isinstance(t, exp.Subquery):
        label = f" named “{t.alias}”" if t.alias else ""
        return f"a sub-query{label} (" + " ".join(ctx.describe_query(t.this, ctx)) + ")"
    return fragment(t, ctx)


def join_clause(j: exp.Join, ctx: WordContext) -> str:
    """One JOIN as a phrase that continues "Reads <table>": ", joined with nation on n_nationkey = ..."."""
    target = source(j.this, ctx)
    on, using = j.args.get("on"), j.args.get("using")
    match = f" on {_join_condition(on, ctx)}" if on is not None else \
        f" on the same {word_list([u.name for u in using])}" if using else ""
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


def _join_condition(e: exp.Expr, ctx: WordContext) -> str:
    """Key equalities read best as ``a = b``; anything else as a condition."""
    if isinstance(e, exp.And):
        return f"{_join_condition(e.this, ctx)} and {_join_condition(e.expression, ctx)}"
    if isinstance(e, exp.EQ) and isinstance(e.this, exp.Column) and isinstance(e.expression, exp.Column):
        return f"{_column(e.this, ctx)} = {_column(e.expression, ctx)}"
    return condition(e, ctx)


def _column(c: exp.Column, ctx: WordContext) -> str:
    if c.table and c.name.lower() in ctx.ambiguous:
        return f"{c.table}.{c.name}"
    return c.name


def unaliased(e: exp.Expr) -> exp.Expr:
    """The expression under a select alias (``SUM(x) AS total`` -> ``SUM(x)``)."""
    return e.this if isinstance(e, exp.Alias) else e


def aggregates(e: exp.Expr) -> bool:
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


def fragment(e: exp.Expr, ctx: WordContext) -> str:
    """The expression quoted as SQL, shortened past ``MAX_FRAGMENT`` characters."""
    text = e.sql(dialect=ctx.dialect)
    return f"`{text if len(text) <= MAX_FRAGMENT else text[: MAX_FRAGMENT - 1] + '…'}`"


def word_list(words: list[str]) -> str:
    """Words joined as in a sentence.

    >>> word_list(["region", "year", "month"])
    'region, year and month'
    """
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else "nothing"


def _match(e: exp.Expr, known: tuple[Known, ...], ctx: WordContext) -> tuple[str, str] | None:
    """The metric or named filter ``e`` computes, if its SQL is the same and its table is read here."""
    return match_known(e, known, dialect=ctx.dialect, scope=ctx.scope)
