"""'Which brand moved the most units', 'which 3 reps had the highest deal value': a number of the rows below
the ones asked about, or of the rows an attribute is shared by, ranks them by its total (the one metric that adds
the number up); with no such metric ("which brand has the highest list price") the question stays declined
(the largest single one, or the total?), and a row's own number ranks the rows themselves. A small model of this
test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE product (product_id INTEGER PRIMARY KEY, product_name VARCHAR, brand VARCHAR, list_price DECIMAL(8, 2));
CREATE TABLE deal (deal_id INTEGER PRIMARY KEY, product_id INTEGER REFERENCES product(product_id), rep VARCHAR,
    units INTEGER, deal_value DECIMAL(10, 2));
INSERT INTO product VALUES (1, 'Axe', 'ACME', 30), (2, 'Bow', 'ACME', 10), (3, 'Cup', 'ZETA', 50);
INSERT INTO deal VALUES (1, 1, 'Kim', 5, 100), (2, 2, 'Kim', 5, 40), (3, 3, 'Lee', 8, 300), (4, 3, 'Max', 1, 90),
    (5, 1, 'Max', 1, 120);
"""

OVERLAY = {
    "tables": {"product": {"synonyms": ["products"]}, "deal": {"synonyms": ["deals"], "columns": {
        "rep": {"synonyms": ["sales rep", "reps"]}}}},
    "metrics": [{"name": "units sold", "table": "deal", "sql": "SUM(units)"},
                {"name": "total deal value", "table": "deal", "sql": "SUM(deal_value)"}],
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


@pytest.mark.parametrize("question, first", [
    ("which brand moved the most units", "ACME"),            # units of the deals below the products: 11 vs 9
    ("which 2 reps had the highest deal value", "Lee"),      # each rep's total: Lee 300, Max 210, Kim 140
])
def test_ranked_by_the_total(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                             first: str) -> None:
    sql = plan(question, shop[1]).sql
    assert sql is not None and "SUM(" in sql
    assert shop[0].execute(sql).fetchall()[0][0] == first


def test_no_metric_adds_it_up_or_a_rows_own_number(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert plan("which brand has the highest list price", shop[1]).sql is None
    own = plan("which product has the highest list price", shop[1]).sql or ""
    assert "SUM(" not in own and "ORDER BY product.list_price DESC" in own
