"""Pipeline overhead per question on the demo warehouse, with a stub LLM that answers instantly.

Every golden question goes down the LLM path (link → render → LLM call → extract → guard → run →
present) against a local OpenAI-compatible server that replies with the gold SQL at once, so what is
measured is our own work plus one loopback HTTP round trip. Prints JSON: median and p95 ms per step,
and the overhead (total minus the warehouse run).

    python benchmarks/pipeline_overhead.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.demo.build import ensure_demo_warehouse
from nl2sql.eval.dataset import load_benchmark_file
from nl2sql.pipeline import Assistant
from nl2sql.settings import DEMO_OVERLAY, Settings
from nl2sql.wiring import build_model
from tests.llm_stub import StubLlmServer


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def gold_responder(gold: dict[str, str]):
    def respond(body: dict[str, Any]) -> str:
        last = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
        last = last.rsplit("Question:", 1)[-1]     # the question asked, not the few-shot examples before it
        question = max((q for q in gold if q in last), key=len)
        return f"```sql\n{gold[question]}\n```"

    return respond


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the golden questions")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="nl2sql-bench-"))
    warehouse = DuckDbWarehouse(ensure_demo_warehouse(data_dir))
    model = build_model(warehouse, DEMO_OVERLAY)
    examples = [e for e in load_benchmark_file(REPO / "fixtures" / "tpch" / "golden.yaml").examples if e.gold_sql]
    gold = {e.question: e.gold_sql for e in examples}
    with StubLlmServer(responder=gold_responder(gold)) as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="bench", llm_model="stub", generator="llm")
        assistant = Assistant(model, warehouse, settings, llm=OpenAiLlm.from_settings(settings))
        assistant.ask(examples[0].question)  # warm up caches and the HTTP connection
        steps: dict[str, list[float]] = {}
        answered = 0
        for _ in range(args.repeat):
            for example in examples:
                answer = assistant.ask(example.question, generators=("llm",))
                answered += answer.status == "answered"
                timings = dict(answer.timings_ms)
                timings["overhead_excluding_run"] = timings["total"] - timings.get("run", 0.0)
                timings["overhead_excluding_run_and_llm_http"] = timings["overhead_excluding_run"] - timings.get("llm", 0.0)
                for step, ms in timings.items():
                    steps.setdefault(step, []).append(ms)
    print(
        json.dumps(
            {
                "benchmark": "pipeline_overhead",
                "questions": len(examples),
                "repeat": args.repeat,
                "answered_share": round(answered / (len(examples) * args.repeat), 4),
                "steps_ms": {
                    step: {"median": round(statistics.median(v), 3), "p95": round(percentile(v, 0.95), 3), "n": len(v)}
                    for step, v in sorted(steps.items())
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
