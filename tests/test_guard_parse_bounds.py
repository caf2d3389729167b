"""Text sqlglot would parse in exponential time (a chain of joins with no ON) is refused before parsing, quickly,
by the guard and by the reader of a model's reply; ordinary joins, CROSS joins and ON chains still pass."""

from __future__ import annotations

import time

import pytest

from nl2sql.errors import GuardRejected
from nl2sql.guard import check
from nl2sql.guard.parse_bounds import MAX_JOINS_WITHOUT_CONDITION, joins_without_condition
from nl2sql.guard.policy import GuardPolicy
from nl2sql.llm.extract_parse import ParseBudget

POLICY = GuardPolicy(allowed_tables=frozenset({"t"}), max_rows=10, dialect="duckdb")
CHAIN = "SELECT * FROM t" + " JOIN t" * 30
MIXED = "SELECT * FROM t" + " JOIN t JOIN (SELECT 1 FROM t a JOIN t b ON 1 = 1) s" * 12


@pytest.mark.parametrize("sql", [CHAIN, MIXED], ids=["chain", "subqueries_with_on_between"])
def test_guard_refuses_a_join_chain_without_conditions_before_parsing(sql: str) -> None:
    started = time.monotonic()
    with pytest.raises(GuardRejected) as err:
        check(sql, POLICY)
    assert time.monotonic() - started < 5          # parsing it would take hours
    assert [i.code for i in err.value.issues] == ["too_complex"]


@pytest.mark.parametrize("sql, runs", [
    ("SELECT * FROM t" + " JOIN t ON 1 = 1" * 30, 1),
    ("SELECT * FROM t" + " CROSS JOIN t" * 30, 0),
    ("SELECT * FROM t JOIN t JOIN t ON 1 = 1", 2),
    ("SELECT * FROM t JOIN (SELECT 1 FROM t JOIN t JOIN t) s USING (x)", 2),
])
def test_runs_are_counted_per_depth_and_reset_by_a_condition(sql: str, runs: int) -> None:
    assert joins_without_condition(sql, "duckdb") == runs


def test_a_long_chain_of_joins_with_conditions_still_passes() -> None:
    sql = "SELECT * FROM t" + "".join(f" JOIN t t{i} ON t{i}.a = t.a" for i in range(MAX_JOINS_WITHOUT_CONDITION * 3))
    assert check(sql, POLICY).sql.endswith("LIMIT 10")


def test_a_reply_with_a_join_chain_is_not_read_as_sql() -> None:
    budget = ParseBudget("duckdb")
    started = time.monotonic()
    assert not budget.parses(CHAIN)
    assert time.monotonic() - started < 5
    assert budget.parses("SELECT * FROM t JOIN t u ON t.a = u.a")
