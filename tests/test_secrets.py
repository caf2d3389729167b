"""Secrets (API keys, tokens, passwords) never appear in logs, error messages, reports or answers."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.eval.api import EvalRequest, evaluate
from nl2sql.pipeline import Assistant
from nl2sql.settings import DEMO_OVERLAY, Settings
from tests.conftest import REPO_ROOT, shared_value_index
from tests.llm_stub import StubLlmServer

KEY = "sk-proj-SECRET0123456789abcdefXYZ"
QUESTION = "How many orders did each clerk handle?"


def make(demo_model, demo_warehouse, url: str, **changes: Any) -> Assistant:
    settings = replace(Settings(llm_base_url=url, llm_api_key=KEY, llm_model="stub", llm_timeout_s=0.5,
                                llm_max_retries=1, generator="llm"), **changes)
    llm = OpenAiLlm(base_url=url, api_key=KEY, model="stub", timeout_s=0.5, max_retries=1)
    return Assistant(demo_model, demo_warehouse, settings, llm=llm, value_index=shared_value_index(demo_model, demo_warehouse))


@pytest.mark.parametrize("kind", ["401", "429", "500", "malformed", "no_sql", "drop", "timeout"])
def test_key_never_in_logs_or_answers_under_faults(demo_model, demo_warehouse, caplog, kind: str) -> None:
    caplog.set_level(logging.DEBUG)                     # everything, including openai's and httpx's own logs
    with StubLlmServer() as stub:
        stub.fail_next(kind, times=10, delay_s=2)
        answer = make(demo_model, demo_warehouse, stub.url).ask(QUESTION)
        assert stub.requests and stub.requests[0].headers.get("authorization") == f"Bearer {KEY}"
    assert answer.status == "error"
    assert KEY not in json.dumps(answer.to_dict(), default=str)
    assert KEY not in caplog.text
    assert KEY not in repr(make(demo_model, demo_warehouse, "http://127.0.0.1:9/v1").llm)


def test_key_never_in_prompts(demo_model, demo_warehouse) -> None:
    with StubLlmServer() as stub:
        stub.script("```sql\nSELECT 1 AS one\n```")
        make(demo_model, demo_warehouse, stub.url).ask(QUESTION)
        assert KEY not in json.dumps(stub.requests[0].body)


def test_key_never_in_eval_reports(demo_data_dir: Path, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    golden = tmp_path / "golden.yaml"
    golden.write_text("questions:\n  - {id: q1, question: 'How many orders are there?', sql: 'SELECT COUNT(*) FROM orders'}\n")
    with StubLlmServer(responder=lambda body: "SELECT COUNT(*) FROM orders") as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key=KEY, llm_model="stub",
                            db_path=str(demo_data_dir / "demo_tpch.duckdb"), overlay_path=str(DEMO_OVERLAY))
        report = evaluate(EvalRequest(dataset=f"file:{golden}", generator="llm", out_dir=tmp_path / "out",
                                      db=str(demo_data_dir / "demo_tpch.duckdb"), overlay=str(DEMO_OVERLAY)),
                          settings=settings, progress_stream=None)
    assert report["questions"][0]["status"] == "correct"
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in caplog.text


def test_database_password_never_in_errors(tmp_path: Path) -> None:
    from nl2sql.errors import Nl2SqlError
    from nl2sql.wiring import open_warehouse

    url = "postgresql://analyst:Pa55w0rd-SECRET@127.0.0.1:9/warehouse"
    try:
        demo_warehouse, _ = open_warehouse(Settings(db_url=url))
        demo_warehouse.read_catalog()
    except Nl2SqlError as e:
        assert "Pa55w0rd-SECRET" not in str(e) and "Pa55w0rd-SECRET" not in repr(e)
    else:  # pragma: no cover - nothing listens on port 9
        pytest.fail("connecting to a closed port should fail")
    assert "Pa55w0rd-SECRET" not in (REPO_ROOT / "README.md").read_text()
