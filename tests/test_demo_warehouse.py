"""The demo warehouse: generated TPC-H data, schema comments and keys, overlay and golden SQL, on real DuckDB."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from collections.abc import Iterator

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot import exp

from nl2sql.demo import FIXTURES, build_demo_warehouse, ensure_demo_warehouse
from nl2sql.demo.tpch_data import TpchSizes, generate
from nl2sql.errors import ConfigError

TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")
SMALL = 0.002


@pytest.fixture(scope="session")
def demo_db(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse at its default scale (0.01): a copy of the session's (``ensure_demo_warehouse`` builds it
    with ``build_demo_warehouse``'s defaults), so the build runs once; a copy, as other tests hold that file open."""
    copy = tmp_path_factory.mktemp("demo") / "demo_tpch.duckdb"
    shutil.copyfile(demo_data_dir / "demo_tpch.duckdb", copy)
    return copy


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_warehouse(tmp_path_factory.mktemp("demo_small") / "small.duckdb", scale=SMALL)


@pytest.fixture(scope="session")
def other_scale_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_warehouse(tmp_path_factory.mktemp("demo_other") / "other.duckdb", scale=0.003, seed=7)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


@pytest.fixture()
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(demo_db)
    yield c
    c.close()


def checksums(path: Path) -> dict[str, tuple[int, int]]:
    with connect(path) as c:
        return {t: c.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {t} x").fetchall()[0] for t in TABLES}


def counts(path: Path) -> dict[str, int]:
    return {t: n for t, (n, _) in checksums(path).items()}


def scalar(c: duckdb.DuckDBPyConnection, sql: str) -> object:
    return c.execute(sql).fetchall()[0][0]


# --- generation -------------------------------------------------------------------------------------------

def test_same_seed_builds_identical_tables(small_db: Path, tmp_path: Path) -> None:
    again = build_demo_warehouse(tmp_path / "again.duckdb", scale=SMALL)
    assert checksums(again) == checksums(small_db)


def test_another_seed_builds_different_data(small_db: Path, tmp_path: Path) -> None:
    other = build_demo_warehouse(tmp_path / "other.duckdb", scale=SMALL, seed=1)
    same_size = [t for t in TABLES if t != "lineitem"]         # line items per order are random
    assert [counts(other)[t] for t in same_size] == [counts(small_db)[t] for t in same_size]
    assert checksums(other)["lineitem"] != checksums(small_db)["lineitem"]


def test_default_scale_has_the_documented_row_counts(demo_db: Path) -> None:
    n = counts(demo_db)
    assert {t: n[t] for t in TABLES[:-1]} == {
        "region": 5, "nation": 25, "part": 2_000, "supplier": 100, "partsupp": 8_000,
        "customer": 1_500, "orders": 15_000,
    }
    assert 55_000 < n["lineitem"] < 65_000


def test_row_counts_follow_the_scale(small_db: Path, demo_db: Path) -> None:
    small, default = counts(small_db), counts(demo_db)
    assert small["region"] == 5 and small["nation"] == 25
    for table in ("part", "supplier", "partsupp", "customer", "orders"):
        assert default[table] == 5 * small[table], table
    assert 4 < default["lineitem"] / small["lineitem"] < 6


def test_tiny_scales_still_give_four_distinct_suppliers_per_part() -> None:
    sizes = TpchSizes.for_scale(0.0001)
    partsupp = generate(scale=0.0001).table("partsupp")
    pairs = set(zip(partsupp["ps_partkey"], partsupp["ps_suppkey"]))
    assert len(pairs) == 4 * sizes.parts
    assert {s for _, s in pairs} <= set(range(1, sizes.suppliers + 1))


def test_scale_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="positive"):
        TpchSizes.for_scale(0)


