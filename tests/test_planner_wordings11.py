"""Wordings read as data (issue 10, session 11): a date named before its unit after "broken down by", measures
joined by "vs", verbs that only mark a value ("flagged urgent"), "(by ship date)" and "going by" naming the date of
a period, a grain's grouping going on after "and", amounts counted per period, one count said twice (the rows and
a metric that counts them), series over periods in time order (a term table, an academic-year code), a default of
a current state lifted by an event in a period, follow-ups that add a measure or keep one end, a key named for a
role passed over for the plain one, and words of the schema that are no value fragments; on a small model of this
test's own."""

from __future__ import annotations

import datetime

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan
from nl2sql.planner.lexicon import lexicon_for
from nl2sql.planner.tokens import tokenize
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history

SCHEMA = """
CREATE TABLE shipment (ship_id INTEGER PRIMARY KEY, carrier VARCHAR, mode VARCHAR, prio VARCHAR, ship_dt DATE,
    recv_dt DATE, units INTEGER, cost INTEGER, weight INTEGER, resol VARCHAR, due_dt DATE);
INSERT INTO shipment VALUES
    (1, 'Acme', 'RAIL', 'URGENT', '2023-12-30', '2024-01-05', 10, 100, 5, 'DELIVERED TO DOCK', '2024-01-02'),
    (2, 'Acme', 'SHIP', 'LOW', '2024-01-10', '2024-02-20', 20, 50, 8, 'DUPLICATE SHIPMENT', '2024-01-05'),
    (3, 'Bolt', 'RAIL', 'URGENT', '2024-02-01', '2024-02-03', 5, 70, 2, 'DELIVERED TO DOCK', '2024-02-10'),
    (4, 'Bolt', 'AIR', 'LOW', '2024-12-28', '2025-01-02', 7, 300, 1, 'LOST IN TRANSIT', '2024-12-30'),
    (5, 'Acme', 'AIR', 'URGENT', '2025-03-01', '2025-03-02', 3, 200, 1, 'DELIVERED TO DOCK', '2025-03-05');
CREATE TABLE term (term_cd VARCHAR PRIMARY KEY, term_nm VARCHAR, ay_cd VARCHAR, strt_dt DATE, end_dt DATE);
INSERT INTO term VALUES ('2024FA', 'Fall 2024', '2024-25', '2024-09-01', '2024-12-20'),
    ('2024SP', 'Spring 2024', '2023-24', '2024-01-15', '2024-05-10'),
    ('2025SP', 'Spring 2025', '2024-25', '2025-01-15', '2025-05-10');
CREATE TABLE instr (instr_id INTEGER PRIMARY KEY, instr_nm VARCHAR, hire_dt DATE, sep_dt DATE);
INSERT INTO instr VALUES (1, 'Ada', '2020-01-01', NULL), (2, 'Ben', '2021-01-01', '2024-06-30');
CREATE TABLE stu (stu_id INTEGER PRIMARY KEY, stu_nm VARCHAR, adv_id INTEGER REFERENCES instr(instr_id),
    adm_dt DATE, stat_cd VARCHAR);
INSERT INTO stu VALUES (1, 'Cy', 2, '2023-08-01', 'ACT'), (2, 'Di', 2, '2024-08-01', 'ACT'),
    (3, 'Ed', 2, '2024-08-02', 'WDN'), (4, 'Flo', 1, '2024-08-03', 'GRD');
CREATE TABLE sect (sect_id INTEGER PRIMARY KEY, term_cd VARCHAR REFERENCES term(term_cd),
    instr_id INTEGER REFERENCES instr(instr_id), mode_cd VARCHAR, fmt VARCHAR);
INSERT INTO sect VALUES (1, '2024SP', 1, 'ONL', 'INSTRUCTOR LED'), (2, '2024FA', 1, 'INP', 'SELF PACED'),
    (3, '2024FA', 2, 'ONL', 'INSTRUCTOR LED'), (4, '2025SP', 1, 'ONL', 'SELF PACED');
CREATE TABLE enrl (enrl_id INTEGER PRIMARY KEY, sect_id INTEGER REFERENCES sect(sect_id),
    stu_id INTEGER REFERENCES stu(stu_id), units INTEGER);
INSERT INTO enrl VALUES (1, 1, 1, 3), (2, 2, 1, 4), (3, 2, 2, 4), (4, 3, 3, 3), (5, 4, 4, 4), (6, 4, 2, 3),
    (7, 2, 4, 3);
"""

