"""Spider's execution match (strict) and the relaxed score, on hand-made results and generated ones."""

from __future__ import annotations

import random
from collections import Counter
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nl2sql.eval.hardness import spider_hardness
from nl2sql.eval.score import official_sql, order_matters, relaxed_eq, result_eq


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT DISTINCT a FROM t", "SELECT  a FROM t"),
        ("SELECT count(DISTINCT a) FROM t", "SELECT count( a) FROM t"),
        ("SELECT a FROM t WHERE b = 'distinct'", "SELECT a FROM t WHERE b = 'distinct'"),
        ('SELECT "distinct" FROM t -- distinct', 'SELECT "distinct" FROM t -- distinct'),
        ("SELECT a FROM t WHERE x > = 1 AND y < = 2 AND z ! = 3", "SELECT a FROM t WHERE x >= 1 AND y <= 2 AND z != 3"),
        ("SELECT a FROM t; DROP TABLE t", "SELECT a FROM t; "),  # sqlparse keeps the space after ;
        ("SELECT a FROM t WHERE b IN (SELECT 1; SELECT 2)", "SELECT a FROM t WHERE b IN (SELECT 1; SELECT 2)"),
        ("SELECT YEAR(CURDATE()) - born FROM p", "SELECT 2020- born FROM p"),
        ("SELECT 'unterminated distinct", "SELECT 'unterminated "),
    ],
)
def test_official_sql_rewrites_like_the_evaluator(sql: str, expected: str) -> None:
    assert official_sql(sql) == expected


def test_keep_distinct_and_value_placeholder() -> None:
    assert official_sql("SELECT DISTINCT a FROM t", keep_distinct=True) == "SELECT DISTINCT a FROM t"
    assert official_sql("SELECT a FROM t WHERE b = value AND c", predicted=True) == "SELECT a FROM t WHERE b = 1 AND c"
    assert official_sql("SELECT a FROM t WHERE b = value AND c") == "SELECT a FROM t WHERE b = value AND c"


def test_order_matters_is_a_substring_test_on_gold() -> None:
    assert order_matters("select a from t order by a")
    assert not order_matters("SELECT a FROM t ORDER\nBY a")           # the evaluator's test misses this
    assert order_matters("SELECT a FROM t WHERE b = 'order by'")      # and counts this


def test_result_eq_cases() -> None:
    gold = [(1, "a"), (2, "b"), (2, "b")]
    assert result_eq(gold, [("b", 2), ("a", 1), ("b", 2)], ordered=False)
    assert not result_eq(gold, [("b", 2), ("a", 1), ("a", 1)], ordered=False)     # same set, other bag
    assert not result_eq(gold, [(2, "b"), (1, "a"), (2, "b")], ordered=True)
    assert result_eq(gold, [("a", 1), ("b", 2), ("b", 2)], ordered=True)          # columns may still move
    assert result_eq([(1,)], [(1.0,)], ordered=False)                              # Python ==: 1 == 1.0
    assert not result_eq([(1,)], [("1",)], ordered=False)
    assert not result_eq([(1,)], [(1, 2)], ordered=False)
    assert result_eq([], [], ordered=True)
    assert not result_eq([], [(None,)], ordered=False)
    assert not result_eq([(None,)], [], ordered=False)


def test_wide_results_with_pruned_permutations() -> None:
    rng = random.Random(7)
    gold = [tuple(rng.randint(0, 3) for _ in range(6)) for _ in range(40)]
    perm = (3, 0, 5, 1, 4, 2)
    moved = [tuple(row[i] for i in perm) for row in gold]
    rng.shuffle(moved)
    assert result_eq(gold, moved, ordered=False)
    moved[0] = (9, *moved[0][1:])
    assert not result_eq(gold, moved, ordered=False)


def _reference(gold: list[tuple], pred: list[tuple], ordered: bool) -> bool:
    """Brute force: some column permutation makes the lists (ordered) or bags equal; plus the quick check."""
    if not gold and not pred:
        return True
    if len(gold) != len(pred) or len(gold[0]) != len(pred[0]):
        return False
    key = lambda v: str(v) + str(type(v))
    a = [tuple(sorted(r, key=key)) for r in gold]
    b = [tuple(sorted(r, key=key)) for r in pred]
    if not (a == b if ordered else set(a) == set(b)):
        return False
    for perm in permutations(range(len(gold[0]))):
        moved = [tuple(r[i] for i in perm) for r in pred]
        if (moved == gold) if ordered else (Counter(moved) == Counter(gold)):
            return True
    return False


values = st.one_of(st.integers(0, 3), st.sampled_from(["a", "b", "1"]), st.sampled_from([1.0, 2.5]), st.none())


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda w: st.tuples(
    st.lists(st.tuples(*[values] * w), max_size=6), st.lists(st.tuples(*[values] * w), max_size=6), st.booleans())))
def test_result_eq_matches_brute_force(case: tuple) -> None:
    gold, pred, ordered = case
    assert result_eq(gold, pred, ordered=ordered) == _reference(gold, pred, ordered)
    assert result_eq(gold, gold[::-1], ordered=False) if gold else True


def test_relaxed_eq() -> None:
    assert relaxed_eq([(0.3,)], [(0.30000000000000004,)], ordered=False)
    assert not result_eq([(0.3,)], [(0.30000000000000004,)], ordered=False)
    assert relaxed_eq([("Ada",), ("Bo",)], [("Bo", 41), ("Ada", 36)], ordered=False)
    assert not relaxed_eq([("Ada",), ("Bo",)], [("Bo", 41), ("Ada", 36)], ordered=True)
    assert not relaxed_eq([("Ada",), ("Bo",)], [("Ada", 1)], ordered=False)
    assert not relaxed_eq([("Ada", 1)], [("Ada",)], ordered=False)
    assert relaxed_eq([], [], ordered=False) and not relaxed_eq([], [(1,)], ordered=False)
    assert relaxed_eq([(1, 1), (2, 2)], [(2, 2, "x"), (1, 1, "y")], ordered=False)


def test_spider_hardness_levels() -> None:
    base = {"from": {"table_units": [["table_unit", 0]], "conds": []}, "select": [False, [[0, [0, [0, 1, False], None]]]],
            "where": [], "groupBy": [], "having": [], "orderBy": [], "limit": None,
            "intersect": None, "union": None, "except": None}
    assert spider_hardness(base) == "easy"
    medium = {**base, "where": [[False, 2, [0, [0, 1, False], None], 1.0, None]], "orderBy": ["asc", [[0, [0, 1, False], None]]]}
    assert spider_hardness(medium) == "medium"
    assert spider_hardness({**base, "union": base}) == "hard"
    extra = {**medium, "limit": 1, "groupBy": [[0, 1, False]], "union": base}
    assert spider_hardness(extra) == "extra"


def test_order_counts_only_when_the_outer_query_orders() -> None:
    from nl2sql.eval.score_ties import outer_order_matters, result_eq_up_to_ties

    cte = "WITH top3 AS (SELECT a, n FROM t ORDER BY n DESC LIMIT 3) SELECT a FROM top3 JOIN u USING (a)"
    assert not outer_order_matters(cte)
    assert result_eq_up_to_ties([("x",), ("y",)], [("y",), ("x",)], cte)
    outer = "SELECT a FROM t ORDER BY n DESC"                       # the twin: the outer query orders
    assert outer_order_matters(outer)
    assert not result_eq_up_to_ties([("x",), ("y",)], [("y",), ("x",)], outer)
