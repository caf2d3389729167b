"""Defence in depth: the DuckDB connection itself refuses what the guard would, with the guard bypassed.

Each statement is wrapped in a ``CheckedSql`` by hand (as a guard bug would let it through) and run on
the hardened warehouse; none may succeed, and nothing may appear on disk or change in the database.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.errors import ExecutionFailed
from nl2sql.guard import CheckedSql


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[DuckDbWarehouse, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("user,password\nadmin,hunter2\n")
    wh = DuckDbWarehouse.create(tmp_path / "wh.duckdb", [
        "CREATE TABLE sales (id INTEGER, amount DOUBLE)", "INSERT INTO sales VALUES (1, 10.0), (2, 20.0)"])
    yield wh, outside
    wh.close()


def attacks(outside: Path) -> dict[str, str]:
    secret, out = outside / "secret.csv", outside / "written"
    return {
        "read_csv": f"SELECT * FROM read_csv('{secret}')",
        "read_csv_auto": f"SELECT * FROM read_csv_auto('{secret}')",
        "replacement scan": f"SELECT * FROM '{secret}'",
        "read_text": f"SELECT * FROM read_text('{secret}')",
        "read_blob": f"SELECT * FROM read_blob('{secret}')",
        "glob": f"SELECT * FROM glob('{outside}/*')",
        "read_parquet url": "SELECT * FROM read_parquet('https://example.com/x.parquet')",
        "copy to file": f"COPY sales TO '{out}.csv'",
        "copy query to file": f"COPY (SELECT 1) TO '{out}.parquet' (FORMAT parquet)",
        "copy from file": f"COPY sales FROM '{secret}'",
        "export database": f"EXPORT DATABASE '{out}'",
        "attach file": f"ATTACH '{out}.db' AS other",
        "attach memory": "ATTACH ':memory:' AS scratch",
        "install": "INSTALL httpfs",
        "load": "LOAD httpfs",
        "set external access": "SET enable_external_access = true",
        "set threads": "SET threads = 1",
        "reset lock": "RESET lock_configuration",
        "set autoload": "SET autoload_known_extensions = true",
        "create table": "CREATE TABLE stolen AS SELECT * FROM sales",
        "insert": "INSERT INTO sales VALUES (3, 30.0)",
        "update": "UPDATE sales SET amount = 0",
        "delete": "DELETE FROM sales",
        "drop": "DROP TABLE sales",
        "alter": "ALTER TABLE sales ADD COLUMN x INTEGER",
        "python dataframe scan": "SELECT * FROM leaked_frame",
        "create secret": "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
        "sqlite_scan": f"SELECT * FROM sqlite_scan('{out}.sqlite', 't')",
    }


def test_connection_refuses_every_attack_without_the_guard(setup: tuple[DuckDbWarehouse, Path]) -> None:
    wh, outside = setup
    leaked_frame = pd.DataFrame({"password": ["hunter2"]})  # noqa: F841  (a replacement scan would find it)
    before = hashlib.sha256(wh.path.read_bytes()).hexdigest()
    escaped = []
    for name, sql in attacks(outside).items():
        try:
            result = wh.run(CheckedSql(sql=sql, dialect="duckdb"), max_rows=10, timeout_s=10)
            escaped.append((name, result.rows))
        except ExecutionFailed as e:
            assert "hunter2" not in str(e)
    assert escaped == []
    assert sorted(p.name for p in outside.iterdir()) == ["secret.csv"]     # nothing written beside it
    assert hashlib.sha256(wh.path.read_bytes()).hexdigest() == before
    rows = wh.run(CheckedSql(sql="SELECT count(*), sum(amount) FROM sales", dialect="duckdb"), max_rows=1, timeout_s=5)
    assert rows.rows == ((2, 30.0),)


def test_settings_are_the_hardened_ones_and_locked(setup: tuple[DuckDbWarehouse, Path]) -> None:
    wh, _ = setup
    sql = ("SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
           "'autoinstall_known_extensions', 'autoload_known_extensions', 'lock_configuration', "
           "'python_enable_replacements', 'allow_community_extensions') ORDER BY name")
    got = dict(wh.run(CheckedSql(sql=sql, dialect="duckdb"), max_rows=10, timeout_s=5).rows)
    assert got == {"allow_community_extensions": "false", "autoinstall_known_extensions": "false",
                   "autoload_known_extensions": "false", "enable_external_access": "false",
                   "lock_configuration": "true", "python_enable_replacements": "false"}
    with pytest.raises(ExecutionFailed) as info:
        wh.run(CheckedSql(sql="SET lock_configuration = false", dialect="duckdb"), max_rows=1, timeout_s=5)
    assert "lock" in (info.value.hint or "").lower()
