"""How much of what the model wrote the choice keeps: Spider dev through the LLM path against an imperfect stub (as
``candidates_spider.py``), in process so every vote's ballots are kept, and per run:

- ``execution_accuracy``: the answers (what the eval scores);
- ``ceiling_first``: questions where at least one of the first N candidates that ran (their repairs included)
  returned the gold result, the most any choice among the N could score;
- ``ceiling_voted``: the same over every candidate that voted (extra samples included);
- ``ceiling_replies``: the same over every whole reply the stub logged (what no selection can exceed);
- ``lost``: questions where a voted candidate returned the gold result and another won.

``--pool K`` draws K samples for every question (extra samples until K, whatever the vote), so ``--replay`` can
try other ways of choosing and of deciding when to draw more on the same samples without asking the model
again (``candidates_replay.py``). ``--dump FILE`` writes every question's ballots (index, SQL, rows, right?, column
names) as JSON lines.

    NL2SQL_SPIDER_DIR=... python benchmarks/candidates_ceiling.py --stub a|c|d|e|f [--n 5] [--pool 15] [--dump F]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nl2sql.eval.api import EvalRequest, evaluate
from nl2sql.eval.score import result_eq
from nl2sql.llm import candidates
from nl2sql.llm.candidates import ordered
from nl2sql.pipeline import Assistant
from nl2sql.running import Runner
from nl2sql.settings import Settings
from tests.imperfect_llm import ImperfectModel
from tests.imperfect_llm_c import ImperfectModelC, load_spider
from tests.imperfect_llm_d import StubProcess
from tests.imperfect_llm_e import ImperfectModelE
from tests.imperfect_llm_f import StubProcess as StubProcessF
from tests.server_behaviours import server_for

Row = tuple[Any, ...]


def _rows(db: sqlite3.Connection, sql: str) -> list[Row] | None:
    try:
        return [tuple(r) for r in db.execute(sql).fetchall()]
    except Exception:
        return None


class Recorder:
    """Instrumentation only: each vote's ballots and evidence kept by question, no answer changed."""

    def __init__(self) -> None:
        self.ballots: dict[str, list[tuple[int, str, list[Row], list[str]]]] = {}
        self.evidence: dict[str, list[str]] = {}
        self.local = threading.local()
        self.lock = threading.Lock()

    def install(self) -> None:
        ask, vote = Assistant.ask, Runner.vote
        recorder = self

        def asking(self: Assistant, question: str, *a: Any, **k: Any) -> Any:
            recorder.local.question = question
            return ask(self, question, *a, **k)

        def voting(self: Runner, ran: Any, attempts: Any, total: Any, evidence: Any = (), select: Any = None) -> Any:
            with recorder.lock:
                recorder.ballots[recorder.local.question] = [(i, r.checked.sql, [tuple(x) for x in r.result.rows],
                                                              list(r.result.columns)) for i, r in ran]
                recorder.evidence[recorder.local.question] = list(evidence)
            return vote(self, ran, attempts, total, evidence=evidence, select=select)

        Assistant.ask, Runner.vote = asking, voting


def _model(stub: str, spider: Path, gold: dict[str, str], seed: int, log: Path) -> Any:
    if stub == "a":
        return ImperfectModel(gold, seed=seed, cut_log=log)
    if stub == "c":
        return ImperfectModelC(*load_spider(spider), seed=seed, log=log)
    if stub == "e":
        return ImperfectModelE.from_spider(spider, seed=seed, log=log)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stub", choices=("a", "c", "d", "e", "f"), default="e")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--pool", type=int, help="draw this many samples a question, whatever the vote")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--dump", type=Path, help="write every question's ballots as JSON lines")
    args = parser.parse_args()
    spider = Path(os.environ["NL2SQL_SPIDER_DIR"])
    dev = json.loads((spider / "dev.json").read_text())
    gold = {r["question"]: r["query"] for r in dev}
    db_of = {r["question"]: r["db_id"] for r in dev}
    recorder = Recorder()
    recorder.install()
    if args.pool:
        candidates.CLEAR_LEAD = 10 ** 6           # never settled: extra samples until the pool's cap
        candidates.DECIDED = 2.0                  # never decided either (the stopping rule widen asks)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "replies.jsonl"
        model = _model(args.stub, spider, gold, args.seed, log)
        process = StubProcessF if args.stub == "f" else StubProcess
        server = process(spider / "dev.json", log=log, seed=args.seed) if model is None \
            else server_for("indexed", model)
        with server as stub:
            os.environ.update({"OPENAI_BASE_URL": stub.url, "OPENAI_API_KEY": "stub", "NL2SQL_LLM_MODEL": "imperfect",
                               "NL2SQL_LLM_CANDIDATES": str(args.n), "NL2SQL_DATA_DIR": str(Path(tmp) / "data")})
            if args.pool:
                os.environ["NL2SQL_LLM_MAX_CANDIDATES"] = str(args.pool)
            report = evaluate(EvalRequest(dataset=f"spider:{spider}", generator="llm", out_dir=Path(tmp) / "run",
                                          limit=args.limit, resume=False),
                              settings=Settings.from_env(), progress_stream=None)
        replies: dict[str, list[str]] = {}
        for line in log.read_text().splitlines() if log.exists() else ():
            record = json.loads(line)
            if record.get("sql") and record["finish_reason"] != "length":
                replies.setdefault(record.get("question") or "", []).append(record["sql"])
    dbs: dict[str, sqlite3.Connection] = {}
    counts = {"questions": 0, "correct": 0, "ceiling_first": 0, "ceiling_voted": 0, "ceiling_replies": 0, "lost": 0}
    out = args.dump.open("w", encoding="utf-8") if args.dump else None
    for q in report["questions"]:
        if q["status"] == "skipped":
            continue
        question = q["question"]
        db_id = db_of[question]
        if db_id not in dbs:
            dbs[db_id] = sqlite3.connect(f"file:{spider}/database/{db_id}/{db_id}.sqlite?mode=ro", uri=True)
        want, order = _rows(dbs[db_id], gold[question]), ordered(gold[question])

        def right(rows: list[Row] | None, want: list[Row] | None = want, order: bool = order) -> bool:
            return rows is not None and want is not None and result_eq(list(rows), want, ordered=order)

        ballots = recorder.ballots.get(question, [])
        marks = [right(rows) or right(_rows(dbs[db_id], sql)) for _, sql, rows, _ in ballots]
        counts["questions"] += 1
        counts["correct"] += q["status"] == "correct"
        counts["ceiling_first"] += any(m for (i, _, _, _), m in zip(ballots, marks) if i < args.n)
        counts["ceiling_voted"] += any(marks)
        counts["ceiling_replies"] += any(right(_rows(dbs[db_id], s)) for s in replies.get(question, []))
        counts["lost"] += any(marks) and q["status"] != "correct"
        if out is not None:
            out.write(json.dumps({"id": q["id"], "question": question, "db_id": db_id, "gold_ordered": order,
                                  "correct": q["status"] == "correct", "evidence": recorder.evidence.get(question, []),
                                  "ballots": [[i, sql, rows, m, columns]
                                              for (i, sql, rows, columns), m in zip(ballots, marks)]},
                                 default=str) + "\n")
    total = counts["questions"] or 1
    print(json.dumps({"stub": args.stub, "n": args.n, "pool": args.pool, "seed": args.seed,
                      "execution_accuracy": report["execution_accuracy"],
                      **{k: round(100 * v / total, 1) if k != "questions" else v for k, v in counts.items()}},
                     indent=2))


if __name__ == "__main__":
    main()
