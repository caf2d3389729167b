"""BIRD's external knowledge appended as "Hint: ..." (nl2sql/planner/evidence.py): a phrase that refers to a condition
is a named filter, a phrase that refers to a column a synonym of it; a clause of any other shape declines the
question. A period on rows with several dates never falls to the one date of a parent they are not part
of (a loan's patron). And a column named beside the one value a condition holds it to is no grouping. A small library of
this test's own.
"""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan
from nl2sql.planner.evidence import with_evidence
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import assert_declined

SCHEMA = """
CREATE TABLE branch (branch_id INTEGER PRIMARY KEY, branch_nm VARCHAR, district VARCHAR);
CREATE TABLE patron (patron_id INTEGER PRIMARY KEY, card_type VARCHAR, birth_yr INTEGER,
                     home_branch INTEGER REFERENCES branch (branch_id), reg_dt DATE);
CREATE TABLE loan (loan_id INTEGER PRIMARY KEY, patron_id INTEGER REFERENCES patron (patron_id),
                   due_dt DATE, return_dt DATE, renewals INTEGER);
INSERT INTO branch VALUES (1, 'Eastside Branch', 'D1'), (2, 'Westgate Branch', 'D2');
INSERT INTO patron VALUES (1, 'J', 2012, 1, DATE '2022-05-01'), (2, 'A', 1980, 2, DATE '2019-01-01'),
    (3, 'J', 2011, 2, DATE '2020-01-01'), (4, 'S', 1950, 2, DATE '2021-01-01');
INSERT INTO loan VALUES (1, 1, DATE '2022-01-10', DATE '2022-01-12', 0), (2, 2, DATE '2022-02-10', NULL, 2),
    (3, 3, DATE '2022-03-10', DATE '2022-03-01', 1), (4, 4, DATE '2022-04-10', DATE '2022-04-20', 3);
"""


@pytest.fixture(scope="module")
def library() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, model_from_catalog(read_duckdb_catalog(con))


@pytest.mark.parametrize(("question", "rows"), [
    ("How many juvenile cardholders are there? Hint: juvenile cardholders refers to card_type = 'J'", [(2,)]),
    ("How many loans were returned late? Hint: returned late refers to return_dt > due_dt", [(2,)]),
    ("How many open loans are there? Hint: open loans refers to return_dt IS NULL", [(1,)]),
    ("How many loans were renewed at least twice? Hint: renewed at least twice refers to renewals >= 2", [(2,)]),
    ("How many grown-up cardholders are there? Hint: grown-up cardholders refers to card_type IN ('A', 'S')", [(2,)]),
    ("How many loans were renewed once or twice? Hint: renewed once or twice refers to renewals BETWEEN 1 AND 2",
     [(2,)]),
    # a column named beside the value its branch is held to: the count alone (it was grouped by the branch)
    ("How many patrons born after 2010 got their card at the Westgate Branch? Hint: born after 2010 refers to "
     "birth_yr > 2010; got their card at refers to home_branch; Westgate Branch refers to branch_nm = "
     "'Westgate Branch'", [(1,)]),
    # patron_id is loan's too: the table it keys; home_branch named beside the branch's name is the way there
    ("What is the name of the branch where patron 3 got their card? Hint: patron 3 refers to patron_id = 3; "
     "got their card refers to home_branch", [("Westgate Branch",)]),
])
def test_a_hint_is_read_as_filters_and_synonyms(
        library: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, rows: list[tuple[object, ...]]) -> None:
    con, model = library
    for c in (plan(question, model), plan_turn(question, model)):
        assert c.sql, (question, c.abstain_reason)
        assert con.execute(c.sql).fetchall() == rows, c.sql


@pytest.mark.parametrize(("question", "clause"), [
    # a formula, a rule in words, a comparison across two tables: answering without them would be a guess
    ("Which branch has the most loans? Hint: the most refers to MAX(COUNT(loan_id))",
     "the most refers to max(count(loan_id))"),
    ("How many loans are there? Hint: a loan is one checkout", "a loan is one checkout"),
    ("How many loans were made at the home branch? Hint: at the home branch refers to loan.patron_id = "
     "patron.home_branch", "at the home branch refers to loan.patron_id = patron.home_branch"),
    # a list after "=", one value after "IN", two conditions
    ("How many patrons? Hint: patrons refers to card_type = ('A', 'S')", "patrons refers to card_type = ('a', 's')"),
    ("How many loans? Hint: loans refers to renewals = 1 AND due_dt IS NULL",
     "loans refers to renewals = 1 and due_dt is null"),
    # a column no table has
    ("How many loans are late? Hint: late refers to late_flag = 1", "late refers to late_flag = 1"),
    ("How many loans? Hint: loans refers to renewal", "loans refers to renewal"),
])
def test_a_hint_of_another_shape_declines(
        library: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, clause: str) -> None:
    _con, model = library
    assert_declined(plan(question, model), question, clause)
    assert_declined(plan_turn(question, model), question, clause)


def test_a_question_without_a_hint_is_read_as_it_is(library: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _con, model = library
    read = with_evidence("How many patrons are there?", model)
    assert (read.question, read.model, read.unusable) == ("How many patrons are there?", model, "")


def test_a_column_named_beside_its_one_value_is_no_grouping(
        library: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = library
    c = plan("How many patrons have the home branch Westgate Branch?", model)
    assert c.sql and "GROUP BY" not in c.sql, c.sql
    assert con.execute(c.sql).fetchall() == [(3,)]


def test_a_period_on_rows_with_several_dates_is_not_a_parents_date(
        library: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _con, model = library
    # due or return date: it was the date the loan's patron registered
    c = plan("How many loans were made in 2022?", model)
    assert c.sql is None or "reg_dt" not in c.sql, c.sql