def test_data_follows_the_dbgen_rules(con: duckdb.DuckDBPyConnection) -> None:
    assert scalar(con, "SELECT min(o_orderdate) >= DATE '1992-01-01' AND max(o_orderdate) <= DATE '1998-08-02' FROM orders")
    assert scalar(con, "SELECT count(*) FROM customer WHERE c_custkey % 3 = 0 AND c_custkey IN (SELECT o_custkey FROM orders)") == 0
    assert scalar(con, "SELECT count(*) FROM customer WHERE c_custkey NOT IN (SELECT o_custkey FROM orders)") >= 500
    assert scalar(con, """SELECT count(*) FROM lineitem JOIN orders ON l_orderkey = o_orderkey
        WHERE l_shipdate NOT BETWEEN o_orderdate + 1 AND o_orderdate + 121
           OR l_commitdate NOT BETWEEN o_orderdate + 30 AND o_orderdate + 90
           OR l_receiptdate NOT BETWEEN l_shipdate + 1 AND l_shipdate + 30""") == 0
    assert scalar(con, """SELECT count(*) FROM lineitem WHERE
        (l_receiptdate <= DATE '1995-06-17') <> (l_returnflag IN ('R', 'A'))
        OR (l_shipdate > DATE '1995-06-17') <> (l_linestatus = 'O')""") == 0
    # order status from its lines, total price from its lines (to the cent, up to rounding)
    assert scalar(con, """SELECT count(*) FROM orders JOIN (
            SELECT l_orderkey, CASE WHEN bool_and(l_linestatus = 'F') THEN 'F'
                                    WHEN bool_and(l_linestatus = 'O') THEN 'O' ELSE 'P' END AS status,
                   sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS total
            FROM lineitem GROUP BY l_orderkey) l ON l.l_orderkey = o_orderkey
        WHERE status <> o_orderstatus OR abs(total - o_totalprice) > 0.01""") == 0
    assert scalar(con, "SELECT count(DISTINCT o_orderstatus) FROM orders") == 3
    assert scalar(con, "SELECT count(*) FROM lineitem WHERE l_discount NOT BETWEEN 0 AND 0.10 OR l_tax NOT BETWEEN 0 AND 0.08") == 0
    assert scalar(con, """SELECT count(*) FROM lineitem JOIN part ON l_partkey = p_partkey
        WHERE l_extendedprice <> l_quantity * p_retailprice""") == 0


