"""The warehouse registry in nl2sql/wiring.py: which settings open which adapter, and the errors for bad ones."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import duckdb
import pytest

from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.errors import ConfigError
from nl2sql.settings import Settings
from nl2sql.wiring import WAREHOUSES, open_warehouse, select_warehouse


def test_each_setting_selects_its_entry() -> None:
    kinds = {url: select_warehouse(Settings(db_url=url)).kind for url in
             ("databricks://token:x@h?warehouse_id=w", "Databricks+connector://h", "postgresql+psycopg://u@h/d",
              "sqlite:///a.db", "duckdb:///a.duckdb")}
    assert kinds == {"databricks://token:x@h?warehouse_id=w": "databricks", "Databricks+connector://h": "databricks",
                     "postgresql+psycopg://u@h/d": "sqlalchemy", "sqlite:///a.db": "sqlalchemy",
                     "duckdb:///a.duckdb": "sqlalchemy"}
    assert select_warehouse(Settings(db_path="x.duckdb")).kind == "duckdb file"
    assert select_warehouse(Settings()).kind == "demo"


def test_a_catch_all_url_entry_comes_after_every_scheme_entry() -> None:
    """First match wins: a scheme entry placed after the catch-all would never be chosen."""
    url_entries = [e for e in WAREHOUSES if e.source == "url"]
    catch_alls = [i for i, e in enumerate(url_entries) if not e.schemes]
    assert catch_alls == [len(url_entries) - 1]
    assert sorted(e.source for e in WAREHOUSES if e.source != "url") == ["default", "file"]


def test_both_a_file_and_a_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        open_warehouse(Settings(db_path=str(tmp_path / "a.duckdb"), db_url="sqlite:///x.db"))


def test_a_missing_duckdb_file_names_the_demo_command(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as caught:
        open_warehouse(Settings(db_path=str(tmp_path / "missing.duckdb")))
    assert "nl2sql demo build" in (caught.value.hint or "")


def test_a_file_and_a_url_open_their_adapters_without_the_demo_overlay(tmp_path: Path) -> None:
    file = tmp_path / "shop.duckdb"
    with duckdb.connect(str(file)) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    warehouse, overlay = open_warehouse(Settings(db_path=str(file)))
    assert isinstance(warehouse, DuckDbWarehouse) and overlay is None
    warehouse.close()
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    warehouse, overlay = open_warehouse(Settings(db_url=f"sqlite:///{db}"))
    assert isinstance(warehouse, SqlAlchemyWarehouse) and overlay is None
    assert [t.name for t in warehouse.read_catalog().tables] == ["orders"]
    warehouse.close()


@pytest.mark.skipif(importlib.util.find_spec("MySQLdb") is not None, reason="the MySQL driver is installed here")
def test_a_url_whose_driver_is_missing_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="driver 'MySQLdb'"):
        open_warehouse(Settings(db_url="mysql://u:p@127.0.0.1/shop"))


def test_databricks_sql_values_come_from_settings_not_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapter gets DATABRICKS_HTTP_PATH/_CATALOG/_SCHEMA through Settings; a URL's own values win."""
    pytest.importorskip("databricks.sql")
    from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse

    for var, value in (("DATABRICKS_CATALOG", "from_os"), ("DATABRICKS_SCHEMA", "from_os"),
                       ("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/from_os")):
        monkeypatch.setenv(var, value)                 # read by Settings.from_env only, never by the adapter
    settings = Settings(db_url="databricks://token:x@adb-1.2.azuredatabricks.net?schema=from_url",
                        databricks_http_path="/sql/1.0/warehouses/set", databricks_catalog="set_catalog")
    warehouse, overlay = open_warehouse(settings)
    assert isinstance(warehouse, DatabricksWarehouse) and overlay is None
    assert (warehouse.http_path, warehouse.catalog, warehouse.schema) == (
        "/sql/1.0/warehouses/set", "set_catalog", "from_url")
    from_env = Settings.from_env({"DATABRICKS_CATALOG": "env_catalog", "NL2SQL_DB_URL": "databricks://h?warehouse_id=w"})
    assert from_env.databricks_catalog == "env_catalog"
    warehouse.close()
