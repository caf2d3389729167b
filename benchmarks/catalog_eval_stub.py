"""Whole-catalog Spider dev through the real LLM path, with a schema-aware stub model.

Usage: python benchmarks/catalog_eval_stub.py [--spider DIR] [--limit N] [--out DIR]

Runs ``nl2sql eval --dataset spider-catalog:SPIDER --generator llm`` (``nl2sql/eval/catalog_mode.py``) against
a real local OpenAI-compatible HTTP server (``tests/llm_stub.py``) whose model answers a question's gold SQL,
written with catalog table names as a perfect model would, only when every gold table is in the schema of
its prompt, and says ``CANNOT ANSWER`` otherwise. Execution accuracy is then what whole-catalog linking lets
a perfect model reach. Prints JSON: accuracy, linking recall, counts by status.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any
from collections.abc import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.linking_recall import gold_tables, spider_dir

_TABLE = re.compile(r'CREATE TABLE\s+(?:"([^"]+)"|([\w.]+))', re.IGNORECASE)


def schema_aware_responder(spider: Path) -> Callable[[dict[str, Any]], str]:
    """Gold SQL (catalog names) when the prompt's schema shows every gold table; else an abstention."""
    import sqlglot
    from sqlglot import exp

    from nl2sql.eval.spider_catalog import catalog_table_name

    by_question: dict[str, list[dict[str, Any]]] = {}
    for ex in json.loads((spider / "dev.json").read_text()):
        by_question.setdefault(ex["question"].strip(), []).append(ex)

    def respond(body: dict[str, Any]) -> str:
        user = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
        question = user.rsplit("Question:", 1)[-1].strip()
        shown = {(a or b).lower().rsplit(".", 1)[-1] for a, b in _TABLE.findall(user)}   # schema.name -> name
        for ex in by_question.get(question, []):
            gold = gold_tables(ex["query"]) or set()
            if {catalog_table_name(ex["db_id"], t).lower() for t in gold} <= shown:
                tree = sqlglot.parse_one(ex["query"], read="sqlite")
                ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
                for table in tree.find_all(exp.Table):
                    if table.name and table.name.lower() not in ctes:
                        table.set("this", exp.to_identifier(catalog_table_name(ex["db_id"], table.name)))
                return f"```sql\n{tree.sql(dialect='sqlite')}\n```"
        return "CANNOT ANSWER: the tables this question needs are not in the schema I was given."

    return respond


def run(spider: Path, out: Path, limit: int | None = None, workers: int = 2) -> dict[str, Any]:
    from nl2sql.eval.api import EvalRequest, evaluate
    from nl2sql.settings import Settings
    from tests.llm_stub import StubLlmServer

    with StubLlmServer(responder=schema_aware_responder(spider)) as stub:
        settings = replace(Settings(), llm_base_url=stub.url, llm_api_key="stub-key", llm_model="schema-aware-stub",
                           generator="llm")
        report = evaluate(EvalRequest(dataset=f"spider-catalog:{spider}", generator="llm", out_dir=out,
                                      limit=limit, workers=workers, resume=False), settings=settings,
                          progress_stream=None)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spider", help="Spider folder (default: $NL2SQL_SPIDER_DIR or ../shared/benchmarks/spider)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: a temp dir)")
    args = parser.parse_args(argv)
    spider = spider_dir(args.spider)
    if spider is None:
        print(json.dumps({"error": "Spider dev pack not found: set NL2SQL_SPIDER_DIR"}))
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="catalog-eval-"))
    report = run(spider, out, args.limit)
    print(json.dumps({key: report.get(key) for key in
                      ("execution_accuracy", "relaxed_accuracy", "counts", "linking", "timings_ms", "wall_s")}
                     | {"out": str(out)}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
