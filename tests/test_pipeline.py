"""The whole pipeline on the real demo warehouse, with the real OpenAI client talking to a local stub."""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from catalog_semantics.scope import Principal
from tests.conftest import shared_value_index
from tests.llm_stub import StubLlmServer

REVENUE_BY_REGION = """
SELECT r.r_name AS region, SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue
FROM lineitem l
JOIN orders o ON l.l_orderkey = o.o_orderkey
JOIN customer c ON o.o_custkey = c.c_custkey
JOIN nation n ON c.c_nationkey = n.n_nationkey
JOIN region r ON n.n_regionkey = r.r_regionkey
GROUP BY r.r_name ORDER BY revenue DESC
"""


@pytest.fixture()
def stub(llm_stub: StubLlmServer) -> StubLlmServer:
    """The shared stub server (tests/conftest.py's ``llm_stub``) under this module's short name."""
    return llm_stub


def llm_settings(stub: StubLlmServer, **changes: Any) -> Settings:
    base = Settings(llm_base_url=stub.url, llm_api_key="sk-test-not-a-real-key", llm_model="stub",
                    llm_timeout_s=2.0, llm_max_retries=1, generator="llm")
    return replace(base, **changes)


def llm_assistant(demo_model, demo_warehouse, stub: StubLlmServer, **changes: Any) -> Assistant:
    settings = llm_settings(stub, **changes)
    return Assistant(demo_model, demo_warehouse, settings, llm=OpenAiLlm.from_settings(settings),
                     value_index=shared_value_index(demo_model, demo_warehouse))


_COPIES: dict[Path, Path] = {}


