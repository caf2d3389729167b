"""A judge for the selection pass (``NL2SQL_LLM_SELECTION``), wrapped around any stub responder: the model's
answer to "Query A or Query B?" is right with probability ``p_right`` when exactly one of the two returns the
gold result on the Spider database (each query and the gold run in SQLite), and a coin toss when neither or both
do. Every other request goes to the wrapped responder. The stubs cannot answer the selection request (they reply
with SQL, which is no choice, so the vote stands); this measures what the pass is worth for a judge of a given
accuracy, which only a real model can settle.

    with StubLlmServer(responder=Judge(ImperfectModel(gold, seed=7), spider_dir, p_right=0.8)) as stub: ...
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
from pathlib import Path
from typing import Any

from nl2sql.eval.score import result_eq
from nl2sql.llm.candidates import ordered
from tests.llm_stub import Reply, Responder

ASKED = "Which one answers the question as it was asked?"
_QUERY = re.compile(r"Query ([AB]):\s*```sql\n(.*?)\n```", re.DOTALL)
_QUESTION = re.compile(r"Question:\s*(.+?)\s*$", re.DOTALL)


def _rows(database: Path, sql: str) -> list[tuple[Any, ...]] | None:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            return [tuple(r) for r in db.execute(sql).fetchall()]
    except sqlite3.Error:
        return None


class Judge:
    """``responder`` with selection requests answered by a judge right ``p_right`` of the time (module doc);
    ``tally`` counts the selection requests, those where exactly one query was right, and the judge's right calls."""

    def __init__(self, responder: Responder, spider: Path, *, p_right: float, seed: int = 7) -> None:
        records = json.loads((spider / "dev.json").read_text(encoding="utf-8"))
        self.golds = sorted(((r["question"], r["query"], r["db_id"]) for r in records), key=lambda g: -len(g[0]))
        self.responder, self.spider, self.p_right, self.seed = responder, spider, p_right, seed
        self.tally = {"asked": 0, "decisive": 0, "right": 0}

    def __call__(self, body: dict[str, Any]) -> Reply:
        messages = body.get("messages", [])
        last = str(messages[-1].get("content", "")) if messages else ""
        if ASKED not in last:
            return self.responder(body)
        queries = dict(_QUERY.findall(last))
        earlier = [str(m.get("content", "")) for m in messages[:-1] if m.get("role") == "user"]
        tails = ("Question:" + u.rsplit("Question:", 1)[-1] for u in reversed(earlier) if "Question:" in u)
        asked = next((m.group(1) for tail in tails if (m := _QUESTION.search(tail))), "")
        gold = next(((sql, db_id) for q, sql, db_id in self.golds if q in asked), None)
        rng = random.Random(hashlib.sha256(f"{self.seed}|{asked}|{sorted(queries.items())}".encode()).hexdigest())
        self.tally["asked"] += 1
        right: list[str] = []
        if gold is not None and len(queries) == 2:
            database = self.spider / "database" / gold[1] / f"{gold[1]}.sqlite"
            want = _rows(database, gold[0])
            for letter, sql in sorted(queries.items()):
                got = _rows(database, sql)
                if got is not None and want is not None and result_eq(got, want, ordered=ordered(gold[0])):
                    right.append(letter)
        if len(right) == 1:
            self.tally["decisive"] += 1
            choice = right[0] if rng.random() < self.p_right else ("B" if right[0] == "A" else "A")
            self.tally["right"] += choice == right[0]
        else:
            choice = rng.choice("AB")
        return f"ANSWER: {choice}"