OVERLAY = {
    "tables": {
        "shipment": {"synonyms": ["shipments"], "default_date": "recv_dt",
                     "columns": {"ship_dt": {"synonyms": ["ship date"]}, "recv_dt": {"synonyms": ["receipt date"]},
                                 "mode": {"synonyms": ["ship mode"]}, "prio": {"synonyms": ["priority"]},
                                 "units": {"synonyms": ["units", "quantity"]},
                                 "resol": {"synonyms": ["resolution"]}}},
        "term": {"synonyms": ["terms"], "columns": {"ay_cd": {"synonyms": ["academic year"]},
                                                    "strt_dt": {"synonyms": ["start date"]},
                                                    "end_dt": {"synonyms": ["end date"]}}},
        "instr": {"synonyms": ["instructor", "instructors"], "default_date": "hire_dt",
                  "columns": {"instr_nm": {"synonyms": ["name"]}, "hire_dt": {"synonyms": ["hire date"]},
                              "sep_dt": {"synonyms": ["separation date"]}}},
        "stu": {"synonyms": ["student", "students"], "default_filter": "active student", "default_date": "adm_dt",
                "columns": {"adm_dt": {"synonyms": ["admitted on", "admission date"]},
                            "stat_cd": {"description": "ACT active, WDN withdrawn, GRD graduated."},
                            "adv_id": {"synonyms": ["advisor"]}}},
        "sect": {"synonyms": ["section", "sections"],
                 "description": "A course taught by one instructor in one term. Sections are dated by the term start "
                                "date."},
        "enrl": {"synonyms": ["enrollment", "enrollments"]},
    },
    "metrics": [{"name": "freight cost", "table": "shipment", "sql": "SUM(cost)"},
                {"name": "gross weight", "table": "shipment", "sql": "SUM(weight)"},
                {"name": "number of sections", "synonyms": ["sections offered"], "table": "sect",
                 "sql": "COUNT(*)"}],
    "filters": [{"name": "online", "synonyms": ["online sections"], "table": "sect", "sql": "mode_cd = 'ONL'"},
                {"name": "active student", "table": "stu", "sql": "stat_cd = 'ACT'"},
                {"name": "current instructor", "table": "instr", "sql": "sep_dt IS NULL"},
                {"name": "first half run", "synonyms": ["paid early"], "table": "shipment",
                 "sql": "ship_dt < due_dt"}],
}


