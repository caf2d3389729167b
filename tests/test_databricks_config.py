"""Databricks connection settings: unified configuration (environment, ~/.databrickscfg profiles, URL)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from nl2sql.adapters.databricks_config import DatabricksConfig, load_config, parse_url
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
from catalog_semantics.errors import CatalogError
from nl2sql.errors import ConfigError, ExecutionFailed, GuardRejected
from nl2sql.guard import CheckedSql

TOKEN = "dapi0123456789abcdef0123456789abcdef"
CFG = """
[DEFAULT]
host = https://adb-111.1.azuredatabricks.net/
token = dapiDEFAULTDEFAULTDEFAULTDEFAULT00
warehouse_id = abc123

[staging]
host = stage.cloud.databricks.com
token = dapiSTAGINGSTAGINGSTAGINGSTAGING00
http_path = /sql/1.0/warehouses/stage42
catalog = samples
schema = tpch
"""


@pytest.fixture
def cfg_file(tmp_path: Path) -> Path:
    path = tmp_path / ".databrickscfg"
    path.write_text(CFG)
    return path


def test_default_profile_fills_what_the_environment_leaves_unset(cfg_file: Path) -> None:
    config = load_config({"DATABRICKS_CONFIG_FILE": str(cfg_file), "DATABRICKS_SCHEMA": "tpch"})
    assert config.server_hostname == "adb-111.1.azuredatabricks.net"
    assert config.resolved_http_path == "/sql/1.0/warehouses/abc123"
    assert config.token == "dapiDEFAULTDEFAULTDEFAULTDEFAULT00" and config.schema == "tpch"


def test_environment_wins_over_the_profile(cfg_file: Path) -> None:
    env = {"DATABRICKS_CONFIG_FILE": str(cfg_file), "DATABRICKS_CONFIG_PROFILE": "staging",
           "DATABRICKS_HOST": "adb-999.9.azuredatabricks.net", "DATABRICKS_TOKEN": TOKEN,
           "DATABRICKS_HTTP_PATH": "sql/1.0/warehouses/env1"}
    config = load_config(env)
    assert (config.server_hostname, config.token, config.resolved_http_path) == (
        "adb-999.9.azuredatabricks.net", TOKEN, "/sql/1.0/warehouses/env1")
    assert (config.catalog, config.schema, config.profile) == ("samples", "tpch", "staging")
    assert config.serving_endpoints_url == "https://adb-999.9.azuredatabricks.net/serving-endpoints"


def test_named_profile_must_exist(cfg_file: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="staging"):
        load_config({"DATABRICKS_CONFIG_FILE": str(cfg_file)}, profile="nope")
    with pytest.raises(ConfigError):
        load_config({"DATABRICKS_CONFIG_FILE": str(tmp_path / "absent")}, profile="staging")
    assert load_config({"DATABRICKS_CONFIG_FILE": str(tmp_path / "absent")}) == DatabricksConfig()


def test_missing_pieces_are_config_errors_that_say_what_to_set() -> None:
    with pytest.raises(ConfigError, match="DATABRICKS_HOST"):
        DatabricksConfig().server_hostname
    with pytest.raises(ConfigError, match="DATABRICKS_HTTP_PATH"):
        DatabricksConfig(host="h").resolved_http_path
    with pytest.raises(ConfigError, match="credentials"):
        DatabricksWarehouse("h", http_path="/p")


def test_url_form_and_gaps_from_the_environment(cfg_file: Path) -> None:
    config = parse_url(f"databricks://token:{TOKEN}@adb-1.2.azuredatabricks.net?http_path=/sql/1.0/warehouses/x&catalog=main")
    assert (config.server_hostname, config.token, config.catalog, config.schema) == (
        "adb-1.2.azuredatabricks.net", TOKEN, "main", None)
    with pytest.raises(ConfigError, match="Unknown"):
        parse_url("databricks://h?warehouse=1")
    with pytest.raises(ConfigError):
        parse_url("postgresql://h/db")
    warehouse = DatabricksWarehouse.from_url("databricks://?warehouse_id=w1&schema=s",
                                             env={"DATABRICKS_CONFIG_FILE": str(cfg_file)})
    assert (warehouse.catalog, warehouse.schema) == (None, "s")
    assert "adb-111.1.azuredatabricks.net" in warehouse.name


def test_the_token_never_shows(cfg_file: Path) -> None:
    config = load_config({"DATABRICKS_CONFIG_FILE": str(cfg_file), "DATABRICKS_TOKEN": TOKEN})
    assert TOKEN not in repr(config)
    warehouse = DatabricksWarehouse.from_config(config)
    assert TOKEN not in repr(warehouse) and TOKEN not in warehouse.name


def test_connection_failure_is_ours_and_scrubbed() -> None:
    with socket.socket() as s:                                 # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    warehouse = DatabricksWarehouse(
        "127.0.0.1", http_path="/cliservice", token=TOKEN,
        connect_args={"_connection_uri": f"http://127.0.0.1:{port}/cliservice", "enable_telemetry": False,
                      "_retry_stop_after_attempts_count": 1, "_retry_delay_max": 0.1, "_socket_timeout": 5})
    with pytest.raises(ExecutionFailed) as caught:
        warehouse.run(CheckedSql("SELECT 1", "databricks"), max_rows=10, timeout_s=10)
    assert TOKEN not in str(caught.value) and "Databricks" in caught.value.message
    with pytest.raises(Exception, match="duckdb"):
        warehouse.run(CheckedSql("SELECT 1", "duckdb"), max_rows=10, timeout_s=10)


def test_variable_substitution_is_refused_before_anything_is_sent() -> None:
    """Spark substitutes ${env:X}, ${system:p}, ${hiveconf:k} in the raw text: the adapter refuses it (the guard lets
    such literals through; tests/test_spark_warehouse.py shows the substitution happening on Spark)."""
    warehouse = DatabricksWarehouse("127.0.0.1", http_path="/nowhere", token=TOKEN)
    for sql in ("SELECT '${env:DATABRICKS_TOKEN}' AS t", "SELECT `${system:user.name}` FROM t", "SELECT 1 AS x -- ${x}"):
        with pytest.raises(GuardRejected) as caught:
            warehouse.run(CheckedSql(sql, "databricks"), max_rows=10, timeout_s=10)
        assert caught.value.issues[0].code == "variable_substitution"
    with pytest.raises(CatalogError):
        warehouse.metadata_source().query("DESCRIBE TABLE EXTENDED `${env:HOME}`")
