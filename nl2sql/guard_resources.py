"""Bounded work: the guard refuses queries whose single calls build huge values or can backtrack forever.

Why the guard and not only the engine: DuckDB's ``memory_limit`` bounds what goes through its buffer
manager (joins, sorts, aggregates, a recursive CTE's working table) but not the value one scalar call
returns (``repeat``, ``lpad``, ``range``, ``list_resize`` build it in plain heap memory), and a query
timer fires only between vectors, after the allocation. SQLite checks its progress handler between VM
instructions, never inside one ``randomblob(999999999)``. Spark evaluates a constant regular expression
on the driver while planning, where a cancel does not reach it. So for these three the limit is in the
SQL, checked on the tree:

- ``built_sizes``: a size-building call (string padding and repetition, blobs, lists, series in an
  expression, printf widths) must be provably small. Its size arguments are folded (literals,
  arithmetic, casts, ``LEAST``), and whatever cannot be bounded is refused with a hint to add one.
  Nested calls multiply (``repeat(repeat('x', n), m)``), so the estimate is of the whole value.
- ``recursive_growth``: a recursive CTE whose step concatenates a recursive column with itself doubles
  every round; a bounded recursive CTE (depth counter, hierarchy walk, date spine) passes.
- ``safe_regex`` (Databricks/Spark/Hive only): patterns of ``RLIKE``/``REGEXP``/``regexp_*``/``split``
  must be literals without nested quantifiers, overlapping quantified alternatives or backreferences.
  DuckDB (RE2) and PostgreSQL match without exponential backtracking, and their timers do reach them.

``resource_bounds`` runs the three; it is the one entry in ``GUARD_RULES``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterator

from sqlglot import exp

from nl2sql.errors import Issue
from nl2sql.guard_functions import fold, function_names
from nl2sql.guard_resources_regex import regex_risk

if TYPE_CHECKING:
    from nl2sql.guard import GuardPolicy

MAX_BUILT_SIZE = 100_000       # characters, bytes or elements one call may build. A DuckDB vector holds
                               # 2,048 rows, so one vector of such values is at most ~200 MB per thread.
UNKNOWN_VALUE_SIZE = 1_000     # assumed size of a column's value when it is repeated or substituted

_SIZE_HINT = "Use a literal size no larger than {limit:,}, or cap it with LEAST(..., {limit:,})."


# ---------------------------------------------------------------- constant folding
def upper_bound(node: exp.Expression | None) -> float | None:
    """The largest value a numeric (count) expression can take, or None when it cannot be bounded.

    Folds literals, + - * / ^ %, casts and parentheses; ``LEAST`` is bounded by its smallest bounded
    argument, ``GREATEST``/``CASE`` by their largest (all must be bounded).

    >>> import sqlglot
    >>> upper_bound(sqlglot.parse_one("1000 * 1000 * 1000"))
    1000000000.0
    >>> upper_bound(sqlglot.parse_one("least(qty, 50)")), upper_bound(sqlglot.parse_one("qty"))
    (50.0, None)
    """
    return _interval(node)[1]                                  # a negative count builds nothing


def _interval(node: exp.Expression | None) -> tuple[float | None, float | None]:
    if node is None:
        return None, None
    if isinstance(node, exp.Literal):                          # '1e9'::BIGINT folds as the engine would
        try:
            value = float(node.this)
        except ValueError:
            return None, None
        return value, value
    if isinstance(node, (exp.Paren, exp.Cast, exp.TryCast)):
        return _interval(node.this)
    if isinstance(node, exp.Neg):
        low, high = _interval(node.this)
        return (None, None) if low is None or high is None else (-high, -low)
    if isinstance(node, exp.Least):
        bounded = [b for b in (_interval(a) for a in _args(node)) if b[1] is not None]
        lows = [b[0] for b in (_interval(a) for a in _args(node))]
        if not bounded:
            return None, None
        low = None if any(v is None for v in lows) else min(lows)  # type: ignore[type-var]
        return low, min(b[1] for b in bounded)  # type: ignore[type-var]
    if isinstance(node, (exp.Greatest, exp.Case, exp.If, exp.Coalesce)):
        parts = [_interval(a) for a in _branches(node)]
        if not parts or any(p[0] is None or p[1] is None for p in parts):
            return None, None
        return min(p[0] for p in parts), max(p[1] for p in parts)  # type: ignore[type-var]
    for cls, op in _ARITH.items():
        if isinstance(node, cls):
            a, b = _interval(node.this), _interval(node.expression)
            if None in a or None in b:
                return None, None
            try:
                corners = [op(x, y) for x in a for y in b]     # type: ignore[operator]
            except (OverflowError, ZeroDivisionError, ValueError):
                return float("-inf"), float("inf")
            return min(corners), max(corners)
    return None, None


def _pow(a: float, b: float) -> float:
    return float("inf") if abs(b) > 64 and abs(a) > 1 else float(a ** b)


def _mod(a: float, b: float) -> float:
    return abs(b)                                              # |a % b| < |b|: a safe corner


_ARITH: dict[type[exp.Expression], Callable[[float, float], float]] = {
    exp.Add: lambda a, b: a + b, exp.Sub: lambda a, b: a - b, exp.Mul: lambda a, b: a * b,
    exp.Div: lambda a, b: a / b, exp.IntDiv: lambda a, b: a // b, exp.Pow: _pow, exp.Mod: _mod,
}


def _args(node: exp.Expression) -> list[exp.Expression]:
    return [a for a in [node.this, *node.expressions] if isinstance(a, exp.Expression)]


def _branches(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Case):
        return [i.args["true"] for i in node.args.get("ifs") or ()] + [node.args.get("default") or exp.null()]
    if isinstance(node, exp.If):
        return [node.args.get("true"), node.args.get("false") or exp.null()]  # type: ignore[list-item]
    return _args(node)


# ---------------------------------------------------------------- size of built values
def _positional(node: exp.Expression) -> list[exp.Expression]:
    """Arguments in call order for the anonymous functions sqlglot does not model."""
    return list(node.expressions)


def _series_count(start: exp.Expression | None, end: exp.Expression | None,
                  step: exp.Expression | None) -> float | None:
    """Elements of range/generate_series/sequence with these bounds: numbers, or dates and timestamps
    with an interval step (a date spine), the way DuckDB and Spark count them."""
    a, b = upper_bound_signed(start), upper_bound_signed(end)
    if a is not None and b is not None:
        width = upper_bound(step) if step is not None else 1.0
        return abs(b - a) / max(width or 1.0, 1e-9) + 1
    t0, t1, seconds = _moment(start), _moment(end), _interval_seconds(step)
    if t0 is not None and t1 is not None:
        return abs((t1 - t0).total_seconds()) / max(seconds or 0.0, 1e-9) + 1 if seconds else None
    return None


def upper_bound_signed(node: exp.Expression | None) -> float | None:
    """A constant's exact value, when it folds to one (bounds of a series are signed)."""
    low, high = _interval(node)
    return low if low is not None and low == high else None


