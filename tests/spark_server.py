"""A real Spark SQL engine for the Databricks adapter's tests: the Spark Thrift Server from the pyspark wheel.

The server speaks HiveServer2 over HTTP on 127.0.0.1, which is the protocol databricks-sql-connector
speaks. The connector expects a Databricks endpoint, so the *test* (never the product) bridges four gaps:

* HTTPS: ``_connection_uri`` points the connector at plain ``http://127.0.0.1:<port>/cliservice``;
* auth: the Thrift server's HTTP mode wants a Basic header, supplied through ``credentials_provider``;
* the protocol-version check: Spark answers with a Hive protocol number below the Databricks ones;
* ``resultFormat``: Spark leaves the Databricks-only result-format fields unset (its rows are column based).

The last two are fixed up in the responses by wrapping the connector's ``make_request``.

One server per test process (``spark_thrift`` is session scoped and the process is a singleton), with its
warehouse directory and Derby metastore in a temporary directory, stopped at the end of the session.
"""

from __future__ import annotations

import atexit
import base64
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator, Sequence

import pytest

STARTUP_TIMEOUT_S = 120.0


def java_missing_reason() -> str | None:
    """Why the Spark tests cannot run here, or None when Java and pyspark are both present."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (the Spark Thrift Server needs a JVM, e.g. apt-get install openjdk-17-jre-headless)"
    if spark_home() is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    return None


def spark_home() -> Path | None:
    try:
        import pyspark
    except ImportError:
        return None
    home = Path(pyspark.__file__).resolve().parent
    return home if (home / "bin" / "spark-submit").exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SparkThriftServer:
    """A running Thrift server; ``connect_args()`` are the connector keyword arguments that reach it."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None             # None: a server this session did not start

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cliservice"

    def connect_args(self) -> dict[str, Any]:
        return {
            "_connection_uri": self.url,
            "credentials_provider": BasicAuth("spark", "spark"),
            "enable_telemetry": False,
            "_retry_stop_after_attempts_count": 2,
            "_socket_timeout": 120,
        }

    def execute(self, statements: Sequence[str]) -> None:
        """Run setup statements (DDL, INSERT) with the connector directly; nothing is fetched."""
        from databricks import sql

        args = self.connect_args()
        with sql.connect(server_hostname="127.0.0.1", http_path="/cliservice", **args) as connection:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    def log_tail(self, chars: int = 4000) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)     # the JVM and anything it started
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


class BasicAuth:
    """A connector ``credentials_provider``: the Thrift server's HTTP mode accepts any Basic user."""

    def __init__(self, user: str, password: str) -> None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}"}

    def auth_type(self) -> str:
        return "basic"

    def __call__(self, *args: object, **kwargs: object) -> Callable[[], dict[str, str]]:
        return lambda: dict(self._headers)


def start_server() -> SparkThriftServer:
    home = spark_home()
    assert home is not None
    workdir = Path(tempfile.mkdtemp(prefix="spark-thrift-"))
    port = free_port()
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_LOCAL_IP="127.0.0.1", SPARK_LOCAL_HOSTNAME="localhost",
               PYSPARK_PYTHON=os.environ.get("PYSPARK_PYTHON", "python3"))
    java_opts = f"-Dderby.system.home={workdir / 'derby'} -Xss4m"
    cmd = [
        str(home / "bin" / "spark-submit"),
        "--class", "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
        "--name", "nl2sql-tests", "--master", "local[2]", "--driver-memory", "1g",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=2",
        "--conf", "spark.default.parallelism=2",
        "--conf", "spark.sql.adaptive.enabled=true",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", f"spark.sql.warehouse.dir={workdir / 'warehouse'}",
        "--conf", f"spark.driver.extraJavaOptions={java_opts}",
        "--conf", f"spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName={workdir / 'metastore_db'};create=true",
        "--conf", "spark.sql.session.timeZone=UTC",
        # A cancelled statement interrupts its running tasks (as a Databricks warehouse does), not only its job.
        "--conf", "spark.sql.thriftServer.interruptOnCancel=true",
        "--conf", "spark.sql.execution.interruptOnCancel=true",
        "--conf", "spark.log.level=WARN",
        "--hiveconf", "hive.server2.transport.mode=http",
        "--hiveconf", f"hive.server2.thrift.http.port={port}",
        "--hiveconf", "hive.server2.thrift.bind.host=127.0.0.1",
        "--hiveconf", "hive.server2.thrift.http.path=cliservice",
        "--hiveconf", "hive.server2.long.polling.timeout=200ms",   # status polls answer fast (default 5s)
        "spark-internal",
    ]
    log = open(workdir / "server.log", "wb")
    process = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    server = SparkThriftServer(port, workdir, process)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"The Spark Thrift Server exited during startup:\n{tail}")
        if _port_open(port):               # the HTTP endpoint opens last, once the server is ready
            atexit.register(server.stop)    # also when the session is interrupted before its teardown
            return server
        time.sleep(0.25)
    tail = server.log_tail()
    server.stop()
    raise RuntimeError(f"The Spark Thrift Server did not start within {STARTUP_TIMEOUT_S:.0f}s:\n{tail}")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def patch_connector_for_spark(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fill in the Databricks-only response fields Spark leaves unset (see the module docstring)."""
    from databricks.sql.backend import thrift_backend
    from databricks.sql.thrift_api.TCLIService import ttypes

    column_based = ttypes.TSparkRowSetType.COLUMN_BASED_SET
    minimum = ttypes.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V2
    client = thrift_backend.ThriftDatabricksClient
    original = client.make_request

    def fix(response: Any) -> Any:
        if isinstance(response, ttypes.TOpenSessionResp) and (response.serverProtocolVersion or 0) < minimum:
            response.serverProtocolVersion = minimum
        if isinstance(response, ttypes.TFetchResultsResp) and response.resultSetMetadata is None:
            response.resultSetMetadata = ttypes.TGetResultSetMetadataResp(resultFormat=column_based)
        if isinstance(response, ttypes.TGetResultSetMetadataResp) and response.resultFormat is None:
            response.resultFormat = column_based
        return response

    def make_request(self: Any, method: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        return fix(original(self, method, request, *args, **kwargs))

    monkeypatch.setattr(client, "make_request", make_request)
    # Spark predates the Databricks initial-namespace extension (it ignores the field); queries use full names.
    monkeypatch.setattr(client, "_check_initial_namespace", lambda self, catalog, schema, response: None)


_SERVER: SparkThriftServer | None = None


@pytest.fixture(scope="session")
def spark_thrift() -> Iterator[SparkThriftServer]:
    """The shared Spark Thrift Server, with the connector patched to talk to it; skipped without Java."""
    global _SERVER
    reason = java_missing_reason()
    if reason:
        pytest.skip(reason)
    with pytest.MonkeyPatch.context() as monkeypatch:
        patch_connector_for_spark(monkeypatch)
        reuse = os.environ.get("NL2SQL_SPARK_THRIFT_PORT")   # a server left running while iterating locally
        if reuse:
            yield SparkThriftServer(int(reuse), Path(tempfile.gettempdir()), None)
            return
        if _SERVER is None:
            _SERVER = start_server()
        try:
            yield _SERVER
        finally:
            if _SERVER is not None:
                _SERVER.stop()
                _SERVER = None
