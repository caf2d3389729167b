"""Two equally short join paths met only when the SQL is compiled (a follow-up that regroups: "by studio
instead" after a rate of bookings, where a booking reaches a studio through its class or through its member's home
studio) are an ordinary decline naming the table, never an exception out of the planner. Both keys are plain
``studio_id`` (a key named with a role, ``home_studio_id``, would lose the tie: "by studio" is the class's). A small
model of this test's own; the twin (grouping by a column one path reaches) keeps its answer."""

from __future__ import annotations

import logging

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.generators import generate_offline

SCHEMA = """
CREATE TABLE studio (studio_id INTEGER PRIMARY KEY, studio_name VARCHAR);
CREATE TABLE member (member_id INTEGER PRIMARY KEY, member_name VARCHAR, studio_id INTEGER REFERENCES studio(studio_id));
CREATE TABLE lesson (lesson_id INTEGER PRIMARY KEY, studio_id INTEGER REFERENCES studio(studio_id), style VARCHAR,
    lesson_date DATE);
CREATE TABLE booking (booking_id INTEGER PRIMARY KEY, lesson_id INTEGER REFERENCES lesson(lesson_id),
    member_id INTEGER REFERENCES member(member_id), outcome VARCHAR);
INSERT INTO studio VALUES (1, 'East'), (2, 'West');
INSERT INTO member VALUES (1, 'Ana', 1), (2, 'Ben', 2);
INSERT INTO lesson VALUES (1, 1, 'SALSA', DATE '2024-01-01'), (2, 2, 'TANGO', DATE '2024-01-02');
INSERT INTO booking VALUES (1, 1, 1, 'CAME'), (2, 1, 2, 'MISSED'), (3, 2, 2, 'CAME'), (4, 2, 1, 'MISSED');
"""

OVERLAY = {
    "tables": {"lesson": {"columns": {"style": {"synonyms": ["dance style"], "values": ["SALSA", "TANGO"]}}},
               "booking": {"columns": {"outcome": {"values": ["CAME", "MISSED"]}}}},
    "metrics": [{"name": "miss rate", "table": "booking",
                 "sql": "AVG(CASE WHEN outcome = 'MISSED' THEN 1.0 ELSE 0.0 END)"}],
}


@pytest.fixture(scope="module")
def dance() -> SemanticModel:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def test_an_ambiguous_path_at_compile_time_is_a_decline(dance: SemanticModel, caplog: pytest.LogCaptureFixture) -> None:
    first = "miss rate by dance style"
    shown = generate_offline(first, dance)
    assert shown.sql is not None                          # twin: one path reaches the style
    with caplog.at_level(logging.ERROR):
        c = generate_offline("by studio instead", dance, ((first, shown.sql),))
    assert c.sql is None and "studio" in (c.abstain_reason or "") and "more than one way" in (c.abstain_reason or "")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]     # no "offline planner failed"


def test_the_one_tied_path_through_a_table_the_question_names_is_taken(dance: SemanticModel) -> None:
    """'miss rate of tango lessons per studio': the question names the lessons, so a booking's studio is its
    lesson's (said in the notes); with nothing naming either path ("miss rate per studio") it is still asked."""
    c = generate_offline("miss rate of TANGO lessons per studio", dance)
    assert c.sql is not None and "lesson.studio_id = studio.studio_id" in c.sql.replace('"', "")
    assert any("through lesson" in n for n in c.notes) or "through lesson" in (c.interpretation or "")
    assert generate_offline("miss rate per studio", dance).sql is None
