"""A column the overlay declares as months (``format: month``: each value the first day of its month) is its own
month: grouped by month it is shown as stored, a date, not cut again (DATE_TRUNC would turn it into a timestamp
and repeat what the data already is); other grains still cut it."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE bill (bill_id INTEGER PRIMARY KEY, bill_mo DATE, paid_on DATE, amt DECIMAL(10, 2));
INSERT INTO bill VALUES (1, '2024-01-01', '2024-01-20', 10), (2, '2024-01-01', '2024-02-03', 5),
    (3, '2024-02-01', '2024-02-25', 7), (4, '2024-05-01', NULL, 9);
"""
OVERLAY = {"tables": {"bill": {"synonyms": ["bills"], "default_date": "bill_mo",
                               "columns": {"bill_mo": {"format": "month", "synonyms": ["billing month"]},
                                           "amt": {"synonyms": ["amount billed"]}}}},
           "metrics": [{"name": "billed amount", "table": "bill", "sql": "SUM(amt)"}]}


@pytest.fixture(scope="module")
def bills() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


@pytest.mark.parametrize("question", ["billed amount per month in 2024", "billed amount by billing month"])
def test_a_month_column_grouped_by_month_is_itself(bills: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                   question: str) -> None:
    con, model = bills
    c = plan(question, model)
    assert c.sql is not None and "GROUP BY bill.bill_mo" in c.sql and "DATE_TRUNC" not in c.sql, c.sql
    assert type(con.execute(c.sql).fetchall()[0][0]).__name__ == "date"


def test_other_grains_and_other_dates_are_still_cut(bills: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _con, model = bills
    quarter = plan("billed amount per quarter in 2024", model).sql or ""
    paid = plan("number of bills by month paid", model).sql or ""
    assert "DATE_TRUNC('QUARTER', bill.bill_mo)" in quarter, quarter
    assert "DATE_TRUNC('MONTH', bill.paid_on)" in paid or not paid, paid
