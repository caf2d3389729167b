"""A verified query teaches the planner how a stored value's rows are dated (planner/verified_dates.py,
dates_learnt.py): a small returns warehouse written here, with and without the verified query."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel, VerifiedQuery
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan

ITEMS = """
CREATE TABLE item (item_id INTEGER PRIMARY KEY, status VARCHAR, ordered_on DATE, received_on DATE, amount INTEGER);
INSERT INTO item VALUES (1, 'RETURNED', '1993-12-20', '1994-01-05', 10), (2, 'KEPT', '1994-03-01', '1994-03-09', 20),
                        (3, 'RETURNED', '1994-06-01', '1994-06-10', 30), (4, 'KEPT', '1994-12-30', '1995-01-04', 40);
"""
RETURNS_PER_YEAR = VerifiedQuery("How many items were returned each year?",
                                 "SELECT year(received_on) AS year, COUNT(*) AS returned FROM item "
                                 "WHERE status = 'RETURNED' GROUP BY year")


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    con = duckdb.connect()
    con.execute(ITEMS)
    base = model_from_catalog(read_duckdb_catalog(con))
    table = replace(base.tables[0], default_date="ordered_on")
    return replace(base, tables=(table,))


def test_a_value_is_dated_as_the_verified_query_dates_it(model: SemanticModel) -> None:
    taught = replace(model, verified_queries=(RETURNS_PER_YEAR,))
    sql = plan("how many returned items in 1994", taught).sql or ""
    assert "received_on >= " in sql and "ordered_on" not in sql


def test_without_a_verified_query_the_default_date_stays(model: SemanticModel) -> None:
    sql = plan("how many returned items in 1994", model).sql or ""
    assert "ordered_on >= " in sql and "received_on" not in sql


def test_a_value_dated_two_ways_is_left_to_the_usual_rules(model: SemanticModel) -> None:
    other = VerifiedQuery("returns by order year", "SELECT year(ordered_on) AS y, COUNT(*) FROM item "
                                                   "WHERE status = 'RETURNED' GROUP BY y")
    sql = plan("how many returned items in 1994", replace(model, verified_queries=(RETURNS_PER_YEAR, other))).sql or ""
    assert "ordered_on >= " in sql
