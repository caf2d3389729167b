"""A question that names the rows a measure is computed over: "how many beds does each ward have" (each row's
own amount, one row each), "average days to close a ticket" (the metric's own rows, not a second measure), on a
small hospital model of this test's own (not any fixture's)."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE ward (ward_id INTEGER PRIMARY KEY, ward_nm VARCHAR, bed_cnt INTEGER);
CREATE TABLE tech (tech_id INTEGER PRIMARY KEY, tech_nm VARCHAR);
CREATE TABLE ticket (ticket_id INTEGER PRIMARY KEY, ward_id INTEGER REFERENCES ward(ward_id),
    tech_id INTEGER REFERENCES tech(tech_id), opened DATE, closed DATE);
INSERT INTO ward VALUES (1, 'North', 20), (2, 'South', 12), (3, 'East', 8);
INSERT INTO tech VALUES (1, 'Ann'), (2, 'Bob');
INSERT INTO ticket VALUES (1, 1, 1, DATE '2024-01-01', DATE '2024-01-05'), (2, 1, 2, DATE '2024-02-01', DATE '2024-02-03'),
  (3, 2, 1, DATE '2024-03-01', DATE '2024-03-11'), (4, 3, 2, DATE '2024-04-01', NULL);
"""

OVERLAY = {
    "tables": {
        "ward": {"synonyms": ["wards"], "columns": {"bed_cnt": {"synonyms": ["beds", "bed count"]},
                                                     "ward_nm": {"synonyms": ["ward name"]}}},
        "ticket": {"synonyms": ["tickets", "work order", "work orders"], "default_date": "opened"},
        "tech": {"synonyms": ["technician", "technicians"], "columns": {"tech_nm": {"synonyms": ["technician"]}}},
    },
    "metrics": [
        {"name": "number of tickets", "synonyms": ["tickets", "work orders"], "table": "ticket", "sql": "COUNT(*)",
         "format": "count"},
        {"name": "average days to close", "synonyms": ["days to close"], "table": "ticket",
         "sql": "AVG(DATE_DIFF('day', opened, closed))"},
    ],
    "filters": [{"name": "large wards", "synonyms": ["large ward"], "table": "ward", "sql": "bed_cnt >= 10"},
                {"name": "open ticket", "synonyms": ["open"], "table": "ticket", "sql": "closed IS NULL"}],
}


@pytest.fixture(scope="module")
def hospital() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def _rows(hospital: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = hospital
    c = plan(question, model)
    assert c.sql, (question, c.abstain_reason)
    return sorted(con.execute(c.sql).fetchall())


@pytest.mark.parametrize("question", ["How many beds does each ward have?", "total beds per ward"])
def test_a_total_per_own_row_is_each_rows_amount(hospital: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                 question: str) -> None:
    assert _rows(hospital, question) == [("East", 8), ("North", 20), ("South", 12)]


def test_an_average_per_own_row_stays_one_average(hospital: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert _rows(hospital, "average beds per ward") == [(pytest.approx(40 / 3),)]


@pytest.mark.parametrize("question", ["average days to close a work order by technician",
                                      "average days to close by technician"])
def test_a_metrics_own_rows_after_an_article_are_not_a_second_measure(
        hospital: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> None:
    assert _rows(hospital, question) == [("Ann", 7.0), ("Bob", 2.0)]


def test_a_metric_then_its_rows_without_an_article_stay_two_measures(
        hospital: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("average days to close and work orders by technician", hospital[1])
    assert c.sql and "COUNT(*)" in c.sql, (c.sql, c.abstain_reason)


@pytest.mark.parametrize("question", ["average days to close by technician for tickets in 2024",
                                      "average days to close by technician on tickets in 2024"])
def test_a_tables_noun_that_is_also_its_count_after_a_preposition_names_the_rows(
        hospital: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> None:
    assert _rows(hospital, question) == [("Ann", 7.0), ("Bob", 2.0)]


def test_a_named_filter_of_the_ranked_rows_after_top_n(hospital: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert _rows(hospital, "top 1 large wards by number of tickets") == [("North", 2)]


LEAVE = ("CREATE TABLE leave (leave_id INTEGER PRIMARY KEY, kind VARCHAR, channel VARCHAR, days INTEGER); "
         "INSERT INTO leave VALUES (1, 'Sick', 'WEB', 2), (2, 'Sick', 'PHONE', 3), (3, 'Vacation', 'WEB', 10)")


@pytest.mark.parametrize(("question", "rows"), [
    ("average WEB days", [(6.0,)]),                 # a value before the amount averaged filters it
    ("total WEB channel days", [(12,)]),           # ... with its column's own name after it
    ("total sick days", [(5,)]),                   # a filter whose last word names the amount: its total
])
def test_a_value_or_filter_before_the_amount_filters_it(question: str, rows: list[tuple[object, ...]]) -> None:
    con = duckdb.connect()
    con.execute(LEAVE)
    overlay = {"filters": [{"name": "sick leave", "synonyms": ["sick days"], "table": "leave", "sql": "kind = 'Sick'"}]}
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay(overlay))
    c = plan(question, model)
    assert c.sql and con.execute(c.sql).fetchall() == rows, (c.sql, c.abstain_reason)


def test_a_share_of_a_periods_rows(hospital: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'what share of 2024 tickets were open': the rows after the period, the tickets' count metric being rows."""
    assert _rows(hospital, "what share of 2024 tickets were open") == [(0.25,)]


RENT = ("CREATE TABLE tenant (tenant_id INTEGER PRIMARY KEY, first_nm VARCHAR, last_nm VARCHAR); "
        "CREATE TABLE bill (bill_id INTEGER PRIMARY KEY, tenant_id INTEGER REFERENCES tenant(tenant_id), amt INTEGER, "
        "paid INTEGER); INSERT INTO tenant VALUES (1, 'Ann', 'Lee'), (2, 'Ann', 'Moe'), (3, 'Cy', 'Poe'); "
        "INSERT INTO bill VALUES (1, 1, 100, 40), (2, 2, 100, 100), (3, 3, 100, 0), (4, 1, 50, 50)")


def test_a_metrics_participle_as_a_verb_and_a_person_shown_by_both_names() -> None:
    """'which 2 tenants owe the most': "owe" of the metric named "amount owed"; a tenant grouped is shown by first
    and last name (two Anns stay apart)."""
    con = duckdb.connect()
    con.execute(RENT)
    overlay = {"tables": {"tenant": {"synonyms": ["tenants"]}},
               "metrics": [{"name": "outstanding balance", "synonyms": ["amount owed"], "table": "bill",
                            "sql": "SUM(amt - paid)"}]}
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay(overlay))
    c = plan("which 2 tenants owe the most", model)
    assert c.sql and con.execute(c.sql).fetchall() == [("Cy", "Poe", 100), ("Ann", "Lee", 60)], (c.sql, c.abstain_reason)
