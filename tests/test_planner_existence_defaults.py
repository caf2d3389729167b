"""A table tested for existence keeps its default rows: "vehicles with a deal in 2024" means a deal the model
counts (the deal table's default filter, booked), inside the EXISTS or the join that stands for it; a question
that says which deals ("unwound deals", "every deal ever") keeps its own, and a dimension reached many-to-one
(the lot a vehicle stands on) keeps every row. On a small dealer model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from tests.planner_cases import memory_model

SCHEMA = """
CREATE TABLE lot (lot_id INTEGER PRIMARY KEY, lot_nm VARCHAR, lot_stat VARCHAR);
CREATE TABLE car (car_id INTEGER PRIMARY KEY, lot_id INTEGER REFERENCES lot(lot_id), body_cd VARCHAR, in_dt DATE);
CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, car_id INTEGER REFERENCES car(car_id), sale_dt DATE,
    sale_stat VARCHAR, prc INTEGER);
INSERT INTO lot VALUES (1, 'North', 'OPN'), (2, 'South', 'CLS');
INSERT INTO car VALUES (1, 1, 'SUV', '2023-05-01'), (2, 1, 'SDN', '2023-06-01'), (3, 2, 'SUV', '2024-01-10'),
    (4, 2, 'SDN', '2023-02-01');
-- car 2's only 2024 sale was unwound; car 4 was sold in 2023
INSERT INTO sale VALUES (1, 1, '2024-03-01', 'BKD', 100), (2, 2, '2024-04-01', 'UNW', 90),
    (3, 3, '2024-05-01', 'BKD', 120), (4, 4, '2023-07-01', 'BKD', 80);
"""

OVERLAY = {
    "tables": {
        "lot": {"synonyms": ["lots"], "default_filter": "open lot"},
        "car": {"synonyms": ["cars", "vehicles"], "default_date": "in_dt",
                "columns": {"body_cd": {"synonyms": ["body style"], "values": ["SUV", "SDN"]}}},
        "sale": {"synonyms": ["sales", "deals"], "default_date": "sale_dt", "default_filter": "booked sale",
                 "columns": {"sale_stat": {"description": "BKD booked, UNW unwound.", "values": ["BKD", "UNW"]},
                             "sale_dt": {"synonyms": ["date sold"]}}},
    },
    "filters": [{"name": "booked sale", "synonyms": ["booked"], "table": "sale", "sql": "sale_stat = 'BKD'"},
                {"name": "unwound sale", "synonyms": ["unwound"], "table": "sale", "sql": "sale_stat = 'UNW'"},
                {"name": "open lot", "table": "lot", "sql": "lot_stat = 'OPN'"}],
}


@pytest.fixture(scope="module")
def dealer() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    return memory_model(SCHEMA, OVERLAY)


def _answer(dealer: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = dealer
    c = plan(question, model, columns="asked")
    assert c.sql, (question, c.abstain_reason)
    return sorted(con.execute(c.sql).fetchall(), key=str)


@pytest.mark.parametrize(("question", "want"), [
    # car 2's 2024 sale was unwound: not a sale the model counts
    ("how many cars have a sale in 2024", [(2,)]),
    ("number of vehicles with a deal in 2024", [(2,)]),
    ("how many SUVs have a sale in 2024", [(2,)]),
    # "sell" is the verb of the date said "date sold" (an irregular participle): the sale's date, not the cars'
    ("how many cars did we sell in 2024", [(2,)]),
    ("number of vehicles we sold in 2024", [(2,)]),
    ("how many cars came in in 2024", [(1,)]),           # no verb of a sale: the cars' own date
    # the question names which sales: its own words decide, not the default
    ("how many cars have an unwound sale in 2024", [(1,)]),
])
def test_a_tested_table_keeps_its_default_rows(dealer: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                               question: str, want: list[tuple[object, ...]]) -> None:
    assert _answer(dealer, question) == want


def test_the_note_says_which_rows(dealer: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("how many cars have a sale in 2024", dealer[1], columns="asked")
    assert any("booked sale" in n for n in c.notes), c.notes


def test_a_dimension_keeps_every_row(dealer: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Cars counted by lot: the closed lot's cars are counted too (the lot is reached many-to-one, so its default
    is not a test of the cars)."""
    assert _answer(dealer, "number of cars by lot") == [("North", 2), ("South", 2)]
