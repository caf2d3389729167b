"""Follow-up shapes the engine declines instead of guessing (nl2sql/planner/followup_checks.py), one rule each,
on a small bike-share warehouse written here: each declined conversation has an answered twin whose words say
what the edit changes.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history, assert_answered, assert_declined, small_warehouse


BIKES = """
CREATE TABLE station (station_id INTEGER PRIMARY KEY, station_nm VARCHAR, city VARCHAR);
CREATE TABLE bike (bike_id INTEGER PRIMARY KEY, bike_type VARCHAR, bike_stat VARCHAR);
CREATE TABLE trip (trip_id INTEGER PRIMARY KEY, bike_id INTEGER REFERENCES bike (bike_id),
                   station_id INTEGER REFERENCES station (station_id), trip_dt DATE, rider_type VARCHAR,
                   trip_stat VARCHAR);
INSERT INTO station VALUES (1, 'Harbor Dock', 'Lyon'), (2, 'Mill Square', 'Lyon'), (3, 'Old Gate', 'Nantes');
INSERT INTO bike VALUES (1, 'ELECTRIC', 'OK'), (2, 'CLASSIC', 'OK'), (3, 'ELECTRIC', 'BROKEN'), (4, 'CLASSIC', 'BROKEN');
INSERT INTO trip VALUES (1, 1, 1, '2023-01-05', 'MEMBER', 'DONE'), (2, 2, 2, '2023-01-20', 'CASUAL', 'DONE'),
                        (3, 3, 3, '2023-02-02', 'MEMBER', 'CXL'), (4, 4, 1, '2023-02-11', 'CASUAL', 'DONE'),
                        (5, 1, 2, '2023-03-03', 'MEMBER', 'CXL'), (6, 2, 3, '2024-03-03', 'MEMBER', 'DONE');
"""

OVERLAY = """
name: bikes
tables:
  trip:
    columns:
      rider_type: {synonyms: [rider type], values: [MEMBER, CASUAL]}
      trip_stat: {synonyms: [trip status], values: [DONE, CXL]}
  bike:
    columns:
      bike_type: {synonyms: [bike type], values: [ELECTRIC, CLASSIC]}
      bike_stat: {synonyms: [bike status], values: [OK, BROKEN]}
  station:
    columns:
      station_nm: {synonyms: [station name]}
metrics:
  - name: cancellation rate
    table: trip
    sql: AVG(CASE WHEN trip_stat = 'CXL' THEN 1.0 ELSE 0.0 END)
filters:
  - name: completed trip
    synonyms: [completed trips, completed]
    table: trip
    sql: trip_stat = 'DONE'
  - name: broken bike
    synonyms: [broken bikes, broken]
    table: bike
    sql: bike_stat = 'BROKEN'
"""

DECLINED = [
    # value_on_another_column: "and X?" with X on a column the previous filter is not on: instead, or too?
    (["number of trips by rider type", "only ELECTRIC bikes", "and Nantes?"], "nantes"),
    # word_in_unrelated_values: a word seen only inside the values of rows the question is not about
    (["number of trips by bike type", "only the Harbor ones"], "harbor"),
    # grouping_added_or_replaced: a bare "by X" on a grouped answer: added or instead?
    (["number of trips by rider type", "by bike type?"], "bike type"),
    # metric_pinned_by_filter: the kept filter fixes the column the new measure reads
    (["number of completed trips by city", "cancellation rate instead"], "cancellation rate"),
    # list_keeps_measure: a list verb, and the edit only narrows a count
    (["how many broken bikes are there?", "list ELECTRIC"], "list"),
]
ANSWERED = [
    (["number of trips by rider type", "only ELECTRIC bikes", "and CLASSIC?"], ["'CLASSIC'"], ["'ELECTRIC'"]),
    (["number of trips by rider type", "only ELECTRIC bikes", "only Nantes"], ["'ELECTRIC'", "'Nantes'"], []),
    (["number of trips by rider type", "only ELECTRIC bikes", "and Nantes too?"], ["'ELECTRIC'", "'Nantes'"], []),
    (["number of trips by station name", "only the Harbor ones"], ["%harbor%"], []),
    (["number of trips by rider type", "break that down by bike type"], ["rider_type", "bike_type"], []),
    (["number of trips by rider type", "now by bike type"], ["bike_type"], ["rider_type"]),
    (["number of trips by rider type", "and by bike type too?"], ["rider_type", "bike_type"], []),
    # "and by X" (followup.regroup_leading) replaces, as every conversation set that says it does
    (["number of trips by rider type", "and by bike type?"], ["bike_type"], ["rider_type"]),
    (["number of trips by city", "cancellation rate instead"], ["'CXL'"], ["'DONE'"]),
    (["how many broken bikes are there?", "list them"], ["'BROKEN'"], ["COUNT("]),
    # "list the ELECTRIC ones": the rows counted, narrowed by the value, listed (conversation_rows.list_them)
    (["how many broken bikes are there?", "list the ELECTRIC ones"], ["'BROKEN'", "'ELECTRIC'"], ["COUNT("]),
]


@pytest.fixture(scope="module")
def bikes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    con, model = small_warehouse(tmp_path_factory.mktemp("bikes"), BIKES, OVERLAY)
    yield con, model
    con.close()



@pytest.mark.parametrize(("turns", "words"), DECLINED)
def test_declined(turns: list[str], words: str, bikes: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    model = bikes[1]
    assert_declined(plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, words)


@pytest.mark.parametrize(("turns", "has", "lacks"), ANSWERED)
def test_answered(turns: list[str], has: list[str], lacks: list[str],
                  bikes: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = bikes
    assert_answered(con, plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, has, lacks)
