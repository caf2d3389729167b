"""Shapes that made the offline engine answer wrongly on data nobody here wrote (issue 10), one rule each.

Each case is a question and what a careful engine does with it: decline naming the words it could not
read, or answer with SQL that has (and lacks) the parts the rule is about. The models are real: the demo
warehouse and the held-out HR and logistics warehouses, built from their fixtures, read by DuckDB.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from tests.planner_cases import assert_answered, assert_declined

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from planner_conversations import demo as open_model
from planner_snapshots import LOGI_OVERLAY, SAAS_OVERLAY, build_logistics, build_saas

HR_OVERLAY = ROOT / "fixtures/final_hr/overlay.yaml"

# (question, words the abstention names)
DEMO_DECLINED = [
    ("number of customers who never ordered per year", "order date"),      # no order of theirs to date them by
    ("customers per month in 1996", "order date"),       # new customers? active ones? the orders are not said
    ("Show me revenue for this quarter", "this quarter"),
    ("number of orders last year", "last year"),
    ("Why are sales in AFRICA lower than in EUROPE?", "why"),
    ("total orders in 1995", "total"),
    ("How many trucks do we own?", ""),
    ("How many customers are in 3 segments?", "3"),
    # a named filter absorbs the noun to rank ("urgent orders"): one total cannot be a top 5 (checks.no_top_n_of_one_row)
    ("Top 5 urgent orders by revenue in 1996", ""),
]
# (question, SQL fragments that must be there, fragments that must not)
DEMO_ANSWERED = [
    ("Which segment's customers generated the most revenue in 1997?", ["GROUP BY customer.c_mktsegment", "LIMIT 1"],
     ["LIMIT 10"]),
    ("total value of urgent orders in 1995", ["SUM(orders.o_totalprice)", "'1-URGENT'"], []),
    ("total tax charged in 1998", ["l_tax"], []),
    # a list verb said first is a noun before a share word: the rate of the named filter's rows
    # rows with no date of their own counted per period of the rows one step below: the distinct ones there
    ("how many customers placed an order in each month of 1996", ["COUNT(DISTINCT orders.o_custkey)"], ["EXISTS"]),
    ("how many distinct customers ordered in each quarter of 1997?",
     ["COUNT(DISTINCT orders.o_custkey)", "DATE_TRUNC('QUARTER', orders.o_orderdate)", "FROM main.orders"], ["EXISTS"]),
    ("number of customers in GERMANY who placed orders, by year", ["COUNT(DISTINCT orders.o_custkey)", "'GERMANY'"],
     ["EXISTS"]),
    # a period said right after a table's noun dates that table's rows, whatever the measure's name would date
    ("late delivery rate for each segment, orders from 1996", ["orders.o_orderdate >= CAST('1996-01-01'"],
     ["l_receiptdate >= CAST"]),
    ("late delivery rate by segment in 1996", ["lineitem.l_receiptdate >= CAST('1996-01-01'"], []),
    # values listed to be compared are each a row
    ("compare revenue of AUTOMOBILE and MACHINERY customers", ["GROUP BY customer.c_mktsegment"], []),
    ("revenue of AUTOMOBILE and MACHINERY customers", ["IN ('AUTOMOBILE', 'MACHINERY')"], ["GROUP BY"]),
    ("return rate by customer region", ["AVG(CASE WHEN lineitem.l_returnflag = 'R'", "region.r_name"], []),
    ("returns rate in 1996", ["AVG(CASE WHEN lineitem.l_returnflag = 'R'"], []),
    ("Return the names of customers in GERMANY", ["customer.c_name", "'GERMANY'"], ["AVG("]),
    ("revenue from customers in FRANCE and GERMANY", ["IN ('FRANCE', 'GERMANY')"], []),
    # the column named right after a quoted word is the one searched, not one more grouping (session 15)
    ("revenue from parts with 'green' in the name by market segment, 1994",
     ["LOWER(part.p_name) LIKE '%green%'", "GROUP BY customer.c_mktsegment ORDER"], ["c_name"]),
]
HR_DECLINED = [
    ("Why do people leave the Sales team?", "why"),
    ("headcount this year", "this year"),
]
HR_ANSWERED = [
    # a metric named "number of employees" that counts active rows says what counting employees means
    ("How many people in Engineering hold each job title?", ["termination_date IS NULL"], []),
    ("how many employees were hired in 2020", ["hire_date"], ["termination_date"]),
    ("How many employees were rated 5 in 2024?", ["review_year = 2024"], ["termination_date IS NULL"]),
    ("how many employees do we have, including former", ["COUNT(*)"], ["termination_date"]),
    # a number column named as a year dates and groups its own rows
    ("average rating in 2022", ["performance_reviews.review_year = 2022"], []),
    ("Average rating per review year", ["ORDER BY performance_reviews.review_year"], []),
    # a value said as a plural noun, of a column sorting rows into kinds
    ("number of contractors per department", ["employment_type = 'Contractor'", "GROUP BY departments"], []),
    # a boolean named by a participle is a condition, not a grouping
    ("Completed training hours by course category", ["WHERE training_enrollments.completed"],
     ["GROUP BY trainings.category, training_enrollments.completed"]),
]
LOGI_DECLINED = [
    ("shipments this month", "this month"),
]
LOGI_ANSWERED = [
    ("total compensation paid for complaints that are still open", ["SUM(complaint.compensation_amount)",
                                                                   "resolved_date IS NULL"], []),
    ("vehicles with capacity over 500", ["vehicle.capacity_kg > 500"], []),
]


@pytest.fixture(scope="module")
def hr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    """The held-out HR warehouse (fixtures/final_hr/build.py, seeded) with the overlay its user wrote."""
    path = tmp_path_factory.mktemp("hr") / "hr.duckdb"
    spec = importlib.util.spec_from_file_location("final_hr_build", ROOT / "fixtures/final_hr/build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(str(path))
    con, model = open_model(path, HR_OVERLAY)
    yield con, model
    con.close()


@pytest.fixture(scope="module")
def logistics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    con, model = open_model(build_logistics(tmp_path_factory.mktemp("logi") / "logi.duckdb"), LOGI_OVERLAY)
    yield con, model
    con.close()


def _declines(model: SemanticModel, question: str, words: str) -> None:
    assert_declined(plan(question, model), question, words)


def _answers(con: duckdb.DuckDBPyConnection, model: SemanticModel, question: str, has: list[str],
             lacks: list[str]) -> None:
    assert_answered(con, plan(question, model), question, has, lacks)


@pytest.mark.parametrize(("question", "words"), DEMO_DECLINED)
def test_demo_declines(question: str, words: str,
                       demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _declines(demo_plain[1], question, words)


@pytest.mark.parametrize(("question", "has", "lacks"), DEMO_ANSWERED)
def test_demo_answers(question: str, has: list[str], lacks: list[str],
                      demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _answers(*demo_plain, question, has, lacks)


@pytest.mark.parametrize(("question", "words"), HR_DECLINED)
def test_hr_declines(question: str, words: str, hr: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _declines(hr[1], question, words)


@pytest.mark.parametrize(("question", "has", "lacks"), HR_ANSWERED)
def test_hr_answers(question: str, has: list[str], lacks: list[str],
                    hr: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _answers(*hr, question, has, lacks)


@pytest.mark.parametrize(("question", "words"), LOGI_DECLINED)
def test_logistics_declines(question: str, words: str,
                            logistics: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _declines(logistics[1], question, words)


@pytest.mark.parametrize(("question", "has", "lacks"), LOGI_ANSWERED)
def test_logistics_answers(question: str, has: list[str], lacks: list[str],
                           logistics: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _answers(*logistics, question, has, lacks)


def test_overlay_type_reads_text_numbers_through_a_cast(tmp_path: Path) -> None:
    """`employee_count` is stored as VARCHAR: compared as text, '9' > '100'. Declared `type: integer` in the
    overlay, it is numeric to the engine and every use goes through a CAST, so the ranking is by number."""
    import yaml

    overlay = yaml.safe_load(SAAS_OVERLAY.read_text())
    overlay["tables"]["accounts"]["columns"].setdefault("employee_count", {})["type"] = "integer"
    typed = tmp_path / "overlay.yaml"
    typed.write_text(yaml.safe_dump(overlay, sort_keys=False))
    db = build_saas(tmp_path / "saas.duckdb")
    con, model = open_model(db, typed)
    column = model.table("accounts").column("employee_count")  # type: ignore[union-attr]  # the table exists
    assert (column.type, column.stored_type) == ("INTEGER", "VARCHAR")
    c = plan("accounts with the most employees", model)
    assert c.sql is not None and "CAST(accounts.employee_count AS INT)" in c.sql, c.sql
    top = con.execute(c.sql).fetchall()
    most = con.execute("SELECT MAX(CAST(employee_count AS INTEGER)) FROM accounts").fetchone()
    assert most is not None and con.execute(
        "SELECT CAST(employee_count AS INTEGER) FROM accounts WHERE account_name = ?", [top[0][0]]).fetchone() == most
    con.close()
    _untyped_con, untyped = open_model(db, SAAS_OVERLAY)
    _untyped_con.close()
    assert plan("accounts with the most employees", untyped).sql is None     # text is never ranked as a number


def test_a_function_word_that_is_also_a_column_is_not_guessed(tmp_path: Path) -> None:
    """A table with a number column named `count`: "total count of X" may be its rows or that column's sum."""
    import sqlite3

    from catalog_semantics.overlay import model_from_catalog
    from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse

    db = tmp_path / "v.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE violations (violation_id INTEGER PRIMARY KEY, description TEXT, count INTEGER)")
        con.executemany("INSERT INTO violations VALUES (?, ?, ?)", [(1, "pests", 3), (2, "floor", 1)])
    model = model_from_catalog(SqlAlchemyWarehouse(f"sqlite:///{db}").read_catalog())
    assert plan("total count of violations", model).sql is None
    assert plan("how many violations are there", model).sql is not None
