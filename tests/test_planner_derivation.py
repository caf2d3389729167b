"""Words that name a model's tables by another form or another everyday word (derivation.py, synonyms.py), on a
small school warehouse written here: a verb of the same root as a link table ("enrolled" / enrolment), a
synonym of a table's noun ("stores" for a shop table, "students" for a table named ``Preschooler``).
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan
from nl2sql.planner.derivation import same_root
from nl2sql.planner.synonyms import synonym_phrases
from tests.planner_cases import assert_answered, assert_declined

SCHOOL = """
CREATE TABLE course (course_id INTEGER PRIMARY KEY, title VARCHAR);
CREATE TABLE preschooler (kid_id INTEGER PRIMARY KEY, name VARCHAR, grade INTEGER);
CREATE TABLE enrolment (kid_id INTEGER REFERENCES preschooler (kid_id),
                        course_id INTEGER REFERENCES course (course_id));
CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, name VARCHAR, location VARCHAR, products INTEGER);
INSERT INTO course VALUES (1, 'Art'), (2, 'Music'), (3, 'Chess');
INSERT INTO preschooler VALUES (1, 'Ann', 1), (2, 'Bo', 1), (3, 'Cy', 2), (4, 'Di', 2), (5, 'Ed', 2);
INSERT INTO enrolment VALUES (1, 1), (2, 1), (3, 2);
INSERT INTO shop VALUES (1, 'North', 'Oslo', 10), (2, 'South', 'Oslo', 20), (3, 'East', 'Bergen', 5);
"""

ANSWERED = [
    # a verb of the same root as a link table only relates the tables named around it
    ("What are the titles of courses with some preschoolers enrolled?", ["JOIN main.enrolment"], []),
    ("Which courses have no preschoolers enrolled?", ["NOT EXISTS"], []),
    # a synonym of a table's noun names the table
    ("How many stores are there?", ["COUNT(*)", "main.shop"], []),
    ("What is the average grade of students?", ["AVG(preschooler.grade)"], []),
    # "distinct <table> <column>" counts the column's values, not the table's rows
    ("How many different store locations are there?", ["COUNT(DISTINCT shop.location)"], ["GROUP BY"]),
]
DECLINED = [
    # "who is enrolled": the verb's subject is not named, so what to list is a guess
    ("Who is enrolled in a course called Art?", "enrolled"),
    # "at least 4 students" counts rows; it is not a comparison of the grade
    ("Show all grades that have at least 2 students.", ""),
]


@pytest.fixture(scope="module")
def school() -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    con = duckdb.connect(":memory:")
    con.execute(SCHOOL)
    yield con, model_from_catalog(read_duckdb_catalog(con))
    con.close()


@pytest.mark.parametrize(("question", "has", "lacks"), ANSWERED)
def test_answered(school: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, has: list[str],
                  lacks: list[str]) -> None:
    con, model = school
    assert_answered(con, plan(question, model), question, has, lacks)


@pytest.mark.parametrize(("question", "words"), DECLINED)
def test_declined(school: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, words: str) -> None:
    assert_declined(plan(question, school[1]), question, words)


def test_roots_and_synonyms_are_words_not_schemas() -> None:
    assert same_root("departing", "departure") and same_root("enrolled", "enrollment")
    assert not same_root("stated", "station") and not same_root("open", "opinion")
    assert synonym_phrases(("store",)) == (("shop",),)
    assert synonym_phrases(("oscar",)) == ()


def test_a_model_name_wins_over_a_synonym() -> None:
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, name VARCHAR);"
                "CREATE TABLE store (store_id INTEGER PRIMARY KEY, name VARCHAR);")
    model = model_from_catalog(read_duckdb_catalog(con))
    cand = plan("How many stores are there?", model)
    assert cand.sql is not None and "main.store" in cand.sql and "shop" not in cand.sql
    con.close()
