"""Follow-ups that turn the previous count into a share (nl2sql/planner/conversation_share.py), that say which
end of the previous measure is the worst (nl2sql/planner/polarity.py), that name the other end of a top N or
measure its rows anew (nl2sql/planner/conversation_among.py),
on the bike-share warehouse of tests/test_followup_checks.py with a cancelled-trip filter: each answered shape
beside the one declined.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history, assert_answered, assert_declined
from tests.test_followup_checks import BIKES, OVERLAY

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from planner_conversations import demo as open_model

FARES = "ALTER TABLE trip ADD COLUMN fare DOUBLE; UPDATE trip SET fare = trip_id * 1.5;"
FILTERS = """
  - name: cancelled trip
    synonyms: [cancelled trips, cancelled]
    table: trip
    sql: trip_stat = 'CXL'
"""

ANSWERED = [
    # a count of the rows meeting one condition, as the share of all the rows kept (period, groups)
    (["number of cancelled trips by city", "as a share of all trips"], ["AVG(CASE WHEN", "'CXL'", "city"],
     ["COUNT("]),
    (["number of cancelled trips by city in 2023", "as a rate instead"], ["AVG(CASE WHEN", "'2023-01-01'"],
     ["COUNT("]),
    (["number of cancelled trips by city", "what share is that?"], ["AVG(CASE WHEN"], ["COUNT("]),
    # a metric (a SUM) with one condition: the share of its total from those rows
    (["fare revenue of CASUAL trips", "what share is that?"], ["SUM(CASE WHEN", "'CASUAL'"], []),
    # a value named after "of" stays in the whole: the share is of the other condition
    (["number of cancelled trips by city", "only ELECTRIC bikes", "as a share of all ELECTRIC trips"],
     ["AVG(CASE WHEN trip.trip_stat = 'CXL'", "= 'ELECTRIC'"], ["COUNT("]),
    # "worst" after a measure named with an adverse word is its highest; "best" its lowest
    (["cancellation rate by city", "which city is worst?"], ["DESC", "LIMIT 1"], []),
    (["cancellation rate by city", "which one is best?"], ["ASC", "LIMIT 1"], []),
    # "the bottom ones" after a top N: the other end, the same N (never one row)
    (["top 2 cities by number of trips", "and the bottom ones?"], ["ASC", "LIMIT 2"], ["LIMIT 1"]),
    (["top 2 cities by number of trips", "five instead"], ["LIMIT 5"], []),
    # a numeric column compared with a number narrows the previous rows; "their total X" measures them
    (["number of trips by city", "only fare above 3"], ["fare > 3"], []),
    (["number of trips by city", "what is their total fare?"], ["SUM(trip.fare)", "city"], ["COUNT("]),
    # the rows of a grouped count, narrowed by a value and listed by their name: the groups go
    (["number of stations by city", "only Lyon, list their names"], ["station_nm", "'Lyon'"], ["COUNT(", "GROUP BY"]),
    # a value said with "too" on a column already filtered: either value (never the new one instead)
    (["number of trips by city", "only ELECTRIC bikes", "and CLASSIC too"], ["IN ('ELECTRIC', 'CLASSIC')"], []),
    # ... and a named filter of one value with "too", after one of the same column: either state (a trip is never
    # both); a filter that is no one value stays declined (tests/test_planner_vet_turns.py)
    (["number of completed trips by city", "and the cancelled ones too"], ["IN ('DONE', 'CXL')"], []),
    # ... and with nothing filtered on that column, it narrows beside the other filters ("and Nantes too?")
    (["number of trips by city", "and CLASSIC bikes too"], ["= 'CLASSIC'"], []),
    # "top N <grouping>" after a measure: its groups (new or the same), ranked by it and cut at N
    (["number of trips by rider type", "top 2 cities instead"], ["city", "DESC", "LIMIT 2"], ["rider_type"]),
    (["number of trips by city", "top 2 cities"], ["city", "DESC", "LIMIT 2"], []),
    # "which of those ..." after a top N: among the rows shown, in their order ("only ..." asks for the top N of those)
    (["top 2 stations by number of trips in 2023", "which of those are in Lyon?"],
     ["station_id IN (SELECT", "LIMIT 2)", "'Lyon'"], []),
    # a new measure of "those" after a top N: the same rows, kept by their key (never ranked again)
    (["top 2 stations by number of trips in 2023", "what is their total fare that year?"],
     ["SUM(trip.fare)", "station_id IN (SELECT", "LIMIT 2)", "'2023-01-01'"], []),
]

DECLINED = [
    # a count with no condition to be the part, or two conditions (which is the part?)
    (["number of trips by city", "as a share of all trips"], ""),
    (["number of cancelled trips by city", "only ELECTRIC bikes", "as a share of all trips"], ""),
    # by groups with a condition, "of the total" is of each group's rows or each group's part of the total
    (["number of cancelled trips by city", "as a share of the total"], ""),
    # a share word with something else named after it
    (["number of cancelled trips by city", "as a share of the CLASSIC bikes"], ""),
    # a measure whose words do not say which end is bad: asked back
    (["number of trips by city", "which city is worst?"], "worst"),
    # "those" after a top N ranked on a grouping with no key of its own: still declined
    (["top 2 cities by number of trips", "what is their total fare?"], ""),
]


@pytest.fixture(scope="module")
def bikes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    root = tmp_path_factory.mktemp("bikes_share")
    path, overlay = root / "bikes.duckdb", root / "overlay.yaml"
    with duckdb.connect(str(path)) as con:
        con.execute(BIKES + FARES)
    overlay.write_text(OVERLAY.replace("filters:\n", "filters:\n" + FILTERS.lstrip("\n")).replace(
        "metrics:\n", "metrics:\n  - name: fare revenue\n    table: trip\n    sql: SUM(fare)\n"))
    con, model = open_model(path, overlay)
    yield con, model
    con.close()


@pytest.mark.parametrize(("turns", "has", "lacks"), ANSWERED)
def test_answered(turns: list[str], has: list[str], lacks: list[str],
                  bikes: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = bikes
    assert_answered(con, plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, has, lacks)


@pytest.mark.parametrize(("turns", "words"), DECLINED)
def test_declined(turns: list[str], words: str, bikes: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    model = bikes[1]
    assert_declined(plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, words)
