"""Calibrated doubt (nl2sql/planner/doubts.py): each rule with a question it turns into an abstention or a choice
and a near neighbour it still answers, on a small shop warehouse written here (a kiosk table with no name
column, a sale table with amounts, a channel and a date), plus frame-level pairs for shapes the reader no longer
builds on its own (the rules are a safety net for readings that go wrong in new ways).
"""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, model_from_catalog, parse_overlay
from nl2sql.planner import plan
from nl2sql.planner.clarify import Ambiguity
from nl2sql.planner.doubts import extra_grouping
from nl2sql.planner.lexicon import lexicon_for
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, Dim, Measure, QuerySpec
from tests.planner_cases import assert_answered, assert_declined

SHOP = """
CREATE TABLE kiosk (kiosk_id INTEGER PRIMARY KEY, region VARCHAR);
CREATE TABLE clerk (clerk_id INTEGER PRIMARY KEY, clerk_name VARCHAR, kiosk_id INTEGER REFERENCES kiosk (kiosk_id));
CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, clerk_id INTEGER REFERENCES clerk (clerk_id),
                   kiosk_id INTEGER REFERENCES kiosk (kiosk_id), sale_dt DATE, amount DECIMAL(8,2), units INTEGER,
                   channel VARCHAR);
INSERT INTO kiosk VALUES (1, 'North'), (2, 'South');
INSERT INTO clerk VALUES (1, 'Ann', 1), (2, 'Bo', 2), (3, 'Cy', 2);
INSERT INTO sale VALUES (1, 1, 1, '2023-01-05', 10, 1, 'WEB'), (2, 2, 2, '2023-01-20', 25, 2, 'STORE'),
  (3, 3, 2, '2023-02-02', 40, 3, 'WEB'), (4, 1, 1, '2023-02-11', 15, 1, 'STORE'), (5, 2, 2, '2024-03-03', 30, 2, 'WEB');
"""


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SHOP)
    return con, model_from_catalog(read_duckdb_catalog(con))


DECLINED = [
    # identifier_grouping: the kiosk has no name, so "per kiosk" would show bare ids the question never asked for
    ("sales per kiosk", "kiosk id"),
    ("top 3 kiosks by amount", "kiosk id"),
]
CHOICES = [
    # bare_list: no word asks for a list, yet amounts would be listed "by" something: count, total or list?
    ("units by channel", "units", "total units by channel"),
    ("amount by clerk and channel", "amount", "total amount by clerk and channel"),
]
ANSWERED = [
    ("total amount per kiosk id", ["GROUP BY sale.kiosk_id"], []),            # the identifier asked for, as is
    ("sales by clerk", ["clerk.clerk_name", "COUNT(*)"], []),                 # an entity with a name
    ("list the kiosk ids in the North region", ["kiosk.kiosk_id"], []),       # the identifiers asked for
    ("which kiosks had no sales in 2024", ["kiosk.kiosk_id", "NOT EXISTS"], []),  # known only by their key
    ("which clerks had no sales in 2024", ["clerk.clerk_name", "NOT EXISTS"], []),
    ("total units by channel", ["SUM(sale.units)", "GROUP BY sale.channel"], []),
    ("list units by channel", ["sale.units", "sale.channel"], ["SUM("]),      # a list asked for
    ("total units per clerk per year", ["clerk.clerk_name", "YEAR(sale.sale_dt)"], []),  # two grouping phrases
    ("total amount by clerk and channel", ["SUM(sale.amount)", "clerk.clerk_name", "sale.channel"], []),
]


@pytest.mark.parametrize(("question", "words"), DECLINED)
def test_declined_naming_the_words(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                   words: str) -> None:
    assert_declined(plan(question, shop[1]), question, words)


@pytest.mark.parametrize(("question", "words", "choice"), CHOICES)
def test_bare_list_offers_choices(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, words: str,
                                  choice: str) -> None:
    cand = plan(question, shop[1])
    assert_declined(cand, question, words)
    assert choice in [c.question for c in cand.choices], cand.choices


@pytest.mark.parametrize(("question", "has", "lacks"), ANSWERED)
def test_neighbours_answered(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, has: list[str],
                             lacks: list[str]) -> None:
    assert_answered(shop[0], plan(question, shop[1]), question, has, lacks)


def _by(*dims: Dim) -> QuerySpec:
    return QuerySpec(base="sale", measures=(Measure("agg", "sale", fn="sum", col=ColRef("sale", "amount")),),
                     dims=dims)


CHANNEL, CLERK = Dim(ColRef("sale", "channel")), Dim(ColRef("clerk", "clerk_name"))
MONTH = Dim(ColRef("sale", "sale_dt"), grain="month")
FRAMES = [
    # (question, frame, declined?)
    ("amount by channel", _by(CHANNEL, CLERK), True),                   # a grouping the words do not name
    ("amount month by month", _by(MONTH, MONTH), True),                 # one grain twice
    ("amount by channel and clerk", _by(CHANNEL, CLERK), False),
    ("amount by channel, clerk", _by(CHANNEL, CLERK), False),
    ("amount per channel per clerk", _by(CHANNEL, CLERK), False),
    ("amount per channel across all clerks", _by(CHANNEL, CLERK), True),  # "across all" takes them together
    ("amount by channel", _by(CHANNEL), False),
]


@pytest.mark.parametrize(("question", "frame", "declined"), FRAMES)
def test_extra_grouping(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, frame: QuerySpec,
                        declined: bool) -> None:
    from nl2sql.planner.tokens import read_question

    words = read_question(question)
    lex = lexicon_for(shop[1])
    if declined:
        with pytest.raises(NotUnderstood) as e:
            extra_grouping(frame, words, lex)
        assert e.value.words and not isinstance(e.value, Ambiguity)
    else:
        extra_grouping(frame, words, lex)


FLATS = """
CREATE TABLE flat (flat_id INTEGER PRIMARY KEY, flat_no VARCHAR, floor INTEGER);
CREATE TABLE person (person_id INTEGER PRIMARY KEY, full_name VARCHAR, boss_id INTEGER REFERENCES person (person_id));
CREATE TABLE lease (lease_id INTEGER PRIMARY KEY, flat_id INTEGER REFERENCES flat (flat_id), rent INTEGER);
INSERT INTO flat VALUES (1, '1A', 1), (2, '2B', 2);
INSERT INTO person VALUES (1, 'Ann', NULL);
INSERT INTO person VALUES (2, 'Bo', 1);
INSERT INTO lease VALUES (1, 1, 900);
"""


@pytest.mark.parametrize(("question", "declined"), [
    ("which flats have never had a lease", True),      # identifier_list: flat_no is called "flat", flat_id shown
    ("which flat numbers have never had a lease", False),
    ("which people are bosses", True),                 # another table's identifier (boss_id) listed
    ("list the flat ids with no lease", False),         # the identifiers asked for ("no" is not "number")
])
def test_identifier_list(question: str, declined: bool) -> None:
    con = duckdb.connect()
    con.execute(FLATS)
    overlay = {"tables": {"flat": {"synonyms": ["flats"], "columns": {"flat_no": {"synonyms": ["flat", "flat number"]}}},
                          "person": {"synonyms": ["people"], "columns": {"boss_id": {"synonyms": ["boss", "bosses"]}}}}}
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay(overlay))
    cand = plan(question, model)
    assert (cand.sql is None) == declined, (cand.sql, cand.abstain_reason)
    if declined:
        assert "identifier" in (cand.abstain_reason or ""), cand.abstain_reason
