"""Spider dev databases copied into the Spark Thrift Server, and their gold SQL run there as Databricks SQL.

Shared by tests/test_spark_spider_render.py and benchmarks/guard_render_spark.py. Each SQLite database
becomes one Spark schema named after its ``db_id``; each table is written with pyarrow to a Parquet file in a
local directory and registered with ``CREATE TABLE ... USING parquet LOCATION`` (the Thrift server runs on
this machine, so this is much faster than INSERT batches through the connector).

Spark types come from SQLite's declared types by SQLite's own affinity rules (INT -> BIGINT; REAL/FLOA/DOUB
-> DOUBLE; CHAR/CLOB/TEXT/BLOB/none -> STRING; anything else, NUMERIC affinity, -> BIGINT or DOUBLE). SQLite
does not enforce declared types, so a column whose stored values do not all fit the mapped type (dates kept
as text in a DATETIME column, a word in an INT column) becomes STRING: the values are kept as stored.

``compare_gold`` transpiles each gold query (read sqlite, write databricks; a double-quoted ``"text"`` that
names no column becomes the string literal SQLite reads it as, as the guard does for SQLite input), checks it with the guard
(``policy_for_model`` on the schema's catalog as read from Spark, dialect databricks, the assistant's row cap
of 1000 so the guard appends or lowers a LIMIT as in production) and runs both the transpiled input and the
guard's rendering on Spark, comparing results with the eval's ``result_eq`` (order-sensitive only when the
query's outermost level has ORDER BY). An input with more rows than the cap is counted as ``capped`` (the
rendering then returns the cap's worth of rows by design), not compared.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

SKIPPED_DBS = frozenset({"wta_1"})          # in dev.json, but its SQLite file is not in the pack


def spark_type(declared: str) -> str:
    """The Spark type for a SQLite declared type, by SQLite's affinity rules (section 3.1 of its datatype doc).

    >>> [spark_type(t) for t in ("INTEGER", "varchar(20)", "REAL", "", "NUMERIC", "BLOB", "double precision")]
    ['BIGINT', 'STRING', 'DOUBLE', 'STRING', 'DOUBLE', 'STRING', 'DOUBLE']
    """
    t = declared.upper()
    if "INT" in t:
        return "BIGINT"
    if any(k in t for k in ("CHAR", "CLOB", "TEXT", "BLOB")) or not t.strip():
        return "STRING"
    return "DOUBLE"                     # REAL affinity, or NUMERIC affinity (narrowed to BIGINT below if all ints)


def _fits(values: Sequence[Any], kind: str) -> bool:
    present = [v for v in values if v is not None]
    if kind == "BIGINT":
        return all(isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63 for v in present)
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


def column_type(declared: str, values: Sequence[Any]) -> str:
    """The mapped type if every stored value fits it, else STRING (SQLite does not enforce declared types).

    >>> column_type("INT", [1, 2, None]), column_type("INT", [1, "x"]), column_type("DATETIME", ["2001-01-01"])
    ('BIGINT', 'STRING', 'STRING')
    >>> column_type("NUMERIC", [1, 2]), column_type("DECIMAL(4,2)", [1, 2.5]), column_type("REAL", [1, 2])
    ('BIGINT', 'DOUBLE', 'DOUBLE')
    """
    kind = spark_type(declared)
    if kind == "DOUBLE" and "REAL" not in declared.upper() and "FLOA" not in declared.upper() \
            and "DOUB" not in declared.upper() and _fits(values, "BIGINT") and any(v is not None for v in values):
        kind = "BIGINT"
    return kind if kind == "STRING" or _fits(values, kind) else "STRING"


def _as_text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def write_parquet(sqlite_path: Path, target: Path) -> list[tuple[str, Path]]:
    """Every user table of the SQLite file as ``target/<table>/part-0.parquet``; (table, directory) pairs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {"BIGINT": pa.int64(), "DOUBLE": pa.float64(), "STRING": pa.string()}
    con = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    con.text_factory = lambda b: b.decode("utf-8", errors="replace")
    out: list[tuple[str, Path]] = []
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for i, table in enumerate(tables):
            info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            columns, fields = [], []
            for j, (_, name, declared, *_rest) in enumerate(info):
                values = [r[j] for r in rows]
                kind = column_type(declared or "", values)
                columns.append(values if kind != "STRING" else [_as_text(v) for v in values])
                if kind == "DOUBLE":
                    columns[-1] = [None if v is None else float(v) for v in values]
                fields.append(pa.field(name, arrow[kind]))
            directory = target / f"t{i}"
            directory.mkdir(parents=True)
            pq.write_table(pa.table(columns, schema=pa.schema(fields)), directory / "part-0.parquet")
            out.append((table, directory))
    finally:
        con.close()
    return out


