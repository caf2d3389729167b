"""The demo's golden SQL, rendered in the Databricks dialect and guarded, gives DuckDB's answers on Spark.

The demo warehouse is built in DuckDB, its tables written to Parquet (with a plain DuckDB connection, not
our read-only adapter) and registered in Spark as tables of one schema. Each golden question's gold SQL
(DuckDB dialect) is transpiled by sqlglot to Databricks SQL, checked by the guard with the policy the
assistant would use on that catalog, run through the Databricks adapter, and compared with the same SQL
run in DuckDB (the tables carry DuckDB's comments too, set with ``export-comments``): as multisets of rows, numbers within a relative tolerance of 1e-4 (Spark, like Databricks,
averages DECIMAL literals such as ``1.0`` at a fixed scale of 5-6 digits where DuckDB uses doubles).

Known differences that remain (measured 149/152 with Spark 4.0): ``date - date`` is a number of days in
DuckDB but an INTERVAL in Databricks SQL (``DATEDIFF`` is the portable spelling), and a top-1 query
whose first place is tied may return either row.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pytest
import sqlglot
import yaml

from catalog_semantics.export_comments import CommentTarget, export_comment_statements
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import Overlay, parse_overlay
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
from nl2sql.errors import Nl2SqlError
from nl2sql.guard import check, policy_for_model
from tests.spark_server import SparkThriftServer, spark_thrift  # noqa: F401  (session fixture)

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "fixtures" / "tpch" / "golden.yaml"
SCHEMA = "tpch_golden"
MIN_MATCH_SHARE = 0.95


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
    mismatches: list[str] = []
    for q in questions:
        expected = duck.execute(q["sql"]).fetchall()
        try:
            rendered = sqlglot.transpile(q["sql"], read="duckdb", write="databricks")[0]
            checked = check(rendered, policy)
            got = warehouse.run(checked, max_rows=None, timeout_s=120)
        except (Nl2SqlError, sqlglot.errors.SqlglotError) as e:
            mismatches.append(f"{q['id']}: {type(e).__name__}: {str(e)[:300]}")
            continue
        if not same_rows(expected, list(got.rows)):
            mismatches.append(f"{q['id']}: different rows ({len(expected)} in DuckDB, {len(got.rows)} on Spark): "
                              f"{expected[:2]} vs {list(got.rows)[:2]}\n    {checked.sql}")
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
