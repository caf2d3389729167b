"""Constant folding for the guard's size checks: the largest value a count can take, series lengths
(numbers, or dates with an interval step) and printf/format field widths, read from the syntax tree.

Sizes are upper bounds: whatever cannot be bounded is None, and the caller refuses it.
"""

from __future__ import annotations

import re
from datetime import datetime
from collections.abc import Callable, Sequence

from sqlglot import exp

from nl2sql.guard.functions import fold


def upper_bound(node: exp.Expr | None) -> float | None:
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


def _interval(node: exp.Expr | None) -> tuple[float | None, float | None]:
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
        known_lows = [v for v in lows if v is not None]
        low = None if len(known_lows) < len(lows) else min(known_lows)
        return low, min(b[1] for b in bounded if b[1] is not None)      # all of them: ``bounded`` keeps those
    if isinstance(node, (exp.Greatest, exp.Case, exp.If, exp.Coalesce)):
        parts = [_interval(a) for a in _branches(node)]
        low_ends, high_ends = [p[0] for p in parts if p[0] is not None], [p[1] for p in parts if p[1] is not None]
        if not parts or len(low_ends) < len(parts) or len(high_ends) < len(parts):
            return None, None
        return min(low_ends), max(high_ends)
    for cls, op in _ARITH.items():
        if isinstance(node, cls):
            a, b = _interval(node.this), _interval(node.expression)
            xs, ys = [x for x in a if x is not None], [y for y in b if y is not None]
            if len(xs) < 2 or len(ys) < 2:
                return None, None
            try:
                corners = [op(x, y) for x in xs for y in ys]
            except (OverflowError, ZeroDivisionError, ValueError):
                return float("-inf"), float("inf")
            return min(corners), max(corners)
    return None, None


def _pow(a: float, b: float) -> float:
    return float("inf") if abs(b) > 64 and abs(a) > 1 else float(a ** b)


def _mod(a: float, b: float) -> float:
    return abs(b)                                              # |a % b| < |b|: a safe corner


_ARITH: dict[type[exp.Expr], Callable[[float, float], float]] = {
    exp.Add: lambda a, b: a + b, exp.Sub: lambda a, b: a - b, exp.Mul: lambda a, b: a * b,
    exp.Div: lambda a, b: a / b, exp.IntDiv: lambda a, b: a // b, exp.Pow: _pow, exp.Mod: _mod,
}


def _args(node: exp.Expr) -> list[exp.Expr]:
    return [a for a in [node.this, *node.expressions] if isinstance(a, exp.Expression)]


def _branches(node: exp.Expr) -> Sequence[exp.Expr | None]:
    if isinstance(node, exp.Case):
        return [i.args["true"] for i in node.args.get("ifs") or ()] + [node.args.get("default") or exp.null()]
    if isinstance(node, exp.If):
        return [node.args.get("true"), node.args.get("false") or exp.null()]
    return _args(node)


def series_count(start: exp.Expr | None, end: exp.Expr | None,
                  step: exp.Expr | None) -> float | None:
    """Elements of range/generate_series/sequence with these bounds: numbers, or dates and timestamps
    with an interval step (a date spine), the way DuckDB and Spark count them."""
    a, b = exact_value(start), exact_value(end)
    if a is not None and b is not None:
        width = upper_bound(step) if step is not None else 1.0
        return abs(b - a) / max(width or 1.0, 1e-9) + 1
    t0, t1, seconds = _moment(start), _moment(end), _interval_seconds(step)
    if t0 is not None and t1 is not None:
        return abs((t1 - t0).total_seconds()) / max(seconds or 0.0, 1e-9) + 1 if seconds else None
    return None


def exact_value(node: exp.Expr | None) -> float | None:
    """A constant's exact value, when it folds to one (bounds of a series are signed)."""
    low, high = _interval(node)
    return low if low is not None and low == high else None


def _moment(node: exp.Expr | None) -> datetime | None:
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


def _interval_seconds(node: exp.Expr | None) -> float | None:
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


def format_width(fmt: exp.Expr | None) -> float | None:
    """Largest field width or precision in a literal printf/format string ('%5d', '{:>10}'); None when
    the format is not a literal or takes its width from an argument ('%*d').

    >>> format_width(exp.Literal.string("%08.2f items"))
    8.0
    >>> format_width(exp.Literal.string("%*d")), format_width(exp.Literal.string("{0:>{1}}"))
    (None, None)
    """
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        return None
    text = str(fmt.this)
    if "*" in text or re.search(r"\{[^}]*\{", text):          # '%*d', '{:>{}}': the width is an argument
        return None
    return float(max((int(n) for n in re.findall(r"\d+", text)), default=0))
