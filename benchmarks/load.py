"""Load: N concurrent questions through the Python API on the demo warehouse, with the stub LLM.

Golden questions go down the LLM path against a local OpenAI-compatible server that replies at once with
their gold SQL; N threads share one ``Assistant``. Each answer is checked against the gold result (run on
a plain DuckDB copy). Prints JSON: questions, errors, wrong answers, throughput and latency percentiles.

    python benchmarks/load.py [--concurrency 50] [--questions 200]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import duckdb

from benchmarks.pipeline_overhead import gold_responder, percentile
from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.demo.build import ensure_demo_warehouse
from nl2sql.eval.dataset import load_benchmark_file
from nl2sql.eval.score import result_eq
from nl2sql.pipeline import Assistant
from nl2sql.settings import DEMO_OVERLAY, Settings
from nl2sql.wiring import build_model
from tests.llm_stub import StubLlmServer


def run_load(concurrency: int, questions: int, data_dir: Path) -> dict[str, Any]:
    db = ensure_demo_warehouse(data_dir)
    copy = data_dir / "gold_copy.duckdb"
    shutil.copyfile(db, copy)
    examples = [e for e in load_benchmark_file(REPO / "fixtures" / "tpch" / "golden.yaml").examples if e.gold_sql]
    with duckdb.connect(str(copy), read_only=True) as con:
        gold_rows = {e.question: con.execute(e.gold_sql).fetchall() for e in examples}
    warehouse = DuckDbWarehouse(db)
    model = build_model(warehouse, DEMO_OVERLAY)
    batch = [examples[i % len(examples)] for i in range(questions)]
    with StubLlmServer(responder=gold_responder({e.question: e.gold_sql for e in examples})) as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="load", llm_model="stub", generator="llm",
                            max_rows=100_000)
        assistant = Assistant(model, warehouse, settings, llm=OpenAiLlm.from_settings(settings))

        def ask(example: Any) -> tuple[Any, Any, float]:
            start = time.perf_counter()
            answer = assistant.ask(example.question, generators=("llm",))
            return example, answer, (time.perf_counter() - start) * 1000

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(ask, batch))
        wall = time.perf_counter() - start
    errors = [a for _, a, _ in results if a.status != "answered"]
    wrong = [
        e.id for e, a, _ in results
        if a.status == "answered"
        and not result_eq(gold_rows[e.question], list(a.rows), ordered="order by" in e.gold_sql.lower())
    ]
    latencies = [ms for _, _, ms in results]
    return {
        "benchmark": "load",
        "concurrency": concurrency,
        "questions": len(results),
        "errors": len(errors),
        "error_messages": sorted({a.message or "" for a in errors})[:5],
        "wrong_answers": len(wrong),
        "wall_s": round(wall, 3),
        "throughput_qps": round(len(results) / wall, 2),
        "latency_ms": {
            "median": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 0.95), 1),
            "max": round(max(latencies), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(run_load(args.concurrency, args.questions, Path(tempfile.mkdtemp(prefix="nl2sql-load-"))), indent=2))


if __name__ == "__main__":
    main()
