"""Execution match, as Spider's official execution evaluator defines it, plus a relaxed score beside it.

The strict verdict reproduces ``taoyds/test-suite-sql-eval`` (``evaluation.py --etype exec`` with its
default settings), quirks included, so our numbers can be quoted next to published ones:

- both queries are rewritten first (``official_sql``): ``> =`` becomes ``>=`` (likewise ``< =``, ``! =``),
  every ``DISTINCT`` keyword is dropped (``keep_distinct=False``; this also turns ``COUNT(DISTINCT x)``
  into ``COUNT(x)``), only the first statement is kept, and ``YEAR(CURDATE())`` becomes ``2020``;
  the prediction also has `` value `` replaced by `` 1 `` (the evaluator's placeholder for values);
- row order matters only when the rewritten gold text contains ``order by`` (a plain substring test);
- results are bags of rows; two results match when some permutation of the prediction's columns makes
  the bags equal (the same lists, when order matters); values compare with Python ``==``, so ``1 == 1.0``
  but ``'1' != 1``; two empty results always match.

This is our own implementation of that definition, checked question by question against the evaluator
(see ``docs/eval.md``). So, as there, rows tied on the gold's ORDER BY key must come in the gold's order,
and DISTINCT is dropped before both queries run (bags are then compared, never sets).

The relaxed score is reported beside it, never instead of it. It differs where the evaluator's rule
punishes a right answer: when the gold orders, rows tied on its ORDER BY key (every key a column of the
gold's result, ``order_key_columns``) may come in any order within their tie group, since the engine is free
to return them so; when a key is not among the result's columns, ties cannot be seen and order is strict.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from decimal import Decimal
from itertools import permutations, product
from typing import Any
from collections.abc import Iterable, Iterator, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

Row = tuple[Any, ...]

_CUR_YEAR = re.compile(r"YEAR\s*\(\s*CURDATE\s*\(\s*\)\s*\)\s*", re.IGNORECASE)
# One lexical unit of SQL, tried in this order: quoted text and comments (kept whole, so a DISTINCT inside
# them survives; an unterminated quote is a lone character, as in sqlparse), words, any other character.
# e.g. "SELECT DISTINCT 'distinct' -- distinct" -> SELECT, ' ', DISTINCT, ' ', 'distinct', ' ', -- distinct
_LEXEME = re.compile(
    r"""'(?:''|\\'|[^'])*'|"(?:""|\\"|[^"])*"|`(?:``|[^`])*`|\[[^\]\[]+\]|--[^\r\n]*(?:\r\n|\r|\n)?"""
    r"""|/\*[\s\S]*?\*/|[\w$#]+|.""",
    re.DOTALL,
)


def official_sql(sql: str, *, predicted: bool = False, keep_distinct: bool = False) -> str:
    """The text the official evaluator actually executes for ``sql``.

    >>> official_sql("SELECT DISTINCT name FROM t WHERE a > = 1 ORDER BY name")
    'SELECT  name FROM t WHERE a >= 1 ORDER BY name'
    >>> official_sql("SELECT count(DISTINCT x) FROM t; DROP TABLE t")
    'SELECT count( x) FROM t; '
    >>> official_sql("SELECT a FROM t WHERE b = value ", predicted=True)
    'SELECT a FROM t WHERE b = 1 '
    """
    if predicted:
        sql = sql.replace(" value ", " 1 ")
    sql = sql.replace("> =", ">=").replace("< =", "<=").replace("! =", "!=")
    if not keep_distinct:
        sql = _drop_distinct_keep_first_statement(sql)
    return _CUR_YEAR.sub("2020", sql)


def _drop_distinct_keep_first_statement(sql: str) -> str:
    """Drop DISTINCT words outside quotes and comments; keep only the first statement.

    Mirrors ``sqlparse.parse(sql)[0]``: a ``;`` ends the statement when the nesting level (``(`` +1,
    ``)`` and the keyword ``END`` -1) is at most 0; spaces and ``--`` comments right after it stay.
    """
    out: list[str] = []
    level, ended = 0, False
    for match in _LEXEME.finditer(sql):
        lexeme = match.group(0)
        if ended:
            if lexeme in (" ", "\t") or lexeme.startswith("--"):
                out.append(lexeme)
                continue
            break
        lower = lexeme.lower()
        if lower == "distinct":
            continue
        out.append(lexeme)
        level += 1 if lexeme == "(" else -1 if lexeme == ")" or lower == "end" else 0
        ended = lexeme == ";" and level <= 0
    return "".join(out)


def order_matters(official_gold_sql: str) -> bool:
    """Whether row order counts: the evaluator's substring test on the rewritten gold text.

    >>> order_matters("SELECT a FROM t ORDER BY a"), order_matters("SELECT a FROM t ORDER  BY a")
    (True, False)
    """
    return "order by" in official_gold_sql.lower()


def _sort_key(value: Any) -> str:
    return str(value) + str(type(value))


def _unordered(row: Row) -> Row:
    return tuple(sorted(row, key=_sort_key))


def _same_rows_ignoring_columns(gold: Sequence[Row], pred: Sequence[Row], ordered: bool) -> bool:
    """The evaluator's quick rejection: each row's values sorted, compared as lists (ordered) or sets."""
    a = [_unordered(r) for r in gold]
    b = [_unordered(r) for r in pred]
    return a == b if ordered else set(a) == set(b)


def _candidate_permutations(gold: Sequence[Row], pred: Sequence[Row]) -> Iterator[tuple[int, ...]]:
    """Column mappings worth trying: position i of gold may come from pred column j.

    With more than three columns, a pred column j stays a candidate for gold column i only if the
    values of j (in sample rows) all occur in gold column i; a true mapping is never pruned, so the
    verdict does not depend on which rows are sampled (the evaluator samples 20 at random; we use all).
    """
    width = len(pred[0])
    if width <= 3:
        yield from permutations(range(width))
        return
    gold_values = [{row[i] for row in gold} for i in range(width)]
    allowed = [
        [j for j in range(width) if all(row[j] in gold_values[i] for row in pred)] for i in range(width)
    ]
    for perm in product(*allowed):
        if len(set(perm)) == width:
            yield perm


def result_eq(gold: Sequence[Row], pred: Sequence[Row], *, ordered: bool) -> bool:
    """Spider's execution match between two results (lists of row tuples).

    >>> result_eq([(1, "a"), (2, "b")], [("b", 2), ("a", 1)], ordered=False)
    True
    >>> result_eq([(1, "a"), (2, "b")], [("b", 2), ("a", 1)], ordered=True)
    False
    >>> result_eq([(1,), (1,)], [(1,)], ordered=False), result_eq([], [], ordered=True)
    (False, True)
    """
    if not gold and not pred:
        return True
    if len(gold) != len(pred):
        return False
    width = len(gold[0])
    if len(pred[0]) != width:
        return False
    if not _same_rows_ignoring_columns(gold, pred, ordered):
        return False
    gold_list = list(gold)
    gold_bag = Counter(gold_list) if not ordered else None
    gold_set = set(gold_list) if not ordered else None
    for perm in _candidate_permutations(gold, pred):
        moved = [tuple(row[j] for j in perm) for row in pred] if width > 1 else list(pred)
        if ordered:
            if moved == gold_list:
                return True
        elif set(moved) == gold_set and Counter(moved) == gold_bag:
            return True
    return False


# ------------------------------------------------------------------------------------------ relaxed
_MAX_ASSIGNMENTS = 20_000


def _loose(value: Any) -> Any:
    """A value as the relaxed score compares it: numbers to 10 significant digits, integral floats as ints.

    >>> _loose(0.1 + 0.2) == _loose(0.3), _loose(2.0), _loose(Decimal("1.50"))
    (True, 2, 1.5)
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return str(number)
        if number.is_integer() and abs(number) < 2**53:
            return int(number)
        return float(f"{number:.10g}")
    return value


def order_key_columns(sql: str, dialect: str = "sqlite") -> tuple[int, ...] | None:
    """The result columns holding every key of a query's outermost ORDER BY, or None when some key is not
    one of them (or there is no ORDER BY, or a set operation, ``*``, or text that does not parse).

    A key matches a select item by position (``ORDER BY 2``), by output alias, or by being the same
    expression; anything else is unknown, so the caller keeps rows in strict order.

    >>> order_key_columns("SELECT name, count(*) AS n FROM t GROUP BY name ORDER BY n DESC, 1")
    (1, 0)
    >>> order_key_columns("SELECT T1.name, age FROM t AS T1 ORDER BY T1.name"), order_key_columns("SELECT a FROM t ORDER BY b")
    ((0,), None)
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except (SqlglotError, ValueError):
        return None
    order = tree.args.get("order") if isinstance(tree, exp.Select) else None
    if not isinstance(tree, exp.Select) or not isinstance(order, exp.Order) or not order.expressions:
        return None
    items = list(tree.expressions)
    if any(isinstance(i, exp.Star) or (isinstance(i, exp.Column) and isinstance(i.this, exp.Star)) for i in items):
        return None
    keys: list[int] = []
    for ordered in order.expressions:
        key = ordered.this
        index = next((n for n, item in enumerate(items)
                      if (key.is_int and int(key.name) == n + 1)
                      or (isinstance(key, exp.Column) and not key.table and isinstance(item, exp.Alias)
                          and item.alias.lower() == key.name.lower())
                      or item.unalias() == key), None)
        if index is None:
            return None
        keys.append(index)
    return tuple(keys)


def _tie_groups(rows: Sequence[Row], key: Sequence[int]) -> list[tuple[int, int]]:
    """Runs of consecutive rows with equal key values, as (start, end) slices."""
    groups: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or tuple(rows[i][k] for k in key) != tuple(rows[start][k] for k in key):
            groups.append((start, i))
            start = i
    return groups


def relaxed_eq(gold: Sequence[Row], pred: Sequence[Row], *, ordered: bool,
               tie_key: Sequence[int] | None = None) -> bool:
    """The gold result's columns are contained in the prediction's (extra columns allowed), rows matching
    as bags (as lists when ``ordered``), numbers within a float tolerance. With ``tie_key`` (the gold
    result's columns holding its ORDER BY key), rows tied on the key match as bags within their group.

    >>> relaxed_eq([(1.0,), (2.0,)], [("x", 2), ("y", 1)], ordered=False)
    True
    >>> relaxed_eq([(1,), (2,)], [("y", 2), ("x", 1)], ordered=True)
    False
    >>> gold, pred = [("a", 1), ("b", 1), ("c", 2)], [("b", 1), ("a", 1), ("c", 2)]
    >>> relaxed_eq(gold, pred, ordered=True), relaxed_eq(gold, pred, ordered=True, tie_key=(1,))
    (False, True)
    >>> relaxed_eq(gold, [("c", 2), ("a", 1), ("b", 1)], ordered=True, tie_key=(1,))
    False
    """
    if not gold:
        return not pred
    if len(gold) != len(pred):
        return False
    g = [tuple(_loose(v) for v in row) for row in gold]
    p = [tuple(_loose(v) for v in row) for row in pred]
    g_width, p_width = len(g[0]), len(p[0])
    if p_width < g_width:
        return False
    column_bag = [Counter(row[j] for row in p) for j in range(p_width)]
    allowed = [[j for j in range(p_width) if column_bag[j] == Counter(row[i] for row in g)] for i in range(g_width)]
    groups = _tie_groups(g, tie_key) if ordered and tie_key else []
    tied = [(a, b, Counter(g[a:b])) for a, b in groups if b - a > 1]
    alone = [a for a, b in groups if b - a == 1]                          # a row alone in its group: in place
    bag = None if ordered else Counter(g)
    for tried, mapping in enumerate(_injective(allowed)):
        if tried >= _MAX_ASSIGNMENTS:
            return False
        projected = [tuple(row[j] for j in mapping) for row in p]
        if not ordered:
            if Counter(projected) == bag:
                return True
        elif not tied:
            if projected == g:
                return True
        elif all(projected[a] == g[a] for a in alone) and all(Counter(projected[a:b]) == want for a, b, want in tied):
            return True
    return False


def _injective(allowed: list[list[int]]) -> Iterable[tuple[int, ...]]:
    def walk(i: int, used: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
        if i == len(allowed):
            yield used
            return
        for j in allowed[i]:
            if j not in used:
                yield from walk(i + 1, (*used, j))

    return walk(0, ())
