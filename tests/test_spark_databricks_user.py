"""On the Spark Thrift Server: names that need quoting, and each Databricks App user querying as themselves.

1. A table with spaced and mixed-case column names answers correctly through the LLM path when the model
   copies the names exactly as the prompt context renders them (backticks for Databricks). The negative
   control shows why: the double-quoted spelling is a string literal on this engine and returns a constant.
2. With a forwarded user token (``X-Forwarded-Access-Token``), queries and catalog reads go out with that
   user's token. An HTTP proxy in front of the Thrift server records the Authorization header of every
   request (then swaps it for the test server's Basic login), so the test sees which token each query used,
   and that the statement carried the user as a query tag.
"""

from __future__ import annotations

import base64
import http.client
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from collections.abc import Iterator

import pytest

from app.databricks_user import UserAssistants
from nl2sql.adapters.databricks_identity import identity_from_headers
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse, WarehouseLimits
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.guard import CheckedSql
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from nl2sql.wiring import build_model
from tests.llm_stub import StubLlmServer
from tests.spark_server import SparkThriftServer, spark_thrift  # noqa: F401  (session fixture)

pytestmark = pytest.mark.spark

SCHEMA = "nl2sql_names"
SETUP = (
    f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE",
    f"CREATE SCHEMA {SCHEMA}",
    f"""CREATE TABLE {SCHEMA}.sales_orders (`Order Date` DATE COMMENT 'Day the order was placed',
        `Customer Name` STRING COMMENT 'Who ordered', `TotalAmount` DOUBLE COMMENT 'Order total') USING parquet
        COMMENT 'One row per order'""",
    f"""INSERT INTO {SCHEMA}.sales_orders VALUES (DATE'2023-12-30', 'Ana', 100.0), (DATE'2024-01-02', 'Ana', 10.0),
        (DATE'2024-02-03', 'Bob', 20.0), (DATE'2024-03-04', 'Ana', 5.5), (DATE'2022-05-05', 'Cy', 7.0)""",
)
LOGICAL = {"table": "sales_orders", "date": "Order Date", "customer": "Customer Name", "amount": "TotalAmount"}


def make_warehouse(server: SparkThriftServer, uri: str | None = None) -> DatabricksWarehouse:
    args = server.connect_args()
    provider = args.pop("credentials_provider")
    if uri:
        args["_connection_uri"] = uri
    return DatabricksWarehouse("127.0.0.1", http_path="/cliservice", credentials_provider=provider,
                               catalog="spark_catalog", schema=SCHEMA, connect_args=args,
                               limits=WarehouseLimits(statement_timeout_s=40))


@pytest.fixture(scope="module")
def names_table(spark_thrift: SparkThriftServer) -> SparkThriftServer:
    spark_thrift.execute(SETUP)
    return spark_thrift


def rendered_names(prompt: str) -> dict[str, str]:
    """How the prompt spells each logical name (bare, backticked or double-quoted): what a careful model copies."""
    out: dict[str, str] = {}
    for key, name in LOGICAL.items():
        match = re.search(r"(`" + re.escape(name) + r"`|\"" + re.escape(name) + r"\"|(?<![\w`\"])" + re.escape(name) + r"(?![\w`\"]))",
                          prompt)
        assert match, f"{name!r} is not in the prompt"
        out[key] = match.group(1)
    return out


def copying_model(body: dict[str, Any]) -> str:
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    n = rendered_names(prompt)
    return (f"```sql\nSELECT {n['customer']}, SUM({n['amount']}) AS total FROM {n['table']} "
            f"WHERE {n['date']} >= DATE'2024-01-01' GROUP BY {n['customer']} ORDER BY {n['customer']}\n```")


