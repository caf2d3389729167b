"""Confident wrong answers on the business models (helper `precmodels`, session 9, issue 10), each with an answered
twin: a name column of something else ("make name" of vans) that repeats over a few values is a category the rows
share (grouped by, never split by the key), while a person's name that repeats ("driver name" of drivers) still
names its rows, grouped by their key; rows called by a noun of money ("toll payments by lane") add up that noun's
amount, declined when the rows hold two amounts; a grain word ("by month") names no date ("month billed"); "status"
said of trips is their "trip status", not the drivers' "status". A small fleet model of this test's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history, assert_answered, assert_declined, small_warehouse

SCHEMA = """
CREATE TABLE van (plate_no VARCHAR PRIMARY KEY, make_name VARCHAR, seats INTEGER);
CREATE TABLE driver (driver_id INTEGER PRIMARY KEY, driver_name VARCHAR, hired DATE, duty VARCHAR);
CREATE TABLE trip (trip_id INTEGER PRIMARY KEY, plate_no VARCHAR REFERENCES van(plate_no),
    driver_id INTEGER REFERENCES driver(driver_id), trip_date DATE, km INTEGER, trip_stat_cd VARCHAR);
CREATE TABLE toll_bill (bill_id INTEGER PRIMARY KEY, bill_prd DATE);
CREATE TABLE toll_pmt (toll_id INTEGER PRIMARY KEY, plate_no VARCHAR REFERENCES van(plate_no), paid_on DATE,
    lane VARCHAR, amt_paid DECIMAL(9, 2), bill_id INTEGER REFERENCES toll_bill(bill_id));
CREATE TABLE parking (park_id INTEGER PRIMARY KEY, plate_no VARCHAR REFERENCES van(plate_no), paid_on DATE,
    zone VARCHAR, fee_due DECIMAL(9, 2), fee_paid DECIMAL(9, 2));
INSERT INTO van VALUES ('AB-1', 'Ford', 3), ('AB-2', 'Ford', 3), ('AB-3', 'Iveco', 2), ('AB-4', 'Ford', 3),
                       ('AB-5', 'Iveco', 9);
INSERT INTO driver VALUES (1, 'Sam Lee', DATE '2020-01-01', 'ON'), (2, 'Sam Lee', DATE '2021-01-01', 'OFF'),
                          (3, 'Ana Ruiz', DATE '2022-01-01', 'ON');
INSERT INTO trip VALUES (1, 'AB-1', 1, DATE '2025-01-02', 40, 'DONE'), (2, 'AB-2', 2, DATE '2025-01-03', 60, 'DONE'),
                        (3, 'AB-3', 3, DATE '2025-02-01', 10, 'LATE'), (4, 'AB-1', 2, DATE '2025-02-02', 30, 'DONE');
INSERT INTO toll_bill VALUES (1, DATE '2024-12-01'), (2, DATE '2025-01-01');
INSERT INTO toll_pmt VALUES (1, 'AB-1', DATE '2025-01-02', 'EXPRESS', 12.5, 1),
                            (2, 'AB-2', DATE '2025-01-03', 'EXPRESS', 7.5, 1), (3, 'AB-3', DATE '2025-02-01', 'LOCAL', 2, 2);
INSERT INTO parking VALUES (1, 'AB-1', DATE '2025-01-02', 'NORTH', 10, 10), (2, 'AB-2', DATE '2025-01-05', 'SOUTH', 8, 0);
"""

OVERLAY = """
tables:
  van:
    synonyms: [vans, vehicles]
    columns:
      make_name:
        synonyms: [make, brand]
  driver:
    synonyms: [drivers]
    columns:
      duty:
        synonyms: [status, duty status]
  trip:
    columns:
      trip_stat_cd:
        synonyms: [trip status]
    synonyms: [trips]
    default_date: trip_date
  toll_bill:
    synonyms: [toll bills]
    default_date: bill_prd
    columns:
      bill_prd:
        synonyms: [billing month, month billed]
  toll_pmt:
    synonyms: [toll payments, tolls]
    default_date: paid_on
    columns:
      lane:
        values: [EXPRESS, LOCAL]
      amt_paid:
        synonyms: [payment amount]
        format: currency
  parking:
    synonyms: [parking payments]
    default_date: paid_on
    columns:
      zone:
        values: [NORTH, SOUTH]
      fee_due:
        format: currency
      fee_paid:
        format: currency
