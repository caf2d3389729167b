"""Lists with the rows' own attributes (vocabulary possessives: "with their", "and their", "and its"): the listed rows
are named beside what is asked, and a parent table named after the possessive is shown, never dropped. On a small
warehouse written here (members of clubs in towns), not on the demo model the shape was found on.
"""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan
from tests.planner_cases import assert_answered

CLUBS = """
CREATE TABLE town (town_id INTEGER PRIMARY KEY, town_name VARCHAR);
CREATE TABLE club (club_id INTEGER PRIMARY KEY, club_name VARCHAR, town_id INTEGER REFERENCES town (town_id));
CREATE TABLE member (member_id INTEGER PRIMARY KEY, member_name VARCHAR, dues DECIMAL(8,2),
                     club_id INTEGER REFERENCES club (club_id));
INSERT INTO town VALUES (1, 'Ashby'), (2, 'Brill');
INSERT INTO club VALUES (1, 'Rovers', 1), (2, 'Anglers', 2);
INSERT INTO member VALUES (1, 'Ann', 10, 1), (2, 'Bo', -5, 2), (3, 'Cy', 20, 2);
"""


@pytest.fixture(scope="module")
def clubs() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(CLUBS)
    return con, model_from_catalog(read_duckdb_catalog(con))


CASES = [
    # the parent named after "with their" is shown (it was dropped: a list of member names alone)
    ("list members with their club", ["member.member_name", "club.club_name"]),
    ("list clubs with their town", ["club.club_name", "town.town_name"]),
    # "and their": the listed rows are named beside the parent's column (it was the parent's names alone)
    ("list members and their club", ["member.member_name", "club.club_name"]),
    ("list members with dues below 0 and their club", ["member.member_name", "club.club_name", "< 0"]),
    # the rows' own column after a possessive: named beside it, as before
    ("list members with their dues", ["member.member_name", "member.dues"]),
]


@pytest.mark.parametrize(("question", "has"), CASES, ids=[c[0] for c in CASES])
def test_possessive_lists_show_the_rows_and_what_is_asked(
        clubs: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, has: list[str]) -> None:
    con, model = clubs
    assert_answered(con, plan(question, model), question, has, [])


def test_without_a_possessive_a_named_parent_is_not_shown(clubs: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = clubs
    # "members of clubs in Brill": the clubs only say which members; nothing of theirs is asked for
    assert_answered(con, plan("list members of clubs in Brill", model), "members of clubs in Brill",
                    ["member.member_name", "'Brill'"], ["club.club_name"])
