"""The guard resolves table names the way DuckDB and PostgreSQL bind them (hypothesis against each binder).

Random nestings of CTEs (plain and RECURSIVE, with and without a UNION), LATERAL subqueries, derived
tables and IN subqueries over four real tables, two allowed (``a``, ``y``) and two not (``f``, ``x``), with
CTEs that reuse those names in every case and quoting. DuckDB's plan (``EXPLAIN (FORMAT json)``) says
which stored tables a query really scans. Whenever the guard lets a query through, DuckDB must scan no
table outside the allowlist; and a refusal never blames an allowed table (refusing a CTE DuckDB prunes
because its text names a forbidden table is the safe error). PostgreSQL is checked the same way through
``EXPLAIN (FORMAT JSON)`` (``Relation Name`` of each scan; CTE scans are not relations), with its own rules:
quoted names keep their case, and a recursive reference needs a UNION.
"""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nl2sql.errors import GuardRejected
from nl2sql.guard import GuardPolicy, check

ALLOWED, FORBIDDEN = ("a", "y"), ("f", "x")
POLICY = GuardPolicy(dialect="duckdb", allowed_tables=frozenset(ALLOWED), max_rows=100, default_schema="main")
NAMES = st.sampled_from(["a", "y", "f", "x", "c", "X", '"x"', '"A"', "main.a", "main.x"])
PG_NAMES = st.sampled_from(["a", "y", "f", "x", "c", "X", '"x"', '"X"', '"A"', "public.a", "public.x"])
CTE_NAMES = st.sampled_from(["a", "y", "f", "x", "c", "X", '"x"', '"X"'])


@st.composite
def queries(draw: st.DrawFn, depth: int = 3, names: st.SearchStrategy[str] = NAMES) -> str:
    source = draw(names)
    if depth == 0:
        return f"SELECT v FROM {source}"
    inner = draw(queries(depth=depth - 1, names=names))
    kind = draw(st.sampled_from(["plain", "cte", "recursive", "recursive_union", "lateral", "derived", "in"]))
    name = draw(CTE_NAMES)
    if kind == "cte":
        return f"WITH {name} AS ({inner}) SELECT v FROM {draw(names)}"
    if kind == "recursive":
        return f"WITH RECURSIVE {name} AS ({inner}) SELECT v FROM {draw(names)}"
    if kind == "recursive_union":
        step = draw(names)
        return (f"WITH RECURSIVE {name} AS ({inner} UNION ALL SELECT v + 1 FROM {step} WHERE v < 3) "
                f"SELECT v FROM {draw(names)}")
    if kind == "lateral":
        return f"SELECT s.v FROM {source} AS s, LATERAL ({inner}) AS l"
    if kind == "derived":
        return f"SELECT v FROM ({inner}) AS d"
    if kind == "in":
        return f"SELECT v FROM {source} WHERE v IN ({inner})"
    return f"SELECT v FROM {source}"


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    for table in (*ALLOWED, *FORBIDDEN):
        connection.execute(f"CREATE TABLE {table} AS SELECT range::INTEGER AS v FROM range(3)")
    connection.execute("PRAGMA disable_optimizer")             # unused CTEs and subqueries stay in the plan
    yield connection
    connection.close()


def verdict(sql: str, policy: GuardPolicy) -> tuple[bool, tuple[Any, ...]]:
    try:
        check(sql, policy)
        return True, ()
    except GuardRejected as refusal:
        return False, refusal.issues


def assert_agrees(sql: str, reads: set[str] | None, policy: GuardPolicy) -> None:
    passed, issues = verdict(sql, policy)
    if reads is None:
        return                                               # the engine itself refuses: nothing runs
    if passed:
        assert not reads & set(FORBIDDEN), (sql, reads)      # the guard let through a read of a forbidden table
        return
    assert {i.code for i in issues} == {"table_not_allowed"}, (sql, issues)
    assert not {i.detail.lower().replace('"', "").split(".")[-1] for i in issues} & set(ALLOWED), (sql, issues)


def scanned(con: duckdb.DuckDBPyConnection, sql: str) -> set[str] | None:
    """Stored tables DuckDB's physical plan scans; None when DuckDB refuses the query itself."""
    try:
        plan = json.loads(con.execute(f"EXPLAIN (FORMAT json) {sql}").fetchall()[0][1])
    except duckdb.Error:
        return None
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            table = (node.get("extra_info") or {}).get("Table") if isinstance(node.get("extra_info"), dict) else None
            if table:
                found.add(str(table).rsplit(".", 1)[-1].lower())
            for child in node.get("children", ()):
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(plan)
    return found


SLOW = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])


@SLOW
@given(queries())
def test_guard_verdict_agrees_with_what_duckdb_reads(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    assert_agrees(sql, scanned(con, sql), POLICY)


PG_POLICY = GuardPolicy(dialect="postgres", allowed_tables=frozenset(ALLOWED), max_rows=100,
                        default_schema="public")


@pytest.fixture(scope="module")
def pg(postgres_url: str) -> Iterator[Any]:
    psycopg = pytest.importorskip("psycopg")
    connection = psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    for table in (*ALLOWED, *FORBIDDEN):
        connection.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        connection.execute(f"CREATE TABLE {table} AS SELECT g::INTEGER AS v FROM generate_series(0, 2) g")
    yield connection
    connection.close()


def pg_scanned(pg: Any, sql: str) -> set[str] | None:
    try:
        plan = pg.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()[0]
    except Exception:
        return None
    found: set[str] = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "Relation Name" in node:
                found.add(str(node["Relation Name"]).lower())
            stack.extend(v for v in node.values() if isinstance(v, (list, dict)))
    return found


@SLOW
@given(queries(names=PG_NAMES))
def test_guard_verdict_agrees_with_what_postgres_reads(pg: Any, sql: str) -> None:
    assert_agrees(sql, pg_scanned(pg, sql), PG_POLICY)