def _moment(node: exp.Expression | None) -> datetime | None:
    while isinstance(node, (exp.Cast, exp.TryCast, exp.Paren)):
        if isinstance(node.this, exp.Literal) and node.this.is_string:
            try:
                return datetime.fromisoformat(node.this.this)
            except ValueError:
                return None
        node = node.this
    if isinstance(node, (exp.TsOrDsToDate, exp.StrToDate, exp.TimeStrToTime)) and isinstance(node.this, exp.Literal):
        try:
            return datetime.fromisoformat(node.this.this)
        except ValueError:
            return None
    return None


# Shortest length of each unit, so the element count is an upper bound (a month is at least 28 days).
_UNIT_SECONDS = {"microsecond": 1e-6, "millisecond": 1e-3, "second": 1, "minute": 60, "hour": 3600,
                 "day": 86400, "week": 604800, "month": 28 * 86400, "quarter": 89 * 86400, "year": 365 * 86400}


def _interval_seconds(node: exp.Expression | None) -> float | None:
    if not isinstance(node, exp.Interval):
        return None
    unit = fold(node.text("unit") or "day").rstrip("s")
    amount = node.this.this if isinstance(node.this, exp.Literal) else None
    try:
        parts = str(amount).split()
        number = float(parts[0])
        if len(parts) == 2:                                    # INTERVAL '1 day'
            unit = fold(parts[1]).rstrip("s")
    except (ValueError, IndexError):
        return None
    return number * _UNIT_SECONDS[unit] if unit in _UNIT_SECONDS and number > 0 else None


