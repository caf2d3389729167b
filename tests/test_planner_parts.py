"""The planner's parts on small hand-made models: join paths, periods, tokens and the lexicon."""

from __future__ import annotations

from datetime import date

import pytest

from catalog_semantics.model import Column, Relationship, SemanticModel, Table
from nl2sql.planner import plan
from nl2sql.planner.joins import Ambiguous, join_graph
from nl2sql.planner.lexicon import build_lexicon
from nl2sql.planner.matching import match_items
from nl2sql.planner.timefilters import find_periods
from nl2sql.planner.tokens import tokenize


def _model(**extra: object) -> SemanticModel:
    person = Table("person", (Column("id", "INTEGER", is_primary_key=True), Column("name", "TEXT"),
                              Column("city_id", "INTEGER")), primary_key=("id",))
    city = Table("city", (Column("id", "INTEGER", is_primary_key=True),
                          Column("name", "TEXT", sample_values=("Paris", "Oslo"))), primary_key=("id",))
    trip = Table("trip", (Column("id", "INTEGER", is_primary_key=True), Column("from_id", "INTEGER"),
                          Column("to_id", "INTEGER"), Column("day", "DATE"), Column("cost", "DECIMAL(9,2)")),
                 primary_key=("id",))
    rels = (Relationship("person", ("city_id",), "city", ("id",)),
            Relationship("trip", ("from_id",), "city", ("id",)),
            Relationship("trip", ("to_id",), "city", ("id",)))
    return SemanticModel((person, city, trip), rels, **extra)  # type: ignore[arg-type]


def test_two_parallel_keys_are_an_ambiguity_not_a_guess() -> None:
    g = join_graph(_model())
    assert [e.dst for e in g.path("person", "city") or ()] == ["city"]
    with pytest.raises(Ambiguous):
        g.path("trip", "city")
    cand = plan("total cost of trips by city", _model())
    assert cand.abstained and "city" in " ".join(cand.unknown_words).lower()


def test_periods_are_half_open_ranges() -> None:
    lex = build_lexicon(_model())
    for text, start, end in (("in 1996", date(1996, 1, 1), date(1997, 1, 1)),
                             ("in March 1996", date(1996, 3, 1), date(1996, 4, 1)),
                             ("in Q4 1995", date(1995, 10, 1), date(1996, 1, 1)),
                             ("between 1994 and 1995", date(1994, 1, 1), date(1996, 1, 1)),
                             ("in the first half of 1993", date(1993, 1, 1), date(1993, 7, 1))):
        from nl2sql.planner.intent import significant

        periods, _ = find_periods(significant(match_items(tokenize(text), lex)))
        assert [(p.start, p.end) for p in periods] == [(start, end)], text


def test_tokens_keep_literals_numbers_and_dates() -> None:
    toks = tokenize("customers' orders above $4,000,000 named 'Ann Lee' since 1996-03-01")
    assert [t.kind for t in toks].count("quoted") == 1 and any(t.number == 4_000_000 for t in toks)
    assert any(t.kind == "date" for t in toks)


def test_values_match_case_plural_and_typo() -> None:
    lex = build_lexicon(_model())
    for q in ("people in paris", "people in PARIS", "people in pariss"):
        items = match_items(tokenize(q), lex)
        assert any(c.kind == "value" and c.value == "Paris" for it in items for c in it.concepts), q


def test_every_word_must_be_understood() -> None:
    cand = plan("people in Paris who like opera", _model())
    assert cand.abstained and {"like", "opera"} & {w.lower() for w in cand.unknown_words}


def test_answer_on_a_model_without_overlay_runs_on_sqlite() -> None:
    import sqlite3

    con = sqlite3.connect(":memory:")
    con.executescript("""
        CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, city_id INTEGER);
        INSERT INTO city VALUES (1, 'Paris'), (2, 'Oslo');
        INSERT INTO person VALUES (1, 'Ann', 1), (2, 'Bo', 1), (3, 'Cy', 2);
    """)
    cand = plan("how many people live in Paris", _model(), dialect="sqlite")
    assert cand.abstained or con.execute(cand.sql).fetchall() == [(2,)]
    cand = plan("number of people per city", _model(), dialect="sqlite")
    assert not cand.abstained, cand.abstain_reason
    assert sorted(con.execute(cand.sql).fetchall()) == [("Oslo", 1), ("Paris", 2)]


def test_time_grains_and_months_run_on_sqlite() -> None:
    import sqlite3

    con = sqlite3.connect(":memory:")
    con.executescript("""
        CREATE TABLE trip (id INTEGER PRIMARY KEY, from_id INTEGER, to_id INTEGER, day DATE, cost DECIMAL(9,2));
        INSERT INTO trip VALUES (1, 1, 2, '1996-03-05', 10), (2, 1, 2, '1996-07-01', 20), (3, 2, 1, '1997-01-09', 5);
    """)
    expected = {
        "total cost of trips per year": [(1996, 30), (1997, 5)],
        "total cost of trips per quarter in 1996": [("1996-01-01", 10), ("1996-07-01", 20)],
        "total cost of trips per month in 1996": [("1996-03-01", 10), ("1996-07-01", 20)],
        "number of trips in March": [(1,)],
    }
    for question, rows in expected.items():
        cand = plan(question, _model(), dialect="sqlite")
        assert cand.sql, cand.abstain_reason
        assert sorted(con.execute(cand.sql).fetchall()) == rows, (question, cand.sql)
