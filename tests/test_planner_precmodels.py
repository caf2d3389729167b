"""Shapes that gave confident wrong answers on business models written from the docs (helper `precmodels`, issue
10), each with an answered twin: a word a letter from a filler ("spent" / "sent"), a phrasal verb of two fillers
("sold out"), a phrase that is both a metric and a named filter said after a preposition ("at the counter"), a
metric's own table said right after it ("days to close tickets"), a follow-up that swaps the measure (the period
moves to the new rows' date), a follow-up period one row of the series long, and "change that to X". A small
shop-and-rentals model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history, assert_answered, assert_declined

SCHEMA = """
CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, shop_name VARCHAR, shop_type VARCHAR);
CREATE TABLE client (client_id INTEGER PRIMARY KEY, client_name VARCHAR, joined_on DATE);
CREATE TABLE rental (rental_id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop(shop_id),
    client_id INTEGER REFERENCES client(client_id), pickup_date DATE, channel VARCHAR, days INTEGER);
CREATE TABLE invoice (invoice_id INTEGER PRIMARY KEY, rental_id INTEGER REFERENCES rental(rental_id),
    invoice_date DATE, net_amount DECIMAL(9, 2));
CREATE TABLE refund (refund_id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES client(client_id),
    refund_date DATE, refund_amount DECIMAL(9, 2));
CREATE TABLE ticket (ticket_id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop(shop_id), opened DATE,
    closed DATE);
INSERT INTO shop VALUES (1, 'North', 'MALL'), (2, 'South', 'STREET');
INSERT INTO client VALUES (1, 'Ann', DATE '2023-01-01'), (2, 'Bob', DATE '2024-02-01');
INSERT INTO rental VALUES (1, 1, 1, DATE '2024-12-30', 'DESK', 3), (2, 2, 2, DATE '2024-08-01', 'WEB', 2),
                          (3, 1, 2, DATE '2025-03-01', 'DESK', 4);
INSERT INTO invoice VALUES (1, 1, DATE '2025-01-02', 90), (2, 2, DATE '2024-08-03', 50),
                           (3, 3, DATE '2025-03-05', 120);
INSERT INTO refund VALUES (1, 1, DATE '2025-02-01', 10);
INSERT INTO ticket VALUES (1, 1, DATE '2025-01-01', DATE '2025-01-04'), (2, 2, DATE '2025-02-01', DATE '2025-02-02');
"""

OVERLAY = {
    "tables": {"rental": {"synonyms": ["rentals"], "default_date": "pickup_date",
                          "columns": {"channel": {"values": ["DESK", "WEB"]}}},
               "invoice": {"default_date": "invoice_date"},
               "refund": {"default_date": "refund_date"},
               "ticket": {"synonyms": ["tickets"], "default_date": "opened"}},
    "metrics": [{"name": "revenue", "synonyms": ["takings", "counter"], "table": "invoice", "sql": "SUM(net_amount)"},
                {"name": "number of rentals", "synonyms": ["rentals"], "table": "rental", "sql": "COUNT(*)"},
                {"name": "number of tickets", "synonyms": ["tickets"], "table": "ticket", "sql": "COUNT(*)"},
                {"name": "average days to close", "synonyms": ["days to close"], "table": "ticket",
                 "sql": "AVG(DATE_DIFF('day', opened, closed))"}],
    "filters": [{"name": "counter rental", "synonyms": ["counter"], "table": "rental", "sql": "channel = 'DESK'"}],
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


@pytest.mark.parametrize("question, words", [
    # "spent" is no typo of the filler "sent": the amount would be read as the refunds' ("amount")
    ("top 2 clients by amount spent in 2025", "spent"),
    # two fillers that make a verb of their own ("sold", "out"): not dropped
    ("how many rentals in 2025 sold out?", "sold out"),
    # "counter" names the revenue metric and the counter-rentals filter: after "at", which one is a guess
    ("how much did we take at the counter in 2025", "counter"),
])
def test_declined_naming_the_words(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                   words: str) -> None:
    assert_declined(plan(question, shop[1]), question, words)


@pytest.mark.parametrize("question, has, lacks", [
    ("top 2 clients by refund amount in 2025", ["SUM(refund.refund_amount)"], []),
    ("how many rentals went out in 2025?", ["COUNT(*)"], []),                       # a date verb the vocabulary names
    ("total counter in 2025", ["SUM(invoice.net_amount)"], ["channel"]),      # no preposition: the metric
    # the metric's own rows said right after it, with or without an article: not also their count
    ("average days to close tickets by shop", ["AVG(DATE_DIFF"], ["COUNT(*)"]),
    ("average days to close a ticket by shop", ["AVG(DATE_DIFF"], ["COUNT(*)"]),
])
def test_answered(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, has: list[str],
                  lacks: list[str]) -> None:
    con, model = shop
    assert_answered(con, plan(question, model), question, has, lacks)


@pytest.mark.parametrize("turns, has, lacks", [
    # the new measure's rows are dated by their own date, as the question asked alone would be
    (["number of rentals by shop in 2025", "show the revenue instead"], ["invoice.invoice_date >="],
     ["rental.pickup_date >="]),
    # a date the question named stays
    (["number of rentals by shop with invoice date in 2025", "show the revenue instead"],
     ["invoice.invoice_date >="], []),
    # a period of the rows referred to ("them") stays theirs
    (["how many clients joined in 2024?", "how many rentals did they make?"], ["client.joined_on >="],
     ["pickup_date >="]),
    # a period one row of the series long: the one number
    (["number of rentals by quarter in 2024", "and in Q3?"], ["'2024-07-01'"], ["GROUP BY"]),
    (["number of rentals by quarter in 2024", "and in 2025?"], ["GROUP BY"], []),
    (["number of rentals by shop in 2025", "change that to 2024"], ["'2024-01-01'", "GROUP BY"], ["'2026-01-01'"]),
])
def test_follow_ups(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], turns: list[str], has: list[str],
                    lacks: list[str]) -> None:
    con, model = shop
    history = answered_history(model, turns[:-1])
    assert_answered(con, plan_turn(turns[-1], model, history), turns, has, lacks)


def test_a_data_change_is_still_declined(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = shop
    history = answered_history(model, ["number of rentals by shop in 2025"])
    assert_declined(plan_turn("change the shop name to East", model, history), "change", "change")