@pytest.fixture(scope="module")
def college() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def rows(college: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    c = plan(question, college[1])
    assert c.sql is not None, (question, c.abstain_reason)
    return [tuple(str(v) if hasattr(v, "isoformat") else v for v in r) for r in college[0].execute(c.sql).fetchall()]


@pytest.mark.parametrize("question, expected", [
    # a date's name before its unit after "broken down by": that date's months, not the ship mode SHIP
    ("freight cost in 2024 broken down by ship month",
     [("2024-01-01 00:00:00", 50), ("2024-02-01 00:00:00", 70), ("2024-12-01 00:00:00", 300)]),
    ("freight cost for 2024, broken out by ship month",
     [("2024-01-01 00:00:00", 50), ("2024-02-01 00:00:00", 70), ("2024-12-01 00:00:00", 300)]),
    # "vs" between two measures shows both
    ("freight cost vs gross weight by carrier", [("Acme", 350, 14), ("Bolt", 370, 3)]),
    ("freight cost versus gross weight per carrier", [("Acme", 350, 14), ("Bolt", 370, 3)]),
    # a verb that only marks the value
    ("how many shipments are flagged urgent", [(3,)]),
    ("how many shipments are tagged as urgent", [(3,)]),
    # "(by ship date)", "going by", "according to": the date of the period, not a series by day
    ("how many shipments went by RAIL in 2024 (by ship date)", [(1,)]),
    ("how many shipments went by RAIL in 2024, going by the ship date", [(1,)]),
    ("freight cost in 2024 according to the ship date", [(420,)]),
    # the grouping a grain starts goes on after "and"
    ("freight cost by year and carrier", [("Acme", 2024, 150), ("Bolt", 2024, 70), ("Acme", 2025, 200),
                                          ("Bolt", 2025, 300)]),
    ("gross weight per year and ship mode", [("RAIL", 2024, 7), ("SHIP", 2024, 8), ("AIR", 2025, 2)]),
    # units said with their event, per period: they add up
    ("units shipped per year and carrier", [("Acme", 2023, 10), ("Acme", 2024, 20), ("Bolt", 2024, 12),
                                            ("Acme", 2025, 3)]),
])
def test_wording(college: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                 expected: list[tuple[object, ...]]) -> None:
    assert sorted(rows(college, question), key=str) == sorted(expected, key=str)


@pytest.mark.parametrize("question, count", [("how many online sections were offered in Fall 2024", 1),
                                             ("how many online sections were offered", 3)])
def test_rows_counted_and_a_metric_counting_them_are_one_measure(
        college: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, count: int) -> None:
    assert rows(college, question) == [(count,)]


@pytest.mark.parametrize("question, expected", [
    # a table of periods in time order by its start date: Spring 2024 before Fall 2024, not by name or count
    ("enrollments by term", [("Spring 2024", 1), ("Fall 2024", 4), ("Spring 2025", 2)]),
    ("number of sections per term", [("Spring 2024", 1), ("Fall 2024", 2), ("Spring 2025", 1)]),
    # a year code as text ('2023-24') sorts as it happens
    ("enrollments per academic year", [("2023-24", 1), ("2024-25", 6)]),
    ("what share of sections were online in each academic year", [("2023-24", 1.0), ("2024-25", 2 / 3)]),
])
def test_periods_read_in_time_order(college: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                    expected: list[tuple[object, ...]]) -> None:
    got = rows(college, question)
    assert [r[0] for r in got] == [e[0] for e in expected]
    assert [r[1] for r in got] == pytest.approx([e[1] for e in expected])


@pytest.mark.parametrize("question, count", [
    ("how many students were admitted in 2024", 3),      # every one admitted then, whatever they are now
    ("how many students were admitted in 2023", 1),
    ("how many students", 2),                            # on their own: the active ones
    ("how many active students were admitted in 2024", 1),
])
def test_an_event_in_a_period_lifts_a_default_of_current_state(
        college: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, count: int) -> None:
    assert rows(college, question) == [(count,)]


@pytest.mark.parametrize("question, expected", [
    # sections are taught by an instructor (sect.instr_id); stu.adv_id is a role (the advisor), taken when said
    ("which instructor had the most enrollments", [("Ada",)]),
    ("enrollments per instructor", [("Ada", 6), ("Ben", 1)]),
    ("students per advisor", [("Ben", 2)]),
])
def test_a_key_named_for_a_role_is_not_the_plain_link(college: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                      question: str, expected: list[tuple[object, ...]]) -> None:
    assert rows(college, question) == expected


def test_a_schema_word_is_no_value_fragment(college: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    lex = lexicon_for(college[1])
    # "shipment" of 'DUPLICATE SHIPMENT' names the table; "transit" of 'LOST IN TRANSIT' is only a value's word
    assert not any(c.kind == "valueword" for c in lex.values.get(("shipment",), []))
    assert any(c.kind == "valueword" for c in lex.values.get(("transit",), []))


@pytest.mark.parametrize("turns, expected", [
    # "and the <measure>" of the same rows: beside the previous one
    (["freight cost by carrier", "and the gross weight"], [("Bolt", 370, 3), ("Acme", 350, 14)]),
    (["gross weight per carrier", "and the freight cost"], [("Acme", 14, 350), ("Bolt", 3, 370)]),
    # "the N highest" / "the N lowest ones": that end of the previous breakdown, N groups
    (["freight cost by ship mode", "show the 2 highest"], [("AIR", 500), ("RAIL", 170)]),
    (["freight cost by ship mode", "the 2 lowest ones"], [("SHIP", 50), ("RAIL", 170)]),
    # "rank them by X instead", "sort by X": the ranking's measure swapped, its N kept
    (["freight cost by ship mode", "rank them by gross weight instead"], [("SHIP", 8), ("RAIL", 7), ("AIR", 2)]),
    (["top 2 carriers by freight cost", "sort by gross weight"], [("Acme", 14), ("Bolt", 3)]),
    (["top 2 carriers by freight cost", "what about by gross weight instead"], [("Acme", 14), ("Bolt", 3)]),
    # "break it out by quarter instead": the grain replaced
    (["freight cost by month in 2024", "break it out by quarter instead"],
     [(datetime.datetime(2024, 1, 1), 220)]),      # by receipt date: one quarter of 2024
    # "by X instead of month": the period grain replaced; no series left, so ranked by the measure
    (["freight cost by month in 2024", "by carrier instead of month"], [("Acme", 150), ("Bolt", 70)]),
    (["freight cost by carrier and year", "by ship mode instead of year"],        # the carrier stays
     [("Bolt", "AIR", 300), ("Acme", "AIR", 200), ("Acme", "RAIL", 100), ("Bolt", "RAIL", 70), ("Acme", "SHIP", 50)]),
])
def test_follow_up(college: tuple[duckdb.DuckDBPyConnection, SemanticModel], turns: list[str],
                   expected: list[tuple[object, ...]]) -> None:
    con, model = college
    c = plan_turn(turns[-1], model, answered_history(model, turns[:-1]))
    assert c.sql is not None, c.abstain_reason
    assert con.execute(c.sql).fetchall() == expected


@pytest.mark.parametrize("question", ["how many shipments paid early in 2024", "freight cost of shipments paid early in 2024"])
def test_a_filter_said_with_an_event_no_date_names_declines(college: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                            question: str) -> None:
    # "paid" names no date; the filter tests the ship and due dates, the period would fall on the receipt date
    c = plan(question, college[1])
    assert c.sql is None and "paid" in c.unknown_words


def test_a_filter_said_with_an_event_on_the_date_named_is_read(
        college: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert rows(college, "how many shipments paid early in 2024 (by ship date)") == [(2,)]


@pytest.mark.parametrize("question, expected", [
    # the description says sections are "taught by" an instructor: the verb only relates the two tables
    ("which instructor taught the most sections", [("Ada",)]),
    ("how many sections did Ben teach", [(1,)]),
])
def test_a_verb_the_description_relates_tables_by(college: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                   question: str, expected: list[tuple[object, ...]]) -> None:
    assert rows(college, question) == expected


@pytest.mark.parametrize("question, words", [
    # a period on the date a named filter wants empty leaves no rows
    ("which current instructors have a separation date in 2024", "current instructors"),
    ("how many current instructors had a separation date in 2024", "current instructors"),
])
def test_a_period_on_a_date_a_filter_wants_empty_declines(college: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                         question: str, words: str) -> None:
    c = plan(question, college[1])
    assert c.sql is None and words in c.unknown_words


@pytest.mark.parametrize("question", ["which instructors taught no section in 2025",
                                      "which instructors taught no sections in 2024"])
def test_a_period_of_rows_tested_for_with_no_date_of_their_own_declines(
        college: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> None:
    # the sections are dated by their term, not the instructors by their hire date
    assert plan(question, college[1]).sql is None


def test_a_minus_sign_before_digits_is_the_number_s() -> None:
    assert [(t.kind, t.text) for t in tokenize("below -900, 3-4 or x-1")] == [
        ("word", "below"), ("number", "-900"), ("number", "3"), ("number", "4"), ("word", "or"), ("word", "x"),
        ("number", "1")]


def test_words_of_the_schema_and_verbs_of_labels(college: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    lex = lexicon_for(college[1])
    # "instr" abbreviates 'INSTRUCTOR' of 'INSTRUCTOR LED': the table's word, no fragment; "paced" is a fragment
    assert not any(c.kind == "valueword" for c in lex.values.get(("instructor",), []))
    assert any(c.kind == "valueword" for c in lex.values.get(("paced",), []))
    # "GRD graduated": the verb "graduate" meets the code as its participle does
    assert [c.value for c in lex.values.get(("graduate",), []) if c.kind == "value"] == ["GRD"]


@pytest.mark.parametrize("question, expected", [
    # "each current instructor": the named filter said with its table's noun is each of those rows
    ("how many sections did each current instructor teach", [("Ada", 3)]),
    # units below the rows listed: a threshold on their total per row, shown beside it
    ("which terms had more than 5 units", [("Fall 2024", 14), ("Spring 2025", 7)]),
    ("which instructors had at least 8 units", [("Ada", 21)]),
])
def test_each_filtered_row_and_totals_compared(college: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                               question: str, expected: list[tuple[object, ...]]) -> None:
    assert sorted(rows(college, question)) == sorted(expected)


@pytest.mark.parametrize("question, expected", [
    # a measure said again for a second value of one column, after a comparing word: one row per value
    ("how does freight cost for Acme compare with freight cost for Bolt", [("Acme", 350), ("Bolt", 370)]),
    ("compare gross weight of RAIL shipments with gross weight of AIR shipments", [("AIR", 2), ("RAIL", 7)]),
])
def test_a_measure_said_again_for_a_second_value(college: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                 question: str, expected: list[tuple[object, ...]]) -> None:
    assert sorted(rows(college, question)) == expected
