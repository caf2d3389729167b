"""The llm, offline and verified generators through the real Assistant, and the LLM reply cache, against
a real OpenAI-compatible server on 127.0.0.1 (tests/llm_stub.py)."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path
from typing import Any

import pytest

from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.eval.api import EvalRequest, evaluate
from nl2sql.eval.cache import CachedLlm
from nl2sql.ports import Message
from nl2sql.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eval"


@pytest.fixture(scope="module")
def spider_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fixtures") / "spider_tiny"
    shutil.copytree(FIXTURES / "spider_tiny", folder)
    runpy.run_path(str(FIXTURES / "build_dbs.py"))["build"](folder)
    return folder


def _gold_by_question(folder: Path) -> dict[str, str]:
    return {e["question"]: e["query"] for e in json.loads((folder / "dev.json").read_text())}


def _answer_with_gold(gold: dict[str, str]) -> Any:
    def respond(body: dict[str, Any]) -> str:
        user = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
        for question, sql in sorted(gold.items(), key=lambda kv: -len(kv[0])):
            if question in user:
                return f"```sql\n{sql}\n```"
        return "I cannot answer that."

    return respond


def test_llm_generator_through_the_assistant_with_cache(spider_tiny: Path, tmp_path: Path, llm_stub: Any) -> None:
    llm_stub.responder = _answer_with_gold(_gold_by_question(spider_tiny))
    settings = Settings(llm_base_url=llm_stub.url, llm_api_key="test-key", llm_model="stub-model", max_repairs=0)
    request = EvalRequest(f"spider:{spider_tiny}", "llm", tmp_path / "run", resume=False, workers=1)
    report = evaluate(request, settings=settings, progress_stream=None)
    statuses = [q["status"] for q in report["questions"]]
    # The assistant answers with gold SQL; the guard renders it in SQLite, so the match must hold.
    assert statuses.count("correct") >= 18 and statuses[-1] == "skipped", statuses
    assert report["params"]["model"] == "stub-model"
    assert report["tokens"]["prompt"] > 0
    assert report["linking"]["questions"] == 20
    sent = len(llm_stub.requests)
    # 19 distinct questions (one is asked twice: its second request is already a cache hit)
    assert sent == 19 and report["llm_cache"] == {"hits": 1, "misses": 19}
    again = evaluate(request, settings=settings, progress_stream=None)   # same requests: all from the cache
    assert len(llm_stub.requests) == sent
    assert again["llm_cache"] == {"hits": 20, "misses": 0}
    assert [q["status"] for q in again["questions"]] == statuses


def test_offline_and_verified_generators_run(spider_tiny: Path, tmp_path: Path) -> None:
    for kind in ("offline", "verified"):
        report = evaluate(EvalRequest(f"spider:{spider_tiny}", kind, tmp_path / kind), progress_stream=None)
        assert report["counts"]["runnable"] == 20
        assert set(q["status"] for q in report["questions"]) <= {"correct", "wrong_result", "abstained",
                                                                    "sql_error", "refused", "timeout", "skipped"}
    # no verified queries in a bare catalog: the verified generator abstains on every question
    assert report["counts"]["abstained"] == 20 and report["execution_accuracy"] == 0.0


def test_cached_llm_keys_on_the_full_request(tmp_path: Path, llm_stub: Any) -> None:
    llm_stub.script("```sql\nSELECT 1\n```", "```sql\nSELECT 2\n```", "```sql\nSELECT 3\n```")
    inner = OpenAiLlm(base_url=llm_stub.url, api_key="k", model="stub-model", max_retries=0)
    cache = CachedLlm(inner, tmp_path / "cache.sqlite", request={"temperature": 0.0, "base_url": llm_stub.url})
    ask = [Message("system", "Write SQL."), Message("user", "one")]
    first = cache.complete(ask)
    assert "SELECT 1" in first.text and cache.complete(ask).text == first.text
    assert len(llm_stub.requests) == 1
    assert "SELECT 2" in cache.complete([Message("system", "Write SQL."), Message("user", "two")]).text
    hotter = CachedLlm(inner, tmp_path / "cache.sqlite", request={"temperature": 0.7, "base_url": llm_stub.url})
    assert "SELECT 3" in hotter.complete(ask).text                     # another temperature: another key
    reopened = CachedLlm(inner, tmp_path / "cache.sqlite", request={"temperature": 0.0, "base_url": llm_stub.url})
    assert reopened.complete(ask).text == first.text and reopened.hits == 1   # persisted on disk
    assert len(llm_stub.requests) == 3
    assert reopened.complete(ask).prompt_tokens == first.prompt_tokens


def test_failed_llm_calls_are_not_cached(tmp_path: Path, llm_stub: Any) -> None:
    from nl2sql.errors import LlmUnavailable

    inner = OpenAiLlm(base_url=llm_stub.url, api_key="k", model="stub-model", max_retries=0)
    cache = CachedLlm(inner, tmp_path / "cache.sqlite")
    llm_stub.fail_next("500")
    with pytest.raises(LlmUnavailable):
        cache.complete([Message("user", "q")])
    assert cache.complete([Message("user", "q")]).text and cache.misses == 1
