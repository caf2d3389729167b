"""Prompt context rendering: golden files, budget fitting, value privacy, quoting."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.adapters.sqlalchemy_reader import read_sqlalchemy_catalog
from catalog_semantics.linking import link
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, load_overlay, model_from_catalog
from catalog_semantics.render import estimate_tokens, render_context

REPO = Path(__file__).resolve().parent.parent
SEMANTICS = REPO / "fixtures" / "semantics"
UPDATE = os.environ.get("NL2SQL_UPDATE_GOLDEN") == "1"


def shop_catalog():
    con = duckdb.connect()
    con.execute((SEMANTICS / "shop.sql").read_text())
    return read_duckdb_catalog(con)


@pytest.fixture(scope="module")
def shop() -> SemanticModel:
    return apply_overlay(shop_catalog(), load_overlay(SEMANTICS / "shop_overlay.yaml"))


def check_golden(name: str, text: str) -> None:
    """Compare with fixtures/semantics/<name>.txt; NL2SQL_UPDATE_GOLDEN=1 rewrites it instead."""
    path = SEMANTICS / f"{name}.txt"
    if UPDATE or not path.exists():
        path.write_text(text)
        if not UPDATE:
            pytest.fail(f"golden file {path.name} was missing and has been written: review and commit it")
    assert text == path.read_text(), f"{path.name} differs: rerun with NL2SQL_UPDATE_GOLDEN=1 if intended"


def blocks_are_whole(text: str) -> bool:
    return text.count("CREATE TABLE") + text.count("CREATE VIEW") == text.count("\n);")


def test_golden_full_schema(shop: SemanticModel) -> None:
    check_golden("shop_full", render_context(shop, None, budget_tokens=100_000))


def test_golden_linked_question(shop: SemanticModel) -> None:
    linked = link(shop, "turnover of Toys sold to clients in EUROPE by reg air", keep_all_up_to=0)
    check_golden("shop_linked", render_context(shop, linked))


def test_golden_catalog_only_without_values() -> None:
    check_golden("shop_catalog_no_values",
                 render_context(model_from_catalog(shop_catalog()), None, include_values=False))


def test_context_content(shop: SemanticModel) -> None:
    text = render_context(shop, None, budget_tokens=100_000)
    assert "CREATE TABLE customers (  -- Buyers of the shop (people and companies). also called: clients, buyers." in text
    assert "  PRIMARY KEY (order_id, line_no)," in text
    assert "  FOREIGN KEY (customer_id) REFERENCES customers (customer_id)" in text
    assert "ship_mode VARCHAR,  -- also called: shipping method, carrier. values: 'AIR', 'MAIL', 'REG AIR', 'TRUCK'" in text
    assert "revenue = SUM(order_items.quantity * products.unit_price * (1 - discount))" in text
    assert "returned order: status = 'returned'  [orders]" in text
    assert "--   - Revenue is always net of discount." in text
    assert blocks_are_whole(text)
    assert render_context(shop, None, budget_tokens=100_000) == text                 # deterministic


def test_no_data_value_when_values_are_off() -> None:
    model = model_from_catalog(shop_catalog())
    values = {v for t in model.tables for c in t.columns for v in c.sample_values}
    assert {"RETAIL", "Toys", "REG AIR", "EUROPE"} <= values
    for linked in (None, link(model, "Toys sold in EUROPE by REG AIR")):
        text = render_context(model, linked, include_values=False)
        assert "values:" not in text
        assert not [v for v in values if f"'{v}'" in text or re.search(rf"\b{re.escape(v)}\b", text)]


def test_no_overlay_values_when_values_are_off(shop: SemanticModel) -> None:
    text = render_context(shop, link(shop, "cancelled orders by reg air"), include_values=False)
    assert "values:" not in text and "'cancelled'" not in text and "REG AIR" not in text
    assert "'cancelled'" in render_context(shop, link(shop, "cancelled orders by reg air"))
    for budget in (300, 200, 100, 1):          # also when whole tables have to go
        tight = render_context(shop, link(shop, "cancelled orders by reg air"), include_values=False,
                               budget_tokens=budget)
        assert "values:" not in tight and "REG AIR" not in tight


def test_budget_drops_detail_before_tables(shop: SemanticModel) -> None:
    linked = link(shop, "how many orders went by TRUCK", keep_all_up_to=0)
    full = render_context(shop, linked, budget_tokens=100_000)
    assert "values: 'AIR', 'MAIL', 'REG AIR', 'TRUCK'" in full
    assert "also called: returns, returned." in full
    tables = full.count("CREATE TABLE")

    def fitted(budget: int) -> str:
        text = render_context(shop, linked, budget_tokens=budget)
        assert estimate_tokens(text) <= budget and text.count("CREATE TABLE") == tables   # no table dropped
        return text

    # 1. Descriptions of metrics and filters the question does not name go first (their SQL stays).
    step = fitted(estimate_tokens(full) - 1)
    assert "returned order: status = 'returned'  [orders]\n" in step and "'cancelled'" in step
    # 2. Then value hints of columns the question is not about.
    step = fitted(estimate_tokens(step) - 1)
    assert "'TRUCK'" in step and "'AIR'" in step and "'cancelled'" not in step
    # 3. Then every value but the one the question names.
    step = fitted(estimate_tokens(step) - 1)
    assert "values: 'TRUCK', ..." in step and "'AIR'" not in step
    # 4. Then comments of columns the question is not about.
    assert "Where the order is in its life." in step
    step = fitted(estimate_tokens(step) - 1)
    assert "Where the order is in its life." not in step and "also called: shipping method" in step


def test_budget_drops_low_scored_tables_whole(shop: SemanticModel) -> None:
    linked = link(shop, "revenue by customer segment")
    sizes = []
    for budget in (2000, 400, 250, 150, 1):
        text = render_context(shop, linked, budget_tokens=budget)
        assert blocks_are_whole(text)
        assert f"CREATE TABLE {linked.tables[0].name} (" in text                    # the best table stays
        if budget > 1:
            assert estimate_tokens(text) <= budget
        sizes.append(text.count("CREATE TABLE"))
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1] == 1
    assert "audit_log" not in render_context(shop, linked, budget_tokens=250)


def test_untidy_names_are_quoted(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    with sqlite3.connect(path) as raw:
        raw.executescript('CREATE TABLE "Owner Info" ("Owner ID" INTEGER PRIMARY KEY, "1st name" TEXT, Name TEXT);'
                          'CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES "Owner Info");'
                          "INSERT INTO \"Owner Info\" VALUES (1, 'O''Brien', 'x');")
    text = render_context(model_from_catalog(read_sqlalchemy_catalog(sa.create_engine(f"sqlite:///{path}"))))
    assert 'CREATE TABLE "Owner Info" (' in text
    assert '  "1st name" TEXT,  -- values: \'O\'\'Brien\'' in text
    assert 'FOREIGN KEY (owner) REFERENCES "Owner Info" ("Owner ID")' in text
    assert "-- Dialect: sqlite" in text


@pytest.mark.parametrize("module", ["catalog_semantics.text", "catalog_semantics.render", "catalog_semantics.join_paths",
                                    "catalog_semantics.spider", "catalog_semantics.adapters.sqlalchemy_reader"])
def test_module_examples_run(module: str) -> None:
    """The docstring examples of the semantics layer are tests too (CI runs plain pytest, without doctests)."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_column_tags_reach_the_context() -> None:
    from catalog_semantics.model import Column, SemanticModel, Table
    from catalog_semantics.render import render_context

    table = Table("customer", (Column("c_phone", "STRING", comment="Phone number", tags=("pii=phone",)),))
    assert "Phone number. tags: pii=phone." in render_context(SemanticModel(tables=(table,)))
