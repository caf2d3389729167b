"""The SQLAlchemy warehouse on real SQLite files: read-only, time limit, row cap, errors, threads, catalog."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.errors import ConfigError, ExecutionFailed, QueryTimeout
from nl2sql.guard import CheckedSql


def _q(sql: str) -> CheckedSql:
    return CheckedSql(sql=sql, dialect="sqlite")


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL);"
        "INSERT INTO items (name, price) VALUES ('pen', 1.5), ('ink', 4.0), ('pad', 2.25);"
        "CREATE TABLE raw (b BLOB);"
    )
    conn.execute("INSERT INTO raw VALUES (CAST(? AS TEXT))", (b"ok\xff!",))   # undecodable UTF-8 in TEXT
    conn.commit()
    conn.close()
    return path


def test_runs_sqlite_and_reports_dialect(db_file: Path) -> None:
    wh = SqlAlchemyWarehouse(f"sqlite:///{db_file}")
    assert (wh.dialect, wh.name) == ("sqlite", "shop")
    result = wh.run(_q("SELECT name, price FROM items ORDER BY id"), max_rows=10, timeout_s=5)
    assert result.columns == ("name", "price")
    assert result.rows == (("pen", 1.5), ("ink", 4.0), ("pad", 2.25)) and not result.truncated


def test_row_cap_marks_truncation(db_file: Path) -> None:
    wh = SqlAlchemyWarehouse.sqlite_file(db_file)
    capped = wh.run(_q("SELECT id FROM items ORDER BY id"), max_rows=2, timeout_s=5)
    assert capped.rows == ((1,), (2,)) and capped.truncated
    exact = wh.run(_q("SELECT id FROM items"), max_rows=3, timeout_s=5)
    assert len(exact.rows) == 3 and not exact.truncated
    assert len(wh.run(_q("SELECT id FROM items"), max_rows=None, timeout_s=5).rows) == 3


def test_read_only_even_if_the_guard_were_bypassed(db_file: Path) -> None:
    wh = SqlAlchemyWarehouse.sqlite_file(db_file)
    for sql in ("DELETE FROM items", "CREATE TABLE x (a)", "INSERT INTO items (name) VALUES ('x')"):
        with pytest.raises(ExecutionFailed):
            wh.run(_q(sql), max_rows=10, timeout_s=5)
    assert wh.run(_q("SELECT count(*) FROM items"), max_rows=1, timeout_s=5).rows == ((3,),)


def test_timeout_interrupts_a_long_query(db_file: Path) -> None:
    wh = SqlAlchemyWarehouse.sqlite_file(db_file)
    endless = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n")
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        wh.run(_q(endless), max_rows=10, timeout_s=0.3)
    assert time.monotonic() - start < 60               # interrupted near 0.3 s; the recursion never ends
    assert wh.run(_q("SELECT 1"), max_rows=1, timeout_s=5).rows == ((1,),)      # the connection is usable after


def test_errors_are_ours_and_keep_the_driver_reason(db_file: Path) -> None:
    wh = SqlAlchemyWarehouse.sqlite_file(db_file)
    with pytest.raises(ExecutionFailed) as info:
        wh.run(_q("SELECT nope FROM items"), max_rows=10, timeout_s=5)
    assert not isinstance(info.value, QueryTimeout) and "no such column: nope" in str(info.value)
    with pytest.raises(ConfigError):
        SqlAlchemyWarehouse.sqlite_file(db_file.parent / "missing.sqlite")
    with pytest.raises(ConfigError):
        SqlAlchemyWarehouse(f"sqlite:///{db_file.parent / 'missing.sqlite'}")


def test_undecodable_text_is_read_like_spiders_evaluator(db_file: Path) -> None:
    wh = SqlAlchemyWarehouse.sqlite_file(db_file)
    assert wh.run(_q("SELECT b FROM raw"), max_rows=1, timeout_s=5).rows == (("ok!",),)


def test_text_with_colons_is_not_bind_parameters(db_file: Path) -> None:
    wh = SqlAlchemyWarehouse.sqlite_file(db_file)
    assert wh.run(_q("SELECT ':name' || ' 10:30'"), max_rows=1, timeout_s=5).rows == ((":name 10:30",),)


def test_many_threads_share_one_warehouse(db_file: Path) -> None:
    wh = SqlAlchemyWarehouse.sqlite_file(db_file)

    def one(i: int) -> int:
        return wh.run(_q(f"SELECT count(*) + {i} FROM items"), max_rows=1, timeout_s=5).rows[0][0]

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(one, range(200))) == [3 + i for i in range(200)]


def test_engine_and_catalog(db_file: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{db_file}")
    wh = SqlAlchemyWarehouse(engine, name="mine")
    assert wh.name == "mine" and wh.dialect == "sqlite"
    catalog = wh.read_catalog()
    items = catalog.table("items")
    assert items is not None and [c.name for c in items.columns] == ["id", "name", "price"]
    assert catalog.dialect == "sqlite"


def test_in_memory_sqlite_url() -> None:
    wh = SqlAlchemyWarehouse("sqlite://")
    assert wh.run(_q("SELECT 2 * 21"), max_rows=1, timeout_s=5).rows == ((42,),)
