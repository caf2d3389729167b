"""The whole-catalog reader on a real Spark SQL engine: several schemas read in pages within the time budget.

Spark has no information_schema, so the reader takes the connector's metadata calls (GetTables / GetColumns)
and consumes them ``page_rows`` at a time. The ≥ 500-table figure comes from benchmarks/unity_catalog_scale.py;
this test keeps the catalog small (6 schemas x 10 objects) to stay fast.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from benchmarks.unity_catalog_scale import catalog_ddl, measure_read
from catalog_semantics.adapters.unity_bulk import BulkOptions, BulkScope, CatalogBudgetExceeded
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


def test_a_budget_too_small_stops_the_read_with_a_clear_error(created: SparkThriftServer) -> None:
    wh = make_warehouse(created, bulk_options=BulkOptions(time_budget_s=0.001, page_rows=5))
    try:
        with pytest.raises(CatalogBudgetExceeded) as caught:
            wh.read_catalog()
    finally:
        wh.close()
    assert "NL2SQL_DATABRICKS_CATALOG_BUDGET_S" in (caught.value.hint or "")
