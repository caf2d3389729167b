"""Three general readings on a small shop model of this test's own (not any fixture's): a "when" clause shows the
date its verb names, a named filter said with a money noun adds up the rows' one currency column, and a column
before "breakdown of" spreads the rows over its values. Each case has a twin that must keep its answer."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE shops (shop_id INTEGER PRIMARY KEY, shop_name VARCHAR, region VARCHAR, opened_on DATE, shut_on DATE);
CREATE TABLE charges (charge_id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shops(shop_id), charged_on DATE,
    kind VARCHAR, state VARCHAR, amount DECIMAL(10, 2));
INSERT INTO shops VALUES (1, 'Harbour', 'North', DATE '2015-01-01', NULL),
  (2, 'Mill Lane', 'North', DATE '2016-05-01', DATE '2023-03-31'), (3, 'Quayside', 'South', DATE '2018-02-01', NULL);
INSERT INTO charges VALUES (1, 1, DATE '2023-01-05', 'LATE', 'OK', 15.00), (2, 1, DATE '2023-02-05', 'RENT', 'OK', 90.00),
  (3, 3, DATE '2024-03-05', 'LATE', 'OK', 20.00), (4, 3, DATE '2024-04-05', 'LATE', 'BOUNCED', 20.00),
  (5, 2, DATE '2023-03-01', 'LATE', 'OK', 5.00);
"""

OVERLAY = {
    "tables": {
        "shops": {"columns": {"shut_on": {"synonyms": ["closing date", "closed on"]},
                              "opened_on": {"synonyms": ["opening date", "opened on"]}}},
        "charges": {"columns": {"amount": {"format": "currency"}}},
    },
    "filters": [
        {"name": "closed shop", "synonyms": ["closed", "closed shops"], "table": "shops", "sql": "shut_on IS NOT NULL"},
        {"name": "late fee", "synonyms": ["late fees", "overdue fees"], "table": "charges", "sql": "kind = 'LATE'"},
        {"name": "settled", "synonyms": ["settled charges", "settled items"], "table": "charges", "sql": "state = 'OK'"},
        {"name": "returned", "synonyms": ["bounces"], "table": "charges", "sql": "state = 'BOUNCED'"},
    ],
    "metrics": [{"name": "takings", "table": "charges", "sql": "SUM(amount)", "format": "currency"},
                {"name": "bounces", "table": "charges",
                 "sql": "SUM(CASE WHEN state = 'BOUNCED' THEN 1 ELSE 0 END)"}],
}


@pytest.fixture(scope="module")
def shops() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def _rows(shops: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple]:
    con, model = shops
    c = plan(question, model, columns="helpful")
    assert c.sql, (question, c.abstain_reason)
    return sorted(con.execute(c.sql).fetchall(), key=str)


def test_a_when_clause_shows_the_date_its_verb_names(shops: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    import datetime

    assert _rows(shops, "give me the closed shops and when they closed") == [("Mill Lane", datetime.date(2023, 3, 31))]
    assert _rows(shops, "give me the closed shops") == [("Mill Lane",)]          # twin: no date asked
    opened = _rows(shops, "list the shops and when they opened")
    assert [len(r) for r in opened] == [2, 2, 2] and ("Harbour", datetime.date(2015, 1, 1)) in opened


@pytest.mark.parametrize(("question", "expected"), [
    ("late fees per year", [(2023, 20.0), (2024, 40.0)]),              # the money of the late-fee charges
    ("settled late fees per year", [(2023, 20.0), (2024, 20.0)]),      # beside another named filter
    ("number of late fees per year", [(2023, 2), (2024, 2)]),         # twin: a count word counts them
])
def test_a_filter_said_with_a_money_noun_adds_up_the_currency_column(
        shops: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, expected: list[tuple]) -> None:
    assert [(int(y), float(v)) for y, v in _rows(shops, question)] == expected


def test_a_column_before_breakdown_of_spreads_the_rows(shops: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert _rows(shops, "region breakdown of the shops") == [("North", 2), ("South", 1)]
    assert _rows(shops, "show the region of the shops") == [("North",), ("North",), ("South",)]   # twin: listed


def test_a_superlative_before_by_ranks_by_what_follows(shops: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'which region is the highest by takings': the rows named before, ranked by the metric after "by"; a column
    after "by" (its total, its average?) is still declined."""
    assert [(r, float(v)) for r, v in _rows(shops, "which region is the highest by takings")] == [("North", 110.0)]
    assert [(r, float(v)) for r, v in _rows(shops, "which region has the highest takings")] == [("North", 110.0)]
    assert plan("which region is the highest by amount", shops[1]).sql is None


def test_a_ranking_by_a_named_filter_counts_its_rows(shops: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'top 2 regions by settled items': how many charges the filter keeps per region; said with a money noun
    ("by late fees": their count or their money?) it is still declined."""
    assert _rows(shops, "top 2 regions by settled items") == [("North", 3), ("South", 1)]
    assert _rows(shops, "top 2 regions by number of settled items") == [("North", 3), ("South", 1)]   # twin
    assert plan("top 2 regions by late fees", shops[1]).sql is None


def test_a_ranking_by_a_filter_that_is_also_a_metric_ranks_by_the_metric(
        shops: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'top 2 regions by bounces', a metric and a named filter's synonym: ranked by the metric, never by a count of
    every charge beside it."""
    c = plan("top 2 regions by bounces", shops[1], columns="helpful")
    assert c.sql is not None and "COUNT(" not in c.sql, (c.sql, c.abstain_reason)
    assert [(r, int(v)) for r, v in shops[0].execute(c.sql).fetchall()] == [("South", 1), ("North", 0)]


def test_the_words_of_one_letter_codes_name_them() -> None:
    """'only women' / 'female riders': F of a column that stores F and M (vocabulary code_words); a column of T and F
    (a flag) is not a gender, so there the word is not understood."""
    con = duckdb.connect()
    con.execute("CREATE TABLE riders (rider_id INTEGER PRIMARY KEY, rider_name VARCHAR, sex VARCHAR, vip VARCHAR);"
                "INSERT INTO riders VALUES (1, 'Ann', 'F', 'T'), (2, 'Bo', 'M', 'F'), (3, 'Cat', 'F', 'F')")
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay(
        {"tables": {"riders": {"columns": {"sex": {"values": ["F", "M"]}, "vip": {"values": ["T", "F"]}}}}}))
    c = plan("how many female riders", model)
    assert c.sql is not None and con.execute(c.sql).fetchall() == [(2,)]
    assert con.execute(str(plan("how many riders", model).sql)).fetchall() == [(3,)]      # twin
    flags = apply_overlay(read_duckdb_catalog(con), parse_overlay(
        {"tables": {"riders": {"columns": {"sex": {"values": ["F", "X"]}, "vip": {"values": ["T", "F"]}}}}}))
    assert plan("how many female riders", flags).sql is None
