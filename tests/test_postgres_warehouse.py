"""The SQLAlchemy warehouse on a real PostgreSQL server: read-only, time limit, dropped connections, the pipeline."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from catalog_semantics.overlay import apply_overlay
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.errors import ExecutionFailed, QueryTimeout
from nl2sql.guard import CheckedSql, check, policy_for_model
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer


@pytest.fixture(scope="module")
def shop(postgres_url: str) -> str:
    """A database of its own on the session's PostgreSQL server, with one commented table."""
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS shop"))
        conn.execute(sa.text("CREATE DATABASE shop"))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/shop"
    setup = sa.create_engine(url)
    with setup.begin() as conn:
        conn.execute(sa.text("CREATE TABLE product (id INT PRIMARY KEY, name TEXT, price NUMERIC(10,2))"))
        conn.execute(sa.text("COMMENT ON TABLE product IS 'Products we sell'"))
        conn.execute(sa.text("INSERT INTO product VALUES (1, 'lamp', 20), (2, 'desk', 150), (3, 'chair', 80)"))
    setup.dispose()
    return url


def raw(sql: str) -> CheckedSql:
    """SQL that skipped the guard: what the database itself must still refuse or stop."""
    return CheckedSql(sql=sql, dialect="postgres")


def test_guarded_query_runs_with_row_cap(shop: str) -> None:
    warehouse = SqlAlchemyWarehouse(shop)
    model = apply_overlay(warehouse.read_catalog(), None)
    assert warehouse.dialect == "postgres" and model.table("product") is not None
    checked = check("SELECT name FROM product ORDER BY price DESC", policy_for_model(model, max_rows=2))
    result = warehouse.run(checked, max_rows=2, timeout_s=5)
    assert result.rows == (("desk",), ("chair",)) and result.truncated is False


def test_the_connection_itself_is_read_only(shop: str) -> None:
    warehouse = SqlAlchemyWarehouse(shop)
    for sql in ("CREATE TABLE stolen (i INT)", "DELETE FROM product", "UPDATE product SET price = 0"):
        with pytest.raises(ExecutionFailed):
            warehouse.run(raw(sql), max_rows=10, timeout_s=5)
    assert warehouse.run(raw("SELECT COUNT(*) FROM product"), max_rows=1, timeout_s=5).rows == ((3,),)


def test_statement_timeout_stops_a_long_query(shop: str) -> None:
    warehouse = SqlAlchemyWarehouse(shop)
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        warehouse.run(raw("SELECT pg_sleep(600)"), max_rows=1, timeout_s=0.5)
    assert time.monotonic() - start < 60               # stopped near 0.5 s, never the 600 s sleep
    assert warehouse.run(raw("SELECT 1"), max_rows=1, timeout_s=5).rows == ((1,),)   # the pool still works


def test_a_dropped_connection_is_replaced(shop: str) -> None:
    warehouse = SqlAlchemyWarehouse(shop)
    assert warehouse.run(raw("SELECT 1"), max_rows=1, timeout_s=5).rows == ((1,),)
    admin = sa.create_engine(shop, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        killed = conn.execute(sa.text(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar()
    assert killed >= 1
    assert warehouse.run(raw("SELECT 2"), max_rows=1, timeout_s=5).rows == ((2,),)


def test_the_pipeline_answers_on_postgres(shop: str) -> None:
    warehouse = SqlAlchemyWarehouse(shop)
    model = apply_overlay(warehouse.read_catalog(), None)
    with StubLlmServer(responder=lambda body: "```sql\nSELECT name, price FROM product WHERE price > 50\n```") as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", generator="llm")
        answer = Assistant(model, warehouse, settings, llm=OpenAiLlm.from_settings(settings)).ask(
            "Which products cost more than 50?")
    assert answer.status == "answered", answer.message
    assert sorted(answer.rows) == [("chair", 80), ("desk", 150)]


@pytest.fixture(scope="module")
def analyst(shop: str) -> str:
    """A second table the allowlist leaves out, and a role granted only ``product``; its URL."""
    owner = sa.create_engine(shop)
    with owner.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS payroll (id INT, salary NUMERIC)"))
        conn.execute(sa.text("DROP ROLE IF EXISTS analyst"))
        conn.execute(sa.text("CREATE ROLE analyst LOGIN"))
        conn.execute(sa.text("GRANT SELECT ON product TO analyst"))
    owner.dispose()
    return shop.replace("postgres@", "analyst@", 1)


def test_role_check_names_what_the_role_reads_beyond_the_allowlist(
        shop: str, analyst: str, caplog: pytest.LogCaptureFixture) -> None:
    """Defence in depth: a role granted exactly the allowed tables passes; a wider one is reported."""
    narrow = SqlAlchemyWarehouse(analyst)
    with caplog.at_level("WARNING", logger="nl2sql.adapters.sqlalchemy_warehouse"):
        assert narrow.warn_if_role_reads_more(["product"]) == ()
    assert not caplog.records
    wide = SqlAlchemyWarehouse(shop)                          # the owner can read payroll too
    with caplog.at_level("WARNING", logger="nl2sql.adapters.sqlalchemy_warehouse"):
        assert wide.warn_if_role_reads_more(["product"]) == ("public.payroll",)
    assert "public.payroll" in caplog.text and "allowlist" in caplog.text
    assert narrow.tables_beyond(["public.product"]) == ()     # qualified names count as well
    narrow.close()
    wide.close()


def test_startup_warns_when_the_role_reads_more_than_the_allowlist(
        shop: str, analyst: str, tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    wide = Settings(db_url=shop, allowed_tables="product", data_dir=str(tmp_path), generator="offline")
    with caplog.at_level("WARNING", logger="nl2sql.adapters.sqlalchemy_warehouse"):
        Assistant.from_settings(wide).warehouse.close()
    assert "public.payroll" in caplog.text
    caplog.clear()
    narrow = Settings(db_url=analyst, allowed_tables="product", data_dir=str(tmp_path), generator="offline")
    with caplog.at_level("WARNING", logger="nl2sql.adapters.sqlalchemy_warehouse"):
        Assistant.from_settings(narrow).warehouse.close()
    assert "allowlist" not in caplog.text
