"""Other names of a column a question may use: who did what a "<verb>ed by" column records ("director" of
directed_by; lexicon_phrasings.agent_nouns), the first word before a head that only says what kind of value it is
("email" of email_address, "role" of role_code; lexicon_phrasings.weak_names), everyday synonyms (vocabulary noun_synonyms: "gender" of sex), and
the attribute a degree adjective names on the table each row belongs to ("the tallest actor" by the actor's
person's height; intent_rank._parent_attribute_columns); and what a quoted text is called ("the substring 'West'",
"a city whose name contains"; intent_text), on a small film warehouse written here.
"""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan
from tests.planner_cases import assert_answered, assert_declined

FILMS = """
CREATE TABLE person (person_id INTEGER PRIMARY KEY, name VARCHAR, sex VARCHAR, height DOUBLE, email_address VARCHAR,
                     role_code VARCHAR, city VARCHAR);
CREATE TABLE actor (actor_id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES person (person_id), fee DOUBLE);
CREATE TABLE film (film_id INTEGER PRIMARY KEY, title VARCHAR, directed_by VARCHAR, budget DOUBLE);
CREATE TABLE crew (crew_id INTEGER PRIMARY KEY, film_id INTEGER REFERENCES film (film_id), name VARCHAR,
                   weight DOUBLE);
INSERT INTO person VALUES (1, 'Ann', 'F', 1.70, 'ann@x.org', 'LEAD', 'Westham'), (2, 'Bo', 'M', 1.90, 'bo@x.org', 'EXTRA', 'Oslo'),
  (3, 'Cy', 'M', 1.80, 'cy@x.org', 'EXTRA', 'Bergen');
INSERT INTO actor VALUES (1, 1, 100), (2, 2, 200), (3, 3, 300);
INSERT INTO film VALUES (1, 'Dawn', 'Lee', 10), (2, 'Dusk', 'Lee', 20), (3, 'Noon', 'Kim', 30);
INSERT INTO crew VALUES (1, 1, 'Di', 60), (2, 3, 'Ed', 80);
"""


@pytest.fixture(scope="module")
def films() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(FILMS)
    return con, model_from_catalog(read_duckdb_catalog(con))


def test_the_agent_of_a_verb_ed_by_column(films: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = films
    candidate = plan("how many films did each director make?", model)
    assert_answered(con, candidate, "director", ["GROUP BY film.directed_by"], [])
    assert sorted(con.execute(candidate.sql or "").fetchall()) == [("Kim", 1), ("Lee", 2)]


def test_an_everyday_synonym_of_a_column(films: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = films
    assert_answered(con, plan("list the name and gender of every person", model), "gender", ["person.sex"], [])


def test_a_degree_adjective_on_the_row_s_parent(films: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = films
    candidate = plan("what is the fee of the tallest actor?", model)
    assert_answered(con, candidate, "tallest", ["ORDER BY person.height DESC", "LIMIT 1"], [])
    assert con.execute(candidate.sql or "").fetchall() == [(200.0,)]
    # the crew's own weight, not a film's: a parent is looked at only where the table has no such column
    assert_answered(con, plan("the name of the heaviest crew", model), "heaviest", ["crew.weight"], [])
    # a film has no height, nor do the tables it belongs to: still declined
    assert_declined(plan("what is the title of the tallest film?", model), "tallest film", "")


def test_a_modifier_before_a_kind_head(films: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = films
    assert_answered(con, plan("list the name, email and role of every person", model), "email and role",
                    ["person.email_address", "person.role_code"], [])


@pytest.mark.parametrize("question", [
    "people living in a city containing the substring 'ham'",
    "people who live in a city whose name contains 'ham'",      # the city's name, not a crew member's name
])
def test_what_the_quoted_text_is_called(films: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> None:
    con, model = films
    candidate = plan(question, model)
    assert_answered(con, candidate, question, ["LOWER(person.city) LIKE '%ham%'"], ["crew", "substring"])
    assert con.execute(candidate.sql or "").fetchall() == [("Ann",)]


def test_an_unknown_word_before_a_quoted_text_is_not_the_text(
        films: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert_declined(plan("people in a city containing the snippet 'ham'", films[1]), "snippet", "snippet")


def test_a_degree_adjective_asks_for_the_row(films: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'Who is the tallest person?' names no column: the person, not the largest height; 'the highest height of a
    person' names one: the value."""
    con, model = films
    assert_answered(con, plan("who is the tallest person?", model), "tallest", ["person.name", "LIMIT 1"], ["MAX("])
    assert_answered(con, plan("what is the highest height of a person?", model), "highest height",
                    ["MAX(person.height)"], ["person.name"])
