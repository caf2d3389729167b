"""The offline planner on Spider dev: share of questions answered, and execution accuracy on those.

Semantic models are built from each database's own catalog (SQLAlchemy reader, no overlay). Gold and
predicted SQL both run with Python's sqlite3; results are compared with the project's scorer (strict:
Spider's official execution match; relaxed: gold columns contained, numbers within a tolerance).
Strict is also reported with ``columns="helpful"`` (also showing what rankings and lists are based on;
the product default, ``"asked"``, shows only the columns a question asks for, as Spider's gold does).
wta_1 is skipped (its SQLite file is not in the pack).

    python benchmarks/planner_spider.py [--db concert_singer] [--show wrong|abstained|helpful] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalog_semantics.model import SemanticModel
from nl2sql.eval.score import official_sql, order_matters, relaxed_eq, result_eq
from nl2sql.eval.score_cut import tied_at_cut
from nl2sql.planner import plan


def spider_dir() -> Path:
    env = os.environ.get("NL2SQL_SPIDER_DIR")
    return Path(env) if env else REPO.parent / "shared" / "benchmarks" / "spider"


def load_model(db_path: Path) -> SemanticModel:
    """The model a bare SQLite catalog gives, read as the eval harness reads it (no overlay)."""
    from catalog_semantics.overlay import model_from_catalog
    from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse

    warehouse = SqlAlchemyWarehouse.sqlite_file(db_path)
    try:
        return model_from_catalog(warehouse.read_catalog())
    finally:
        warehouse.close()


def run(sql: str, con: sqlite3.Connection) -> list[tuple] | None:
    try:
        return con.execute(sql).fetchall()
    except sqlite3.Error:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", action="append", help="only these databases")
    ap.add_argument("--show", choices=("wrong", "abstained", "right", "helpful"), action="append", default=[])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--text", action="store_true", help="print a per-database table instead of the JSON summary")
    args = ap.parse_args(argv)
    root = spider_dir()
    if not (root / "dev.json").exists():
        print(f"Spider dev pack not found at {root} (set NL2SQL_SPIDER_DIR)", file=sys.stderr)
        return 2
    examples = json.loads((root / "dev.json").read_text())
    models: dict[str, SemanticModel] = {}
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])   # total, answered, strict, relaxed, helpful
    plan_ms: list[float] = []
    tied_at_the_cut: dict[str, int] = defaultdict(int)
    for n, ex in enumerate(examples):
        if args.limit is not None and n >= args.limit:
            break
        db = ex["db_id"]
        path = root / "database" / db / f"{db}.sqlite"
        if db == "wta_1" or not path.exists() or (args.db and db not in args.db):
            continue
        if db not in models:
            models[db] = load_model(path)
        t0 = time.perf_counter()
        cand = plan(ex["question"], models[db], dialect="sqlite")
        plan_ms.append((time.perf_counter() - t0) * 1000)
        s = stats[db]
        s[0] += 1
        if cand.abstained:
            if "abstained" in args.show:
                print(f"ABSTAIN [{db}] {ex['question']}\n    {cand.abstain_reason}")
            continue
        s[1] += 1
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        con.text_factory = lambda b: b.decode(errors="replace")
        gold_sql = official_sql(ex["query"])
        gold = run(gold_sql, con) or []
        pred = run(official_sql(cand.sql or "", predicted=True), con)
        helpful = plan(ex["question"], models[db], dialect="sqlite", columns="helpful")
        pred_helpful = run(official_sql(helpful.sql or "", predicted=True), con) if helpful.sql else None
        ordered = order_matters(gold_sql)
        strict = pred is not None and result_eq(gold, pred, ordered=ordered)
        # one of the rows tied at the gold's LIMIT, by the answer's stated tie-break (nl2sql/eval/score_cut.py)
        tie = not strict and pred is not None and tied_at_cut(lambda q, c=con: run(q, c) or [], gold_sql, pred)
        tied_at_the_cut[db] += tie
        con.close()
        relaxed = pred is not None and relaxed_eq(gold, pred, ordered=ordered)
        s[2] += strict
        s[3] += relaxed
        s[4] += pred_helpful is not None and result_eq(gold, pred_helpful, ordered=ordered)
        if "helpful" in args.show and not (pred_helpful is not None and result_eq(gold, pred_helpful, ordered=ordered)):
            print(f"HELPFUL-WRONG [{db}] {ex['question']}\n    pred: {helpful.sql}\n    gold: {ex['query']}")
        if ("wrong" in args.show and not strict) or ("right" in args.show and strict):
            print(f"{'RIGHT' if strict else 'TIED-AT-CUT' if tie else 'WRONG'} [{db}] {ex['question']}\n    pred: {cand.sql}\n"
                  f"    gold: {ex['query']}\n    {cand.interpretation}")
    total = [sum(v[i] for v in stats.values()) for i in range(5)]
    summary = {
        "questions": total[0], "answered": total[1],
        "answered_share": round(total[1] / max(1, total[0]), 4),
        "strict_accuracy_on_answered": round(total[2] / max(1, total[1]), 4),
        "relaxed_accuracy_on_answered": round(total[3] / max(1, total[1]), 4),
        # strict, also counting a top N that kept other rows tied at its cut than the gold did (stated tie-break)
        "strict_accuracy_on_answered_ties_at_cut_accepted":
            round((total[2] + sum(tied_at_the_cut.values())) / max(1, total[1]), 4),
        "strict_accuracy_on_answered_helpful_columns": round(total[4] / max(1, total[1]), 4),
        "median_plan_ms": round(sorted(plan_ms)[len(plan_ms) // 2], 3) if plan_ms else None,
        "per_db": {db: {"questions": v[0], "answered": v[1], "strict": v[2], "relaxed": v[3], "strict_helpful": v[4]}
                   for db, v in sorted(stats.items())},
    }
    if not args.text:
        print(json.dumps(summary, indent=2))
    else:
        for db, v in sorted(stats.items()):
            print(f"{db:32} {v[0]:4} questions, {v[1]:4} answered, strict {v[2]:4}, relaxed {v[3]:4}, "
                  f"strict (helpful columns) {v[4]:4}")
        print(f"TOTAL {total[0]} questions; answered {total[1]} ({summary['answered_share']:.1%}); "
              f"correct among answered: strict {summary['strict_accuracy_on_answered']:.1%}, "
              f"relaxed {summary['relaxed_accuracy_on_answered']:.1%}, strict with helpful columns "
              f"{summary['strict_accuracy_on_answered_helpful_columns']:.1%}; median plan {summary['median_plan_ms']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
