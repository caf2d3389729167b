"""Wordings business users write that the engine reads in general ways (docs/offline_engine.md,
"Robustness"), checked on the demo warehouse's model and executed for real on DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, load_overlay
from nl2sql.planner import plan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tpch"


@pytest.fixture(scope="module")
def demo(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    copy = tmp_path_factory.mktemp("planner-robust") / "demo_tpch.duckdb"
    shutil.copyfile(demo_data_dir / "demo_tpch.duckdb", copy)
    con = duckdb.connect(str(copy), read_only=True)
    model = apply_overlay(read_duckdb_catalog(con), load_overlay(FIXTURES / "overlay.yaml"))
    yield con, model
    con.close()


def _rows(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple]:
    con, model = demo
    cand = plan(question, model)
    assert not cand.abstained, cand.abstain_reason
    return con.execute(cand.sql).fetchall()


def _one(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel], sql: str) -> list[tuple]:
    return demo[0].execute(sql).fetchall()


def test_future_tense_is_a_forecast_and_declined(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    cand = plan("What will our profit be in 2000?", demo[1])
    assert cand.abstained and "will" in cand.unknown_words


def test_month_range_takes_the_year_of_its_end(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    got = _rows(demo, "how many orders were placed between March and June 1996")
    assert got == _one(demo, "SELECT COUNT(*) FROM orders WHERE o_orderdate >= DATE '1996-03-01' "
                             "AND o_orderdate < DATE '1996-07-01'")
    assert plan("orders between June and March 1996", demo[1]).abstained   # runs backwards: not read


def test_value_before_the_counted_thing_filters_it(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    got = _rows(demo, "number of machinery customers from france")
    assert got == _one(demo, "SELECT COUNT(*) FROM customer JOIN nation ON c_nationkey = n_nationkey "
                             "WHERE c_mktsegment = 'MACHINERY' AND n_name = 'FRANCE'")


def test_adjective_of_a_value_and_typo_settled_by_the_next_word(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    got = _rows(demo, "how many european suppliers")
    assert got == _one(demo, "SELECT COUNT(*) FROM supplier JOIN nation ON s_nationkey = n_nationkey "
                             "JOIN region ON n_regionkey = r_regionkey WHERE r_name = 'EUROPE'")
    assert len(_rows(demo, "number of customers by markt segment")) == 5


def test_n_most_common_and_the_minimum_of_a_column(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert len(_rows(demo, "the 3 most common container types")) == 3
    assert _rows(demo, "What is the minimum retail price of a product?") == _one(demo, "SELECT MIN(p_retailprice) FROM part")


def test_named_filter_moves_to_the_same_column_of_the_asked_table(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # the overlay's "negative balance" filter is about customers (c_acctbal < 0)
    got = _rows(demo, "how many vendors have a negative balance")
    assert got == _one(demo, "SELECT COUNT(*) FROM supplier WHERE s_acctbal < 0")
    assert _rows(demo, "how many customers are in debt") == _one(demo, "SELECT COUNT(*) FROM customer WHERE c_acctbal < 0")


def test_agents_after_a_period_are_not_a_grouping(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    got = _rows(demo, "number of orders placed in 1996 by customers in the household segment")
    assert got == _one(demo, "SELECT COUNT(*) FROM orders JOIN customer ON o_custkey = c_custkey WHERE c_mktsegment = "
                             "'HOUSEHOLD' AND o_orderdate >= DATE '1996-01-01' AND o_orderdate < DATE '1997-01-01'")
    assert len(_rows(demo, "number of orders placed in 1996 by region")) == 5      # a grouping stays one


def test_the_most_of_a_total_and_when_and_the_year_word(demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    top = _rows(demo, "Which supplier has the most units in stock?")
    assert [r[0] for r in top] == [r[0] for r in _one(demo, "SELECT s_name FROM partsupp JOIN supplier ON ps_suppkey = "
                                                        "s_suppkey GROUP BY s_suppkey, s_name ORDER BY SUM(ps_availqty) DESC LIMIT 1")]
    assert _rows(demo, "When was the most recent order?") == _one(demo, "SELECT MAX(o_orderdate) FROM orders")
    assert len(_rows(demo, "revenue by nation for the year 1995")[0]) == 2          # not also by year
