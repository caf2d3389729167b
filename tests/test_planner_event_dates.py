"""The date a period applies to when the question names an event: a status said as an event ("expired",
"cancelled") dates the rows by that event's date, or is declined when the table has none; a named filter's words
("enrollment fees") never pick a date of another table; on a small club model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE member (member_id INTEGER PRIMARY KEY, member_nm VARCHAR, enroll_dt DATE, birth_dt DATE);
CREATE TABLE contract (contract_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(member_id),
    begin_dt DATE, finish_dt DATE, contract_stat VARCHAR);
CREATE TABLE charge (charge_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(member_id),
    charge_typ VARCHAR, paid_dt DATE, amt INTEGER, charge_stat VARCHAR);
CREATE TABLE visit (visit_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(member_id), sched_dt DATE,
    booked_dt DATE, visit_stat VARCHAR);
INSERT INTO member VALUES (1, 'Ann', '2022-05-01', '1990-01-01'), (2, 'Bob', '2024-02-01', '1985-06-01');
INSERT INTO contract VALUES (1, 1, '2022-05-01', '2024-04-30', 'EXP'), (2, 1, '2024-05-01', '2025-04-30', 'ACT'),
    (3, 2, '2024-02-01', '2024-08-01', 'CAN'), (4, 2, '2023-01-01', '2023-12-31', 'EXP');
INSERT INTO charge VALUES (1, 1, 'ENR', '2023-03-05', 50, 'PD'), (2, 2, 'ENR', '2024-02-01', 60, 'PD'),
    (3, 1, 'DUE', '2024-03-01', 30, 'FL'), (4, 2, 'DUE', '2024-03-01', 30, 'PD');
INSERT INTO visit VALUES (1, 1, '2024-01-10', '2023-12-20', 'MSD'), (2, 2, '2024-03-01', '2024-02-01', 'DN');
"""

OVERLAY = {
    "tables": {
        "member": {"synonyms": ["members"], "default_date": "enroll_dt",
                   "columns": {"enroll_dt": {"synonyms": ["enrollment date", "joined on"]},
                               "birth_dt": {"synonyms": ["birth date"]}}},
        "contract": {"synonyms": ["contracts"], "default_date": "begin_dt",
                     "columns": {"begin_dt": {"synonyms": ["begin date", "start date"]},
                                 "finish_dt": {"synonyms": ["expiration date", "finish date"]},
                                 "contract_stat": {"description": "Contract status, ACT active, EXP expired (ran its "
                                                                  "term), CAN cancelled early.",
                                                   "synonyms": ["contract status", "status"]}}},
        "charge": {"synonyms": ["charges", "payments"], "default_date": "paid_dt",
                   "columns": {"paid_dt": {"synonyms": ["payment date", "date"]},
                               "charge_stat": {"description": "Charge status, PD paid, FL failed."}}},
        "visit": {"synonyms": ["visits"], "default_date": "sched_dt",
                  "columns": {"visit_stat": {"description": "Visit status, DN done, MSD missed."}}},
    },
    "metrics": [{"name": "revenue", "synonyms": ["fees", "payments received"], "table": "charge", "sql": "SUM(amt)"}],
    "filters": [{"name": "enrollment fee", "synonyms": ["enrollment fees"], "table": "charge",
                 "sql": "charge_typ = 'ENR'"},
                {"name": "early cancellation", "synonyms": ["cancelled", "cancelled early"], "table": "contract",
                 "sql": "contract_stat = 'CAN'"}],
}


@pytest.fixture(scope="module")
def club() -> SemanticModel:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


@pytest.mark.parametrize("question", ["how many contracts expired in 2024", "how many contracts expire in 2024?"])
def test_a_status_said_as_an_event_is_dated_by_that_events_date(club: SemanticModel, question: str) -> None:
    sql = plan(question, club).sql or ""
    assert "'EXP'" in sql and "finish_dt >= " in sql and "begin_dt" not in sql, sql


def test_an_event_with_no_date_of_its_own_is_declined_naming_it(club: SemanticModel) -> None:
    c = plan("how many contracts were cancelled in 2024", club)
    assert c.sql is None and "which date records when the rows were cancelled" in (c.abstain_reason or ""), c.sql


def test_an_event_of_rows_that_do_not_last_is_dated_by_their_date(club: SemanticModel) -> None:
    """Visits have two dates and none of the event, but no date ends them (a point in time, unlike a
    contract's finish date): "missed in 2024" is the visits scheduled in 2024."""
    sql = plan("how many visits were missed in 2024", club).sql or ""
    assert "'MSD'" in sql and "sched_dt >= " in sql, sql


def test_an_event_of_rows_with_one_date_is_dated_by_it(club: SemanticModel) -> None:
    sql = plan("how many charges failed in 2024", club).sql or ""
    assert "'FL'" in sql and "paid_dt >= " in sql, sql


@pytest.mark.parametrize("question", ["how many active contracts in 2024", "contracts with status EXP in 2024"])
def test_a_status_that_names_no_event_keeps_the_rows_date(club: SemanticModel, question: str) -> None:
    sql = plan(question, club).sql or ""
    assert "begin_dt >= " in sql and "finish_dt" not in sql, sql


@pytest.mark.parametrize("question", ["enrollment fees per month", "enrollment fees by year"])
def test_a_filters_words_never_pick_another_tables_date(club: SemanticModel, question: str) -> None:
    sql = plan(question, club).sql or ""
    assert "paid_dt" in sql and "enroll_dt" not in sql and "'ENR'" in sql, sql


def test_the_other_tables_date_said_as_a_date_stays(club: SemanticModel) -> None:
    sql = plan("number of members by enrollment date month", club).sql or ""
    assert "enroll_dt" in sql, sql