def load_spider(server: Any, spider: Path, db_ids: Iterable[str], workdir: Path | None = None) -> dict[str, str]:
    """Copy each database into a Spark schema named after it; ``{db_id: schema}``.

    ``server`` is a ``tests.spark_server.SparkThriftServer`` (its ``execute`` runs the DDL). The Parquet files
    live under ``workdir`` (a new temporary directory by default), which must outlive the queries.
    """
    workdir = workdir or Path(tempfile.mkdtemp(prefix="spark-spider-"))
    statements: list[str] = []
    schemas: dict[str, str] = {}
    for db_id in db_ids:
        sqlite_path = spider / "database" / db_id / f"{db_id}.sqlite"
        schema = db_id.lower()
        statements += [f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE", f"CREATE SCHEMA {_quote(schema)}"]
        for table, directory in write_parquet(sqlite_path, workdir / schema):
            statements.append(f"CREATE TABLE {_quote(schema)}.{_quote(table)} USING parquet LOCATION '{directory}'")
        schemas[db_id] = schema
    server.execute(statements)
    return schemas


def runnable_examples(spider: Path, db_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Spider dev examples whose SQLite file is in the pack (972 of 1034), optionally of some databases."""
    wanted = None if db_ids is None else set(db_ids)
    return [e for e in json.loads((spider / "dev.json").read_text())
            if e["db_id"] not in SKIPPED_DBS and (wanted is None or e["db_id"] in wanted)
            and (spider / "database" / e["db_id"] / f"{e['db_id']}.sqlite").exists()]


def ordered(sql: str) -> bool:
    """Whether the outermost query orders its rows (then results are compared in order).

    >>> ordered("SELECT a FROM t ORDER BY a"), ordered("SELECT a FROM (SELECT a FROM t ORDER BY a)")
    (True, False)
    """
    tree = sqlglot.parse_one(sql, read="databricks")
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None


@dataclass
class Outcome:
    db_id: str
    gold: str
    transpiled: str | None = None
    rendered: str | None = None
    status: str = ""        # equal | differ | input_fails | refused | transpile_error | rendered_fails | capped
    detail: str = ""


@dataclass
class Figures:
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        keys = ("equal", "differ", "input_fails", "refused", "transpile_error", "rendered_fails", "capped")
        counts = {k: sum(o.status == k for o in self.outcomes) for k in keys}
        counts["total"] = len(self.outcomes)
        counts["runs_on_spark"] = len(self.outcomes) - counts["input_fails"] - counts["transpile_error"]
        counts["rendered_is_input_plus_limit"] = sum(
            o.status == "equal" and o.rendered is not None and o.transpiled is not None
            and (o.rendered == o.transpiled or o.rendered.startswith(o.transpiled + " LIMIT "))
            for o in self.outcomes)
        return counts


def compare_gold(server: Any, schemas: dict[str, str], examples: Sequence[dict[str, Any]], *,
                 lanes: int = 3, timeout_s: float = 300.0, max_rows: int | None = 1000) -> Figures:
    """Run each gold query as transpiled and as the guard renders it, on Spark; one ``Outcome`` each."""
    from catalog_semantics.adapters.unity_reader import ReadOptions
    from catalog_semantics.model import SemanticModel
    from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
    from nl2sql.errors import GuardRejected, Nl2SqlError
    from nl2sql.eval.score import result_eq
    from nl2sql.guard import CheckedSql, check, policy_for_model
    from nl2sql.guard.columns import sqlite_quoted_strings

    args = server.connect_args()
    provider = args.pop("credentials_provider")
    warehouses, policies = {}, {}
    for db_id, schema in schemas.items():
        warehouse = DatabricksWarehouse("127.0.0.1", http_path="/cliservice", credentials_provider=provider,
                                        catalog="spark_catalog", schema=schema, connect_args=args,
                                        read_options=ReadOptions(sample_values=False), max_connections=lanes)
        model = SemanticModel(tables=warehouse.read_catalog().tables, dialect="databricks")
        warehouses[db_id] = warehouse
        policies[db_id] = policy_for_model(model, max_rows=max_rows, dialect="databricks")

    def run(db_id: str, sql: str) -> list[tuple[Any, ...]]:
        result = warehouses[db_id].run(CheckedSql(sql=sql, dialect="databricks"), max_rows=None, timeout_s=timeout_s)
        return [tuple(r) for r in result.rows]

    def one(example: dict[str, Any]) -> Outcome:
        o = Outcome(example["db_id"], example["query"])
        try:
            tree = sqlglot.parse_one(example["query"], read="sqlite")
            sqlite_policy = dataclasses.replace(policies[o.db_id], dialect="sqlite")
            o.transpiled = sqlite_quoted_strings(tree, sqlite_policy, example["query"]).sql(dialect="databricks")
        except sqlglot.errors.SqlglotError as e:
            o.status, o.detail = "transpile_error", str(e)[:300]
            return o
        try:
            want = run(o.db_id, o.transpiled)
        except Nl2SqlError as e:
            o.status, o.detail = "input_fails", str(e)[:300]
            return o
        try:
            o.rendered = check(o.transpiled, policies[o.db_id]).sql
        except GuardRejected as e:
            o.status, o.detail = "refused", "; ".join(f"{i.code}: {i.detail}" for i in e.issues)[:300]
            return o
        try:
            got = run(o.db_id, o.rendered)
        except Nl2SqlError as e:
            o.status, o.detail = "rendered_fails", str(e)[:300]
            return o
        if max_rows is not None and len(want) > max_rows:
            o.status, o.detail = "capped", f"{len(want)} rows as input, {len(got)} as rendered"
            return o
        same = result_eq(want, got, ordered=ordered(o.transpiled))
        o.status = "equal" if same else "differ"
        if not same:
            o.detail = f"{len(want)} rows as input, {len(got)} as rendered: {want[:2]} vs {got[:2]}"
        return o

    try:
        with ThreadPoolExecutor(lanes) as pool:
            return Figures(list(pool.map(one, examples)))
    finally:
        for warehouse in warehouses.values():
            warehouse.close()
