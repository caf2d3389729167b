"""Readings that were confident and wrong on Spider dev, each a general shape declined (or read right), with an
answered twin: question -> outcome pairs on a small school warehouse written here (no overlay: the names alone).

- a ranking of groups whose every value is one row (checks_unique): every group ties;
- "the X of the Y" where Y is a column of X's own rows (intent ``_no_column_of_column``): whose X, not two columns;
- a list whose every shown column the question's value pins (doubts ``pinned_list``): it would repeat the value;
- "every student who has a cat as a pet": "each" names what is listed even when a table is named after a value;
- a scale at the end of a column's name (``net_worth_millions``): the words before it name the column;
- an initial split off by its capital ("LName") is the abbreviation ("lname", last name);
- a column word right after a value ("a cat that is age 3") is a column of the value's rows (pet_age);
- "the minimum and maximum age": a list of aggregates, as "the average and maximum age" is;
- a table's kind said first ("Ref_Template_Types") and "X of <the table>" (cost_of_treatment): shorter names;
- "the most recent" after "how much" is no MAX of an amount;
- "the maximum share" when a column is called share; "the largest area" when "area" names a column and is a
  word inside some values; "number of products" for number_products; a lookup key's capitals ("BK") are values;
- a trailing "for each" after a listed column and a count; "in descending order" of the one column shown.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan

SCHOOL = """
CREATE TABLE teacher (teacher_id INTEGER PRIMARY KEY, name VARCHAR, hometown VARCHAR, subject VARCHAR);
INSERT INTO teacher VALUES (1, 'Ann', 'Bolton', 'math'), (2, 'Bo', 'Turton', 'math'), (3, 'Cy', 'Horwich', 'art'),
                           (4, 'Di', 'Kearsley', 'math');
CREATE TABLE car_makers (id INTEGER PRIMARY KEY, maker VARCHAR, full_name VARCHAR);
INSERT INTO car_makers VALUES (1, 'amc', 'American Motor Company'), (2, 'bmw', 'BMW'), (3, 'bmw', 'BMW AG');
CREATE TABLE highschooler (id INTEGER PRIMARY KEY, name VARCHAR, grade INTEGER);
INSERT INTO highschooler VALUES (1, 'Kyle', 9), (2, 'Jordan', 10), (3, 'Logan', 12);
CREATE TABLE friend (student_id INTEGER REFERENCES highschooler(id), friend_id INTEGER REFERENCES highschooler(id));
INSERT INTO friend VALUES (1, 2), (2, 1), (1, 3), (3, 1);
CREATE TABLE student (stu_id INTEGER PRIMARY KEY, "LName" VARCHAR, fname VARCHAR, age INTEGER);
INSERT INTO student VALUES (1, 'Smith', 'Linda', 18), (2, 'Kim', 'Tracy', 19), (3, 'Jones', 'Shiela', 21);
CREATE TABLE pets (pet_id INTEGER PRIMARY KEY, pet_type VARCHAR, pet_age INTEGER, weight DOUBLE);
INSERT INTO pets VALUES (1, 'cat', 3, 12.0), (2, 'dog', 2, 13.4), (3, 'dog', 1, 9.3);
CREATE TABLE has_pet (stu_id INTEGER REFERENCES student(stu_id), pet_id INTEGER REFERENCES pets(pet_id));
INSERT INTO has_pet VALUES (1, 1), (1, 2), (2, 3);
CREATE TABLE breeds (breed_code VARCHAR PRIMARY KEY, breed_name VARCHAR);
INSERT INTO breeds VALUES ('HUS', 'Husky'), ('BUL', 'Bulldog');
CREATE TABLE templates (template_id INTEGER PRIMARY KEY, template_type_code VARCHAR, version_number INTEGER);
INSERT INTO templates VALUES (1, 'PP', 5), (2, 'BK', 9);
CREATE TABLE ref_template_types (template_type_code VARCHAR PRIMARY KEY, template_type_description VARCHAR);
INSERT INTO ref_template_types VALUES ('PP', 'Paper'), ('BK', 'Book');
CREATE TABLE treatments (treatment_id INTEGER PRIMARY KEY, date_of_treatment DATE, cost_of_treatment DECIMAL(8,2));
INSERT INTO treatments VALUES (1, DATE '2018-03-19', 567), (2, DATE '2018-03-15', 147);
CREATE TABLE tv_series (id INTEGER PRIMARY KEY, episode VARCHAR, share DOUBLE);
INSERT INTO tv_series VALUES (1, 'A Love of a Lifetime', 9.0), (2, 'Friendly Skies', 5.0), (3, 'Blowback', 7.5);
CREATE TABLE country (code VARCHAR PRIMARY KEY, name VARCHAR, surface_area DOUBLE, government_form VARCHAR);
INSERT INTO country VALUES ('ABW', 'Aruba', 193, 'Nonmetropolitan Territory'),
                           ('MAC', 'Macao', 18, 'Special Administrative Area'), ('BRA', 'Brazil', 8547403, 'Republic');
CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, name VARCHAR, number_products INTEGER);
INSERT INTO shop VALUES (1, 'FC Haka', 3516), (2, 'HJK', 10770), (3, 'FC Inter', 1600);
CREATE TABLE part (part_id INTEGER PRIMARY KEY, size INTEGER);
INSERT INTO part VALUES (1, 15), (2, 15), (3, 7);
CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name VARCHAR, net_worth_millions DOUBLE);
INSERT INTO singer VALUES (1, 'Liliane', 30.0), (2, 'Christy', 28.8), (3, 'Iris', 41.5);
"""


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    path = tmp_path_factory.mktemp("school") / "school.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(SCHOOL)
    con = duckdb.connect(str(path), read_only=True)
    yield con, model_from_catalog(read_duckdb_catalog(con))
    con.close()


# (question, a word the abstention names)
DECLINED = [
    # every hometown is one teacher's: all tie at one
    ("What is the most common hometown of teachers?", "hometown"),
    # "makers" names the maker column of the same rows as "full name": whose name, not a second column
    ("Find the full name of the makers", "makers"),
    # read as the names of the students named Kyle: the answer would only say "Kyle"
    ("Show the names of the friends of Kyle", "kyle"),
    # "the most recent" ranks rows by time: never the highest cost, added up beside the total
    ("How much does the most recent treatment cost?", "how much"),
    # rows named before "the highest and lowest": which singers, not the two values
    ("Which singer has the highest and lowest net worth?", "highest"),
]

# (question, the rows the answer must hold)
ANSWERED = [
    # twin: subjects repeat, so the most common one is a finding
    ("What is the most common subject of teachers?", [("math",)]),
    # twin: two columns of the makers, said as two columns
    ("Find the full name and maker of all car makers", [("American Motor Company", "amc"), ("BMW", "bmw"),
                                                        ("BMW AG", "bmw")]),
    # twin: a column the value does not pin
    ("What is the grade of the highschooler named Kyle?", [(9,)]),
    # "every student" is what is listed; "as a pet" only says what a cat is (one row per pet, as usually written)
    ("What are the first names of every student who has a cat or dog as a pet?", [("Linda",), ("Linda",),
                                                                                  ("Tracy",)]),
    # "net worth" names net_worth_millions
    ("What is the name of the singer with the largest net worth?", [("Iris",)]),
    # "LName" is lname, the last name; "age" right after a cat is the cat's age (pet_age), not the student's
    ("What is the last name of the student who has a cat that is age 3?", [("Smith",)]),
    # aggregates named together, first a minimum: one row of both
    ("What are the minimum and maximum age of students?", [(18, 21)]),
    # "breed" is the singular of "breeds" ("-eed" is no past tense)
    ("List the name of each breed", [("Husky",), ("Bulldog",)]),
    # "type codes" of templates.template_type_code: the table's own word first says whose, as a prefix would
    ("What are the ids and type codes of all templates?", [(1, "PP"), (2, "BK")]),
    # "Ref_" says what kind of table it is: "template types" name it; "cost" names cost_of_treatment of treatments
    ("List the descriptions of all template types", [("Book",), ("Paper",)]),
    ("List the cost of each treatment", [(147,), (567,)]),
    # "share" after an aggregate word is the column called share, not a share of rows
    ("What is the minimum and maximum share of TV series?", [(5.0, 9.0)]),
    # "area" names surface_area (weakly) before it is a word inside a government form ("Administrative Area")
    ("What is the name of the country with the largest area?", [("Brazil",)]),
    # "number of products" names number_products (said with "of"); "parts of size 15" are parts with that size
    ("What are the minimum and maximum number of products across all the shops?", [(1600, 10770)]),
    ("How many parts of size 15 are there?", [(2,)]),
    # a lookup table's own key of a few capitals ("BK") is a code people type: a value
    ("What is the description of the template type BK?", [("Book",)]),
    # a trailing "for each" restates the grouping the listed column already says
    ("Show all subjects and the number of teachers for each.", [("art", 1), ("math", 3)]),
]


def test_a_direction_alone_sorts_the_one_column_shown(school: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'the earnings of poker players in descending order': by the one column shown; a superlative ranks by its
    own key instead ("the youngest teacher" is never sorted by the column shown)."""
    con, model = school
    cand = plan("List the net worth of singers in descending order.", model)
    assert cand.sql is not None, cand.abstain_reason
    assert con.execute(cand.sql).fetchall() == [(41.5,), (30.0,), (28.8,)], cand.sql
    assert plan("What is the hometown of the youngest teacher?", model).sql is None
    # "sort" waits for its key: "in ascending order of age" gives it
    cand = plan("List the first names of students and sort in ascending order of age.", model)
    assert cand.sql is not None and con.execute(cand.sql).fetchall() == [("Linda",), ("Tracy",), ("Shiela",)], cand.sql