def direct(warehouse_path: Path, sql: str) -> list[tuple]:
    """Run SQL on a plain DuckDB copy of the file (one process cannot open a file with two configurations)."""
    if warehouse_path not in _COPIES:
        copy = warehouse_path.with_name("direct_copy.duckdb")
        shutil.copyfile(warehouse_path, copy)
        _COPIES[warehouse_path] = copy
    with duckdb.connect(str(_COPIES[warehouse_path]), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_verified_question_is_answered_without_an_llm_and_trusted(demo_model, demo_warehouse) -> None:
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"))
    verified = demo_model.verified_queries[0]
    answer = assistant.ask(verified.question)
    assert answer.status == "answered", answer.message
    assert (answer.generator, answer.trusted) == ("verified", True)
    assert answer.rows and answer.sql
    assert answer.timings_ms["total"] >= answer.timings_ms["run"]


def test_llm_answer_matches_the_gold_result_and_shows_the_sql_that_ran(demo_model, demo_warehouse, stub, demo_data_dir) -> None:
    stub.script(f"Here you go:\n```sql\n{REVENUE_BY_REGION}\n```")
    answer = llm_assistant(demo_model, demo_warehouse, stub).ask("How much did each region bring in, net of discounts?")
    assert answer.status == "answered", answer.message
    assert answer.generator == "llm" and not answer.trusted
    expected = direct(demo_data_dir / "demo_tpch.duckdb", REVENUE_BY_REGION)
    assert [r[0] for r in answer.rows] == [r[0] for r in expected]
    assert [float(r[1]) for r in answer.rows] == pytest.approx([float(r[1]) for r in expected])
    assert "LIMIT 1000" in answer.sql.upper()           # the guarded SQL, not the demo_model's text
    assert direct(demo_data_dir / "demo_tpch.duckdb", answer.sql) == list(answer.rows)
    assert answer.prompt_tokens > 0 and answer.completion_tokens > 0
    assert "lineitem" in (answer.context or "")
    prompt = " ".join(m["content"] for m in stub.requests[0].messages)
    assert "How much did each region bring in" in prompt


def test_warehouse_error_goes_back_to_the_model_for_repair(demo_model, demo_warehouse, stub) -> None:
    stub.script("```sql\nSELECT CAST(r_name AS INTEGER) AS x FROM region\n```", "```sql\nSELECT r_name FROM region\n```")
    answer = llm_assistant(demo_model, demo_warehouse, stub).ask("list the regions")
    assert answer.status == "answered", answer.message
    assert [a.outcome for a in answer.attempts if a.generator == "llm"] == ["error", "ran"]
    assert len(stub.requests) == 2
    repair_prompt = " ".join(m["content"] for m in stub.requests[1].messages)
    assert "CAST(r_name AS INTEGER)" in repair_prompt
    assert "Conversion Error" in repair_prompt          # the demo_warehouse's own words reach the demo_model


def test_repairs_are_bounded_and_a_refusal_is_reported_with_its_issues(demo_model, demo_warehouse, stub) -> None:
    stub.responder = lambda body: "```sql\nDELETE FROM orders\n```"
    answer = llm_assistant(demo_model, demo_warehouse, stub, max_repairs=2).ask("remove all orders")
    assert answer.status == "refused"
    assert answer.sql is None and answer.issues
    assert len(stub.requests) == 3                      # one try and two repairs, then stop
    assert "sk-test-not-a-real-key" not in (answer.message or "")


def test_llm_outage_is_a_friendly_error(demo_model, demo_warehouse, stub) -> None:
    stub.fail_next("500", times=10)
    answer = llm_assistant(demo_model, demo_warehouse, stub).ask("How much did each region bring in?")
    assert answer.status == "error" and answer.error_code == "llm_unavailable"
    assert answer.message and "Traceback" not in answer.message


@pytest.mark.parametrize(("question", "code"), [("", "question"), ("   ", "question"), ("x" * 5000, "question")])
def test_bad_questions_get_a_typed_error(demo_model, demo_warehouse, question: str, code: str) -> None:
    answer = Assistant(demo_model, demo_warehouse, Settings(generator="offline")).ask(question)
    assert (answer.status, answer.error_code) == ("error", code)
    assert answer.message


def test_llm_policy_without_an_llm_says_how_to_configure_one(demo_model, demo_warehouse) -> None:
    answer = Assistant(demo_model, demo_warehouse, Settings(generator="llm")).ask("revenue by region")
    assert answer.status == "error" and answer.error_code == "config"
    assert "OPENAI_API_KEY" in (answer.hint or "")


def test_principal_sees_only_its_tables(demo_model, demo_warehouse, stub) -> None:
    stub.responder = lambda body: "```sql\nSELECT SUM(l_extendedprice) FROM lineitem\n```"
    assistant = llm_assistant(demo_model, demo_warehouse, stub, max_repairs=0).for_principal(
        Principal.of("analyst", ["orders", "customer", "nation", "region"])
    )
    answer = assistant.ask("gross sales of line items")
    assert answer.status == "refused"
    prompt = " ".join(m["content"] for r in stub.requests for m in r.messages)
    assert "l_extendedprice" not in prompt and "partsupp" not in prompt
    assert "partsupp" not in (answer.message or "")


def test_privacy_setting_keeps_data_values_out_of_prompts(demo_model, demo_warehouse, stub) -> None:
    stub.script("```sql\nSELECT c_mktsegment, COUNT(*) FROM customer GROUP BY 1\n```")
    answer = llm_assistant(demo_model, demo_warehouse, stub, send_data_to_llm=False).ask("customers per market segment")
    assert answer.status == "answered"
    prompt = " ".join(m["content"] for m in stub.requests[0].messages)
    # Values a curator wrote into comments are metadata; values read from the data must never go out.
    written = " ".join([*demo_model.instructions, *(t.comment or "" for t in demo_model.tables),
                        *(c.comment or "" for t in demo_model.tables for c in t.columns)])
    data_values = {v for t in demo_model.tables for c in t.columns for v in c.sample_values
                   if len(v) > 3 and v not in written}
    assert len(data_values) > 20
    assert not [v for v in data_values if v in prompt]


def test_one_assistant_serves_many_threads(demo_model, demo_warehouse, stub) -> None:
    stub.responder = lambda body: "```sql\nSELECT COUNT(*) AS n FROM orders\n```"
    assistant = llm_assistant(demo_model, demo_warehouse, stub)
    answers: list[Any] = []

    def ask() -> None:
        answers.append(assistant.ask("how many orders are there in the books"))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 16 and {a.status for a in answers} == {"answered"}
    assert len({a.rows for a in answers}) == 1


def test_a_model_that_declines_gives_an_abstention_with_its_reason(demo_model, demo_warehouse, stub) -> None:
    stub.script("CANNOT ANSWER: there is no table about employees.")
    answer = llm_assistant(demo_model, demo_warehouse, stub).ask("How many employees work in each department?")
    assert answer.status == "abstained" and answer.sql is None
    assert "no table about employees" in (answer.message or "")
    assert len(stub.requests) == 1                      # a refusal to answer is not "repaired"


def test_the_overlay_chooses_which_columns_offline_answers_show(demo_model, demo_warehouse) -> None:
    question = "Which region has the highest revenue?"
    helpful = Assistant(demo_model, demo_warehouse, Settings(generator="offline")).ask(question)
    asked = Assistant(replace(demo_model, answer_columns="asked"), demo_warehouse,
                      Settings(generator="offline")).ask(question)
    assert helpful.generator == asked.generator == "offline"
    assert len(helpful.columns) == 2 and len(asked.columns) == 1       # region and revenue, or region alone
    assert helpful.rows[0][0] == asked.rows[0][0]
