"""Set operations (planner/setops.py): "both X and Y" (INTERSECT), "X but not Y" (the rows of X whose key is not
among Y's), "the X shared by A and B", "X or Y" on two columns (UNION), and values no related row has (EXCEPT), each question -> frame -> SQL ->
rows on a small shop warehouse written here; and the shapes that must stay declined.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan, plan_spec
from nl2sql.planner.spec import SetOp
from tests.planner_cases import assert_declined

SHOP = """
CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, customer_name VARCHAR, city VARCHAR, segment VARCHAR);
CREATE TABLE supplier (supplier_id INTEGER PRIMARY KEY, supplier_name VARCHAR, city VARCHAR);
CREATE TABLE product (product_id INTEGER PRIMARY KEY, product_name VARCHAR, category VARCHAR);
CREATE TABLE purchase (purchase_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (customer_id),
                       product_id INTEGER REFERENCES product (product_id), channel VARCHAR, amount DECIMAL(9,2));
INSERT INTO customer VALUES (1, 'Ann', 'Oslo', 'RETAIL'), (2, 'Bo', 'Bergen', 'RETAIL'), (3, 'Cy', 'Oslo', 'TRADE'),
                            (4, 'Di', 'Tromso', 'TRADE'), (5, 'Ann', 'Bergen', 'PUBLIC');
INSERT INTO supplier VALUES (1, 'Nordic Parts', 'Oslo'), (2, 'Fjord Supply', 'Stavanger'), (3, 'Coast Ltd', 'Bergen');
INSERT INTO product VALUES (1, 'Laptop', 'COMPUTING'), (2, 'Phone', 'MOBILE'), (3, 'Desk', 'FURNITURE'),
                           (4, 'Tablet', 'MOBILE'), (5, 'Lamp', 'LIGHTING');
INSERT INTO purchase VALUES (1, 1, 1, 'WEB', 900), (2, 1, 2, 'STORE', 500), (3, 2, 2, 'WEB', 450),
                            (4, 3, 3, 'STORE', 300), (5, 3, 1, 'STORE', 950), (6, 5, 4, 'STORE', 400),
                            (7, 2, 1, 'WEB', 880);
"""

# question, the kind of set operation in the frame (None: one frame, no set operation), the rows expected
ANSWERED = [
    # both X and Y on a related table: the customers of each reading, intersected
    ("Which customers have purchases in both the WEB and STORE channels?", "intersect", {("Ann",)}),
    ("names of customers who bought both Laptop and Phone products", "intersect", {("Ann",), ("Bo",)}),
    # two tables' same-named columns: the values both have
    ("Which cities have both customers and suppliers?", "intersect", {("Oslo",), ("Bergen",)}),
    # X but not Y on the same rows: told apart by key, so the two customers named Ann stay apart
    ("customers with purchases in the STORE channel but not in the WEB channel", "except", {("Cy",), ("Ann",)}),
    ("names of customers who bought a Laptop but not a Phone", "except", {("Cy",)}),
    # the values shared by two sets of rows ("shared" is no share here)
    ("the segments shared by customers from Oslo and Bergen", "intersect", {("RETAIL",)}),
    # "or" between conditions on two columns: rows of either reading (it was read as "and")
    ("customers in the RETAIL segment or in Tromso", "union", {("Ann",), ("Bo",), ("Di",)}),
    ("customers in Oslo or with purchases in the WEB channel", "union", {("Ann",), ("Bo",), ("Cy",)}),
    ("customers from Oslo or customers with a Phone purchase", "union", {("Ann",), ("Bo",), ("Cy",)}),
    # ... one column's values stay one IN list
    ("customers in the RETAIL or TRADE segment", None, {("Ann",), ("Bo",), ("Cy",), ("Di",)}),
    # values no related row has: the categories minus those some purchase has (a difference of values)
    ("Show all categories that are not used by any purchase.", "except", {("LIGHTING",)}),
    # ... but rows named as rows stay a test of each row (NOT EXISTS, no set operation)
    ("the city of customers who do not have any purchase", None, {("Tromso",)}),
    # "not ... any" negates the related rows' existence, their own conditions included: no WEB purchase
    ("customers who do not have any purchase in the WEB channel", None, {("Cy",), ("Di",), ("Ann",)}),
]

DECLINED = [
    # a value each row has once: no customer is in both cities ("or" asks for either)
    ("customers in both Oslo and Bergen", "oslo"),
    # the two sides differ in more than one condition: not two readings of one list
    ("customers who bought both a Laptop in the WEB channel and a Phone", "laptop"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    path = tmp_path_factory.mktemp("shop") / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(SHOP)
    con = duckdb.connect(str(path), read_only=True)
    yield con, model_from_catalog(read_duckdb_catalog(con))       # no overlay: the names alone
    con.close()


@pytest.mark.parametrize(("question", "kind", "rows"), ANSWERED)
def test_set_operations_answer(question: str, kind: str | None, rows: set[tuple[object, ...]],
                               shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = shop
    spec = plan_spec(question, model)[0]
    assert (spec.setop.kind if spec.setop else None) == kind, (question, spec)
    candidate = plan(question, model)
    assert candidate.sql is not None, (question, candidate.abstain_reason)
    assert set(con.execute(candidate.sql).fetchall()) == rows, (question, candidate.sql)


@pytest.mark.parametrize(("question", "words"), DECLINED)
def test_set_operations_decline(question: str, words: str,
                                shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert_declined(plan(question, shop[1]), question, words)


def test_rows_apart_by_key_not_by_name(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'... but not ...' on the same rows keeps a row out by its key: 'Ann' of Bergen (STORE only) is listed
    although the other Ann bought on the WEB, which EXCEPT on the names would hide."""
    con, model = shop
    spec = plan_spec("customers with purchases in the STORE channel but not in the WEB channel", model)[0]
    assert isinstance(spec.setop, SetOp) and spec.setop.rows
    sql = plan("customers with purchases in the STORE channel but not in the WEB channel", model).sql
    assert sql is not None and "NOT customer.customer_id IN (" in sql and "EXCEPT" not in sql, sql
    assert len(con.execute(sql).fetchall()) == 2


def test_both_as_a_filler_keeps_one_reading(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """A question the planner reads whole is never split: "both" there joins two columns to show."""
    spec = plan_spec("list both the name and the city of customers", shop[1])[0]
    assert spec.setop is None


def test_interpretation_names_both_sides(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("Which customers have purchases in both the WEB and STORE channels?", shop[1])
    assert "and also in" in c.interpretation and "WEB" in c.interpretation and "STORE" in c.interpretation


def test_no_edit_of_a_set_operation(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """A follow-up after a set operation is not applied to one side of it ("sort by name" sorted the WEB side
    inside the INTERSECT, which no database runs)."""
    from nl2sql.planner.turns import plan_turn

    first = "Which customers have purchases in both the WEB and STORE channels?"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("sort by name", shop[1], [(first, sql)])
    assert c.sql is None, c.sql
