"""Pipeline fidelity: with a perfect model behind the OpenAI API, every runnable Spider dev question stays correct.

The stub LLM replies with the gold SQL in the shapes real models use (fenced, bare, after prose,
``SQL: …``, trailing semicolon); the whole LLM path runs for real: linking, context, the OpenAI client
over HTTP, extraction, the guard, and the SQLite warehouse. Any mismatch is our bug, not the model's.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


from catalog_semantics.overlay import apply_overlay
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.eval.score import result_eq
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer

SHAPES = (
    "```sql\n{sql}\n```",
    "{sql}",
    "Here is the query that answers your question:\n\n```sql\n{sql}\n```\nIt joins the tables you need.",
    "SQL: {sql};",
    "{sql};",
    "```\n{sql}\n```",
    "To answer this, I will query the table.\n{sql}",
)


def _questions(spider: Path) -> dict[str, list[tuple[int, str, str]]]:
    by_db: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for i, item in enumerate(json.loads((spider / "dev.json").read_text())):
        if (spider / "database" / item["db_id"] / f"{item['db_id']}.sqlite").exists():
            by_db[item["db_id"]].append((i, item["question"], item["query"]))
    return by_db


def _gold_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.text_factory = lambda b: b.decode(errors="replace")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_perfect_model_keeps_every_runnable_spider_dev_question_correct(spider: Path) -> None:
    by_db = _questions(spider)
    assert sum(len(v) for v in by_db.values()) == 972
    failures: list[str] = []
    with StubLlmServer() as stub:
        for db_id, items in sorted(by_db.items()):
            path = spider / "database" / db_id / f"{db_id}.sqlite"
            warehouse = SqlAlchemyWarehouse.sqlite_file(path)
            model = apply_overlay(warehouse.read_catalog(), None)
            replies = {q: SHAPES[i % len(SHAPES)].format(sql=sql) for i, q, sql in items}

            def respond(body: dict[str, Any], replies: dict[str, str] = replies) -> str:
                last = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
                return replies[max((q for q in replies if q in last), key=len)]

            stub.responder = respond
            settings = Settings(llm_base_url=stub.url, llm_api_key="fidelity", llm_model="perfect",
                                generator="llm", max_rows=100_000, max_repairs=0)
            assistant = Assistant(model, warehouse, settings, llm=OpenAiLlm.from_settings(settings))

            def check(item: tuple[int, str, str]) -> str | None:
                i, question, gold = item
                answer = assistant.ask(question, generators=("llm",))
                if answer.status != "answered":
                    return f"#{i} {db_id}: {answer.status} {answer.error_code}: {answer.message} | {gold}"
                expected = _gold_rows(path, gold)
                if not result_eq(expected, list(answer.rows), ordered="order by" in gold.lower()):
                    return f"#{i} {db_id}: wrong result | gold: {gold} | ran: {answer.sql}"
                return None

            with ThreadPoolExecutor(max_workers=4) as pool:
                failures += [f for f in pool.map(check, items) if f]
    assert not failures, f"{len(failures)} of 972 lost by the pipeline:\n" + "\n".join(failures[:30])
