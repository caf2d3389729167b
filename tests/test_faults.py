"""Faults end in a typed, friendly Answer with nothing lost: LLM and warehouse failures through the whole pipeline."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.conftest import shared_value_index
from tests.llm_stub import StubLlmServer

QUESTION = "How many orders did each clerk handle?"   # not a verified question: the LLM must answer
GOOD = "```sql\nSELECT o_clerk, COUNT(*) AS orders FROM orders GROUP BY o_clerk\n```"
KEY = "sk-fault-test-0123456789abcdef"


@pytest.fixture()
def stub(llm_stub: StubLlmServer) -> StubLlmServer:
    """The shared stub server (tests/conftest.py's ``llm_stub``) under this module's short name."""
    return llm_stub


def assistant(demo_model, demo_warehouse, stub: StubLlmServer, **changes: Any) -> Assistant:
    settings = replace(
        Settings(llm_base_url=stub.url, llm_api_key=KEY, llm_model="stub", llm_timeout_s=0.5,
                 llm_max_retries=2, generator="llm"),
        **changes,
    )
    llm = OpenAiLlm(base_url=settings.llm_base_url, api_key=settings.llm_api_key, model=settings.llm_model,
                    timeout_s=settings.llm_timeout_s, max_retries=settings.llm_max_retries)
    return Assistant(demo_model, demo_warehouse, settings, llm=llm, value_index=shared_value_index(demo_model, demo_warehouse))


def friendly(answer: Any, status: str, code: str) -> None:
    assert (answer.status, answer.error_code) == (status, code), answer.message
    assert answer.message and "Traceback" not in answer.message and KEY not in answer.message
    assert answer.sql is None


def test_429_with_retry_after_then_success(demo_model, demo_warehouse, stub) -> None:
    stub.fail_next("429", retry_after="0.05").script(GOOD)
    answer = assistant(demo_model, demo_warehouse, stub).ask(QUESTION)
    assert answer.status == "answered" and len(answer.rows) > 1
    assert len(stub.requests) == 2


def test_persistent_429_is_bounded_and_friendly(demo_model, demo_warehouse, stub) -> None:
    stub.fail_next("429", times=50, retry_after="0.01")
    start = time.monotonic()
    answer = assistant(demo_model, demo_warehouse, stub).ask(QUESTION)
    friendly(answer, "error", "llm_unavailable")
    assert len(stub.requests) == 3 and time.monotonic() - start < 60    # bounded: 3 requests, not 50


@pytest.mark.parametrize("kind", ["500", "503", "drop"])
def test_server_errors_and_dropped_connections_are_retried_then_friendly(demo_model, demo_warehouse, stub, kind: str) -> None:
    stub.fail_next(kind, times=50)
    friendly(assistant(demo_model, demo_warehouse, stub).ask(QUESTION), "error", "llm_unavailable")
    assert len(stub.requests) == 3


def test_llm_timeout_is_bounded(demo_model, demo_warehouse, stub) -> None:
    stub.fail_next("timeout", times=50, delay_s=120)     # stalls until the stub closes or 120 s pass
    start = time.monotonic()
    friendly(assistant(demo_model, demo_warehouse, stub).ask(QUESTION), "error", "llm_unavailable")
    # 3 attempts x 0.5 s, the openai client's backoff between them (about 0.5 s, then 1 s) and the first
    # question's value-index read, never the 120 s stall x 3; the bound is far from both
    assert time.monotonic() - start < 60


@pytest.mark.parametrize("kind", ["malformed", "empty_choices", "no_sql", "endless"])
def test_garbage_replies_end_in_a_typed_error(demo_model, demo_warehouse, stub, kind: str) -> None:
    stub.fail_next(kind, times=50)
    answer = assistant(demo_model, demo_warehouse, stub, max_repairs=1).ask(QUESTION)
    assert answer.status == "error"
    assert answer.error_code in {"llm_reply", "llm_unavailable"}
    assert answer.message and KEY not in answer.message


def test_garbage_then_good_reply_is_repaired(demo_model, demo_warehouse, stub) -> None:
    stub.fail_next("no_sql").script(GOOD)
    answer = assistant(demo_model, demo_warehouse, stub).ask(QUESTION)
    assert answer.status == "answered"
    assert [a.outcome for a in answer.attempts if a.generator == "llm"] == ["error", "ran"]


def test_warehouse_timeout_interrupts_a_runaway_query(demo_model, demo_warehouse, stub) -> None:
    stub.responder = lambda body: (
        "```sql\nSELECT COUNT(*) FROM lineitem a, lineitem b, lineitem c WHERE a.l_quantity + b.l_quantity > c.l_quantity\n```"
    )
    start = time.monotonic()
    answer = assistant(demo_model, demo_warehouse, stub, query_timeout_s=0.5).ask(QUESTION)
    friendly(answer, "error", "timeout")
    assert time.monotonic() - start < 60               # interrupted at 0.5 s; uninterrupted it runs for hours
    assert len(stub.requests) == 1                     # a timeout is not sent back for "repair"


def test_closed_warehouse_is_a_friendly_error(demo_data_dir: Path, demo_model, stub) -> None:
    gone = DuckDbWarehouse(demo_data_dir / "demo_tpch.duckdb")
    gone.close()
    stub.script(GOOD)
    answer = assistant(demo_model, gone, stub, max_repairs=0).ask(QUESTION)
    assert answer.status == "error" and answer.error_code in {"execution_failed", "internal"}
    assert answer.message and "Traceback" not in answer.message
