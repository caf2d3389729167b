"""Rows compared with an average, one of several values ("2014 or 2015", "age 20 or 40"), keys said as keys, two keys to one parent, and columns listed together
(planner/intent_average.py, timefilters, intent_compare._either_number, intent_base.said_as_key, counts across a
table that refers to both (assemble_tables._bridge_base), joins._owner_link, resolve_context.list_sibling), on a small
club warehouse written here: members with ages and fees, who like each other, own pets and pay dues.
"""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, model_from_catalog, parse_overlay
from nl2sql.planner import plan
from tests.planner_cases import assert_answered, assert_declined

CLUB = """
CREATE TABLE member (member_id INTEGER PRIMARY KEY, name VARCHAR, city VARCHAR, age INTEGER, fee DECIMAL(8,2),
                     active BOOLEAN, join_year INTEGER);
CREATE TABLE likes (member_id INTEGER REFERENCES member (member_id), liked_id INTEGER REFERENCES member (member_id));
CREATE TABLE owner (owner_id INTEGER PRIMARY KEY, first_name VARCHAR, last_name VARCHAR);
CREATE TABLE walker (walker_id INTEGER PRIMARY KEY, first_name VARCHAR, last_name VARCHAR);
CREATE TABLE pet (pet_id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owner (owner_id), pet_name VARCHAR);
INSERT INTO member VALUES (1, 'Ann', 'Oslo', 20, 10, true, 2014), (2, 'Bo', 'Oslo', 30, 20, true, 2015),
  (3, 'Cy', 'Rome', 40, 30, false, 2016), (4, 'Di', 'Rome', 50, 40, true, 2016);
INSERT INTO likes VALUES (1, 2), (1, 3), (2, 1), (4, 1);
CREATE TABLE event (event_id INTEGER PRIMARY KEY, title VARCHAR);
CREATE TABLE attendance (member_id INTEGER REFERENCES member (member_id), event_id INTEGER REFERENCES event (event_id));
INSERT INTO event VALUES (1, 'Gala'), (2, 'Picnic'), (3, 'Quiz');
INSERT INTO attendance VALUES (1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 3);
INSERT INTO owner VALUES (1, 'Eva', 'Stone'), (2, 'Finn', 'Hart');
INSERT INTO walker VALUES (1, 'Gus', 'Lee');
INSERT INTO pet VALUES (1, 1, 'Rex'), (2, 1, 'Tom'), (3, 2, 'Kit');
"""


@pytest.fixture(scope="module")
def club() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(CLUB)
    return con, model_from_catalog(read_duckdb_catalog(con))


def rows(con: duckdb.DuckDBPyConnection, model: SemanticModel, question: str) -> list[tuple[object, ...]]:
    candidate = plan(question, model)
    assert candidate.sql is not None, (question, candidate.abstain_reason)
    return sorted(con.execute(candidate.sql).fetchall(), key=repr)


@pytest.mark.parametrize(("question", "expected"), [
    ("names of members above the average age", [("Cy",), ("Di",)]),
    ("which members are older than average?", [("Cy",), ("Di",)]),
    ("members whose fee is below the average fee", [("Ann",), ("Bo",)]),
    ("members whose fee is not above the average", [("Ann",), ("Bo",)]),
    ("how many members have an age above the average age of members?", [(2,)]),
])
def test_compared_with_the_average_of_all_rows(club: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                               question: str, expected: list[tuple[object, ...]]) -> None:
    con, model = club
    assert rows(con, model, question) == expected
    assert "(SELECT AVG(member." in (plan(question, model).sql or "")


@pytest.mark.parametrize(("question", "word"), [
    ("members in Rome older than average", "rome"),           # the average of all members, or of those in Rome?
    ("members above the average", "above"),                   # the average of which column?
])
def test_average_declined(club: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, word: str) -> None:
    assert_declined(plan(question, club[1]), question, word)


def test_average_of_the_rows_meant_by_default(club: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """A table's default rows (active members) are the rows averaged too, not only the rows listed."""
    con = club[0]
    overlay = parse_overlay({"filters": [{"name": "active member", "table": "member", "sql": "active"}],
                             "tables": {"member": {"default_filter": "active member"}}})
    ruled = apply_overlay(read_duckdb_catalog(con), overlay)
    candidate = plan("members above the average age", ruled)
    assert candidate.sql is not None, candidate.abstain_reason
    assert candidate.sql.count("active") == 2, candidate.sql
    assert sorted(con.execute(candidate.sql).fetchall()) == [("Di",)]     # ages 20, 30, 50: above 33.3


def test_a_key_said_as_a_key_is_shown_as_it_is(club: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = club
    assert_answered(con, plan("count the likes for each member id", model), "member id",
                    ["GROUP BY likes.member_id"], ["member.name"])
    assert_answered(con, plan("number of likes by member", model), "by member", ["member.name"], [])


def test_the_key_named_after_the_table_points_at_the_other_party(
        club: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """likes(member_id, liked_id): 'liked_id' is named after the table (a verb's past beside its noun), so a
    member's likes are the rows whose member_id is theirs."""
    con, model = club
    assert rows(con, model, "how many likes does Ann have?") == [(2,)]


def test_columns_listed_together_belong_to_one_table(club: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'first name' and 'last name' are the owners' and the walkers'; in a list after the owner id they are the
    owners'."""
    con, model = club
    assert_answered(con, plan("list the owner id, first name and last name", model), "owner",
                    ["owner.first_name", "owner.last_name"], ["walker"])
    assert_declined(plan("list the first name and last name", model), "first name and last name", "first name")


@pytest.mark.parametrize(("question", "expected"), [
    ("how many members have a join year of 2014 or 2015?", [(2,)]),        # two years one after the other: either
    ("members whose join year is either 2015 or 2016", [("Bo",), ("Cy",), ("Di",)]),
    ("members with age 20 or 40", [("Ann",), ("Cy",)]),             # a number after "or": another value
    ("members with age 20 or 40 or 50", [("Ann",), ("Cy",), ("Di",)]),
])
def test_either_value(club: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                      expected: list[tuple[object, ...]]) -> None:
    con, model = club
    assert rows(con, model, question) == expected


def test_a_number_after_or_is_never_a_key_looked_up(club: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'age 20 or 3' is two ages; read as "members 3" (a key) beside "age 20" it listed member 3 too."""
    con, model = club
    assert rows(con, model, "members with age 20 or 3") == [("Ann",)]
    assert_declined(plan("how many members have a join year of 2014 or 2016?", model), "2014 or 2016", "2014")


@pytest.mark.parametrize(("question", "expected"), [
    ("names of members who attended at least two events", [("Ann",), ("Bo",)]),
    ("which member attended the most events?", [("Ann",)]),
])
def test_counted_across_the_table_that_refers_to_both(club: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                      question: str, expected: list[tuple[object, ...]]) -> None:
    """Members and events meet in attendance: the events a member attended are counted there, once each."""
    con, model = club
    assert rows(con, model, question) == expected
    assert "FROM main.attendance" in (plan(question, model).sql or "")