def _format_width(fmt: exp.Expression | None) -> float | None:
    """Largest field width or precision in a literal printf/format string ('%5d', '{:>10}'); None when
    the format is not a literal or takes its width from an argument ('%*d').

    >>> _format_width(exp.Literal.string("%08.2f items"))
    8.0
    >>> _format_width(exp.Literal.string("%*d")), _format_width(exp.Literal.string("{0:>{1}}"))
    (None, None)
    """
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        return None
    text = str(fmt.this)
    if "*" in text or re.search(r"\{[^}]*\{", text):          # '%*d', '{:>{}}': the width is an argument
        return None
    return float(max((int(n) for n in re.findall(r"\d+", text)), default=0))


def _size(node: exp.Expression | None, memo: dict[int, float | None]) -> float | None:
    """Upper bound of the characters/elements of a value; None when unbounded (a refused builder)."""
    if node is None:
        return 0.0
    key = id(node)
    if key not in memo:
        memo[key] = _compute_size(node, memo)
    return memo[key]


def _compute_size(node: exp.Expression, memo: dict[int, float | None]) -> float | None:
    if isinstance(node, exp.Literal):
        return float(len(str(node.this)))
    if isinstance(node, exp.Column):
        return float(UNKNOWN_VALUE_SIZE)
    built = _built(node, memo)
    if built is not _NOT_A_BUILDER:
        return built                                           # type: ignore[return-value]
    if isinstance(node, (exp.Query, exp.Subquery)):
        return float(UNKNOWN_VALUE_SIZE)                       # a scalar subquery: its own builders are checked
    if isinstance(node, exp.Func) and "replace" in function_names(node):
        subject, _, replacement = (_positional_or(node, i) for i in range(3))
        a, r = _size(subject, memo), _size(replacement, memo)
        return None if a is None or r is None else a * max(r, 1.0)
    parts = [_size(c, memo) for c in node.iter_expressions()]
    return None if any(p is None for p in parts) else float(sum(parts))  # type: ignore[arg-type]


def _positional_or(node: exp.Expression, i: int) -> exp.Expression | None:
    ordered = [node.this, node.args.get("expression"), node.args.get("replacement")] if not isinstance(
        node, exp.Anonymous) else list(node.expressions)
    ordered = [a for a in ordered if a is not None] or list(node.expressions)
    return ordered[i] if i < len(ordered) else None


_NOT_A_BUILDER = object()
_LIST_RESIZERS = frozenset({"list_resize", "array_resize"})
_REPEATERS = frozenset({"array_repeat"})
_BLOBS = frozenset({"randomblob", "zeroblob"})
_PRINTF = frozenset({"printf", "format", "format_string"})


