"""Schema linking on a real DuckDB shop (fixtures/semantics) and on the demo TPC-H warehouse."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.linking import LinkedSchema, link
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, load_overlay, model_from_catalog
from catalog_semantics.render import estimate_tokens

REPO = Path(__file__).resolve().parent.parent
SEMANTICS = REPO / "fixtures" / "semantics"


@pytest.fixture(scope="module")
def shop() -> SemanticModel:
    con = duckdb.connect()
    con.execute((SEMANTICS / "shop.sql").read_text())
    return apply_overlay(read_duckdb_catalog(con), load_overlay(SEMANTICS / "shop_overlay.yaml"))


def pruned(model: SemanticModel, question: str, **kw: object) -> LinkedSchema:
    """Force pruning (the shop is small enough to be kept whole by default)."""
    return link(model, question, keep_all_up_to=0, **kw)


def connected(model: SemanticModel, names: tuple[str, ...]) -> bool:
    edges = {(r.from_table, r.to_table) for r in model.relationships}
    seen, todo = {names[0]}, [names[0]]
    while todo:
        node = todo.pop()
        for a, b in edges:
            for x, y in ((a, b), (b, a)):
                if x == node and y in names and y not in seen:
                    seen.add(y)
                    todo.append(y)
    return seen == set(names)


def test_small_schema_is_kept_whole_best_first(shop: SemanticModel) -> None:
    linked = link(shop, "how many clients per market segment?")
    assert linked.complete and len(linked.tables) == len(shop.tables)
    assert linked.tables[0].name == "customers"
    assert linked.tables[-1].reason == "kept" and linked.tables[-1].score < 0.3
    assert linked.column_score("customers", "segment") > linked.column_score("customers", "full_name")


def test_synonyms_comments_and_split_names(shop: SemanticModel) -> None:
    assert pruned(shop, "list the buyers").tables[0].name == "customers"            # table synonym
    assert pruned(shop, "purchases last month").tables[0].name == "orders"           # table synonym
    linked = pruned(shop, "product names and their list price")
    assert linked.tables[0].name == "products"
    assert linked.column_score("products", "productName") > 0                        # camelCase split
    assert linked.column_score("products", "unit_price") > 0                         # column synonym
    assert "audit_log" not in linked.table_names


def test_values_case_plural_and_typo_tolerant(shop: SemanticModel) -> None:
    linked = pruned(shop, "orders sent by reg air")
    assert {(v.column, v.value) for v in linked.values} >= {("ship_mode", "REG AIR"), ("ship_mode", "AIR")}
    reg_air = next(v for v in linked.values if v.value == "REG AIR")
    assert reg_air.words == ("reg", "air") and reg_air.score == 1.0
    trucks = pruned(shop, "how many went by trucks")
    assert [(v.table, v.value) for v in trucks.values] == [("orders", "TRUCK")]
    assert trucks.tables[0].name == "orders"
    typo = pruned(shop, "sales of gardn products")
    assert ("category", "Garden") in {(v.column, v.value) for v in typo.values}
    assert not pruned(shop, "what is in the garage").values                        # no false friend


def test_bridge_tables_keep_the_subset_joinable(shop: SemanticModel) -> None:
    linked = pruned(shop, "Toys bought by customers in EUROPE", max_tables=3)
    names = linked.table_names
    assert set(names[:3]) == {"products", "customers", "region"}
    assert {t.name: t.reason for t in linked.tables}["order_items"] == "bridge"
    assert {t.name: t.reason for t in linked.tables}["orders"] == "bridge"
    assert connected(shop, names)
    assert "audit_log" not in names


def test_metrics_and_filters(shop: SemanticModel) -> None:
    linked = pruned(shop, "turnover of returned orders by region")
    assert [m.name for m in linked.metrics] == ["revenue"]
    assert [f.name for f in linked.filters] == ["returned order"]
    assert {"order_items", "products", "orders", "region"} <= set(linked.table_names)
    assert connected(shop, linked.table_names)


def test_max_tables_and_nothing_matched(shop: SemanticModel) -> None:
    assert len([t for t in pruned(shop, "customers orders products region", max_tables=2).tables
                if t.reason == "match"]) == 2
    unknown = pruned(shop, "zzz qqq")                                               # no basis to prune
    assert unknown.complete and {t.reason for t in unknown.tables} == {"kept"}


def test_linked_schema_is_frozen(shop: SemanticModel) -> None:
    linked = link(shop, "orders")
    with pytest.raises(dataclasses.FrozenInstanceError):
        linked.question = "other"  # type: ignore[misc]
    assert link(shop, "orders") == linked                                           # deterministic


def test_catalog_only_model(shop: SemanticModel) -> None:
    con = duckdb.connect()
    con.execute((SEMANTICS / "shop.sql").read_text())
    bare = model_from_catalog(read_duckdb_catalog(con))
    linked = pruned(bare, "which customers are in the WHOLESALE segment")
    assert linked.tables[0].name == "customers"
    assert ("segment", "WHOLESALE") in {(v.column, v.value) for v in linked.values}


@pytest.fixture(scope="module")
def tpch(tmp_path_factory: pytest.TempPathFactory) -> SemanticModel:
    overlay = REPO / "fixtures" / "tpch" / "overlay.yaml"
    if not overlay.exists():
        pytest.skip("the demo overlay fixtures/tpch/overlay.yaml is not in this checkout")
    from nl2sql.demo.build import build_demo_warehouse

    path = build_demo_warehouse(tmp_path_factory.mktemp("tpch") / "demo.duckdb", scale=0.001)
    with duckdb.connect(str(path), read_only=True) as con:
        return apply_overlay(read_duckdb_catalog(con), load_overlay(overlay))


@pytest.mark.parametrize(
    ("question", "needed"),
    [
        ("What is the total revenue by region?", {"lineitem", "orders", "customer", "nation", "region"}),
        ("revenue of customers in GERMANY in 1996", {"lineitem", "orders", "customer", "nation"}),
        ("how many line items were shipped by REG AIR", {"lineitem"}),
        ("which suppliers hold the highest inventory value", {"supplier", "partsupp"}),
        ("number of customers per market segment", {"customer"}),
    ],
)
def test_tpch_questions_link_their_tables(tpch: SemanticModel, question: str, needed: set[str]) -> None:
    linked = pruned(tpch, question)
    assert needed <= set(linked.table_names), linked.table_names
    assert connected(tpch, linked.table_names)
    assert len(linked.table_names) < len(tpch.tables)


def test_large_schema_links_a_joinable_few() -> None:
    import random

    from catalog_semantics.model import Column, Relationship, Table
    from catalog_semantics.render import render_context

    rng = random.Random(7)
    vocab = ["customer", "order", "product", "invoice", "payment", "shipment", "region", "country", "store", "employee", "department", "salary", "account", "balance", "item", "price", "quantity", "discount", "status", "category", "brand", "supplier", "warehouse", "stock"]
    tables: list[Table] = []
    rels = []
    for i in range(300):
        cols = tuple(Column(f"{rng.choice(vocab)}_{rng.choice(vocab)}_{j}", "VARCHAR",
                            comment=" ".join(rng.choices(vocab, k=6)),
                            sample_values=tuple(f"{rng.choice(vocab).upper()} {k}" for k in range(20)))
                     for j in range(20))
        tables.append(Table(f"t{i}_{rng.choice(vocab)}", (Column(f"t{i}_id", "INTEGER"), *cols)))
        if i:
            parent = tables[rng.randrange(i)]
            rels.append(Relationship(tables[-1].name, (f"t{i}_id",), parent.name, (parent.columns[0].name,)))
    tables.append(Table("payroll", (Column("payroll_id", "INTEGER"), Column("salary", "DECIMAL"))))
    rels.append(Relationship("payroll", ("payroll_id",), tables[5].name, (tables[5].columns[0].name,)))
    model = SemanticModel(tuple(tables), tuple(rels))
    # Speed is measured in benchmarks/linking_recall.py and catalog_scale.py, not asserted here: a time
    # bound fails on a loaded machine without saying anything about the code.
    linked = link(model, "total salary from payroll by department")
    text = render_context(model, linked, budget_tokens=3000)
    assert linked.tables[0].name == "payroll" and not linked.complete
    assert len(linked.tables) < 60 and connected(model, linked.table_names)   # 6 matches + tree bridges
    assert estimate_tokens(text) <= 3000 and "CREATE TABLE payroll" in text
