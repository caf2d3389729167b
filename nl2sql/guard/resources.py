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
- ``recursive_growth`` (``resources_recursive``): a recursive CTE whose step concatenates a recursive column with itself doubles
  every round; a bounded recursive CTE (depth counter, hierarchy walk, date spine) passes.
- ``safe_regex`` (``resources_regex``; Databricks/Spark/Hive only): patterns of ``RLIKE``/``REGEXP``/``regexp_*``/``split``
  must be literals without nested quantifiers, overlapping quantified alternatives or backreferences.
  DuckDB (RE2) and PostgreSQL match without exponential backtracking, and their timers do reach them.

``resource_bounds`` runs the three; it is the one entry in ``GUARD_RULES``.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Final, Literal
from collections.abc import Iterator

from sqlglot import exp

from nl2sql.errors import Issue
from nl2sql.guard.functions import fold, function_names
from nl2sql.guard.resources_fold import format_width, series_count, upper_bound
from nl2sql.guard.resources_recursive import recursive_growth as recursive_growth  # re-exported
from nl2sql.guard.resources_regex import safe_regex

if TYPE_CHECKING:
    from nl2sql.guard.policy import GuardPolicy

MAX_BUILT_SIZE = 100_000       # characters, bytes or elements one call may build. A DuckDB vector holds
                               # 2,048 rows, so one vector of such values is at most ~200 MB per thread.
UNKNOWN_VALUE_SIZE = 1_000     # assumed size of a column's value when it is repeated or substituted

_SIZE_HINT = "Use a literal size no larger than {limit:,}, or cap it with LEAST(..., {limit:,})."


# ---------------------------------------------------------------- size of built values
def _positional(node: exp.Expr) -> list[exp.Expr]:
    """Arguments in call order for the anonymous functions sqlglot does not model."""
    return list(node.expressions)


def _size(node: exp.Expr | None, memo: dict[int, float | None]) -> float | None:
    """Upper bound of the characters/elements of a value; None when unbounded (a refused builder)."""
    if node is None:
        return 0.0
    key = id(node)
    if key not in memo:
        memo[key] = _compute_size(node, memo)
    return memo[key]


def _compute_size(node: exp.Expr, memo: dict[int, float | None]) -> float | None:
    if isinstance(node, exp.Literal):
        return float(len(str(node.this)))
    if isinstance(node, exp.Column):
        return float(UNKNOWN_VALUE_SIZE)
    built = _built(node, memo)
    if built is not _NOT_A_BUILDER:
        return built
    if isinstance(node, (exp.Query, exp.Subquery)):
        return float(UNKNOWN_VALUE_SIZE)                       # a scalar subquery: its own builders are checked
    if isinstance(node, exp.Func) and "replace" in function_names(node):
        subject, _, replacement = (_positional_or(node, i) for i in range(3))
        a, r = _size(subject, memo), _size(replacement, memo)
        return None if a is None or r is None else a * max(r, 1.0)
    parts = [_size(c, memo) for c in node.iter_expressions()]
    known = [p for p in parts if p is not None]
    return None if len(known) < len(parts) else float(sum(known))


def _positional_or(node: exp.Expr, i: int) -> exp.Expr | None:
    ordered = [node.this, node.args.get("expression"), node.args.get("replacement")] if not isinstance(
        node, exp.Anonymous) else list(node.expressions)
    ordered = [a for a in ordered if a is not None] or list(node.expressions)
    return ordered[i] if i < len(ordered) else None


class _Marker(Enum):
    """A one-member enum, so that ``is _NOT_A_BUILDER`` narrows the type (a bare ``object()`` would not)."""
    NOT_A_BUILDER = "not a builder"


_NOT_A_BUILDER: Final = _Marker.NOT_A_BUILDER
_LIST_RESIZERS = frozenset({"list_resize", "array_resize"})
_REPEATERS = frozenset({"array_repeat"})
_BLOBS = frozenset({"randomblob", "zeroblob"})
_SIZED = frozenset({"bitstring"})               # (value, length): DuckDB pads a bitstring to ``length`` bits
_PRINTF = frozenset({"printf", "format", "format_string"})


