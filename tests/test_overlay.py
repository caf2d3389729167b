"""The overlay: YAML parsing with errors that name the file and key, and its merge onto a real catalog."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.errors import OverlayError
from catalog_semantics.model import Catalog, Relationship
from catalog_semantics.overlay import apply_overlay, load_overlay, model_from_catalog, parse_overlay

REPO = Path(__file__).resolve().parent.parent
SEMANTICS = REPO / "fixtures" / "semantics"


@pytest.fixture(scope="module")
def shop() -> Catalog:
    con = duckdb.connect()
    con.execute((SEMANTICS / "shop.sql").read_text())
    return read_duckdb_catalog(con)


def test_load_and_apply_the_shop_overlay(shop: Catalog) -> None:
    overlay = load_overlay(SEMANTICS / "shop_overlay.yaml")
    model = apply_overlay(shop, overlay)
    assert (model.name, model.description, model.dialect) == ("shop", "A small online shop.", "duckdb")
    assert model.instructions == ("Revenue is always net of discount.",)
    assert model.example_questions == ("revenue by region",)
    customers = model.table("customers")
    assert customers.comment == "Buyers of the shop (people and companies)."      # description replaces comment
    assert customers.synonyms == ("clients", "buyers")
    assert customers.column("segment").comment == "Market segment of the customer."  # kept: no description given
    assert customers.column("segment").synonyms == ("market segment", "customer type")
    assert customers.column("segment").sample_values == ("Government", "RETAIL", "WHOLESALE")   # read from data
    assert model.table("orders").column("status").sample_values == ("open", "shipped", "returned", "cancelled")
    assert model.table("order_items").comment == "One row per product in an order."            # untouched
    # order_items -> products is declared in the catalog already: not added twice.
    assert len(model.relationships) == len(shop.relationships)
    revenue = model.metric("REVENUE")
    assert (revenue.table, revenue.joins, revenue.format) == ("order_items", ("products",), "currency")
    assert [f.name for f in model.filters] == ["returned order"]
    assert model.verified_queries[0].alternates == ("customers per region",)


def test_overlay_relationship_in_catalog_spelling(shop: Catalog) -> None:
    overlay = parse_overlay({"relationships": [
        {"from": "AUDIT_LOG", "from_columns": ["EVENT_ID"], "to": "Orders", "to_columns": ["Order_ID"]}]})
    model = apply_overlay(shop, overlay)
    assert model.relationships[-1] == Relationship("audit_log", ("event_id",), "orders", ("order_id",), "overlay")


def test_model_from_catalog_keeps_everything(shop: Catalog) -> None:
    model = model_from_catalog(shop)
    assert model.tables == shop.tables and model.relationships == shop.relationships
    assert (model.metrics, model.filters, model.name) == ((), (), "warehouse")


def test_empty_file_is_an_empty_overlay(tmp_path: Path, shop: Catalog) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    assert apply_overlay(shop, load_overlay(path)).tables == shop.tables


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tables:\n  orders:\n    synonym: [buys]\n", "'tables.orders.synonym': unknown key"),
        ("tables:\n  orders: [a, b]\n", "'tables.orders': expected a mapping"),
        ("metrics:\n  - name: x\n    table: orders\n", "'metrics[0].sql': a value is required"),
        ("metrics: {name: x}\n", "'metrics': expected a list"),
        ("relationships:\n  - {from: a, to: b, from_columns: [x], to_columns: [y, z]}\n", "same length"),
        ("instructions:\n  - {a: 1}\n", "'instructions[0]': expected a text value"),
        ("name: [\n", "not valid YAML at line"),
        ("colour: blue\n", "'colour': unknown key"),
    ],
)
def test_malformed_overlay_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(OverlayError) as info:
        load_overlay(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_an_overlay_error(tmp_path: Path) -> None:
    with pytest.raises(OverlayError, match="could not be read"):
        load_overlay(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"tables": {"invoices": {}}}, "no table named 'invoices'"),
        ({"tables": {"orders": {"columns": {"colour": {}}}}}, "'orders' has no column named 'colour'"),
        ({"relationships": [{"from": "orders", "from_columns": ["nope"], "to": "region", "to_columns": ["region_id"]}]},
         "no column named 'nope'"),
        ({"metrics": [{"name": "m", "table": "orders", "sql": "SUM(amount)"}]}, "no column 'amount' in orders"),
        ({"metrics": [{"name": "m", "table": "nowhere", "sql": "COUNT(*)"}]}, "no table named 'nowhere'"),
        ({"metrics": [{"name": "m", "table": "orders", "sql": "SUM(products.unit_price)"}]},
         "'products' is not one of the tables orders"),
        ({"metrics": [{"name": "m", "table": "orders", "sql": "SUM(("}]}, "does not parse"),
        ({"filters": [{"name": "f", "table": "orders", "sql": "colour = 'red'"}]}, "no column 'colour'"),
        ({"filters": [{"name": "f", "table": "orders", "sql": "status = 'a'"},
                      {"name": "F", "table": "orders", "sql": "status = 'b'"}]}, "'f' is used twice"),
        ({"verified_queries": [{"question": "q", "sql": "SELECT * FROM invoices"}]}, "no table named 'invoices'"),
        ({"verified_queries": [{"question": "q", "sql": "SELECT colour FROM orders"}]}, "does not fit the warehouse"),
    ],
)
def test_overlay_naming_what_the_catalog_lacks(shop: Catalog, data: dict, expected: str) -> None:
    with pytest.raises(OverlayError) as info:
        apply_overlay(shop, parse_overlay(data, source="ov.yaml"))
    assert expected in str(info.value)
    assert "ov.yaml" in str(info.value)


def test_valid_sql_forms_are_accepted(shop: Catalog) -> None:
    model = apply_overlay(shop, parse_overlay({
        "metrics": [
            {"name": "share of big orders", "table": "orders",
             "sql": "COUNT(*) FILTER (WHERE order_id IN (SELECT oi.order_id FROM order_items AS oi "
                    "WHERE oi.quantity > 3)) / COUNT(*)"},
            {"name": "avg age days", "table": "customers", "sql": "AVG(DATE_DIFF('day', signup_date, CURRENT_DATE))"},
        ],
        "filters": [{"name": "recent", "table": "orders", "sql": "order_date >= DATE '2024-06-01'"}],
        "verified_queries": [{"question": "q", "sql":
                              "WITH t AS (SELECT customer_id, COUNT(*) AS n FROM main.orders GROUP BY 1) "
                              "SELECT c.full_name, t.n FROM t JOIN customers c USING (customer_id)"}],
    }))
    assert len(model.metrics) == 2 and len(model.verified_queries) == 1


def test_demo_overlay_applies_to_the_demo_warehouse(tmp_path: Path) -> None:
    overlay_path = REPO / "fixtures" / "tpch" / "overlay.yaml"
    if not overlay_path.exists():
        pytest.skip("fixtures/tpch/overlay.yaml (the demo overlay) is not in this checkout yet")
    from nl2sql.demo.build import build_demo_warehouse

    path = build_demo_warehouse(tmp_path / "demo.duckdb", scale=0.001)
    with duckdb.connect(str(path), read_only=True) as con:
        catalog = read_duckdb_catalog(con)
    model = apply_overlay(catalog, load_overlay(overlay_path))
    assert model.metrics and model.verified_queries
    assert {t.name for t in model.tables} >= {"lineitem", "orders", "customer", "nation", "region"}


def test_a_written_overlay_shows_helpful_columns_and_a_bare_catalog_only_what_is_asked(shop: Catalog) -> None:
    assert apply_overlay(shop, None).answer_columns == "asked"                       # Spider's convention
    assert apply_overlay(shop, parse_overlay({})).answer_columns == "helpful"        # a business model
    assert apply_overlay(shop, parse_overlay({"answer_columns": "asked"})).answer_columns == "asked"
