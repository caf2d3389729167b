"""The pipeline's ``values`` step on a real Spark SQL engine, through the Databricks adapter: a catalog read in bulk
(two schemas, no values read up front), a question that only a value links, the read guarded and run as Spark SQL.

``lz_geo.places`` and ``lz_stats.areas`` both have a ``population``; nothing in "What is the population of
Milolo?" chooses between the schemas until the values of the shortlisted tables are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog_semantics.adapters.unity_bulk import BulkOptions, BulkScope
from catalog_semantics.linking import link
from catalog_semantics.overlay import apply_overlay
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.spark_server import SparkThriftServer, spark_thrift  # noqa: F401  (session fixture)

pytestmark = pytest.mark.spark

PLACES = ("Kaloka", "Milolo", "Renvel", "Torzan", "Brimi", "Zanlo", "Velka", "Lomiren")
AREAS = ("North", "South", "Coast", "Highlands")
SCHEMAS = ("lz_geo", "lz_stats")


@pytest.fixture(scope="module")
def created(spark_thrift: SparkThriftServer) -> Iterator[SparkThriftServer]:
    places = ", ".join(f"('{p}', {1000 + i})" for i, p in enumerate(PLACES))
    areas = ", ".join(f"('{a}', 1000000)" for a in AREAS)
    spark_thrift.execute([*(f"CREATE SCHEMA IF NOT EXISTS {s}" for s in SCHEMAS),
                          "CREATE TABLE lz_geo.places (place_name STRING, population INT) USING parquet",
                          f"INSERT INTO lz_geo.places VALUES {places}",
                          "CREATE TABLE lz_stats.areas (area_name STRING, population INT) USING parquet",
                          f"INSERT INTO lz_stats.areas VALUES {areas}"])
    yield spark_thrift
    spark_thrift.execute([f"DROP SCHEMA IF EXISTS {s} CASCADE" for s in SCHEMAS])


def test_spark_values_step_links_a_value_only_question_through_the_databricks_adapter(
        created: SparkThriftServer, tmp_path: Path) -> None:
    args = created.connect_args()
    provider = args.pop("credentials_provider")
    warehouse = DatabricksWarehouse("127.0.0.1", http_path="/cliservice", credentials_provider=provider,
                                    connect_args=args, bulk_options=BulkOptions(time_budget_s=120),
                                    scope=BulkScope(schemas=tuple(("spark_catalog", s) for s in SCHEMAS)))
    try:
        model = apply_overlay(warehouse.read_catalog(), None)
        assert all(not c.sample_values for t in model.tables for c in t.columns)     # a bulk read: no values
        settings = Settings(data_dir=str(tmp_path), generator="offline", answer_notes=False, lazy_values_budget_s=60)
        off = Assistant(model, warehouse, Settings(data_dir=str(tmp_path / "off"), generator="offline",
                                                   lazy_values_per_column=0)).ask("What is the population of Milolo?")
        assistant = Assistant(model, warehouse, settings)
        question = "What is the population of Milolo?"
        read = assistant.lazy_values.relink(assistant.model, question, (), link(assistant.model, question))
        answer = assistant.ask(question)
    finally:
        warehouse.close()
    assert off.status == "clarify"                               # two schemas tie on "population"
    assert read.note is None and set(read.read) == {"places", "areas"}
    assert [(v.table, v.value) for v in read.linked.values] == [("places", "Milolo")] and read.linked.ties == ()
    assert answer.status != "clarify" and answer.linked_tables[0] == "places"

