"""Rules from session 13 (issue 10), each on a small model of this test's own: "on average" said apart from the
count it averages; the table a count is per said as the sentence's subject ("does an order have"); the part of a
year kept when a follow-up names another year; two years side by side after a grouping in a follow-up; verbs that
only carry the sentence; a typo nearest one word of a family; a money verb naming the metric its noun names. The
guards hold what must not change: a count with no average, a verb with no metric of its noun, a year said whole.
"""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import memory_model

SCHEMA = """
CREATE TABLE cust (cust_id INTEGER PRIMARY KEY, cust_nm VARCHAR, seg VARCHAR);
INSERT INTO cust VALUES (1, 'Ann', 'RETAIL'), (2, 'Bob', 'RETAIL'), (3, 'Cid', 'TRADE'), (4, 'Dee', 'TRADE');
CREATE TABLE ord (ord_id INTEGER PRIMARY KEY, cust_id INTEGER REFERENCES cust(cust_id), ord_dt DATE, amt DOUBLE);
INSERT INTO ord VALUES (1, 1, '2023-01-05', 100), (2, 1, '2023-03-01', 50), (3, 1, '2024-02-01', 70),
    (4, 2, '2023-05-01', 30), (5, 2, '2024-06-01', 20), (6, 3, '2024-07-01', 500), (7, 3, '2024-08-01', 5),
    (8, 3, '2024-09-01', 5), (9, 4, '2024-10-01', 40);
CREATE TABLE line (line_id INTEGER PRIMARY KEY, ord_id INTEGER REFERENCES ord(ord_id), qty INTEGER, mfr VARCHAR);
COMMENT ON COLUMN line.mfr IS 'The company that manufactured the part';
INSERT INTO line VALUES (1, 1, 5, 'Acme'), (2, 1, 3, 'Bolt'), (3, 2, 4, 'Acme'), (4, 3, 1, 'Bolt'), (5, 4, 2, 'Acme'),
    (6, 6, 9, 'Bolt'), (7, 6, 1, 'Acme'), (8, 7, 2, 'Acme');
"""

OVERLAY: dict[str, object] = {
    "tables": {
        "cust": {"synonyms": ["customer", "customers"],
                 "columns": {"cust_nm": {"synonyms": ["name"]}, "seg": {"synonyms": ["segment"]}}},
        "ord": {"synonyms": ["order", "orders"], "default_date": "ord_dt",
                "columns": {"ord_dt": {"synonyms": ["order date"]}, "amt": {"synonyms": ["order value"]}}},
        "line": {"synonyms": ["line item", "line items"],
                 "columns": {"qty": {"synonyms": ["quantity", "units"]}, "mfr": {"synonyms": ["manufacturer"]}}},
    },
    "metrics": [{"name": "revenue", "synonyms": ["sales"], "table": "ord", "sql": "SUM(amt)"},
                {"name": "number of orders", "table": "ord", "sql": "COUNT(*)"}],
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    return memory_model(SCHEMA, OVERLAY)


def rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
         history: tuple[tuple[str, str], ...] = ()) -> list[tuple[object, ...]]:
    c = plan_turn(question, shop[1], history) if history else plan(question, shop[1])
    assert c.sql is not None, (question, c.abstain_reason)
    return sorted(tuple(round(v, 4) if isinstance(v, float) else v for v in r) for r in shop[0].execute(c.sql).fetchall())


def asked(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> tuple[str, str]:
    sql = plan(question, shop[1]).sql
    assert sql is not None, question
    return (question, sql)


@pytest.mark.parametrize("question, expected", [
    # rows of one table per row of the table they belong to: 8 lines over 6 orders, 9 orders over 4 customers
    ("on average how many line items does an order have", [(1.3333,)]),
    ("how many orders does a customer place on average?", [(2.25,)]),
    ("On average per order, how many line items are there?", [(1.3333,)]),
    ("on average, how many orders does a customer place in each segment", [("RETAIL", 2.5), ("TRADE", 2.0)]),
])
def test_on_average_said_apart_from_its_count(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                              expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


def test_a_count_with_no_average_is_not_per_anything(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Guard: without "on average" the subject does not make a count per row of it."""
    c = plan("how many orders does a customer place", shop[1])
    assert c.sql is None or shop[0].execute(c.sql).fetchall() != [(2.25,)], c.sql


@pytest.mark.parametrize("then, expected", [
    ("same for 2023", [(150.0,)]),               # the first quarter of 2023, not all of it
    ("and for all of 2023", [(180.0,)]),         # guard: a year said whole is the whole year
])
def test_a_follow_up_year_keeps_the_part_of_the_year(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                     then: str, expected: list[tuple[object, ...]]) -> None:
    first = asked(shop, "revenue in the first quarter of 2024")
    assert rows(shop, then, (first,)) == expected


def test_a_year_put_beside_a_grouping_is_a_column(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'put 2024 next to it' after revenue by segment for 2023: one row per segment, one column per year."""
    first = asked(shop, "revenue by segment in 2023")
    assert rows(shop, "put 2024 next to it", (first,)) == [("RETAIL", 180.0, 90.0), ("TRADE", None, 550.0)]


@pytest.mark.parametrize("question, expected", [
    ("how many distinct customers appear on orders from 2023", [(2,)]),
    ("how many customers are in the catalog", [(4,)]),
    ("total quantity by manufactuer", [("Acme", 14), ("Bolt", 13)]),       # "manufacturer", not the stem "manufactur"
])
def test_words_that_only_carry_the_sentence(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                            expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


@pytest.mark.parametrize("question, expected", [
    ("how much did we sell in 2024", [(640.0,)]),
    ("which segment sold the most in 2023", [("RETAIL",)]),
])
def test_a_money_verb_names_the_metric_of_its_noun(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                   question: str, expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


def test_a_verb_with_no_metric_of_its_noun_is_declined(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Guard: what a customer 'spent' is no metric this model names (revenue? order value?): declined."""
    assert plan("which customer spent the most in 2024", shop[1]).sql is None
