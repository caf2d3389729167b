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
from catalog_semantics.overlay import model_from_catalog
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
    # identifier_list: the rows listed by bare ids ("no" of "had no sales" does not ask for a number)
    ("which kiosks had no sales in 2024", "kiosk id"),
    ("which kiosks are in the North region", "kiosk id"),
]
CHOICES = [
    # bare_list: no word asks for a list, yet amounts would be listed "by" something: count, total or list?
    ("units by channel", "units", "total units by channel"),
    ("amount by clerk and channel", "amount", "total amount by clerk and channel"),
]
ANSWERED = [
    ("total amount per kiosk id", ["GROUP BY kiosk.kiosk_id"], []),          # the identifier asked for
    ("sales by clerk", ["clerk.clerk_name", "COUNT(*)"], []),                 # an entity with a name
    ("list the kiosk ids in the North region", ["kiosk.kiosk_id"], []),       # the identifiers asked for
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
