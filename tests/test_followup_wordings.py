"""Wordings of conversations met on blind sets: openers that only say a new topic starts ("unrelated, but",
"different topic -", "fine.", "hey,"), "drop that filter" and "drop the year filter", a comparison said
before its column ("just the ones bigger than quantity 2"), and a multi-word cue that would swallow the first
word of a metric ("highest gross sales" is not "highest grossing" + "sales"); "give away" as a filler, and a
word that names a metric as written and a named filter by its stem ("discounts", "discounted") naming the
metric; "hw many" (a typo too short to correct), a word seen inside values before the rows counted ("how many
green stores"), "from 2024 onwards"; "by" before a bare singular noun after a participle groups ("sales discounted,
by channel"; "by stores in Oslo", "by store whose city is Oslo" name who), and "<named filter> rate" is the share of its rows. A small shop
model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.generators import generate_offline
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE store (store_id INTEGER PRIMARY KEY, store_name VARCHAR, city VARCHAR, facade VARCHAR);
CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, store_id INTEGER REFERENCES store(store_id), sold_on DATE,
    list_amount DECIMAL(10, 2), net_amount DECIMAL(10, 2), quantity INTEGER, channel VARCHAR, discount DECIMAL(4, 2));
INSERT INTO store VALUES (1, 'North', 'Oslo', 'green brick corner'), (2, 'South', 'Rome', 'white glass'),
    (3, 'East', 'Oslo', 'dark green wood');
INSERT INTO sale VALUES (1, 1, DATE '2024-02-01', 12, 10, 1, 'WEB', 0.1), (2, 1, DATE '2025-03-01', 25, 20, 3, 'SHOP', 0),
    (3, 2, DATE '2024-05-01', 50, 5, 2, 'WEB', 0.5), (4, 3, DATE '2024-06-01', 8, 7, 4, 'SHOP', 0);
"""

OVERLAY = {
    "tables": {"sale": {"synonyms": ["sales"], "default_date": "sold_on",
                        "columns": {"channel": {"values": ["WEB", "SHOP"]}}},
               "store": {"synonyms": ["stores", "shops"], "columns": {
                   "city": {"values": ["Oslo", "Rome"]},
                   "facade": {"values": ["green brick corner", "white glass", "dark green wood"]}}}},
    "metrics": [{"name": "net sales", "synonyms": ["takings"], "table": "sale", "sql": "SUM(net_amount)"},
                {"name": "gross sales", "table": "sale", "sql": "SUM(list_amount)"},
                {"name": "discount given", "synonyms": ["discounts"], "table": "sale",
                 "sql": "SUM(list_amount * discount)"}],
    "filters": [{"name": "discounted purchase", "synonyms": ["discounted"], "table": "sale", "sql": "discount > 0"}],
}


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


@pytest.mark.parametrize("opener", ["unrelated, but", "different topic -", "fine.", "hey,", "new topic:"])
def test_an_opener_that_starts_a_new_topic_is_no_word_of_the_question(model: SemanticModel, opener: str) -> None:
    alone = plan("how many stores are in Oslo?", model).sql
    assert alone is not None
    assert plan(f"{opener} how many stores are in Oslo?", model).sql == alone
    history = (("net sales per channel", plan("net sales per channel", model).sql),)
    assert generate_offline(f"{opener} how many stores are in Oslo?", model, history).sql == alone


def test_drop_that_filter(model: SemanticModel) -> None:
    first = "number of sales per store in 2024"
    history: tuple[tuple[str, str | None], ...] = ((first, plan(first, model).sql),)
    narrowed = generate_offline("only the WEB ones", model, history).sql
    assert narrowed is not None and "'WEB'" in narrowed
    dropped = generate_offline("ok drop that filter", model, history + (("only the WEB ones", narrowed),)).sql
    assert dropped == plan(first, model).sql


def test_drop_the_year_filter_drops_the_period(model: SemanticModel) -> None:
    first = "number of sales per channel in 2024"
    dropped = generate_offline("drop the year filter", model, ((first, plan(first, model).sql),)).sql
    assert dropped == plan("number of sales per channel", model).sql
    # a filter with no period to drop is still not guessed
    assert generate_offline("drop the date filter", model, (("number of sales per channel",
                                                            plan("number of sales per channel", model).sql),)).sql is None


def test_a_comparison_said_before_its_column(model: SemanticModel) -> None:
    first = "number of sales per channel"
    edited = generate_offline("just the ones bigger than quantity 2", model, ((first, plan(first, model).sql),)).sql
    assert edited is not None and "sale.quantity > 2" in edited and "GROUP BY sale.channel" in edited


def test_a_cue_stops_before_a_metric_it_would_cut(model: SemanticModel) -> None:
    sql = plan("the store with the highest gross sales", model).sql or ""
    assert "SUM(sale.list_amount)" in sql and "net_amount" not in sql


def test_discounts_given_away_are_the_metric(model: SemanticModel) -> None:
    for question in ("how much did we give away in discounts in 2024", "discounts we gave away in 2024"):
        sql = plan(question, model).sql or ""
        assert "SUM(sale.list_amount * sale.discount)" in sql and "sale.discount > 0" not in sql, question
    # the filter, said as written, still filters: discounted sales are counted, not their discounts added up
    counted = plan("discounted sales by channel", model).sql or ""
    assert "COUNT(*)" in counted and "sale.discount > 0" in counted


@pytest.mark.parametrize("question, expected", [
    ("hw many stores are in Oslo", [(2,)]),
    ("how many green stores do we have", [(2,)]),
    ("number of sales from 2024 onwards", [(4,)]),
    ("number of sales from March 2024 onwards", [(3,)]),
])
def test_counts_said_loosely(model: SemanticModel, question: str, expected: list[tuple[int]]) -> None:
    con = duckdb.connect()
    con.execute(SCHEMA)
    sql = plan(question, model).sql
    assert sql is not None and con.execute(sql).fetchall() == expected


def test_by_after_a_participle_and_a_filters_rate(model: SemanticModel) -> None:
    con = duckdb.connect()
    con.execute(SCHEMA)
    for question in ("percentage of sales discounted, by channel", "what's the discounted rate for each channel?"):
        sql = plan(question, model).sql
        assert sql is not None and "GROUP BY sale.channel" in sql, question
        assert sorted(con.execute(sql).fetchall())[1][1] in (1.0, 100.0)         # both WEB sales discounted
    for question in ("number of sales made by stores in Oslo", "number of sales made by store whose city is Oslo"):
        agents = plan(question, model).sql or ""
        assert "GROUP BY" not in agents and "'Oslo'" in agents, question
