"""NL2SQL_SCOPE / --scope / the app's "Ask across" box: questions asked across part of a multi-schema warehouse.

A real DuckDB file with two schemas (``sales``: orders, customers; ``hr``: employees), the real assistant
(offline engine), the real CLI as a process, and the real Streamlit app through ``AppTest``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.errors import ConfigError
from catalog_semantics.scope import Principal, parse_scope, within
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scope") / "two_schemas.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA sales; CREATE SCHEMA hr")
        con.execute("CREATE TABLE sales.orders (order_id INTEGER PRIMARY KEY, region VARCHAR, amount DOUBLE)")
        con.execute("INSERT INTO sales.orders VALUES (1, 'EMEA', 10), (2, 'APAC', 20), (3, 'EMEA', 5)")
        con.execute("CREATE TABLE sales.customers (customer_id INTEGER PRIMARY KEY, customer_name VARCHAR)")
        con.execute("INSERT INTO sales.customers VALUES (1, 'Ada')")
        con.execute("CREATE TABLE hr.employees (employee_id INTEGER PRIMARY KEY, employee_name VARCHAR, "
                    "salary DOUBLE)")
        con.execute("INSERT INTO hr.employees VALUES (1, 'Bob', 100), (2, 'Eve', 200)")
    return path


def _assistant(warehouse: Path, tmp_path: Path, **settings: str) -> Assistant:
    return Assistant.from_settings(Settings(db_path=str(warehouse), data_dir=str(tmp_path), generator="offline",
                                            **settings))


def test_the_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({"NL2SQL_SCOPE": " sales.*, samples.tpch.orders "}).scope_patterns() == (
        "sales.*", "samples.tpch.orders")
    assert Settings.from_env({}).scope_patterns() is None
    assert parse_scope(" , ") is None


def test_a_schema_scope_keeps_that_schema_only(warehouse: Path, tmp_path: Path) -> None:
    assistant = _assistant(warehouse, tmp_path, scope="sales.*")
    assert {t.name for t in assistant.model.tables} == {"orders", "customers"}
    assert {t.name for t in assistant.full_model.tables} == {"orders", "customers", "employees"}
    answer = assistant.ask("number of orders by region")
    assert answer.status == "answered" and "sales.orders" in (answer.sql or "")
    outside = assistant.ask("average salary")                 # hr is out of scope: never answered from it
    assert outside.status != "answered" and "employees" not in (outside.sql or "")


def test_a_table_scope_and_switching_scope(warehouse: Path, tmp_path: Path) -> None:
    assistant = _assistant(warehouse, tmp_path, scope="hr.employees")
    assert [t.name for t in assistant.model.tables] == ["employees"]
    answer = assistant.ask("average salary")
    assert answer.status == "answered" and "hr.employees" in (answer.sql or "")
    everything = assistant.with_scope(None)
    assert len(everything.model.tables) == 3
    sales = assistant.with_scope(("SALES.*",))                 # case-insensitive, like the allowlist
    assert sales.ask("average salary").status != "answered"


def test_scope_and_principal_compose(warehouse: Path, tmp_path: Path) -> None:
    assistant = _assistant(warehouse, tmp_path, scope="sales.*")
    narrowed = assistant.for_principal(Principal.of("analyst", ["orders", "hr.*"]))
    assert [t.name for t in narrowed.model.tables] == ["orders"]          # the scope, then the allowlist
    assert narrowed.with_scope(("hr.*",)).principal is narrowed.principal
    assert [t.name for t in narrowed.with_scope(("hr.*",)).model.tables] == ["employees"]


def test_a_scope_naming_no_table_is_a_config_error_naming_the_schemas(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        _assistant(warehouse, tmp_path, scope="marketing.*")
    assert "marketing.*" in raised.value.message
    assert "hr.*" in (raised.value.hint or "") and "sales.*" in (raised.value.hint or "")
    model = _assistant(warehouse, tmp_path).model
    assert within(model, None) is model


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NL2SQL_"))} | env
    return subprocess.run([sys.executable, "-m", "nl2sql.cli", *args], capture_output=True, text=True,
                          env=full_env, cwd=REPO_ROOT, timeout=120)


def test_cli_scope_flag_and_setting(warehouse: Path, tmp_path: Path) -> None:
    env = {"NL2SQL_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    ok = _cli("ask", "average salary", "--db", str(warehouse), "--scope", "hr.*", "--json", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "hr.employees" in json.loads(ok.stdout)["sql"]
    out = _cli("ask", "average salary", "--db", str(warehouse), "--scope", "sales.*", "--json", env=env)
    assert out.returncode == 4 and json.loads(out.stdout)["sql"] is None
    shown = _cli("catalog", "--db", str(warehouse), "--json", env=env | {"NL2SQL_SCOPE": "sales.orders"})
    assert shown.returncode == 0 and [t["name"] for t in json.loads(shown.stdout)["tables"]] == ["orders"]
    bad = _cli("ask", "average salary", "--db", str(warehouse), "--scope", "nowhere.*", "--json", env=env)
    assert bad.returncode == 5 and json.loads(bad.stdout)["error_code"] == "config"


def test_app_sidebar_asks_across_the_chosen_scope(warehouse: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    for var in list(os.environ):
        if var.startswith(("OPENAI_", "NL2SQL_")):
            monkeypatch.delenv(var)
    monkeypatch.setenv("NL2SQL_DB", str(warehouse))
    monkeypatch.setenv("NL2SQL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NL2SQL_SCOPE", "sales.*")
    at = AppTest.from_file(str(REPO_ROOT / "app" / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.sidebar.text_input(key="scope_text")
    assert box.value == "sales.*"
    assert "2 of 3 tables" in " ".join(str(c.value) for c in at.sidebar.caption)
    box.set_value("hr.*").run()
    assert "1 of 3 tables" in " ".join(str(c.value) for c in at.sidebar.caption)
    at.chat_input(key="question_box").set_value("average salary").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "hr.employees" in " ".join(str(c.value) for c in at.code)
    at.sidebar.text_input(key="scope_text").set_value("nowhere.*").run()
    assert "names no table" in " ".join(str(e.value) for e in at.sidebar.error)
