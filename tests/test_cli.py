"""The ``nl2sql`` command line as scripts use it: exact shapes and exit codes, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.llm_stub import StubLlmServer


def nl2sql(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NL2SQL_"))}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "nl2sql.cli", *args],
        capture_output=True, text=True, env=full_env, input=stdin, cwd=REPO_ROOT, timeout=120,
    )


@pytest.mark.parametrize("verb", [[], ["ask"], ["guard"], ["catalog"], ["demo"], ["demo", "build"]])
def test_help_on_every_verb(verb: list[str]) -> None:
    result = nl2sql(*verb, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_guard_allows_and_prints_checked_sql() -> None:
    result = nl2sql("guard", "select o_orderkey from orders", "--allow", "orders")
    assert result.returncode == 0, result.stderr
    assert "LIMIT 1000" in result.stdout.upper()


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        ("SELECT 1; DROP TABLE orders", "duckdb"),
        ("WITH x AS (DELETE FROM orders RETURNING *) SELECT * FROM x", "postgres"),
        ("SELECT * FROM read_csv('/etc/passwd')", "duckdb"),
        ("SELECT * FROM secrets", "sqlite"),
        ("SELECT * FROM `samples`.`tpch`.`secrets`", "databricks"),
    ],
)
def test_guard_refuses_with_exit_3_and_reasons(sql: str, dialect: str) -> None:
    result = nl2sql("guard", sql, "--dialect", dialect, "--allow", "orders,customer")
    assert result.returncode == 3
    assert "refused" in result.stderr and result.stdout == ""


def test_guard_jsonl_checks_many(tmp_path: Path) -> None:
    lines = [
        {"sql": "SELECT * FROM orders", "allow": ["orders"]},
        {"sql": "DROP TABLE orders", "dialect": "sqlite"},
        {"sql": "SELECT c_name FROM customer", "dialect": "postgres", "allow": ["orders"]},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = nl2sql("guard", "--jsonl", str(path))
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["allowed"] for o in out] == [True, False, False]
    assert out[0]["sql"] and out[1]["issues"] and all(set(o) >= {"allowed", "sql", "issues"} for o in out)
    assert result.returncode == 0                       # every line checked; verdicts are in the output
    assert nl2sql("guard", "--jsonl", str(tmp_path / "missing.jsonl")).returncode == 2


def test_demo_build_then_ask_json_through_the_stub_llm(tmp_path: Path) -> None:
    db = tmp_path / "tpch.duckdb"
    built = nl2sql("demo", "build", str(db), "--scale", "0.002")
    assert built.returncode == 0 and db.exists(), built.stderr
    sql = "SELECT n_name AS nation, COUNT(*) AS suppliers FROM supplier JOIN nation ON s_nationkey = n_nationkey GROUP BY n_name ORDER BY suppliers DESC, nation"
    with StubLlmServer(responder=lambda body: f"SQL: {sql};") as stub:
        result = nl2sql(
            "ask", "number of vendors in each country, most first", "--db", str(db), "--generator", "llm", "--json",
            env={"OPENAI_BASE_URL": stub.url, "OPENAI_API_KEY": "sk-cli-test-key", "NL2SQL_DATA_DIR": str(tmp_path)},
        )
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == "answered" and answer["generator"] == "llm"
    assert answer["columns"] == ["nation", "suppliers"]
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        expected = [list(r) for r in con.execute(sql).fetchall()]
        assert con.execute(answer["sql"]).fetchall() == [tuple(r) for r in expected]
    assert answer["rows"] == expected
    assert "sk-cli-test-key" not in result.stdout + result.stderr


def test_ask_without_llm_answers_a_verified_question_on_the_demo(demo_data_dir: Path) -> None:
    import yaml

    overlay = yaml.safe_load((REPO_ROOT / "fixtures" / "tpch" / "overlay.yaml").read_text())
    question = overlay["verified_queries"][0]["question"]
    result = nl2sql("ask", question, env={"NL2SQL_DATA_DIR": str(demo_data_dir)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SELECT" in result.stdout.upper() and "trusted" in result.stdout


def test_ask_abstains_with_exit_4_and_says_how_to_configure_an_llm(demo_data_dir: Path) -> None:
    result = nl2sql("ask", "what will the weather be in Paris tomorrow", "--json", env={"NL2SQL_DATA_DIR": str(demo_data_dir)})
    answer = json.loads(result.stdout)
    assert result.returncode == 4 and answer["status"] == "abstained"
    # the person asking is told an administrator can help; the settings are in the admin-facing field only
    assert "administrator" in answer["hint"] and "OPENAI" not in answer["hint"]
    assert "OPENAI_API_KEY" in answer["admin_hint"]


def test_ask_prints_the_answer_notes(demo_data_dir: Path) -> None:
    result = nl2sql("ask", "revenue by year", "--generator", "offline", env={"NL2SQL_DATA_DIR": str(demo_data_dir)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "note: 1998 is incomplete: the data ends on 1998-08-02" in result.stdout
    quiet = nl2sql("ask", "revenue by year", "--generator", "offline",
                   env={"NL2SQL_DATA_DIR": str(demo_data_dir), "NL2SQL_ANSWER_NOTES": "false"})
    assert quiet.returncode == 0 and "note:" not in quiet.stdout


def test_unreachable_llm_has_its_own_error_code(demo_data_dir: Path) -> None:
    import socket

    with socket.socket() as s:                                      # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = nl2sql("ask", "Which parts smell of lavender?", "--generator", "llm", "--json",
                    env={"NL2SQL_DATA_DIR": str(demo_data_dir), "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
                         "OPENAI_API_KEY": "sk-cli-closed-port", "NL2SQL_LLM_MAX_RETRIES": "0"})
    answer = json.loads(result.stdout)
    assert result.returncode == 1 and answer["error_code"] == "llm_unreachable", answer
    assert "OPENAI_BASE_URL" in answer["hint"] and "sk-cli-closed-port" not in result.stdout


def test_missing_database_is_a_config_error(tmp_path: Path) -> None:
    result = nl2sql("ask", "revenue", "--db", str(tmp_path / "nope.duckdb"), "--json")
    assert result.returncode == 5
    assert json.loads(result.stdout)["status"] == "error"


def test_catalog_json_lists_the_demo_tables(demo_data_dir: Path) -> None:
    result = nl2sql("catalog", "--json", env={"NL2SQL_DATA_DIR": str(demo_data_dir)})
    assert result.returncode == 0, result.stderr
    names = {t["name"] for t in json.loads(result.stdout)["tables"]}
    assert names == {"region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem"}
