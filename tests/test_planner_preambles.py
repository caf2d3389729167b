"""Words around a question: a leading clause naming nothing of the data is context (the rest is read, the answer's
notes say so), one naming anything keeps the question declined; a trailing clause is dropped only when it restates
what the rest reads, else declined naming it; "A next to B" / "A alongside B" between two years puts them side by
side; days between two dates of one row, said as "days in shop (booked date to fitted date)" or implied ("days
to fit a repair" with a start date the rows are dated by), and declined when the start is not clear.
A small bicycle-repair model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE workshop (workshop_id INTEGER PRIMARY KEY, town VARCHAR);
CREATE TABLE repair (repair_id INTEGER PRIMARY KEY, workshop_id INTEGER REFERENCES workshop(workshop_id),
    booked_on DATE, fitted_on DATE, collected_on DATE, state VARCHAR, fee DECIMAL(10, 2));
CREATE TABLE part (part_id INTEGER PRIMARY KEY, ordered_on DATE, arrived_on DATE, received_on DATE);
INSERT INTO workshop VALUES (1, 'Leeds'), (2, 'York');
INSERT INTO repair VALUES
    (1, 1, DATE '2024-03-01', DATE '2024-03-03', DATE '2024-03-04', 'DONE', 10),
    (2, 1, DATE '2025-03-01', DATE '2025-03-05', NULL, 'DONE', 20),
    (3, 2, DATE '2024-05-01', NULL, NULL, 'WAIT', 5),
    (4, 2, DATE '2025-06-01', DATE '2025-06-11', NULL, 'DONE', 7);
INSERT INTO part VALUES (1, DATE '2025-01-01', DATE '2025-01-03', DATE '2025-01-04');
"""

OVERLAY = {
    "tables": {
        "workshop": {"synonyms": ["workshops"], "columns": {"town": {"values": ["Leeds", "York"]}}},
        "repair": {"synonyms": ["repairs", "jobs"], "default_date": "booked_on", "columns": {
            "booked_on": {"synonyms": ["booked date"]}, "fitted_on": {"synonyms": ["fitted date", "fit"]},
            "collected_on": {"synonyms": ["collected date"]}, "state": {"values": ["DONE", "WAIT"]}}},
        "part": {"synonyms": ["parts"], "columns": {"arrived_on": {"synonyms": ["arrival date", "arrive"]}}},
    },
    "metrics": [{"name": "fees", "table": "repair", "sql": "SUM(fee)"}],
    "filters": [{"name": "waiting repair", "synonyms": ["waiting"], "table": "repair", "sql": "state = 'WAIT'",
                 "description": "A repair whose bike has not been fitted yet."}],
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    c = plan(question, shop[1])
    assert c.sql is not None, c.abstain_reason
    return sorted(shop[0].execute(c.sql).fetchall(), key=str)


@pytest.mark.parametrize("question", ["apologies for the bother, but how many repairs are waiting?",
                                      "my manager keeps asking me — how many repairs are waiting?",
                                      "for the staff meeting, how many repairs are waiting?",
                                      "For the audit, I need to know how many repairs are waiting"])
def test_a_leading_clause_naming_nothing_is_context(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                    question: str) -> None:
    assert rows(shop, question) == [(1,)]
    notes = plan(question, shop[1]).notes
    assert any(n.startswith("Taken as context") and question.split(",")[0].split(" —")[0] in n for n in notes)


def test_a_leading_clause_naming_data_keeps_the_question_declined(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("the York workshop is nagging me, but how many repairs are waiting?", shop[1])
    assert c.sql is None and "nagging" in c.unknown_words


@pytest.mark.parametrize("question, expected", [
    ("how many repairs are waiting, as in not fitted yet?", [(1,)]),
    ("number of repairs per town, meaning the workshop town", [("Leeds", 2), ("York", 2)]),
    ("fees by town in 2024 next to 2025, so each town with both years next to each other", [("Leeds", 10, 20),
                                                                                         ("York", 5, 7)]),
])
def test_a_trailing_restatement_is_dropped(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                           expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected
    assert any(n.startswith("Taken as saying again") for n in plan(question, shop[1]).notes)


@pytest.mark.parametrize("question, named", [("how many repairs are waiting, as in not booked yet?", "booked"),
                                             ("fees by town in 2024 next to 2025, meaning the fitted date", "fitted")])
def test_a_trailing_clause_saying_more_is_declined_naming_it(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                            question: str, named: str) -> None:
    c = plan(question, shop[1])
    assert c.sql is None and any(named in w for w in c.unknown_words)


@pytest.mark.parametrize("question", ["fees by town in 2024 next to 2025, going by the fitted date",
                                      "fees by town in 2024 next to 2025 (by fitted date)",
                                      "fees by town in 2024 next to 2025 according to the fitted date"])
def test_going_by_a_date_says_which_date_the_years_are_of(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                          question: str) -> None:
    # the York repair booked in 2024 was never fitted: dated by its fitting, 2024 has no fee there
    assert rows(shop, question) == [("Leeds", 10, 20), ("York", None, 7)]


@pytest.mark.parametrize("question", ["fees by town in 2024 next to 2025", "fees by town in 2024 alongside 2025"])
def test_next_to_between_two_years_puts_them_side_by_side(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                          question: str) -> None:
    assert rows(shop, question) == [("Leeds", 10, 20), ("York", 5, 7)]


@pytest.mark.parametrize("question, expected", [
    ("average number of days in shop (booked date to fitted date) for each town", [("Leeds", 3.0), ("York", 10.0)]),
    ("average days to fit a repair by town", [("Leeds", 3.0), ("York", 10.0)]),
    ("longest days to fit", [(10,)]),
])
def test_days_between_the_dates_said_or_implied(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                                expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


def test_days_to_a_date_from_no_one_start_is_declined(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("average days to arrive", shop[1])              # parts: ordered, arrived, received; no default date
    assert c.sql is None and "arrive" in c.unknown_words
