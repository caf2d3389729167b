"""The demo on a Databricks-dialect warehouse (Spark through the Databricks adapter) answers as on DuckDB.

Two checks share one copy of the demo tables in Spark. First, the golden SQL, rendered in the Databricks
dialect and guarded, gives DuckDB's answers. Second, the same ``Assistant`` (offline generator, the demo
overlay) asked the demo's questions over Spark and over DuckDB gives the same answers. Tables created from
Parquet files declare no keys (like many lakehouse tables), so for the second check the join paths
DuckDB's catalog declares are given to the overlay as ``relationships``, as a data team does for such a
catalog (docs/databricks.md).

The demo warehouse is built in DuckDB, its tables written to Parquet (with a plain DuckDB connection, not
our read-only adapter) and registered in Spark as tables of one schema. Each golden question's gold SQL
(DuckDB dialect) is transpiled by sqlglot to Databricks SQL, checked by the guard with the policy the
assistant would use on that catalog, run through the Databricks adapter, and compared with the same SQL
run in DuckDB (the tables carry DuckDB's comments too, set with ``export-comments``): as multisets of rows, numbers within a relative tolerance of 1e-4 (Spark, like Databricks,
averages DECIMAL literals such as ``1.0`` at a fixed scale of 5-6 digits where DuckDB uses doubles).

Measured 152/152 with Spark 4.0. The gold SQL spells day differences ``date_diff('day', a, b)`` (``a - b`` is
a number of days in DuckDB but an INTERVAL in Databricks SQL; sqlglot renders ``DATEDIFF``), and top-N gold
queries carry a tie-break key where first places tie (tpch-125).
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import duckdb
import pytest
import sqlglot
import yaml

from catalog_semantics.export_comments import CommentTarget, export_comment_statements
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import Overlay, parse_overlay
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.errors import Nl2SqlError
from nl2sql.guard import check, policy_for_model
from nl2sql.pipeline import Assistant
from nl2sql.settings import DEMO_OVERLAY, Settings
from nl2sql.wiring import build_model
from tests.spark_server import SparkThriftServer, spark_thrift  # noqa: F401  (session fixture)

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "fixtures" / "tpch" / "golden.yaml"
SCHEMA = "tpch_golden"
MIN_MATCH_SHARE = 1.0                       # every gold query means the same on Spark (ties broken in the gold SQL)
MIN_SAME_SHARE = 0.9
LANES = 3                                   # statements in flight at once (Spark runs them side by side)


@pytest.fixture(scope="module")
def tpch_on_spark(spark_thrift: SparkThriftServer, demo_data_dir: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DatabricksWarehouse, duckdb.DuckDBPyConnection]]:
    from nl2sql.demo.build import ensure_demo_warehouse

    parquet_dir = tmp_path_factory.mktemp("tpch-parquet")
    copy = parquet_dir / "demo.duckdb"             # a copy: the read-only adapter opens the original elsewhere
    shutil.copyfile(ensure_demo_warehouse(demo_data_dir), copy)
    source = duckdb.connect(str(copy), read_only=True)
    tables = [r[0] for r in source.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY table_name").fetchall()]
    statements = [f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE", f"CREATE SCHEMA {SCHEMA}"]
    for table in tables:
        target = parquet_dir / table
        target.mkdir()
        source.execute(f"COPY {table} TO '{target / 'part-0.parquet'}' (FORMAT parquet)")
        statements.append(f"CREATE TABLE {SCHEMA}.{table} USING parquet LOCATION '{target}'")
    spark_thrift.execute(statements)
    spark_thrift.execute(export_comment_statements(_comments_as_overlay(source), None,
                                                   CommentTarget(catalog="spark_catalog", schema=SCHEMA)))
    args = spark_thrift.connect_args()
    provider = args.pop("credentials_provider")
    warehouse = DatabricksWarehouse("127.0.0.1", http_path="/cliservice", credentials_provider=provider,
                                    catalog="spark_catalog", schema=SCHEMA, connect_args=args)
    yield warehouse, source
    warehouse.close()
    source.close()


def _comments_as_overlay(con: duckdb.DuckDBPyConnection) -> Overlay:
    """The DuckDB demo's table and column comments, as an overlay (so Spark's tables get the same words)."""
    tables: dict[str, Any] = {}
    for name, comment in con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal").fetchall():
        tables[name] = {"description": comment, "columns": {}}
    for table, column, comment in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal AND comment IS NOT NULL").fetchall():
        if table in tables:
            tables[table]["columns"][column] = {"description": comment}
    return parse_overlay({"tables": {k: {kk: vv for kk, vv in v.items() if vv} for k, v in tables.items()}})


def test_golden_sql_in_databricks_dialect_matches_duckdb_on_spark(
        tpch_on_spark: tuple[DatabricksWarehouse, duckdb.DuckDBPyConnection]) -> None:
    warehouse, duck = tpch_on_spark
    model = SemanticModel(tables=warehouse.read_catalog().tables, dialect="databricks")
    policy = policy_for_model(model, max_rows=None, dialect="databricks")
    questions = [q for q in yaml.safe_load(GOLDEN.read_text())["questions"] if q.get("sql")]
    assert len(questions) > 100
    expected = {q["id"]: duck.execute(q["sql"]).fetchall() for q in questions}

    def compare(q: dict[str, Any]) -> str | None:
        try:
            rendered = sqlglot.transpile(q["sql"], read="duckdb", write="databricks")[0]
            checked = check(rendered, policy)
            got = warehouse.run(checked, max_rows=None, timeout_s=120)
        except (Nl2SqlError, sqlglot.errors.SqlglotError) as e:
            return f"{q['id']}: {type(e).__name__}: {str(e)[:300]}"
        want = expected[q["id"]]
        if not same_rows(want, list(got.rows)):
            return (f"{q['id']}: different rows ({len(want)} in DuckDB, {len(got.rows)} on Spark): "
                    f"{want[:2]} vs {list(got.rows)[:2]}\n    {checked.sql}")
        return None

    with ThreadPoolExecutor(LANES) as pool:                   # the adapter pools one connection per lane
        mismatches = [m for m in pool.map(compare, questions) if m]
    matched = len(questions) - len(mismatches)
    report = f"golden SQL on Spark: {matched}/{len(questions)} match DuckDB"
    print("\n" + report + "".join(f"\n  {m}" for m in mismatches))
    assert matched >= MIN_MATCH_SHARE * len(questions), report + "".join(f"\n  {m}" for m in mismatches)


def same_rows(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    """Equal as multisets of rows; numbers equal within a relative tolerance of 1e-4."""
    if len(a) != len(b):
        return False
    if a and len(a[0]) != len(b[0]):
        return False
    left, right = sorted(map(_normal, a), key=_key), sorted(map(_normal, b), key=_key)
    return all(_close(x, y) for ra, rb in zip(left, right) for x, y in zip(ra, rb))


def _normal(row: tuple[Any, ...]) -> tuple[Any, ...]:
    out: list[Any] = []
    for v in row:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            out.append(v)
        elif isinstance(v, (int, float, Decimal)):
            out.append(float(v))
        elif isinstance(v, dt.datetime):         # a month truncated to a timestamp or to a date is the same month
            out.append(v.date().isoformat() if v.time() == dt.time() and v.tzinfo is None else v.isoformat())
        elif isinstance(v, dt.date):
            out.append(v.isoformat())
        else:
            out.append(str(v))
    return tuple(out)


def _key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, "") if v is None else (1, f"{v:.3g}") if isinstance(v, float) else (2, str(v)) for v in row)


def _close(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-9) or (math.isnan(x) and math.isnan(y))
    return bool(x == y)


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