def _built(node: exp.Expression, memo: dict[int, float | None]) -> float | None | object:
    """The size a size-building call returns, None when it cannot be bounded, or _NOT_A_BUILDER."""
    names = function_names(node) if isinstance(node, exp.Func) else frozenset()
    if isinstance(node, exp.Repeat):
        count, base = upper_bound(node.args.get("times")), _size(node.this, memo)
        return None if count is None or base is None else count * max(base, 1.0)
    if isinstance(node, exp.Pad):
        return upper_bound(node.expression)
    if isinstance(node, exp.Space):
        return upper_bound(node.this)
    if isinstance(node, exp.GenerateSeries) and not _is_row_source(node):
        return _series_count(node.args.get("start"), node.args.get("end"), node.args.get("step"))
    if isinstance(node, exp.Anonymous) and names & (_LIST_RESIZERS | _REPEATERS | _BLOBS):
        args = _positional(node)
        if names & _BLOBS:
            return upper_bound(args[0]) if args else None
        count = upper_bound(args[1]) if len(args) > 1 else None
        base = _size(args[0], memo) if args else 0.0
        if names & _REPEATERS:
            return None if count is None or base is None else count * max(base, 1.0)
        return count
    if isinstance(node, exp.Anonymous) and "array_fill" in names:
        dims = _positional(node)[1:2]
        sizes = [upper_bound(d) for d in (dims[0].expressions if dims and isinstance(dims[0], exp.Array) else [])]
        if not sizes or any(s is None for s in sizes):
            return None
        total = 1.0
        for s in sizes:
            total *= s                                         # type: ignore[operator]
        return total
    if isinstance(node, exp.Format) or (isinstance(node, exp.Anonymous) and names & _PRINTF):
        fmt = node.this if isinstance(node, exp.Format) else (_positional(node) or [None])[0]
        width = _format_width(fmt)
        rest = [_size(a, memo) for a in (node.expressions if isinstance(node, exp.Format) else _positional(node)[1:])]
        if width is None or any(r is None for r in rest):
            return None
        return width * (1 + len(rest)) + float(sum(rest)) + len(str(fmt.this))  # type: ignore[union-attr,arg-type]
    return _NOT_A_BUILDER


def _is_row_source(node: exp.Expression) -> bool:
    """A series that produces rows (``FROM range(n)``, PostgreSQL's set-returning generate_series) streams
    them; the ``series_size`` rule bounds those. ``unnest(range(n))`` builds the list first, so it counts."""
    if isinstance(node, exp.ExplodingGenerateSeries):
        return True
    return isinstance(node.parent, (exp.Table, exp.Lateral))


def built_sizes(tree: exp.Expression, policy: GuardPolicy) -> Iterator[Issue]:
    """Every size-building call builds at most ``MAX_BUILT_SIZE`` characters, bytes or elements."""
    memo: dict[int, float | None] = {}
    for node in tree.walk():
        if not isinstance(node, exp.Func) or node is tree:
            continue
        built = _built(node, memo)
        if built is _NOT_A_BUILDER:
            continue
        name = _display(node)
        if built is None:
            yield Issue("too_complex", f"The size of what {name}() builds cannot be bounded. "
                        + _SIZE_HINT.format(limit=MAX_BUILT_SIZE), name)
        elif built > MAX_BUILT_SIZE:                           # type: ignore[operator]
            yield Issue("too_complex", f"{name}() would build a value of about {built:,.0f} elements; the "
                        f"limit is {MAX_BUILT_SIZE:,}. " + _SIZE_HINT.format(limit=MAX_BUILT_SIZE), name)
    for node in tree.walk():
        if isinstance(node, exp.Func) and "replace" in function_names(node):
            size = _size(node, memo)
            if size is not None and size > MAX_BUILT_SIZE:
                yield Issue("too_complex", f"replace() would build a value of about {size:,.0f} characters; the "
                            f"limit is {MAX_BUILT_SIZE:,}.", "replace")


