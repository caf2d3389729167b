"""A Databricks scope of several schemas: bare table names are refused, qualified ones pass, per-table allowlist holds.

Databricks resolves a bare name against the session's schema, so with tables from several schemas the guard
(nl2sql/guard/scope.py) asks for the schema; a single-schema scope keeps bare names (the default schema is known).
"""

from __future__ import annotations

import pytest

from catalog_semantics.adapters.unity_bulk import BulkScope
from catalog_semantics.model import Column, SemanticModel, Table
from nl2sql.errors import GuardRejected
from nl2sql.guard import check, policy_for_model


def table(schema: str, name: str, *columns: str) -> Table:
    return Table(name=name, columns=tuple(Column(c, "STRING") for c in columns), schema=schema, catalog="main")


MODEL = SemanticModel(tables=(table("sales", "orders", "o_id", "o_status"), table("sales", "customers", "c_id"),
                              table("hr", "staff", "s_id"), table("hr", "orders", "po_id")), dialect="databricks")


def codes(sql: str, **kwargs: object) -> set[str]:
    try:
        check(sql, policy_for_model(MODEL, dialect="databricks", **kwargs))  # type: ignore[arg-type]
    except GuardRejected as e:
        return {i.code for i in e.issues}
    return set()


def test_bare_names_are_refused_across_schemas_even_when_unique() -> None:
    assert "unqualified_table" in codes("SELECT c_id FROM customers")          # unique in the scope, still bare
    assert "unqualified_table" in codes("SELECT s.s_id FROM main.hr.staff s JOIN customers c ON s.s_id = c.c_id")
    assert codes("SELECT o_status FROM orders") >= {"unqualified_table"}        # two schemas have it
    message = pytest.raises(GuardRejected, check, "SELECT c_id FROM customers",
                            policy_for_model(MODEL, dialect="databricks")).value.issues[0].message
    assert "schema" in message and "customers" in message


def test_qualified_names_pass_and_ctes_are_not_tables() -> None:
    assert codes("SELECT o_status FROM main.sales.orders") == set()
    assert codes("SELECT po_id FROM hr.orders") == set()
    assert codes("WITH o AS (SELECT o_id FROM sales.orders) SELECT COUNT(*) FROM o") == set()


def test_the_per_table_allowlist_still_applies() -> None:
    allowed = ("main.sales.orders", "main.hr.staff")
    assert codes("SELECT o_id FROM main.sales.orders", allowed=allowed) == set()
    assert "table_not_allowed" in codes("SELECT c_id FROM main.sales.customers", allowed=allowed)
    assert "table_not_allowed" in codes("SELECT po_id FROM main.hr.orders", allowed=allowed)


def test_one_schema_keeps_bare_names_and_other_dialects_are_untouched() -> None:
    one = SemanticModel(tables=MODEL.tables[:2], dialect="databricks")
    check("SELECT c_id FROM customers", policy_for_model(one, dialect="databricks"))
    duck = SemanticModel(tables=(table("sales", "customers", "c_id"), table("hr", "staff", "s_id")), dialect="duckdb")
    check("SELECT c_id FROM customers", policy_for_model(duck, dialect="duckdb"))


def test_scope_text_in_the_url() -> None:
    from nl2sql.adapters.databricks_config import parse_url
    from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse

    config = parse_url("databricks://token:dapiX@adb-1.2.azuredatabricks.net?warehouse_id=w&scope=main.sales,main.hr")
    warehouse = DatabricksWarehouse.from_config(config)
    assert warehouse.bulk_scope == BulkScope(schemas=(("main", "sales"), ("main", "hr")))
