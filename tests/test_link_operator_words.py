"""Operator words in whole-catalog linking: "number", "total", "average" and an ordering phrase's "order" count
for less as name words in a catalog linked in two stages (66 tables here); a table they name still wins alone."""

from __future__ import annotations

from catalog_semantics.linking import SHORTLIST_FROM, link
from catalog_semantics.model import Column, SemanticModel, Table


def _model() -> SemanticModel:
    tables = [
        Table("orders", (Column("order_id", "INTEGER"), Column("order_total", "DOUBLE")), schema="sales"),
        Table("staff", (Column("staff_name", "VARCHAR"), Column("age", "INTEGER"), Column("city", "VARCHAR")),
              schema="hr"),
        Table("totals", (Column("total_id", "INTEGER"), Column("number", "INTEGER")), schema="misc"),
        Table("singers", (Column("singer_name", "VARCHAR"), Column("country", "VARCHAR")), schema="music"),
    ]
    words = ("widget", "gadget", "sprocket", "gizmo", "bracket", "flange", "gasket", "rivet")
    for i in range(62):
        name = f"{words[i % 8]}_{words[(i // 8) % 8]}_lot{i}"
        tables.append(Table(name, (Column(f"{name}_id", "INTEGER"), Column("quantity", "INTEGER")), schema="parts"))
    return SemanticModel(tuple(tables))


def test_an_ordering_phrase_does_not_pull_in_the_orders_table() -> None:
    model = _model()
    assert len(model.tables) > SHORTLIST_FROM
    assert link(model, "List the names in descending order of age.").tables[0].name == "staff"
    assert link(model, "List all names ordered by age.").tables[0].name == "staff"


def test_orders_alone_still_name_the_orders_table() -> None:
    assert link(_model(), "How many orders are there?").tables[0].name == "orders"


def test_aggregation_words_do_not_outweigh_the_table_the_question_names() -> None:
    assert link(_model(), "What is the total number of singers?").tables[0].name == "singers"
