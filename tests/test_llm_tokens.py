"""Cached and reasoning tokens, as a provider reports them, reach the eval report's ``tokens``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nl2sql.eval.api import EvalRequest, evaluate
from nl2sql.settings import Settings
from tests.llm_stub import StubReply
from tests.test_eval_llm import _gold_by_question, spider_tiny  # noqa: F401 (the fixture)


def test_report_breaks_out_cached_and_reasoning_tokens(spider_tiny: Path, tmp_path: Path,
                                                       llm_stub: Any) -> None:
    gold = _gold_by_question(spider_tiny)

    def respond(body: dict[str, Any]) -> StubReply:
        user = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
        sql = next((s for q, s in sorted(gold.items(), key=lambda kv: -len(kv[0])) if q in user), "SELECT 1")
        return StubReply(f"```sql\n{sql}\n```", cached_tokens=100, reasoning_tokens=7)

    llm_stub.responder = respond
    settings = Settings(llm_base_url=llm_stub.url, llm_api_key="test-key", llm_model="stub-model", max_repairs=0)
    request = EvalRequest(f"spider:{spider_tiny}", "llm", tmp_path / "run", resume=False, workers=1)
    report = evaluate(request, settings=settings, progress_stream=None)
    tokens = report["tokens"]
    asked = sum(q["prompt_tokens"] > 0 for q in report["questions"])
    assert asked >= 18
    assert tokens["cached"] == 100 * asked and tokens["reasoning"] == 7 * asked
    assert tokens["cached"] <= tokens["prompt"] and tokens["reasoning"] <= tokens["completion"]
    assert all(q["cached_tokens"] in (0, 100) for q in report["questions"])
