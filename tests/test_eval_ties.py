"""Fixture pairs for two rules of the strict scorer, judged end to end on a real SQLite file.

The strict verdict follows Spider's official evaluator (``taoyds/test-suite-sql-eval`` ``exec_eval.py``):
``DISTINCT`` is dropped from both queries before they run (``keep_distinct=False``, its default), results
are compared as bags (a set match is not enough), and when the gold text contains ``order by`` the rows
are compared as lists, so rows tied on the ORDER BY key must come in the gold's order. The relaxed score,
ours, lets tied rows come in any order within their tie group when the gold's keys are result columns.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.eval.dataset import Example
from nl2sql.eval.execute import ScoringDatabase
from nl2sql.eval.generators import Prediction
from nl2sql.eval.judge import judge

ROWS = [("Ann", 30, "X"), ("Bob", 30, "Y"), ("Cy", 25, "X"), ("Di", 40, "Z"), ("Ed", 30, "X")]

# (name, gold, prediction, strict, relaxed, keep_distinct)
PAIRS = [
    ("ties in another order: the evaluator's list rule", "SELECT name, age FROM people ORDER BY age",
     "SELECT name, age FROM people ORDER BY age, name DESC", False, True, False),
    ("ties by an aliased aggregate key", "SELECT city, count(*) AS n FROM people GROUP BY city ORDER BY n DESC",
     "SELECT city, count(*) FROM people GROUP BY city ORDER BY count(*) DESC, city", False, True, False),
    ("ties by a positional key", "SELECT name, age FROM people ORDER BY 2 DESC",
     "SELECT name, age FROM people ORDER BY age DESC, name DESC", False, True, False),
    ("groups in the wrong order", "SELECT name, age FROM people ORDER BY age",
     "SELECT name, age FROM people ORDER BY age DESC", False, False, False),
    ("key not in the result: ties cannot be seen", "SELECT name FROM people ORDER BY age",
     "SELECT name FROM people ORDER BY age, name DESC", False, False, False),
    ("same order", "SELECT name, age FROM people ORDER BY age, name",
     "SELECT age, name FROM people ORDER BY age, name", True, True, False),
    ("DISTINCT dropped from the gold", "SELECT DISTINCT age FROM people", "SELECT age FROM people", True, True, False),
    ("DISTINCT dropped from the prediction", "SELECT age FROM people", "SELECT DISTINCT age FROM people",
     True, True, False),
    ("COUNT(DISTINCT x) becomes COUNT(x)", "SELECT count(DISTINCT city) FROM people", "SELECT count(city) FROM people",
     True, True, False),
    ("with keep_distinct, DISTINCT counts", "SELECT DISTINCT age FROM people", "SELECT age FROM people",
     False, False, True),
    ("same set, other bag", "SELECT city FROM people WHERE age = 30",
     "SELECT CASE WHEN name = 'Ed' THEN 'Y' ELSE city END FROM people WHERE age = 30", False, False, False),
]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> ScoringDatabase:
    path = tmp_path_factory.mktemp("ties") / "people.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE people (name TEXT, age INTEGER, city TEXT)")
        con.executemany("INSERT INTO people VALUES (?, ?, ?)", ROWS)
    return ScoringDatabase([SqlAlchemyWarehouse.sqlite_file(path)], timeout_s=30)


@pytest.mark.parametrize(("name", "gold", "pred", "strict", "relaxed", "keep_distinct"), PAIRS,
                         ids=[p[0] for p in PAIRS])
def test_pair(name: str, gold: str, pred: str, strict: bool, relaxed: bool, keep_distinct: bool,
              database: ScoringDatabase) -> None:
    if name.startswith("ties"):                  # the pair means something only if the tie order differs
        assert database.execute(gold).rows != database.execute(pred).rows
    result = judge(Example("q1", "people", "?", gold), Prediction(pred), database, keep_distinct=keep_distinct)
    assert (result.status == "correct", result.relaxed) == (strict, relaxed), result.reason


def test_pairs_cover_both_rules() -> None:
    assert Path(__file__).exists() and len(PAIRS) >= 10
    assert {p[3] for p in PAIRS} == {True, False} and any(p[4] and not p[3] for p in PAIRS)
