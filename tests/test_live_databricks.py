"""Opt-in smoke test against a real Databricks workspace and its ``samples.tpch`` schema.

    export DATABRICKS_HOST=adb-1234567890123456.7.azuredatabricks.net
    export DATABRICKS_TOKEN=dapi...                       # or a ~/.databrickscfg profile (DATABRICKS_CONFIG_PROFILE)
    export DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/abc   # or DATABRICKS_WAREHOUSE_ID=abc
    pytest -m live_databricks

Skipped unless a host and credentials are configured. Reads only; the warehouse must be able to start
(a stopped serverless warehouse starts on the first query, which can take a minute).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from collections.abc import Iterator

import pytest
import yaml

from catalog_semantics.model import SemanticModel
from nl2sql.adapters.databricks_config import DatabricksAuth, load_config
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
from nl2sql.errors import ConfigError, QueryTimeout
from nl2sql.guard import check, policy_for_model
from nl2sql.settings import DEMO_OVERLAY

pytestmark = pytest.mark.live_databricks

TPCH_TABLES = {"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"}


def _configured() -> bool:
    """True when databricks-sdk's unified auth finds a workspace and credentials (as the CLI would)."""
    if not (os.environ.get("DATABRICKS_HOST") or os.environ.get("DATABRICKS_CONFIG_PROFILE")
            or (Path.home() / ".databrickscfg").exists()):
        return False
    try:
        DatabricksAuth(load_config()).headers()
    except ConfigError:
        return False
    return True


@pytest.fixture(scope="module")
def samples() -> Iterator[DatabricksWarehouse]:
    if not _configured():
        pytest.skip("set DATABRICKS_HOST and DATABRICKS_TOKEN (or a ~/.databrickscfg profile) to run the live smoke test")
    config = dataclasses.replace(load_config(), catalog="samples", schema="tpch")
    warehouse = DatabricksWarehouse.from_config(config)
    yield warehouse
    warehouse.close()


def test_reads_samples_tpch(samples: DatabricksWarehouse) -> None:
    catalog = samples.read_catalog()
    assert {t.name for t in catalog.tables} >= TPCH_TABLES
    orders = catalog.table("orders")
    assert orders.qualified_name == "samples.tpch.orders"
    assert {"o_orderkey", "o_orderdate", "o_totalprice"} <= {c.name for c in orders.columns}
    assert set(catalog.table("region").column("r_name").sample_values) == {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}


def test_guarded_query_runs(samples: DatabricksWarehouse) -> None:
    model = SemanticModel(tables=samples.read_catalog().tables, dialect="databricks")
    policy = policy_for_model(model, max_rows=100, dialect="databricks")
    checked = check("SELECT r.r_name, COUNT(*) AS nations FROM samples.tpch.nation n "
                    "JOIN `samples`.`tpch`.`region` r ON n.n_regionkey = r.r_regionkey GROUP BY r.r_name", policy)
    result = samples.run(checked, max_rows=100, timeout_s=120)
    assert sorted(result.rows) == [("AFRICA", 5), ("AMERICA", 5), ("ASIA", 5), ("EUROPE", 5), ("MIDDLE EAST", 5)]
    frame = result.to_pandas()
    assert list(frame.columns) == ["r_name", "nations"]


def test_timeout_cancels_the_statement(samples: DatabricksWarehouse) -> None:
    model = SemanticModel(tables=samples.read_catalog().tables, dialect="databricks")
    policy = policy_for_model(model, max_rows=10, dialect="databricks")
    slow = check("SELECT COUNT(DISTINCT a.l_comment || b.l_comment) AS n FROM lineitem a CROSS JOIN lineitem b", policy)
    with pytest.raises(QueryTimeout):
        samples.run(slow, max_rows=10, timeout_s=3)


def test_demo_questions_answer_on_samples_tpch(samples: DatabricksWarehouse, tmp_path: Path) -> None:
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings
    from nl2sql.wiring import build_model

    overlay = yaml.safe_load(DEMO_OVERLAY.read_text())
    if not samples.read_catalog().relationships:          # samples.tpch may declare no keys: give the joins
        overlay["relationships"] = list(overlay.get("relationships") or []) + [
            {"from": f, "from_columns": fc, "to": t, "to_columns": tc} for f, fc, t, tc in (
                ("nation", ["n_regionkey"], "region", ["r_regionkey"]), ("supplier", ["s_nationkey"], "nation", ["n_nationkey"]),
                ("customer", ["c_nationkey"], "nation", ["n_nationkey"]), ("partsupp", ["ps_partkey"], "part", ["p_partkey"]),
                ("partsupp", ["ps_suppkey"], "supplier", ["s_suppkey"]), ("orders", ["o_custkey"], "customer", ["c_custkey"]),
                ("lineitem", ["l_orderkey"], "orders", ["o_orderkey"]), ("lineitem", ["l_partkey"], "part", ["p_partkey"]),
                ("lineitem", ["l_suppkey"], "supplier", ["s_suppkey"]),
                ("lineitem", ["l_partkey", "l_suppkey"], "partsupp", ["ps_partkey", "ps_suppkey"]))]
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(overlay, sort_keys=False))
    assistant = Assistant(build_model(samples, path), samples, Settings(generator="offline", query_timeout_s=120))
    questions = overlay["example_questions"]
    answers = [assistant.ask(q) for q in questions]
    answered = [a for a in answers if a.status == "answered"]
    print(f"\n{len(answered)}/{len(questions)} demo questions answered on samples.tpch"
          f" ({os.environ.get('DATABRICKS_HOST', 'profile')})")
    assert len(answered) >= 0.8 * len(questions)
