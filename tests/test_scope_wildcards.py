"""Scopes at catalog, schema and table granularity, with wildcards, as NL2SQL_ALLOWED_TABLES takes them."""

from __future__ import annotations

import pytest

from catalog_semantics.model import Column, Relationship, SemanticModel, Table
from catalog_semantics.scope import Principal, allows, scope_model
from nl2sql.settings import Settings


def _model() -> SemanticModel:
    def t(catalog: str, schema: str, name: str) -> Table:
        return Table(name, (Column(f"{name}_id", "INTEGER"), Column("amount", "DECIMAL")), schema=schema,
                     catalog=catalog)

    tables = (t("samples", "tpch", "orders"), t("samples", "tpch", "customer"), t("prod", "sales", "invoices"),
              t("prod", "sales", "refunds"), t("prod", "hr", "salaries"))
    return SemanticModel(tables, (Relationship("orders", ("customer_id",), "customer", ("customer_id",)),))


@pytest.mark.parametrize(("entries", "visible"), [
    (["sales.*"], {"invoices", "refunds"}),
    (["samples.tpch.orders"], {"orders"}),
    (["samples.*"], {"orders", "customer"}),
    (["prod.*.*"], {"invoices", "refunds", "salaries"}),
    (["prod.*", "samples.tpch.cust*"], {"invoices", "refunds", "salaries", "customer"}),
    (["*.refunds", "HR.*"], {"refunds", "salaries"}),
    (["orders"], {"orders"}),
    (["tpch.*.*"], set()),                       # tpch is a schema: nothing lies two levels below it
    (["sales"], set()),                          # a bare name is a table, not a schema
])
def test_scope_patterns(entries: list[str], visible: set[str]) -> None:
    scoped = scope_model(_model(), Principal.of("analyst", entries))
    assert {t.name for t in scoped.tables} == visible


def test_relationships_follow_the_scope() -> None:
    assert scope_model(_model(), Principal.of("a", ["samples.tpch.*"])).relationships
    assert not scope_model(_model(), Principal.of("a", ["samples.tpch.orders"])).relationships


def test_allowed_tables_setting_takes_patterns() -> None:
    settings = Settings(allowed_tables="sales.*, samples.tpch.orders")
    names = settings.allowed_table_names()
    assert names == ("sales.*", "samples.tpch.orders")
    scoped = scope_model(_model(), Principal.of("configured user", names))
    assert {t.name for t in scoped.tables} == {"invoices", "refunds", "orders"}
    assert allows(names, _model().tables[2]) and not allows(names, _model().tables[4])
