"""Every matched word reaches the frame (nl2sql/planner/reflected.py), on a small shop warehouse written here.

A word the matcher read as a filler only through its stem ("returned" for "return") but which names the
model is a content word too. Answered: questions whose words are used as context by design (the counted table, a table naming a join path,
a key column naming whose region, a number as a limit or a HAVING bound, a year bounding an open range, a
month of any year). Declined: the frame each question is read into today, with one part taken out as a
reading that goes wrong would drop it (a value's condition, the period, the limit, a second measure); the
check must name the words that part came from. A follow-up's word may name what it replaces.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan, plan_spec
from nl2sql.planner.joins import join_graph
from nl2sql.planner.lexicon import lexicon_for
from nl2sql.planner.matching import match_items
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.reflected import check_reflected
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.tokens import tokenize
from tests.planner_cases import assert_answered, assert_declined

SHOP = """
CREATE TABLE kiosk (kiosk_id INTEGER PRIMARY KEY, region VARCHAR);
CREATE TABLE clerk (clerk_id INTEGER PRIMARY KEY, clerk_name VARCHAR, kiosk_id INTEGER REFERENCES kiosk (kiosk_id));
CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, clerk_id INTEGER REFERENCES clerk (clerk_id),
                   kiosk_id INTEGER REFERENCES kiosk (kiosk_id), sale_dt DATE, amount DECIMAL(8,2), units INTEGER,
                   channel VARCHAR, sale_status VARCHAR);
INSERT INTO kiosk VALUES (1, 'North'), (2, 'South');
INSERT INTO clerk VALUES (1, 'Ann', 1), (2, 'Bo', 2), (3, 'Cy', 2);
INSERT INTO sale VALUES (1, 1, 1, '2023-01-05', 10, 1, 'WEB', 'KEPT'), (2, 2, 2, '2023-01-20', 25, 2, 'STORE', 'RETURNED'),
  (3, 3, 2, '2023-02-02', 40, 3, 'WEB', 'KEPT'), (4, 1, 1, '2023-02-11', 15, 1, 'STORE', 'KEPT'),
  (5, 2, 2, '2024-03-03', 30, 2, 'WEB', 'RETURNED');
"""


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SHOP)
    return con, model_from_catalog(read_duckdb_catalog(con))


ANSWERED = [
    ("how many clerks sold WEB sales in 2023", ["COUNT(DISTINCT clerk.clerk_id)", "'WEB'", "2023-01-01"]),
    ("average amount of WEB sales per kiosk region", ["kiosk.region", "AVG(sale.amount)"]),   # a join path
    ("clerks with more than 2 sales", ["HAVING COUNT(*) > 2"]),                            # a number as HAVING
    ("top 2 clerks by amount", ["LIMIT 2"]),                                                # a number as LIMIT
    ("top two clerks by amount", ["LIMIT 2"]),                                              # a number word
    ("total amount of sales after 2023", ["2024-01-01"]),                   # the year bounds an open range
    ("total amount per region in January 2023", ["2023-02-01", "kiosk.region"]),
    ("total units of clerk Bo", ["'Bo'", "SUM(sale.units)"]),
    ("number of returned sales", ["= 'RETURNED'"]),
    ("Return the names of clerks with more than 1 sale", ["clerk.clerk_name", "> 1"]),   # the request verb
    ("what % of sales were WEB sales", ["100.0 *", "'WEB'"]),     # a sign standing alone is its word
    ("clerks with a total amount above 20", ["HAVING SUM(sale.amount) > 20"]),   # 'total' asked and added up
]


def test_an_amount_asked_for_but_listed_row_by_row_is_declined(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'in total' asks for units added up per clerk; a list of each sale's own units would ignore it."""
    question = "clerks with fewer than 3 units in total"
    candidate = plan(question, shop[1])
    if candidate.sql is not None:       # read as the total per clerk: that is the question
        assert "SUM(sale.units)" in candidate.sql, candidate.sql
    else:
        assert_declined(candidate, question, "in total")


def test_a_value_read_as_a_filler_is_declined(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'returned' is a form of the request verb "return" and the value RETURNED: read as the verb, the
    frame has no condition on the status, so the answer would count every sale."""
    assert_declined(plan("returned sales by channel", shop[1]), "returned sales by channel", "returned")


@pytest.mark.parametrize(("question", "has"), ANSWERED)
def test_words_used_as_context_are_answered(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                            has: list[str]) -> None:
    assert_answered(shop[0], plan(question, shop[1]), question, has, [])


def _drop_value(spec: QuerySpec) -> QuerySpec:
    return replace(spec, conditions=tuple(c for c in spec.conditions if c.kind != "in"))


def _drop_period(spec: QuerySpec) -> QuerySpec:
    return replace(spec, conditions=tuple(c for c in spec.conditions if c.kind != "range"))


def _drop_limit(spec: QuerySpec) -> QuerySpec:
    return replace(spec, limit=None)


def _drop_having(spec: QuerySpec) -> QuerySpec:
    return replace(spec, having=())


def _drop_dims(spec: QuerySpec) -> QuerySpec:
    return replace(spec, dims=(), order=())


DROPPED = [
    ("total amount of WEB sales in 2023", _drop_value, ("WEB",)),
    ("total amount of WEB sales in 2023", _drop_period, ("2023",)),
    ("top 2 clerks by amount", _drop_limit, ("2",)),
    ("top two clerks by amount", _drop_limit, ("two",)),
    ("clerks with more than 2 sales", _drop_having, ("2",)),
    ("total amount per region in January 2023", _drop_dims, ("region",)),
    ("sales of Ann in 2023", _drop_value, ("Ann",)),
]


@pytest.mark.parametrize(("question", "drop", "words"), DROPPED)
def test_a_part_the_frame_lost_is_declined_naming_its_words(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                            question: str, drop: object, words: tuple[str, ...]) -> None:
    model = shop[1]
    lex, graph = lexicon_for(model), join_graph(model)
    items = match_items(tokenize(question), lex)
    spec, _, _ = plan_spec(question, model)
    check_reflected(items, spec, lex, graph)            # the frame as read uses every word
    assert callable(drop)
    with pytest.raises(NotUnderstood) as caught:
        check_reflected(items, drop(spec), lex, graph)
    assert caught.value.words == words


def test_a_followup_word_may_name_what_it_replaces(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    model = shop[1]
    lex, graph = lexicon_for(model), join_graph(model)
    previous, _, _ = plan_spec("total amount of WEB sales in 2023", model)
    new, _, _ = plan_spec("total amount of STORE sales in 2023", model)
    items = match_items(tokenize("STORE instead of WEB"), lex)
    check_reflected(items, new, lex, graph, previous)
    with pytest.raises(NotUnderstood):
        check_reflected(items, new, lex, graph)
