"""Shapes of the third precision pass (helper `precision3`), one rule each, on real warehouses.

A small gym warehouse written here (abbreviated names, an overlay with one metric and two named filters on
one table) checks that the rules are not the utility model's or the demo's: each case declines naming the
words it could not read, or answers with SQL that has (and lacks) the parts the rule is about.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history, assert_answered, assert_declined, small_warehouse


GYM = """
CREATE TABLE club (club_id INTEGER PRIMARY KEY, club_nm VARCHAR, city VARCHAR, monthly_fee DECIMAL(7,2));
CREATE TABLE member (member_id INTEGER PRIMARY KEY, member_nm VARCHAR, club_id INTEGER REFERENCES club (club_id),
                     plan_cd VARCHAR, mbr_stat VARCHAR);
CREATE TABLE visit (visit_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member (member_id), visit_dt DATE,
                    mins INTEGER, note_txt VARCHAR);
INSERT INTO club VALUES (1, 'Harbour Gym', 'Oslo', 40), (2, 'Hill Gym', 'Bergen', 35);
INSERT INTO member VALUES (1, 'Ann', 1, 'GOLD', 'ACT'), (2, 'Bo', 2, 'BASIC', 'ACT'), (3, 'Cy', 2, 'GOLD', 'FRZ'),
                          (4, 'Di', 1, 'BASIC', 'FRZ');
INSERT INTO visit VALUES (1, 1, '2023-01-05', 60, 'came back after a break'), (2, 2, '2023-01-20', 30, 'left early'),
                         (3, 3, '2023-02-02', 90, 'brought a guest along'), (4, 1, '2023-02-11', 45, 'came back late'),
                         (5, 4, '2023-03-03', 20, 'short session today');
"""

OVERLAY = """
name: gym
tables:
  visit:
    columns:
      mins: {synonyms: [training time, minutes trained]}
  member:
    columns:
      plan_cd: {synonyms: [plan]}
      mbr_stat: {synonyms: [membership status]}
metrics:
  - name: training time
    table: visit
    sql: SUM(mins)
filters:
  - name: frozen member
    synonyms: [frozen]
    table: member
    sql: mbr_stat = 'FRZ'
  - name: active member
    synonyms: [active]
    table: member
    sql: mbr_stat = 'ACT'
  - name: gold member
    synonyms: [gold]
    table: member
    sql: plan_cd = 'GOLD'
"""

ANSWERED = [
    # "which <group> had the highest <column>": the groups ranked by the metric that sums it, the top one
    ("Which month of 2023 had the highest training time?", ["SUM(visit.mins)", "DESC", "LIMIT 1"], ["MAX("]),
    # "list X with their Y": X named by its label beside Y
    ("list clubs in Oslo with their monthly fee", ["club.club_nm", "club.monthly_fee"], []),
    # "the Y of each X": X's label shown too when the model shows helpful columns (an overlay's default)
    ("What is the monthly fee of each club?", ["club.monthly_fee", "club.club_nm"], []),
    # "across all X" takes every X together: no grouping by X
    ("average training time per club across all members", ["GROUP BY club.club_id, club.club_nm"],
     ["member.member_nm"]),
]
DECLINED = [
    # an adverb particle ("came back") is never a word of a stored text to search for
    ("how many visits came back in 2023", "back"),
    # "through <year>": during it, or up to its end?
    ("training time month by month through 2023", "through"),
    # an amount named alone: a total or its values?
    ("minutes trained in 2023", "minutes"),      # (the column trained_mins, its abbreviation spelled out)
]
TURNS = [
    # another period put "beside" the previous one with a grouping: one row per club, one column per year
    (["number of visits by club in 2023", "put 2024 beside it"], ["AS visit_count_2023", "AS visit_count_2024"],
     ["YEAR(visit.visit_dt)"]),
    # "what about the frozen ones?" after active gold members: the status changes, the plan stays
    (["number of active members per club", "just gold members", "what about the frozen ones?"],
     ["member.plan_cd = 'GOLD'", "member.mbr_stat = 'FRZ'"], ["'ACT'"]),
    # "drop the plan filter" drops the filter on that column only
    (["number of gold members per club in Oslo", "drop the plan filter"], ["club.city = 'Oslo'"], ["'GOLD'"]),
]
TURNS_DECLINED = [
    (["number of gold members per club", "drop the city filter"], "city"),
    # a follow-up opening with a grouping phrase whose own reading only counts rows: not a new count
    (["average training time in 2023", "split by plan, all members"], ""),
]


@pytest.fixture(scope="module")
def gym(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    con, model = small_warehouse(tmp_path_factory.mktemp("gym"), GYM, OVERLAY)
    yield con, model
    con.close()



@pytest.mark.parametrize(("question", "has", "lacks"), ANSWERED)
def test_answers(question: str, has: list[str], lacks: list[str],
                 gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = gym
    c = plan(question, model, columns="helpful" if model.answer_columns == "helpful" else "asked")  # as served
    assert_answered(con, c, question, has, lacks)


@pytest.mark.parametrize(("question", "words"), DECLINED)
def test_declines(question: str, words: str, gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan(question, gym[1])
    assert c.sql is None, (question, c.sql)
    assert words in [w.lower() for w in c.unknown_words], (question, c.unknown_words, c.abstain_reason)


@pytest.mark.parametrize(("turns", "has", "lacks"), TURNS)
def test_turns(turns: list[str], has: list[str], lacks: list[str],
               gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = gym
    history = answered_history(model, turns[:-1])
    assert_answered(con, plan_turn(turns[-1], model, history), turns, has, lacks)


@pytest.mark.parametrize(("turns", "words"), TURNS_DECLINED)
def test_turns_declined(turns: list[str], words: str, gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    model = gym[1]
    assert_declined(plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, words)