@pytest.mark.parametrize(("question", "word"), DECLINED, ids=[q for q, _ in DECLINED])
def test_declined_naming_the_words(school: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                   word: str) -> None:
    cand = plan(question, school[1])
    assert cand.sql is None, cand.sql
    assert word in [w.lower() for w in cand.unknown_words], cand.unknown_words


@pytest.mark.parametrize(("question", "rows"), ANSWERED, ids=[q for q, _ in ANSWERED])
def test_twins_answered(school: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                        rows: list[tuple[object, ...]]) -> None:
    con, model = school
    cand = plan(question, model)
    assert cand.sql is not None, (question, cand.abstain_reason)
    assert sorted(con.execute(cand.sql).fetchall()) == sorted(rows), cand.sql


# Ties at a cut: the same tie-break on every engine (the label, lowest first), said in the notes; never the order
# one engine happens to return ties in.
CONCERTS = """
CREATE TABLE stadium (stadium_id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO stadium VALUES (1, 'Hampden'), (2, 'Balmoor'), (3, 'Glebe');
CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, theme TEXT, year TEXT,
                      stadium_id INTEGER REFERENCES stadium(stadium_id));
INSERT INTO concert VALUES (1, 'Free', '2014', 1), (2, 'Wide', '2014', 2), (3, 'Home', '2015', 2),
                           (4, 'Auditions', '2015', 1), (5, 'Week', '2015', 3), (6, 'Party', '2014', 3);
"""

TIED = [
    ("Which year has the most concerts?", "SELECT year FROM concert GROUP BY year ORDER BY count(*) DESC LIMIT 1"),
    ("Which year has the fewest concerts?", "SELECT year FROM concert GROUP BY year ORDER BY count(*) ASC LIMIT 1"),
    ("What is the name of the stadium with the most concerts?",
     "SELECT s.name FROM concert c JOIN stadium s ON c.stadium_id = s.stadium_id GROUP BY c.stadium_id "
     "ORDER BY count(*) DESC LIMIT 1"),
]


@pytest.mark.parametrize(("question", "plain"), TIED, ids=[q for q, _ in TIED])
def test_ties_at_a_cut_are_broken_by_the_label_and_noted(tmp_path_factory: pytest.TempPathFactory, question: str,
                                                         plain: str) -> None:
    import sqlite3

    import sqlalchemy as sa

    from catalog_semantics.adapters.sqlalchemy_reader import read_sqlalchemy_catalog

    path = tmp_path_factory.mktemp("concerts") / "concerts.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(CONCERTS)
    engine = sa.create_engine(f"sqlite:///{path}")
    model = model_from_catalog(read_sqlalchemy_catalog(engine))
    engine.dispose()
    cand = plan(question, model)
    assert cand.sql is not None, cand.abstain_reason
    assert cand.notes and "tied" in cand.notes[0]
    with sqlite3.connect(path) as con:
        ours = con.execute(cand.sql).fetchall()
        everything = con.execute(plain.rsplit(" LIMIT", 1)[0]).fetchall()
    assert len(ours) == 1 and ours[0] in everything, cand.sql      # one of the tied rows ...
    assert "ORDER BY" in cand.sql and cand.sql.rstrip().endswith("LIMIT 1") and " ASC" in cand.sql  # ... by the label
