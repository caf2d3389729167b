"""Prompt tokens per demo question and the byte-identical prefix they share, with the linking recall beside.

Every demo golden question (fixtures/tpch/golden.yaml) goes through ``Assistant.ask`` with the LLM generator
against the local stub server, which records each request; tokens are estimated at four characters a token
(the stub's own usage figures count the same way). Runs on any version of the code (set PYTHONPATH), so a
before/after comparison is two runs:

    git archive <before> | tar -x -C /tmp/before && PYTHONPATH=/tmp/before python benchmarks/prompt_tokens.py
    PYTHONPATH=. python benchmarks/prompt_tokens.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from nl2sql.wiring import build_assistant_parts
from tests.llm_stub import StubLlmServer

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "tpch" / "golden.yaml"


def main() -> None:
    loaded = yaml.safe_load(GOLDEN.read_text())
    items = loaded["questions"] if isinstance(loaded, dict) else loaded
    with StubLlmServer(responder=lambda body: "CANNOT ANSWER: measuring the prompt only.") as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", llm_model="m", generator="llm",
                            data_dir=os.environ.get("NL2SQL_DATA_DIR"))
        parts = build_assistant_parts(settings)
        assistant = Assistant(parts.model, parts.warehouse, settings, llm=OpenAiLlm.from_settings(settings))
        kept = scored = 0
        for item in items:
            answer = assistant.ask(item["question"], generators=("llm",))
            if not item.get("sql"):                   # a question the engine should decline: no gold tables
                continue
            gold = {t.name.lower() for t in sqlglot.parse_one(item["sql"], read="duckdb").find_all(exp.Table)}
            kept += gold <= {t.lower() for t in answer.linked_tables}
            scored += 1
        prompts = ["".join(str(m.get("content", "")) for m in r.messages) for r in stub.requests]
    prefix = os.path.commonprefix(prompts)
    print(json.dumps({
        "questions": len(items),
        "prompt_tokens_per_question": round(sum((len(p) + 3) // 4 for p in prompts) / len(prompts), 1),
        "shared_prefix_tokens": (len(prefix) + 3) // 4,
        "linking_recall": round(kept / scored, 4),
    }, indent=2))


if __name__ == "__main__":
    main()