def _built(node: exp.Expr, memo: dict[int, float | None]) -> float | None | Literal[_Marker.NOT_A_BUILDER]:
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
        return series_count(node.args.get("start"), node.args.get("end"), node.args.get("step"))
    if isinstance(node, exp.Anonymous) and names & _SIZED:
        args = _positional(node)
        return upper_bound(args[1]) if len(args) > 1 else _size(args[0] if args else None, memo)
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
        known = [s for s in sizes if s is not None]
        if not sizes or len(known) < len(sizes):
            return None
        total = 1.0
        for s in known:
            total *= s
        return total
    if isinstance(node, exp.Format) or (isinstance(node, exp.Anonymous) and names & _PRINTF):
        fmt = node.this if isinstance(node, exp.Format) else next(iter(_positional(node)), None)
        width = format_width(fmt)
        rest = [_size(a, memo) for a in (node.expressions if isinstance(node, exp.Format) else _positional(node)[1:])]
        known = [r for r in rest if r is not None]
        if width is None or fmt is None or len(known) < len(rest):   # format_width(None) is None
            return None
        return width * (1 + len(rest)) + float(sum(known)) + len(str(fmt.this))
    return _NOT_A_BUILDER


def _is_row_source(node: exp.Expr) -> bool:
    """A series that produces rows (``FROM range(n)``, PostgreSQL's set-returning generate_series) streams
    them; the ``series_size`` rule bounds those. ``unnest(range(n))`` builds the list first, so it counts."""
    if isinstance(node, exp.ExplodingGenerateSeries):
        return True
    return isinstance(node.parent, (exp.Table, exp.Lateral))


def built_sizes(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
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
        elif built > MAX_BUILT_SIZE:
            yield Issue("too_complex", f"{name}() would build a value of about {built:,.0f} elements; the "
                        f"limit is {MAX_BUILT_SIZE:,}. " + _SIZE_HINT.format(limit=MAX_BUILT_SIZE), name)
    # Values composed of several calls (concat of many repeats, replace with a long replacement): the
    # outermost expression over the limit is reported once.
    holds: dict[int, bool] = {}
    for node in tree.walk():
        if not isinstance(node, (exp.Func, exp.Binary)) or isinstance(node, (exp.Predicate, exp.Connector)):
            continue
        is_replace = isinstance(node, exp.Func) and "replace" in function_names(node)
        if not (is_replace or (_built(node, memo) is _NOT_A_BUILDER and _holds_builder(node, memo, holds))):
            continue
        size = _size(node, memo)
        if size is not None and size > MAX_BUILT_SIZE:
            name = _display(node) if isinstance(node, exp.Func) else node.key
            yield Issue("too_complex", f"{name}() would build a value of about {size:,.0f} characters; the "
                        f"limit is {MAX_BUILT_SIZE:,}.", name)
            return


def _holds_builder(node: exp.Expr, memo: dict[int, float | None], holds: dict[int, bool]) -> bool:
    key = id(node)
    if key not in holds:
        holds[key] = _built(node, memo) is not _NOT_A_BUILDER or any(
            _holds_builder(c, memo, holds) for c in node.iter_expressions())
    return holds[key]


def _display(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return fold(str(node.name))
    if isinstance(node, exp.Pad):
        return "lpad" if node.args.get("is_left") else "rpad"
    return fold(node.sql_name() if hasattr(node, "sql_name") else node.key)


# ---------------------------------------------------------------- the rule
def resource_bounds(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """The one guard rule for bounded work: built sizes, recursive growth, regular expressions."""
    yield from built_sizes(tree, policy)
    yield from recursive_growth(tree, policy)
    yield from safe_regex(tree, policy)