def test_categorical_values_are_the_standard_ones(con: duckdb.DuckDBPyConnection) -> None:
    def values(sql: str) -> set[object]:
        return {r[0] for r in con.execute(sql).fetchall()}

    assert values("SELECT r_name FROM region") == {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}
    assert {"UNITED STATES", "GERMANY", "CANADA", "CHINA", "JAPAN"} <= values("SELECT n_name FROM nation")
    assert values("SELECT c_mktsegment FROM customer") == {"AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"}
    assert values("SELECT o_orderpriority FROM orders") == {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
    assert values("SELECT l_shipmode FROM lineitem") == {"AIR", "FOB", "MAIL", "RAIL", "REG AIR", "SHIP", "TRUCK"}
    assert values("SELECT l_shipinstruct FROM lineitem") == {"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
    assert values("SELECT l_returnflag FROM lineitem") == {"R", "A", "N"}
    assert scalar(con, "SELECT count(*) FROM part WHERE p_name LIKE '%green%'") > 0
    assert scalar(con, r"SELECT count(*) FROM part WHERE NOT regexp_full_match(p_brand, 'Brand#[1-5][1-5]')") == 0
    assert scalar(con, "SELECT count(*) FROM part WHERE substr(p_brand, 7, 1) <> substr(p_mfgr, 14, 1)") == 0
    assert scalar(con, "SELECT count(*) FROM part WHERE p_type = 'ECONOMY ANODIZED STEEL'") > 0
    assert scalar(con, """SELECT count(*) FROM customer JOIN nation ON c_nationkey = n_nationkey
        WHERE CAST(split_part(c_phone, '-', 1) AS INT) <> n_nationkey + 10""") == 0


# --- schema: comments and keys ----------------------------------------------------------------------------

def test_every_table_and_column_has_a_business_comment(con: duckdb.DuckDBPyConnection) -> None:
    tables = con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    assert sorted(t for t, _ in tables) == sorted(TABLES)
    assert all(comment and len(comment) > 15 for _, comment in tables)
    missing = con.execute("""SELECT table_name || '.' || column_name FROM duckdb_columns()
        WHERE schema_name = 'main' AND NOT internal AND (comment IS NULL OR length(comment) < 10)""").fetchall()
    assert missing == []


def test_primary_and_foreign_keys_are_declared(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""SELECT table_name, constraint_type, constraint_column_names, referenced_table,
        referenced_column_names FROM duckdb_constraints()
        WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')""").fetchall()
    pks = {t: tuple(cols) for t, kind, cols, _, _ in rows if kind == "PRIMARY KEY"}
    fks = {(t, tuple(cols), ref, tuple(ref_cols)) for t, kind, cols, ref, ref_cols in rows if kind == "FOREIGN KEY"}
    assert pks == {
        "region": ("r_regionkey",), "nation": ("n_nationkey",), "part": ("p_partkey",),
        "supplier": ("s_suppkey",), "partsupp": ("ps_partkey", "ps_suppkey"), "customer": ("c_custkey",),
        "orders": ("o_orderkey",), "lineitem": ("l_orderkey", "l_linenumber"),
    }
    assert {
        ("nation", ("n_regionkey",), "region", ("r_regionkey",)),
        ("supplier", ("s_nationkey",), "nation", ("n_nationkey",)),
        ("customer", ("c_nationkey",), "nation", ("n_nationkey",)),
        ("partsupp", ("ps_partkey",), "part", ("p_partkey",)),
        ("partsupp", ("ps_suppkey",), "supplier", ("s_suppkey",)),
        ("orders", ("o_custkey",), "customer", ("c_custkey",)),
        ("lineitem", ("l_orderkey",), "orders", ("o_orderkey",)),
        ("lineitem", ("l_partkey", "l_suppkey"), "partsupp", ("ps_partkey", "ps_suppkey")),
    } <= fks


def test_column_types_match_databricks_samples(con: duckdb.DuckDBPyConnection) -> None:
    types = dict(con.execute("""SELECT table_name || '.' || column_name, data_type FROM duckdb_columns()
        WHERE schema_name = 'main'""").fetchall())
    assert types["lineitem.l_orderkey"] == "BIGINT"
    assert types["lineitem.l_extendedprice"] == "DECIMAL(18,2)"
    assert types["lineitem.l_shipdate"] == "DATE"
    assert types["lineitem.l_linenumber"] == "INTEGER"
    assert types["customer.c_mktsegment"] == "VARCHAR"
    assert types["nation.n_nationkey"] == "BIGINT"


# --- building safely --------------------------------------------------------------------------------------

def test_ensure_builds_once_under_concurrency(tmp_path: Path) -> None:
    results: list[Path] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(ensure_demo_warehouse(tmp_path / "data"))
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    target = tmp_path / "data" / "demo_tpch.duckdb"
    assert results == [target] * 3
    assert counts(target)["orders"] == 15_000
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if not p.name.endswith(".lock")) == ["demo_tpch.duckdb"]
    before = target.stat().st_mtime_ns
    assert ensure_demo_warehouse(tmp_path / "data") == target
    assert target.stat().st_mtime_ns == before


def test_build_replaces_an_existing_file_atomically(small_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "w.duckdb"
    target.write_bytes(b"not a database")
    build_demo_warehouse(target, scale=SMALL)
    assert checksums(target) == checksums(small_db)
    assert [p.name for p in tmp_path.iterdir()] == ["w.duckdb"]


# --- overlay ----------------------------------------------------------------------------------------------

OVERLAY = yaml.safe_load((FIXTURES / "overlay.yaml").read_text(encoding="utf-8"))


def schema_of(c: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = c.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal")
    schema: dict[str, set[str]] = {}
    for table, column in rows.fetchall():
        schema.setdefault(table, set()).add(column)
    return schema


def referenced(sql: str, *, expression: bool = False) -> tuple[set[str], set[str]]:
    """Table and column names a SQL query (or a bare expression) mentions, CTE names excluded."""
    tree = sqlglot.parse_one(sql, read="duckdb", into=exp.Condition if expression else None)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    aliases = {a.alias for a in tree.find_all(exp.Alias)}
    tables = {t.name for t in tree.find_all(exp.Table)} - ctes
    columns = {c.name for c in tree.find_all(exp.Column)} - aliases
    return tables, columns


def join_condition(c: duckdb.DuckDBPyConnection, left: str, right: str) -> str:
    """The ON clause of the declared foreign key between two tables (either direction, widest key first)."""
    rows = c.execute("""SELECT table_name, constraint_column_names, referenced_table, referenced_column_names
        FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'
          AND ((table_name = ? AND referenced_table = ?) OR (table_name = ? AND referenced_table = ?))
        ORDER BY len(constraint_column_names) DESC""", [left, right, right, left]).fetchall()
    assert rows, f"no declared key joins {left} and {right}"
    table, cols, ref, ref_cols = rows[0]
    return " AND ".join(f"{table}.{a} = {ref}.{b}" for a, b in zip(cols, ref_cols))


def test_overlay_names_only_existing_tables_and_columns(con: duckdb.DuckDBPyConnection) -> None:
    schema = schema_of(con)
    everything = set().union(*schema.values())
    for table, spec in OVERLAY["tables"].items():
        assert table in schema, table
        assert set(spec.get("columns", {})) <= schema[table], table
    for item in OVERLAY["metrics"] + OVERLAY["filters"]:
        tables = {item["table"], *item.get("joins", [])}
        assert tables <= set(schema), item["name"]
        _, columns = referenced(item["sql"], expression=True)
        assert columns <= set().union(*(schema[t] for t in tables)), item["name"]
    for query in OVERLAY["verified_queries"]:
        tables, columns = referenced(query["sql"])
        assert tables <= set(schema) and columns <= everything, query["question"]


def test_overlay_value_hints_are_real_values(con: duckdb.DuckDBPyConnection) -> None:
    for table, spec in OVERLAY["tables"].items():
        for column, col_spec in spec.get("columns", {}).items():
            if "values" in col_spec:
                actual = {r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
                assert set(map(str, col_spec["values"])) == actual, f"{table}.{column}"


def test_overlay_has_the_business_glossary() -> None:
    metrics = {m["name"]: m for m in OVERLAY["metrics"]}
    assert metrics["revenue"]["sql"] == "SUM(l_extendedprice * (1 - l_discount))"
    assert metrics["profit"]["joins"] == ["partsupp"]
    assert {"gross sales", "discount given", "inventory value", "average order value"} <= set(metrics)
    assert {"late item", "returned item", "open order"} <= {f["name"] for f in OVERLAY["filters"]}
    assert 6 <= len(OVERLAY["example_questions"]) <= 10
    assert 8 <= len(OVERLAY["verified_queries"]) <= 12
    assert all(q.get("alternates") for q in OVERLAY["verified_queries"])
    assert any("nation" in i and "country" in i.lower() for i in OVERLAY["instructions"])


@pytest.mark.parametrize("db", ["demo_db", "other_scale_db"])
def test_overlay_sql_runs_and_finds_rows(db: str, request: pytest.FixtureRequest) -> None:
    with connect(request.getfixturevalue(db)) as c:
        for metric in OVERLAY["metrics"]:
            joins = "".join(f" JOIN {t} ON {join_condition(c, metric['table'], t)}" for t in metric.get("joins", []))
            value = scalar(c, f"SELECT {metric['sql']} FROM {metric['table']}{joins}")
            assert value is not None and value > 0, metric["name"]
        for named in OVERLAY["filters"]:
            assert scalar(c, f"SELECT count(*) FROM {named['table']} WHERE {named['sql']}") > 0, named["name"]
        for query in OVERLAY["verified_queries"]:
            assert c.execute(query["sql"]).fetchall(), query["question"]


# --- golden questions -------------------------------------------------------------------------------------

GOLDEN = yaml.safe_load((FIXTURES / "golden.yaml").read_text(encoding="utf-8"))["questions"]
ANSWERABLE = [q for q in GOLDEN if q["expect"] == "answer"]


def test_golden_file_is_well_formed() -> None:
    ids = [q["id"] for q in GOLDEN]
    assert len(ids) == len(set(ids))
    assert len(GOLDEN) >= 130
    assert sum(q["expect"] == "abstain" for q in GOLDEN) >= 20
    for q in GOLDEN:
        assert set(q) <= {"id", "question", "sql", "tags", "expect", "notes"}, q["id"]
        assert q["expect"] in ("answer", "abstain") and q["question"].strip() and q["tags"], q["id"]
        assert (q["sql"] is None) == (q["expect"] == "abstain"), q["id"]
        assert ("abstain" in q["tags"]) == (q["expect"] == "abstain"), q["id"]
    tags = {t for q in GOLDEN for t in q["tags"]}
    assert {"metric", "join", "time", "topn", "filter", "typo", "lowercase", "synonym", "having", "existence",
            "list", "share", "median", "count_distinct", "text", "abstain"} <= tags


def test_golden_sql_is_one_query_over_known_names(con: duckdb.DuckDBPyConnection) -> None:
    schema = schema_of(con)
    everything = set().union(*schema.values())
    for q in ANSWERABLE:
        statements = sqlglot.parse(q["sql"], read="duckdb")
        assert len(statements) == 1 and isinstance(statements[0], exp.Query), q["id"]
        tables, columns = referenced(q["sql"])
        assert tables <= set(schema), q["id"]
        assert columns <= everything, (q["id"], columns - everything)


def test_golden_sql_answers_on_the_demo_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    empty = []
    for q in ANSWERABLE:
        rows = con.execute(q["sql"]).fetchall()
        if not rows or all(v is None for v in rows[0]):
            empty.append(q["id"])
    assert empty == []


def test_golden_sql_runs_at_another_scale(other_scale_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    """The gold SQL is about the schema, not one data set: same result columns at another scale."""
    with connect(other_scale_db) as c:
        for q in ANSWERABLE:
            other = c.execute(q["sql"])
            other.fetchall()
            default = con.execute(q["sql"])
            assert [d[0] for d in other.description] == [d[0] for d in default.description], q["id"]


def test_overlay_loads_and_all_demo_sql_passes_the_guard(con: duckdb.DuckDBPyConnection) -> None:
    """The real overlay loader accepts the overlay on the real catalog, and the guard allows every SQL we ship."""
    from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
    from catalog_semantics.overlay import apply_overlay, load_overlay
    from nl2sql.guard import check, policy_for_model

    model = apply_overlay(read_duckdb_catalog(con), load_overlay(FIXTURES / "overlay.yaml"))
    assert len(model.verified_queries) == len(OVERLAY["verified_queries"])
    assert model.metric("profit") is not None and model.metric("profit").joins == ("partsupp",)
    policy = policy_for_model(model, max_rows=None)
    for sql in [q["sql"] for q in ANSWERABLE] + [v.sql for v in model.verified_queries]:
        check(sql, policy)
