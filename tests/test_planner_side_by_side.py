"""Two years side by side: "sales by store, 2024 vs 2025" is one row a store with a column a year (each adds up
only its year's rows); without a breakdown the years stay rows; "2024 compared with 2025" is the same pair
(never the range from 2024 to 2025); a follow-up that would change the years, the measure or the grain of
such an answer is declined. A small shop model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.generators import generate_offline
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE store (store_id INTEGER PRIMARY KEY, store_name VARCHAR, city VARCHAR);
CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, store_id INTEGER REFERENCES store(store_id), sold_on DATE,
    amount DECIMAL(10, 2), channel VARCHAR);
INSERT INTO store VALUES (1, 'North', 'Oslo'), (2, 'South', 'Rome');
INSERT INTO sale VALUES (1, 1, DATE '2024-02-01', 10, 'WEB'), (2, 1, DATE '2025-03-01', 20, 'SHOP'),
    (3, 2, DATE '2024-05-01', 5, 'WEB'), (4, 2, DATE '2024-06-01', 7, 'SHOP'), (5, 1, DATE '2023-01-01', 100, 'WEB');
"""

OVERLAY = {
    "tables": {"sale": {"synonyms": ["sales"], "default_date": "sold_on",
                        "columns": {"channel": {"values": ["WEB", "SHOP"]}}}},
    "metrics": [{"name": "sales amount", "synonyms": ["takings"], "table": "sale", "sql": "SUM(amount)"}],
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = shop
    sql = plan(question, model).sql
    assert sql is not None, plan(question, model).abstain_reason
    return sorted(con.execute(sql).fetchall(), key=str)


@pytest.mark.parametrize("question", ["takings by store, 2024 vs 2025", "takings per store in 2024 and 2025",
                                      "takings by store, 2024 compared with 2025",
                                      "takings by store in 2025 compared to 2024"])
def test_a_breakdown_puts_the_years_side_by_side(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                  question: str) -> None:
    assert rows(shop, question) == [("North", 10, 20), ("South", 12, None)]


def test_the_columns_are_named_after_their_year(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    sql = plan("number of sales by channel, 2024 vs 2025", shop[1]).sql or ""
    assert "AS sale_count_2024" in sql and "AS sale_count_2025" in sql and "GROUP BY sale.channel" in sql
    assert rows(shop, "number of sales by channel, 2024 vs 2025") == [("SHOP", 1, 1), ("WEB", 2, 0)]


def test_without_a_breakdown_the_years_are_rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert rows(shop, "takings 2024 vs 2025") == [(2024, 22), (2025, 20)]
    assert rows(shop, "takings in 2025 compared with 2024") == [(2024, 22), (2025, 20)]


def test_compared_to_is_never_a_range(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # it was read as "2024 to 2025", one sum over both years
    assert rows(shop, "takings 2024 compared to 2025") == [(2024, 22), (2025, 20)]
    assert plan("takings by store, 2023 compared to 2025", shop[1]).sql is None     # not consecutive


def test_a_ranking_keeps_the_years_as_rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    sql = plan("top 1 store by takings, 2024 vs 2025", shop[1]).sql or ""
    assert "CASE WHEN" not in sql


def test_followups_of_years_side_by_side(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = shop
    first = "takings by store, 2024 vs 2025"
    sql = plan(first, model).sql
    narrowed = generate_offline("only WEB sales", model, ((first, sql),)).sql
    assert narrowed is not None and sorted(con.execute(narrowed).fetchall(), key=str) == [
        ("North", 10, None), ("South", 5, None)]
    for question in ("and in 2023?", "what about the number of sales", "by month instead"):
        assert generate_offline(question, model, ((first, sql),)).sql is None, question
