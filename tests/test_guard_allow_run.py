"""The must-pass analytics of fixtures/guard/allow.yaml marked ``execute: true`` run on their real engine.

Passing the guard is only half the promise: the rendered SQL must also be what the engine accepts. Each case
is checked, then run on DuckDB, SQLite or PostgreSQL (the tests' own server) over the corpus tables.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from collections.abc import Iterator

import pytest

from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.guard import check
from tests.test_guard import ALLOW, TABLES, policy

RUN = [c for c in ALLOW if c.get("execute")]


def value(column: str, kind: str, i: int) -> str:
    if kind == "DATE":
        return f"'1995-{1 + i % 12:02d}-{1 + i % 28:02d}'"
    if kind == "VARCHAR":
        return "'words of a comment'" if column.endswith("comment") else f"'{'FOP'[i % 3]}'"
    return f"{i * 1.5}" if kind == "DECIMAL" else str(i % 10)


def seed(dialect: str) -> list[str]:
    statements = []
    for table, columns in TABLES.items():
        types = {"DECIMAL": "NUMERIC(12,2)" if dialect == "postgres" else "DECIMAL(12,2)",
                 "VARCHAR": "TEXT" if dialect != "duckdb" else "VARCHAR"}
        cols = ", ".join(f"{c} {types.get(t, t)}" for c, t in columns.items())
        rows = ", ".join("(" + ", ".join(value(c, t, i) for c, t in columns.items()) + ")" for i in range(30))
        statements += [f"CREATE TABLE {table} ({cols})", f"INSERT INTO {table} VALUES {rows}"]
    return statements


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("allow_run")
    duck = DuckDbWarehouse.create(root / "a.duckdb", seed("duckdb"))
    con = sqlite3.connect(root / "a.sqlite")
    for statement in seed("sqlite"):
        con.execute(statement)
    con.commit()
    con.close()
    yield {"duckdb": duck, "sqlite": SqlAlchemyWarehouse.sqlite_file(root / "a.sqlite")}
    duck.close()


@pytest.fixture(scope="module")
def postgres(postgres_url: str) -> SqlAlchemyWarehouse:
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
        for statement in seed("postgres"):
            conn.execute(sa.text(statement))
    engine.dispose()
    return SqlAlchemyWarehouse(postgres_url)


def test_at_least_forty_advanced_queries_run_on_their_engine() -> None:
    assert len(RUN) >= 40


@pytest.mark.parametrize("case", RUN, ids=[c["name"] for c in RUN])
def test_allowed_query_runs(case: dict[str, Any], engines: dict[str, Any], request: pytest.FixtureRequest) -> None:
    warehouse = request.getfixturevalue("postgres") if case["dialect"] == "postgres" else engines[case["dialect"]]
    checked = check(case["sql"], policy(case))
    result = warehouse.run(checked, max_rows=1000, timeout_s=30)
    assert result.columns
