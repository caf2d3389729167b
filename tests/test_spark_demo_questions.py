"""The demo's questions asked of a Databricks-dialect warehouse (Spark) get the answers they get on DuckDB.

The same ``Assistant`` (offline generator, the demo overlay) runs once over the DuckDB demo warehouse and
once over the same tables in Spark through the Databricks adapter. Tables created from Parquet files declare
no keys (like many lakehouse tables), so the join paths DuckDB's catalog declares are given to the overlay as
``relationships``, which is what a data team does for such a catalog (docs/databricks.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import duckdb
import pytest
import yaml

from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.pipeline import Assistant
from nl2sql.settings import DEMO_OVERLAY, Settings
from nl2sql.wiring import build_model
from tests.spark_server import SparkThriftServer, spark_thrift  # noqa: F401  (session fixture)
from tests.test_spark_golden import GOLDEN, same_rows, tpch_on_spark  # noqa: F401  (module fixture)

pytestmark = pytest.mark.spark
MIN_SAME_SHARE = 0.9


@pytest.fixture(scope="module")
def overlay_with_joins(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from nl2sql.demo.build import ensure_demo_warehouse

    duck = DuckDbWarehouse(ensure_demo_warehouse(demo_data_dir))
    overlay = yaml.safe_load(DEMO_OVERLAY.read_text())
    overlay["relationships"] = list(overlay.get("relationships") or []) + [
        {"from": r.from_table, "from_columns": list(r.from_columns), "to": r.to_table, "to_columns": list(r.to_columns)}
        for r in duck.read_catalog().relationships]
    path = tmp_path_factory.mktemp("overlay") / "overlay.yaml"
    path.write_text(yaml.safe_dump(overlay, sort_keys=False))
    return path


def test_demo_questions_get_the_same_answers_on_spark(
        tpch_on_spark: tuple[DatabricksWarehouse, duckdb.DuckDBPyConnection], demo_data_dir: Path,
        overlay_with_joins: Path) -> None:
    from nl2sql.demo.build import ensure_demo_warehouse

    spark_warehouse, _ = tpch_on_spark
    duck_warehouse = DuckDbWarehouse(ensure_demo_warehouse(demo_data_dir))
    settings = Settings(generator="offline")
    on_spark = Assistant(build_model(spark_warehouse, overlay_with_joins), spark_warehouse, settings)
    on_duckdb = Assistant(build_model(duck_warehouse, overlay_with_joins), duck_warehouse, settings)
    assert on_spark.model.dialect == "databricks"
    golden = [q["question"] for q in yaml.safe_load(GOLDEN.read_text())["questions"] if q.get("sql")]
    questions = list(yaml.safe_load(DEMO_OVERLAY.read_text())["example_questions"]) + golden[::3]
    different: list[str] = []
    answered = 0
    for question in questions:
        a, b = on_spark.ask(question), on_duckdb.ask(question)
        answered += a.status == "answered"
        if a.status != b.status or not same_rows(list(b.rows), list(a.rows)):
            different.append(f"{question!r}: Spark {a.status} {a.message[:120]!r} / DuckDB {b.status}\n    {a.sql}")
    same = len(questions) - len(different)
    report = f"demo questions on Spark: {same}/{len(questions)} same answer as DuckDB ({answered} answered on Spark)"
    print("\n" + report + "".join(f"\n  {d}" for d in different))
    assert same >= MIN_SAME_SHARE * len(questions), report + "".join(f"\n  {d}" for d in different)
