"""The Unity Catalog reader on recorded result shapes (fixtures/databricks/), without a workspace.

``RecordedWorkspace`` stands in for the Databricks SQL endpoint, not for our code: it runs the reader's
own Databricks SQL (transpiled by sqlglot) in DuckDB over the recorded information_schema rows and table
data, so filters, joins and the bounded sample-values query are really executed. Names it has no rows
for fail as the endpoint would (TABLE_OR_VIEW_NOT_FOUND), which is how the Hive fallback is exercised.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from catalog_semantics.adapters.unity_cache import TtlCache
from catalog_semantics.adapters.unity_describe import parse_describe
from catalog_semantics.adapters.unity_reader import ReadOptions, UnityScope, read_unity_catalog
from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Relationship

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "databricks"


class RecordedWorkspace:
    """A MetadataSource over recorded rows; every statement it receives is kept in ``statements``."""

    def __init__(self, fixture: str, *, information_schema: bool = True) -> None:
        self.recorded = json.loads((FIXTURES / fixture).read_text())
        self.catalog, self.schema = self.recorded["catalog"], self.recorded["schema"]
        self.statements: list[str] = []
        self.con = duckdb.connect()
        views = self.recorded.get("information_schema", {}) if information_schema else {}
        for view, rows in views.items():
            self.con.register(f"is_{view}", pa.Table.from_pylist(rows))
        for table, data in self.recorded.get("data", {}).items():
            columns = list(zip(*data["rows"])) if data["rows"] else [[] for _ in data["columns"]]
            self.con.register(f"data_{table}", pa.Table.from_arrays([pa.array(c) for c in columns], names=data["columns"]))

    def query(self, sql: str) -> list[dict[str, Any]]:
        self.statements.append(sql)
        if "current_catalog()" in sql:
            return [{"c": self.catalog, "s": self.schema}]
        if sql.upper().startswith("DESCRIBE TABLE EXTENDED"):
            name = sqlglot.parse_one(sql.split("EXTENDED", 1)[1], read="databricks", into=exp.Table).name
            return self._rows_or_missing(self.recorded.get("describe", {}).get(name), name)
        tree = sqlglot.parse_one(sql, read="databricks")
        for table in list(tree.find_all(exp.Table)):
            table.replace(exp.to_table(self._resolve(table)))
        try:
            cursor = self.con.execute(tree.sql(dialect="duckdb"))
        except duckdb.Error as e:
            raise CatalogError(f"query failed: {e}") from None
        names = [d[0].lower() for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def list_tables(self, catalog: str | None, schema: str) -> list[dict[str, Any]]:
        self.statements.append(f"<GetTables {catalog}.{schema}>")
        return [{k.lower(): v for k, v in r.items()} for r in self._rows_or_missing(self.recorded.get("tables"), schema)]

    def list_columns(self, catalog: str | None, schema: str, table: str) -> list[dict[str, Any]]:
        self.statements.append(f"<GetColumns {catalog}.{schema}.{table}>")
        rows = self._rows_or_missing(self.recorded.get("columns", {}).get(table), table)
        return [{k.lower(): v for k, v in r.items()} for r in rows]

    def _resolve(self, table: exp.Table) -> str:
        catalog, db, name = table.catalog.lower(), table.db.lower(), table.name.lower()
        if db == "information_schema" and catalog == self.catalog:
            found = f"is_{name}"
        elif (catalog, db) == (self.catalog, self.schema) and name in self.recorded.get("data", {}):
            found = f"data_{name}"
        else:
            found = ""
        if not found or found not in {r[0] for r in self.con.execute("SHOW TABLES").fetchall()}:
            raise CatalogError(f"[TABLE_OR_VIEW_NOT_FOUND] {table.sql(dialect='databricks')}")
        return found

    @staticmethod
    def _rows_or_missing(rows: Any, name: str) -> Any:
        if rows is None:
            raise CatalogError(f"[TABLE_OR_VIEW_NOT_FOUND] {name}")
        return rows


@pytest.fixture
def workspace() -> RecordedWorkspace:
    return RecordedWorkspace("unity_main_sales.json")


def test_information_schema_gives_tables_views_types_comments(workspace: RecordedWorkspace) -> None:
    catalog = read_unity_catalog(workspace, UnityScope("main", "sales"))
    assert catalog.dialect == "databricks"
    assert [t.name for t in catalog.tables] == [
        "customer", "customer_orders", "daily_kpis", "lineitem", "nation", "orders", "region"]
    kinds = {t.name: t.kind for t in catalog.tables}
    assert kinds["customer_orders"] == kinds["daily_kpis"] == "view" and kinds["orders"] == "table"
    customer = catalog.table("main.sales.customer")
    assert customer is not None and customer.qualified_name == "main.sales.customer"
    assert customer.comment == "One row per customer of the wholesaler."
    assert catalog.table("nation").comment is None
    assert [(c.name, c.type) for c in customer.columns][:2] == [("c_custkey", "BIGINT"), ("c_name", "STRING")]
    assert customer.column("c_acctbal").type == "DECIMAL(18,2)"
    assert customer.column("c_mktsegment").comment == "Market segment"
    assert customer.column("c_nationkey").comment is None


def test_keys_come_from_the_constraint_views(workspace: RecordedWorkspace) -> None:
    catalog = read_unity_catalog(workspace, UnityScope("main", "sales"), ReadOptions(sample_values=False))
    assert catalog.table("lineitem").primary_key == ("l_orderkey", "l_linenumber")
    pk_column = catalog.table("orders").column("o_orderkey")
    assert pk_column.is_primary_key and not pk_column.nullable
    assert catalog.table("customer_orders").primary_key == ()
    assert set(catalog.relationships) == {
        Relationship("customer", ("c_nationkey",), "nation", ("n_nationkey",)),
        Relationship("lineitem", ("l_orderkey",), "orders", ("o_orderkey",)),
        Relationship("nation", ("n_regionkey",), "region", ("r_regionkey",)),
        Relationship("orders", ("o_custkey",), "customer", ("c_custkey",)),
        # a key into another schema keeps its qualified name
        Relationship("orders", ("o_clerk_id",), "main.hr.employees", ("emp_id",)),
    }


def test_column_tags_are_read_beside_the_comment(workspace: RecordedWorkspace) -> None:
    customer = read_unity_catalog(workspace, UnityScope("main", "sales"), ReadOptions(sample_values=False)).table("customer")
    assert (customer.column("c_phone").comment, customer.column("c_phone").tags) == (
        "Phone number", ("pii=phone", "masked column", "mask=main.governance.mask_phone"))
    assert (customer.column("c_name").comment, customer.column("c_name").tags) == ("Customer name", ("pii",))


def test_masked_columns_are_shown_and_never_sampled_and_row_filters_noted(workspace: RecordedWorkspace) -> None:
    from catalog_semantics.model import SemanticModel
    from catalog_semantics.render import render_context

    catalog = read_unity_catalog(workspace, UnityScope("main", "sales"), ReadOptions(max_distinct=200))
    phone = catalog.table("customer").column("c_phone")
    assert "masked column" in phone.tags and phone.sample_values == ()
    sampling = [s for s in workspace.statements if "SELECT DISTINCT" in s]
    assert sampling and not any("c_phone" in s for s in sampling)      # its values were never read
    assert any("c_name" in s for s in sampling)                          # unmasked text columns still are
    assert "row filter main.governance.orders_by_region" in (catalog.table("orders").comment or "")
    context = render_context(SemanticModel(tables=catalog.tables, dialect="databricks"))
    assert re.search(r"c_phone STRING, +--.*masked column", context)
    assert "Rows are filtered per user" in context


def test_sample_values_from_one_bounded_query_per_table(workspace: RecordedWorkspace) -> None:
    catalog = read_unity_catalog(workspace, UnityScope("main", "sales"), ReadOptions(max_distinct=20))
    assert catalog.table("region").column("r_name").sample_values == (
        "AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST")
    assert set(catalog.table("orders").column("o_orderstatus").sample_values) == {"F", "O", "P"}
    customer = catalog.table("customer")
    assert set(customer.column("c_mktsegment").sample_values) == {"BUILDING", "AUTOMOBILE", "MACHINERY"}
    assert customer.column("c_name").sample_values == ()          # 80 distinct names: not a category
    # lineitem has no readable data here: its query fails and the catalog still loads, without its values
    assert catalog.table("lineitem").column("l_shipmode").sample_values == ()
    sampling = [s for s in workspace.statements if "SELECT DISTINCT" in s]
    assert all("LIMIT 100000" in s and "LIMIT 21" in s for s in sampling)
    assert len(sampling) == 5                                     # tables with a text column, one query each


def test_explicit_table_list_and_missing_names(workspace: RecordedWorkspace) -> None:
    catalog = read_unity_catalog(workspace, UnityScope("main", "sales", ("Region", "nation")), ReadOptions(sample_values=False))
    assert [t.name for t in catalog.tables] == ["nation", "region"]
    assert catalog.relationships == (Relationship("nation", ("n_regionkey",), "region", ("r_regionkey",)),)
    with pytest.raises(CatalogError) as caught:
        read_unity_catalog(workspace, UnityScope("main", "sales", ("region", "nope")), ReadOptions(sample_values=False))
    assert "nope" in caught.value.message


def test_scope_defaults_to_the_session_catalog_and_schema(workspace: RecordedWorkspace) -> None:
    catalog = read_unity_catalog(workspace, UnityScope(), ReadOptions(sample_values=False))
    assert {t.qualified_name for t in catalog.tables} >= {"main.sales.orders", "main.sales.region"}
    assert workspace.statements[0].startswith("SELECT current_catalog()")


def test_names_are_quoted_in_the_sql_sent(workspace: RecordedWorkspace) -> None:
    hostile = UnityScope("main", "sales' OR '1'='1")
    catalog = read_unity_catalog(workspace, hostile, ReadOptions(sample_values=False))
    assert catalog.tables == ()                                   # a literal schema name, matching nothing
    with pytest.raises(CatalogError):
        read_unity_catalog(workspace, UnityScope("main`; DROP", "sales"), ReadOptions(sample_values=False))


def test_hive_metastore_without_information_schema_degrades_to_metadata_calls_and_describe() -> None:
    hive = RecordedWorkspace("hive_sales.json", information_schema=False)
    catalog = read_unity_catalog(hive, UnityScope("hive_metastore", "sales"))
    assert [t.name for t in catalog.tables] == ["customer", "orders", "recent_orders"]
    customer, orders, recent = catalog.table("customer"), catalog.table("orders"), catalog.table("recent_orders")
    assert customer.comment == "One row per customer"           # from DESCRIBE: the metadata call left it empty
    assert orders.comment == "One row per order"
    assert recent.kind == "view" and recent.comment == "Orders of the last 30 days"
    assert [c.name for c in orders.columns] == ["o_orderkey", "o_custkey", "o_totalprice", "o_orderdate"]
    assert orders.column("o_totalprice").type == "DECIMAL(18,2)" and orders.column("o_totalprice").comment == "Order total"
    assert orders.primary_key == ("o_orderkey",) and orders.column("o_orderkey").is_primary_key
    assert catalog.relationships == (Relationship("orders", ("o_custkey",), "customer", ("c_custkey",)),)
    assert set(customer.column("c_mktsegment").sample_values) == {"BUILDING", "MACHINERY"}
    assert any("information_schema" in s for s in hive.statements)  # it was tried first
    assert "<GetTables hive_metastore.sales>" in hive.statements


def test_describe_parsing_of_spark_output() -> None:
    rows = [
        {"col_name": "id", "data_type": "int", "comment": "the id"},
        {"col_name": "name", "data_type": "string", "comment": None},
        {"col_name": "", "data_type": "", "comment": ""},
        {"col_name": "# Detailed Table Information", "data_type": "", "comment": ""},
        {"col_name": "Catalog", "data_type": "spark_catalog", "comment": ""},
        {"col_name": "Type", "data_type": "VIEW", "comment": ""},
        {"col_name": "Comment", "data_type": "a view", "comment": ""},
    ]
    described = parse_describe(rows)
    assert described.columns == (("id", "int", "the id"), ("name", "string", None))
    assert (described.kind, described.comment, described.primary_key) == ("view", "a view", ())
    quoted = parse_describe([{"col_name": "# Constraints", "data_type": ""},
                             {"col_name": "fk", "data_type": "FOREIGN KEY (`a b`, `c``d`) REFERENCES `x`.`y`.`t``1` (`k1`, `k2`)"}])
    assert quoted.foreign_keys == ((("a b", "c`d"), ("x", "y", "t`1"), ("k1", "k2")),)


def test_ttl_cache_reads_again_after_the_ttl_and_on_refresh() -> None:
    now = [0.0]
    reads: list[int] = []
    cache: TtlCache[int] = TtlCache(60, clock=lambda: now[0])

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert cache.get(read) == 1 and cache.get(read) == 1
    now[0] = 59.9
    assert cache.get(read) == 1
    now[0] = 60.0
    assert cache.get(read) == 2
    assert cache.refresh(read) == 3 and cache.get(read) == 3
    cache.invalidate()
    assert cache.get(read) == 4
