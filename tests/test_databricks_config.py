"""Databricks connection settings: unified configuration (environment, ~/.databrickscfg profiles, URL)."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator

import pytest

from nl2sql.adapters.databricks_config import DatabricksConfig, parse_url
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse, WarehouseLimits, WarehouseUnreachable
from catalog_semantics.errors import CatalogError
from nl2sql.errors import ConfigError, ExecutionFailed, GuardRejected
from nl2sql.guard import CheckedSql

TOKEN = "dapi0123456789abcdef0123456789abcdef"


def test_missing_pieces_are_config_errors_that_say_what_to_set() -> None:
    with pytest.raises(ConfigError, match="DATABRICKS_HOST"):
        DatabricksConfig().server_hostname
    with pytest.raises(ConfigError, match="DATABRICKS_HTTP_PATH"):
        DatabricksConfig(host="h").resolved_http_path
    with pytest.raises(ConfigError, match="credentials"):
        DatabricksWarehouse("h", http_path="/p")


def test_url_form() -> None:
    config = parse_url(f"databricks://token:{TOKEN}@adb-1.2.azuredatabricks.net?http_path=/sql/1.0/warehouses/x&catalog=main")
    assert (config.server_hostname, config.token, config.catalog, config.schema) == (
        "adb-1.2.azuredatabricks.net", TOKEN, "main", None)
    with pytest.raises(ConfigError, match="Unknown"):
        parse_url("databricks://h?warehouse=1")
    with pytest.raises(ConfigError):
        parse_url("postgresql://h/db")
    warehouse = DatabricksWarehouse.from_url("databricks://adb-1.2.azuredatabricks.net?warehouse_id=w1&schema=s",
                                             env={"DATABRICKS_CATALOG": "c"})
    assert (warehouse.catalog, warehouse.schema, warehouse.http_path) == ("c", "s", "/sql/1.0/warehouses/w1")
    assert "adb-1.2.azuredatabricks.net" in warehouse.name


def test_the_token_never_shows() -> None:
    config = parse_url(f"databricks://token:{TOKEN}@adb-1.2.azuredatabricks.net?warehouse_id=w")
    assert TOKEN not in repr(config)
    warehouse = DatabricksWarehouse.from_config(config)
    assert TOKEN not in repr(warehouse) and TOKEN not in warehouse.name
    assert TOKEN not in repr(warehouse.for_user("dapiUSERUSERUSERUSER"))


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


@pytest.fixture
def silent_server() -> Iterator[tuple[int, threading.Event]]:
    """A TCP port that accepts connections and never answers (a hung warehouse, a black-holing proxy)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = threading.Event()
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)
            accepted.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def _unreachable(port: int, **limits: float) -> DatabricksWarehouse:
    return DatabricksWarehouse("127.0.0.1", http_path="/cliservice", token=TOKEN,
                               limits=WarehouseLimits(**limits),  # type: ignore[arg-type]
                               connect_args={"_connection_uri": f"http://127.0.0.1:{port}/cliservice",
                                             "enable_telemetry": False})


@pytest.mark.parametrize("kind", ["closed port", "silent server"])
def test_an_unreachable_warehouse_fails_within_the_connect_timeout(kind: str, silent_server: tuple[int, threading.Event]) -> None:
    if kind == "closed port":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    else:
        port = silent_server[0]
    warehouse = _unreachable(port, connect_timeout_s=2.0)
    started = time.monotonic()
    with pytest.raises(WarehouseUnreachable) as caught:
        warehouse.run(CheckedSql("SELECT 1", "databricks"), max_rows=10, timeout_s=30)
    elapsed = time.monotonic() - started
    print(f"\n{kind}: failed after {elapsed:.2f} s (connect timeout 2 s)")
    # bounded by the setting, not by the connector's own 900 s of retries (or its 60 s socket timeout): the
    # margin is wide so a loaded machine cannot fail this, and still far from either of those
    assert elapsed < 2.0 + 20.0
    assert TOKEN not in str(caught.value) and TOKEN not in (caught.value.hint or "")
    assert "NL2SQL_DATABRICKS_CONNECT_TIMEOUT_S" in (caught.value.hint or "")


def test_waiting_for_a_pooled_connection_is_bounded(silent_server: tuple[int, threading.Event]) -> None:
    port, accepted = silent_server
    warehouse = _unreachable(port, max_connections=1, connect_timeout_s=3.0, pool_timeout_s=0.5)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(warehouse.run, CheckedSql("SELECT 1", "databricks"), max_rows=1, timeout_s=30)
        assert accepted.wait(10)                            # the only connection is being opened (and hangs)
        with pytest.raises(WarehouseUnreachable) as caught:
            warehouse.run(CheckedSql("SELECT 2", "databricks"), max_rows=1, timeout_s=30)
        assert "NL2SQL_DATABRICKS_POOL_TIMEOUT_S" in (caught.value.hint or "")
        with pytest.raises(WarehouseUnreachable):
            first.result()


def test_query_tags_carry_the_principal_and_what_the_pipeline_set() -> None:
    from nl2sql.query_tags import tagged

    warehouse = DatabricksWarehouse("127.0.0.1", http_path="/p", token=TOKEN, principal="ana@example.com")
    with tagged(question_id="q42", generator="llm"):
        tags = warehouse.query_tags({"extra": "1"})
    assert tags == {"app": "lakehouse-nl2sql", "principal": "ana@example.com", "question_id": "q42",
                    "generator": "llm", "extra": "1"}
    assert warehouse.query_tags() == {"app": "lakehouse-nl2sql", "principal": "ana@example.com"}
    assert TOKEN not in str(tags)
