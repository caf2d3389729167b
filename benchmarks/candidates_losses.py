"""Why several candidates lose: Spider dev through the LLM path against an imperfect stub (as
``candidates_spider.py``), in process so every answer's attempts are kept, and each question answered wrong
classified by where the gold result was lost:

- ``no-gold``: no whole reply of the model returned the gold result (no selection can recover it);
- ``outvoted``: a candidate that ran returned the gold result, and the vote chose another (split by why:
  the winner had more agreeing, a tie, or the selection pass overruled it);
- ``dropped``: a whole reply returned the gold result but never voted (refused, failed, not extracted);
- ``abstained`` / ``failed``: nothing answered although a whole reply returned the gold result.

It also reads the requests the server got: how many per question, their ``n``, temperature and seed, and how
many distinct replies a question got.

    NL2SQL_SPIDER_DIR=... python benchmarks/candidates_losses.py --stub a|b|c [--n 5] [--limit N] [--show 20]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nl2sql.answer import Answer
from nl2sql.eval.api import EvalRequest, evaluate
from nl2sql.eval.score import result_eq
from nl2sql.llm.candidates import ordered
from nl2sql.pipeline import Assistant
from nl2sql.running import Runner
from nl2sql.settings import Settings
from tests.imperfect_llm import ImperfectModel
from tests.imperfect_llm_b import ImperfectModelB, load
from tests.imperfect_llm_c import ImperfectModelC, load_spider
from tests.server_behaviours import SERVERS, server_for


def _rows(db: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]] | None:
    try:
        return [tuple(r) for r in db.execute(sql).fetchall()]
    except Exception:
        return None


def _right(db: sqlite3.Connection, sql: str | None, want: list[tuple[Any, ...]] | None, order: bool) -> bool:
    """Does ``sql`` return the gold result ``want`` (as the eval compares)?"""
    got = _rows(db, sql) if sql else None
    return got is not None and want is not None and result_eq(got, want, ordered=order)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stub", choices=("a", "b", "c"), default="a")
    parser.add_argument("--server", choices=SERVERS, default="indexed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--show", type=int, default=0, help="print this many outvoted questions in full")
    parser.add_argument("--dump", type=Path, help="write every question's attempts as JSON lines (for replaying votes)")
    args = parser.parse_args()
    spider = Path(os.environ["NL2SQL_SPIDER_DIR"])
    dev = json.loads((spider / "dev.json").read_text())
    gold = {r["question"]: r["query"] for r in dev}
    db_of = {r["question"]: r["db_id"] for r in dev}
    answers: dict[str, Answer] = {}
    lock = threading.Lock()
    ask, repair_failed = Assistant.ask, Runner.repair_failed
    repaired: dict[str, list[str]] = {}
    local = threading.local()

    def keeping(self: Assistant, question: str, *a: Any, **k: Any) -> Answer:
        local.question = question
        answer = ask(self, question, *a, **k)
        with lock:
            answers[question] = answer
        return answer

    def noting(self: Runner, *a: Any, **k: Any) -> Any:
        more = repair_failed(self, *a, **k)
        repaired.setdefault(local.question, []).extend(r.checked.sql for _, r in more)
        return more

    Runner.repair_failed = noting

    Assistant.ask = keeping      # instrumentation only: each answer is kept, none changed
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "replies.jsonl"
        if args.stub == "a":
            model: Any = ImperfectModel(gold, seed=args.seed, cut_log=log)
        elif args.stub == "b":
            model = ImperfectModelB(*load(spider), seed=args.seed, cut_log=log)
        else:
            model = ImperfectModelC(*load_spider(spider), seed=args.seed, log=log)
        with server_for(args.server, model) as stub:
            os.environ.update({"OPENAI_BASE_URL": stub.url, "OPENAI_API_KEY": "stub", "NL2SQL_LLM_MODEL": "imperfect",
                               "NL2SQL_LLM_CANDIDATES": str(args.n), "NL2SQL_DATA_DIR": str(Path(tmp) / "data")})
            report = evaluate(EvalRequest(dataset=f"spider:{spider}", generator="llm", out_dir=Path(tmp) / "run",
                                          limit=args.limit, resume=False),
                              settings=Settings.from_env(), progress_stream=None)
            bodies = [r.body for r in stub.requests]
        replies: dict[str, list[tuple[str, str]]] = {}
        for line in log.read_text().splitlines() if log.exists() else ():
            record = json.loads(line)
            replies.setdefault(record["question"], []).append((record.get("sql") or "", record["finish_reason"]))
    print(f"stub {args.stub}, server {args.server}, N={args.n}: execution accuracy {report['execution_accuracy']}")
    per_n = Counter(b.get("n", 1) for b in bodies)
    temps = Counter(b.get("temperature") for b in bodies)
    seeds = sum("seed" in b for b in bodies)
    print(f"requests {len(bodies)}: n {dict(per_n)}, temperature {dict(temps)}, with seed {seeds}")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as f:
            for q in report["questions"]:
                answer = answers.get(q["question"])
                f.write(json.dumps({"id": q["id"], "question": q["question"], "db_id": db_of[q["question"]],
                                    "gold": gold[q["question"]], "status": q["status"],
                                    "replies": replies.get(q["question"], []),
                                    "repaired": repaired.get(q["question"], []),
                                    "attempts": [[a.outcome, a.sql, a.error] for a in answer.attempts]
                                    if answer else []}) + "\n")
    classes: Counter[str] = Counter()
    shown = 0
    dbs: dict[str, sqlite3.Connection] = {}
    for q in report["questions"]:
        if q["status"] in ("correct", "skipped"):
            continue
        question = q["question"]
        db_id = db_of[question]
        if db_id not in dbs:
            dbs[db_id] = sqlite3.connect(f"file:{spider}/database/{db_id}/{db_id}.sqlite?mode=ro", uri=True)
        db = dbs[db_id]
        want = _rows(db, gold[question])
        order = ordered(gold[question])

        def right(sql: str | None, db: sqlite3.Connection = db, want: Any = want, order: bool = order) -> bool:
            return _right(db, sql, want, order)

        whole = [s for s, finish in replies.get(question, []) if finish != "length" and s]
        answer = answers.get(question)
        attempts = answer.attempts if answer else ()
        voted = [a for a in attempts if a.outcome in ("ran", "agreed", "outvoted")]
        if not any(right(s) for s in whole):
            kind = "no-gold"
        elif any(right(a.sql) for a in voted):
            winner_note = " ".join(answer.notes) if answer else ""
            lost = [a for a in voted if right(a.sql) and a.outcome == "outvoted"]
            why = lost[0].error or "" if lost else ""
            kind = ("outvoted/selection" if "chose" in why or "model chose" in winner_note else
                    "outvoted/tie" if why.startswith("tie") else
                    "outvoted/empty-half" if "counts half" in why else "outvoted/fewer")
            if shown < args.show:
                shown += 1
                print(f"\n--- {q['id']} {question}\n  gold: {gold[question]}")
                for a in attempts:
                    print(f"  [{a.outcome}{' GOLD' if right(a.sql) else ''}] {a.sql}  -- {a.error or ''}")
        elif answer is None or answer.status != "answered":
            kind = f"not-answered/{answer.status if answer else '?'}"
        else:
            kind = "dropped"
            if shown < args.show:
                shown += 1
                print(f"\n--- DROPPED {q['id']} {question}\n  gold: {gold[question]}")
                for a in attempts:
                    print(f"  [{a.outcome}] {a.sql}  -- {a.error or ''}")
        classes[kind] += 1
    print("\nwrong questions by where the gold result was lost:")
    for kind, count in classes.most_common():
        print(f"  {kind:24} {count}")


if __name__ == "__main__":
    main()