def _display(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return fold(str(node.name))
    if isinstance(node, exp.Pad):
        return "lpad" if node.args.get("is_left") else "rpad"
    return fold(node.sql_name() if hasattr(node, "sql_name") else node.key)


# ---------------------------------------------------------------- recursive CTEs
_GROWING = (exp.DPipe, exp.Concat, exp.ConcatWs, exp.ArrayConcat)


def recursive_growth(tree: exp.Expression, policy: GuardPolicy) -> Iterator[Issue]:
    """A recursive step must not join a recursive column with itself (``s || s``): that doubles each round.

    Linear growth (``s || 'x'``, ``depth + 1``) is bounded by the engine's memory limit and timer; doubling
    reaches gigabytes in thirty rounds, inside a single value the memory limit does not see.
    """
    for with_ in tree.find_all(exp.With):
        if not with_.args.get("recursive"):
            continue
        for cte in with_.expressions:
            name = fold(cte.alias_or_name)
            body = cte.this
            steps = [body.expression] if isinstance(body, exp.SetOperation) else []
            for step in steps:
                if not isinstance(step, exp.Select) or not _reads(step, name):
                    continue
                for projection in step.expressions:
                    if _self_growth(projection, _recursive_columns(step, name)):
                        yield Issue("too_complex", f"The recursive query {cte.alias_or_name} doubles a value at each "
                                    "step, which grows without bound.", cte.alias_or_name)
                        break


def _reads(step: exp.Select, name: str) -> bool:
    return any(fold(t.name) == name for t in step.find_all(exp.Table))


def _recursive_columns(step: exp.Select, name: str) -> frozenset[str]:
    """Qualifiers the recursive step uses for the CTE (its name or alias)."""
    return frozenset(fold(t.alias_or_name) for t in step.find_all(exp.Table) if fold(t.name) == name) | {name}


def _self_growth(projection: exp.Expression, qualifiers: frozenset[str]) -> bool:
    """True when a concatenation (or a repeat) uses recursive columns more than once."""
    for node in projection.walk():
        if isinstance(node, exp.Repeat) and _recursive_refs(node.this, qualifiers):
            return True
        if isinstance(node, _GROWING) and _recursive_refs(node, qualifiers) > 1:
            return True
    return False


def _recursive_refs(node: exp.Expression, qualifiers: frozenset[str]) -> int:
    return sum(1 for c in node.find_all(exp.Column) if not c.table or fold(c.table) in qualifiers)


# ---------------------------------------------------------------- regular expressions (Spark family)
REGEX_DIALECTS = frozenset({"databricks", "spark", "spark2", "hive"})
_REGEX_NODES: tuple[type[exp.Expression], ...] = tuple(
    c for c in (getattr(exp, n, None) for n in ("RegexpLike", "RegexpILike", "RegexpExtract", "RegexpExtractAll",
                                                "RegexpReplace", "RegexpSplit", "RegexpCount", "RegexpSubstr",
                                                "RegexpInstr")) if isinstance(c, type))
_REGEX_NAMES = frozenset({"rlike", "regexp", "regexp_like", "regexp_extract", "regexp_extract_all", "regexp_replace",
                          "regexp_count", "regexp_substr", "regexp_instr", "split", "str_to_map"})


def safe_regex(tree: exp.Expression, policy: GuardPolicy) -> Iterator[Issue]:
    """On Spark-family engines every regular expression is a literal that cannot backtrack catastrophically."""
    if fold(policy.dialect or "") not in REGEX_DIALECTS and fold(policy.output_dialect or "") not in REGEX_DIALECTS:
        return
    for node in tree.walk():
        if not isinstance(node, exp.Func):
            continue
        if isinstance(node, _REGEX_NODES):
            patterns = [node.expression]
        elif isinstance(node, exp.StrToMap):
            patterns = [node.args.get("pair_delim"), node.args.get("key_value_delim")]
        elif isinstance(node, exp.Anonymous) and function_names(node) & _REGEX_NAMES:
            patterns = _positional(node)[1:2]
        else:
            continue
        name = _display(node)
        for pattern in patterns:
            if pattern is None:
                continue
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                yield Issue("unsafe_regex", f"The pattern of {name}() must be written out as text, not computed.", name)
                continue
            risk = regex_risk(str(pattern.this))
            if risk:
                yield Issue("unsafe_regex", f"The pattern '{str(pattern.this)[:60]}' of {name}() {risk}.",
                            str(pattern.this)[:60])


# ---------------------------------------------------------------- the rule
def resource_bounds(tree: exp.Expression, policy: GuardPolicy) -> Iterator[Issue]:
    """The one guard rule for bounded work: built sizes, recursive growth, regular expressions."""
    yield from built_sizes(tree, policy)
    yield from recursive_growth(tree, policy)
    yield from safe_regex(tree, policy)