def test_spaced_and_mixed_case_names_answer_through_the_llm_path(names_table: SparkThriftServer) -> None:
    warehouse = make_warehouse(names_table)
    try:
        model = build_model(warehouse, None)
        with StubLlmServer(responder=copying_model) as llm:
            client = OpenAiLlm(base_url=llm.url, api_key="k", model="m", max_retries=0)
            assistant = Assistant(model, warehouse, Settings(generator="llm"), llm=client)
            answer = assistant.ask("What is the total amount per customer since 2024?")
            prompt = "\n".join(str(m.get("content", "")) for m in llm.requests[0].messages)
        assert "`Order Date`" in prompt and "`Customer Name`" in prompt and '"Order Date"' not in prompt
        assert answer.status == "answered", answer.message
        assert [tuple(r) for r in answer.rows] == [("Ana", 15.5), ("Bob", 20.0)]
        # Negative control: the double-quoted spelling is a string literal on Spark/Databricks.
        wrong = warehouse.run(CheckedSql('SELECT "Customer Name" AS c FROM sales_orders LIMIT 1', "databricks"),
                              max_rows=1, timeout_s=60)
        assert wrong.rows == (("Customer Name",),)
        # the server-side statement time limit was set on the session (Spark keeps it as a plain setting)
        assert warehouse.metadata_source().query("SET STATEMENT_TIMEOUT") == [{"key": "STATEMENT_TIMEOUT", "value": "40"}]
    finally:
        warehouse.close()


@dataclass
class RecordingProxy:
    """Forwards HTTP to the Thrift server; records (Authorization, body) of each request; sends Basic upstream."""

    upstream_port: int
    seen: list[tuple[str, bytes]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def uri(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/cliservice"

    def tokens_for(self, marker: bytes) -> set[str]:
        return {auth for auth, body in self.seen if marker in body}

    def start(self) -> "RecordingProxy":
        proxy = self
        basic = "Basic " + base64.b64encode(b"spark:spark").decode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append((self.headers.get("Authorization", ""), body))
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "host")}
                headers["Authorization"] = basic
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                conn.close()
                self.send_response(response.status)
                self.send_header("Content-Type", response.getheader("Content-Type") or "application/x-thrift")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(names_table: SparkThriftServer) -> Iterator[RecordingProxy]:
    recording = RecordingProxy(names_table.port).start()
    yield recording
    recording.stop()


def test_a_forwarded_user_token_is_used_for_that_users_queries_and_catalog(
        names_table: SparkThriftServer, proxy: RecordingProxy) -> None:
    app_warehouse = make_warehouse(names_table, proxy.uri)
    app_auth = "Basic " + base64.b64encode(b"spark:spark").decode()     # the app's identity (BasicAuth in tests)
    users = UserAssistants()
    try:
        with StubLlmServer(responder=lambda body: "```sql\nSELECT COUNT(*) AS n_orders FROM sales_orders\n```") as llm:
            client = OpenAiLlm(base_url=llm.url, api_key="k", model="m", max_retries=0)
            base = Assistant(build_model(app_warehouse, None), app_warehouse, Settings(generator="llm"), llm=client)
            ana = users.for_identity(base, identity_from_headers({
                "X-Forwarded-Access-Token": "tok-ana-0001", "X-Forwarded-Email": "ana@example.com"}))
            bob = users.for_identity(base, identity_from_headers({
                "X-Forwarded-Access-Token": "tok-bob-0002", "X-Forwarded-Preferred-Username": "bob"}))
            nobody = users.for_identity(base, identity_from_headers({"X-Forwarded-Email": "eve@example.com"}))
            assert nobody is base and ana is not base and bob is not ana
            assert ana.principal is not None and ana.principal.name == "ana@example.com"
            assert users.for_identity(base, identity_from_headers({"x-forwarded-access-token": "tok-ana-0001"})) is ana
            for who in (ana, bob, base):
                answer = who.ask("How many orders are there?")
                assert answer.status == "answered" and answer.rows == ((5,),), answer.message
        statement = b"n_orders"
        assert proxy.tokens_for(statement) == {"Bearer tok-ana-0001", "Bearer tok-bob-0002", app_auth}
        # the user's catalog read (DESCRIBE / metadata calls) went out with the user's token too
        assert any(auth == "Bearer tok-ana-0001" and b"DESCRIBE" in body.upper() for auth, body in proxy.seen)
        # query tags name who asked, on the statement itself
        tagged = [body for auth, body in proxy.seen if auth == "Bearer tok-ana-0001" and statement in body]
        assert tagged and all(b"ana@example.com" in body and b"question_id" in body and b"generator" in body
                              for body in tagged)
        assert not any("tok-ana" in auth for auth, body in proxy.seen if b"bob" in body)
    finally:
        app_warehouse.close()
        for assistant in (users._by_key.values()):
            assistant.warehouse.close()