"""


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    con, model = small_warehouse(Path(tmp_path_factory.mktemp("fleet")), SCHEMA, OVERLAY)
    yield con, model
    con.close()


@pytest.mark.parametrize("question, has, lacks, rows", [
    # a make shared by several vans: one row per make, not one per van
    ("how many vans per brand", ["GROUP BY van.make_name"], ["plate_no"], 2),
    ("number of vehicles by make", ["GROUP BY van.make_name"], ["plate_no"], 2),
    # each van is still kept apart (by its key) when the vans themselves are grouped
    ("top 2 vans by number of trips", ["GROUP BY van.plate_no"], [], 2),
    # twin: a driver's name that repeats still names the drivers, two people of one name kept apart
    ("number of trips by driver", ["driver.driver_id", "driver.driver_name"], [], 3),
    ("list the drivers", ["driver.driver_name"], [], 3),
])
def test_a_shared_name_is_a_category(fleet: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                     has: list[str], lacks: list[str], rows: int) -> None:
    con, model = fleet
    c = plan(question, model, columns="helpful")     # as the product asks
    assert_answered(con, c, question, has, lacks)
    assert len(con.execute(c.sql or "").fetchall()) == rows, (question, c.sql)


def test_a_follow_up_groups_by_the_category(fleet: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = fleet
    history = answered_history(model, ["how many vans are there?"])
    c = plan_turn("by make", model, history, columns="helpful")
    assert_answered(con, c, "by make", ["GROUP BY van.make_name"], ["plate_no"])
    assert sorted(con.execute(c.sql or "").fetchall()) == [("Ford", 3), ("Iveco", 2)]


@pytest.mark.parametrize("question, has, lacks", [
    # payments are money: their amount added up (said in the notes), the column called the payment amount
    ("toll payments by lane", ["SUM(toll_pmt.amt_paid)"], ["COUNT(*)"]),
    ("toll payments per month in 2025", ["SUM(toll_pmt.amt_paid)"], ["COUNT(*)"]),
    # twins: asked as a count, or called by a noun that is no money ("tolls"), the rows are counted
    ("how many toll payments by lane", ["COUNT(*)"], ["SUM("]),
    ("tolls by lane", ["COUNT(*)"], ["SUM("]),
    ("number of parking payments by zone", ["COUNT(*)"], ["SUM("]),
])
def test_payments_by_a_group(fleet: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, has: list[str],
                             lacks: list[str]) -> None:
    con, model = fleet
    assert_answered(con, plan(question, model), question, has, lacks)


def test_payments_with_two_amounts_are_declined(fleet: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # the fee due or the fee paid: adding either up (or counting the rows) would be a guess
    assert_declined(plan("parking payments by zone", fleet[1]), "parking payments by zone", "payment")


@pytest.mark.parametrize("question, has, lacks", [
    # "month" is the grain asked for, not the billing month (a date of the bills called "month billed")
    ("toll payments by month in 2025", ["toll_pmt.paid_on >="], ["bill_prd"]),
    ("number of toll payments per month", ["DATE_TRUNC('MONTH', toll_pmt.paid_on)"], ["bill_prd"]),
    # twin: the billing month named by its own words
    ("number of toll payments by billing month", ["toll_bill.bill_prd"], []),
])
def test_a_grain_word_names_no_date(fleet: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                    has: list[str], lacks: list[str]) -> None:
    con, model = fleet
    assert_answered(con, plan(question, model), question, has, lacks)


@pytest.mark.parametrize("question, has, lacks", [
    # "status" of trips: the trips' own "trip status", not the drivers' status said alone
    ("trips by status", ["GROUP BY trip.trip_stat_cd"], ["duty"]),
    ("number of trips per status in 2025", ["GROUP BY trip.trip_stat_cd"], ["duty"]),
    # twin: the drivers' status, called just so
    ("drivers by status", ["GROUP BY driver.duty"], ["trip_stat_cd"]),
])
def test_a_column_called_after_its_table(fleet: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                         has: list[str], lacks: list[str]) -> None:
    con, model = fleet
    assert_answered(con, plan(question, model), question, has, lacks)
