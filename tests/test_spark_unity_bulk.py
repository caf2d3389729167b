"""The whole-catalog reader on a real Spark SQL engine: several schemas read in pages within the time budget.

Spark has no information_schema, so the reader takes the connector's metadata calls (GetTables / GetColumns)
and consumes them ``page_rows`` at a time. The ≥ 500-table figure comes from benchmarks/unity_catalog_scale.py;
this test keeps the catalog small (6 schemas x 10 objects) to stay fast.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterator

import pytest

from benchmarks.unity_catalog_scale import catalog_ddl, measure_read
from catalog_semantics.adapters.unity_bulk import BulkOptions, BulkScope, CatalogBudgetExceeded
from catalog_semantics.adapters.unity_reader import ReadOptions
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
from tests.spark_server import SparkThriftServer, spark_thrift  # noqa: F401  (session fixture)

pytestmark = pytest.mark.spark

PREFIX = "bulktest"
SCHEMAS, TABLES = 6, 10
SCOPE = BulkScope(schemas=tuple(("spark_catalog", f"{PREFIX}_s{s:02d}") for s in range(SCHEMAS)))


def make_warehouse(server: SparkThriftServer, scope: BulkScope = SCOPE, **kwargs: Any) -> DatabricksWarehouse:
    args = server.connect_args()
    provider = args.pop("credentials_provider")
    return DatabricksWarehouse("127.0.0.1", http_path="/cliservice", credentials_provider=provider, connect_args=args,
                               scope=scope, **kwargs)


@pytest.fixture(scope="module")
def created(spark_thrift: SparkThriftServer) -> Iterator[SparkThriftServer]:
    spark_thrift.execute(catalog_ddl(SCHEMAS, TABLES, PREFIX))
    yield spark_thrift
    spark_thrift.execute([f"DROP SCHEMA IF EXISTS {PREFIX}_s{s:02d} CASCADE" for s in range(SCHEMAS)])


def test_several_schemas_are_read_in_pages_within_the_budget(created: SparkThriftServer) -> None:
    wh = make_warehouse(created, bulk_options=BulkOptions(time_budget_s=120, page_rows=7))
    try:
        figures = measure_read(wh)
        catalog = wh.read_catalog()
    finally:
        wh.close()
    assert (figures["tables"], figures["schemas"], figures["columns"]) == (SCHEMAS * TABLES, SCHEMAS, SCHEMAS * TABLES * 8)
    table = catalog.table(f"spark_catalog.{PREFIX}_s03.t002")
    assert table is not None and (table.schema, table.catalog, table.kind) == (f"{PREFIX}_s03", "spark_catalog", "table")
    assert [c.name for c in table.columns][:3] == ["c0_2", "c1_2", "c2_2"]
    assert table.column("c2_2").type == "DECIMAL(18,2)" and table.column("c1_2").comment == "Column 1 of table 2"
    view = catalog.table(f"spark_catalog.{PREFIX}_s00.t009")
    assert view.kind == "view" and len(view.columns) == 8
    assert all(c.sample_values == () for t in catalog.tables for c in t.columns)


def test_version_background_refresh_and_lazy_sample_values(created: SparkThriftServer) -> None:
    schema = f"{PREFIX}_s05"
    wh = make_warehouse(created, scope=BulkScope(schemas=(("spark_catalog", schema),)), catalog_ttl_s=0)
    try:
        first = wh.read_catalog()
        version = wh.catalog_version
        assert version and len(first.tables) == TABLES
        created.execute([f"CREATE TABLE {schema}.added (segment STRING) USING parquet",
                         f"INSERT INTO {schema}.added VALUES ('retail'), ('wholesale'), ('retail')"])
        wh._bulk_cache.refreshed.clear()
        assert wh.read_catalog() is first                         # served at once while the refresh runs
        assert wh._bulk_cache.refreshed.wait(120) and wh._bulk_cache.last_error is None
        wh._bulk_cache.ttl_s = 3600                                # no further background refreshes in this test
        newer = wh.read_catalog()
        assert wh.catalog_version != version and newer.table(f"spark_catalog.{schema}.added") is not None
        sampled = wh.sample_values(("added",))
        assert set(sampled.table("added").column("segment").sample_values) == {"retail", "wholesale"}
    finally:
        wh.close()


def test_a_shortlisted_table_gets_the_vocabulary_of_its_varied_text_columns(created: SparkThriftServer) -> None:
    """100 town names are too many to show as samples and few enough for a value vocabulary; read for the
    shortlisted table only, once per catalog version, and never past the per-column bound (200 codes)."""
    schema = f"{PREFIX}_s04"
    towns = [f"Town{i:03d}" for i in range(100)]
    created.execute([f"CREATE TABLE {schema}.towns (town STRING, kind STRING, code STRING) USING parquet",
                     f"INSERT INTO {schema}.towns VALUES " + ", ".join(
                         f"('{towns[i % 100]}', '{('city', 'village')[i % 2]}', 'C{i}')" for i in range(200))])
    wh = make_warehouse(created, scope=BulkScope(schemas=(("spark_catalog", schema),)),
                        read_options=ReadOptions(vocabulary_limit=150))
    try:
        catalog = wh.read_catalog()
        assert all(c.value_vocabulary == () for c in catalog.table("towns").columns)   # nothing read up front
        sampled = wh.sample_values(("towns",))
        table = sampled.table("towns")
        assert table.column("kind").sample_values == ("city", "village") and table.column("kind").value_vocabulary == ()
        assert table.column("town").sample_values == () and table.column("town").value_vocabulary == tuple(towns)
        assert table.column("code").sample_values == () and table.column("code").value_vocabulary == ()
        assert wh.sample_values(("towns",)).table("towns") is table                     # cached for this version
        assert all(c.value_vocabulary == () for t in sampled.tables if t.name != "towns" for c in t.columns)
    finally:
        wh.close()


def test_a_budget_too_small_stops_the_read_with_a_clear_error(created: SparkThriftServer) -> None:
    wh = make_warehouse(created, bulk_options=BulkOptions(time_budget_s=0.001, page_rows=5))
    try:
        with pytest.raises(CatalogBudgetExceeded) as caught:
            wh.read_catalog()
    finally:
        wh.close()
    assert "NL2SQL_DATABRICKS_CATALOG_BUDGET_S" in (caught.value.hint or "")


def test_asking_across_two_schemas_needs_qualified_names(created: SparkThriftServer) -> None:
    """Two schemas both have ``shipments``; the session's schema is the second. A bare name would read the
    session's table, so the guard refuses it; the qualified name reads the intended one."""
    from nl2sql.errors import GuardRejected
    from nl2sql.guard import check, policy_for_model
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings
    from nl2sql.wiring import build_model

    created.execute([
        "DROP SCHEMA IF EXISTS scope_a CASCADE", "DROP SCHEMA IF EXISTS scope_b CASCADE",
        "CREATE SCHEMA scope_a", "CREATE SCHEMA scope_b",
        "CREATE TABLE scope_a.shipments (id INT, amount DOUBLE) USING parquet",
        "INSERT INTO scope_a.shipments VALUES (1, 10.0), (2, 20.0)",
        "CREATE TABLE scope_b.shipments (id INT, amount DOUBLE) USING parquet",
        "INSERT INTO scope_b.shipments VALUES (1, 1000.0)",
        "CREATE TABLE scope_b.carriers (c_id INT, carrier_name STRING) USING parquet",
        "INSERT INTO scope_b.carriers VALUES (1, 'Alpha'), (2, 'Beta'), (3, 'Gamma')",
    ])
    wh = make_warehouse(created, scope=BulkScope(schemas=(("spark_catalog", "scope_a"), ("spark_catalog", "scope_b"))),
                        catalog="spark_catalog", schema="scope_b")
    try:
        model = build_model(wh, None)
        assert {t.qualified_name for t in model.tables} == {
            "spark_catalog.scope_a.shipments", "spark_catalog.scope_b.shipments", "spark_catalog.scope_b.carriers"}
        policy = policy_for_model(model, dialect="databricks")
        with pytest.raises(GuardRejected) as caught:
            check("SELECT SUM(amount) AS total FROM shipments", policy)     # would read scope_b's 1000.0
        assert {i.code for i in caught.value.issues} >= {"unqualified_table"}
        total = wh.run(check("SELECT SUM(amount) AS total FROM scope_a.shipments", policy), max_rows=10, timeout_s=60)
        assert total.rows == ((30.0,),)
        answer = Assistant(model, wh, Settings(generator="offline")).ask("how many carriers")
        assert answer.status == "answered", answer.message
        assert answer.rows == ((3,),) and "scope_b.carriers" in (answer.sql or "")
    finally:
        wh.close()
        created.execute(["DROP SCHEMA IF EXISTS scope_a CASCADE", "DROP SCHEMA IF EXISTS scope_b CASCADE"])
