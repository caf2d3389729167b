"""Schema-linking recall on Spider dev: are all the gold SQL's tables in the linked subset?

Usage: python benchmarks/linking_recall.py [--spider DIR] [--keep-all-up-to N] [--limit N]

Prints JSON with two runs: "default" (the product's setting: schemas of up to 8 tables are kept whole)
and "pruned" (every schema pruned, which measures the ranking itself, since Spider dev's schemas are small).
For each: recall of gold tables (share of runnable questions whose gold tables are all linked), the share of
schema tokens kept (rendered linked context / rendered full schema), and linking time. Questions of
databases without a SQLite file (wta_1) are skipped; gold SQL that sqlglot cannot parse is counted apart.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from catalog_semantics.adapters.sqlalchemy_reader import read_sqlalchemy_catalog
from catalog_semantics.linking import link
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from catalog_semantics.render import estimate_tokens, render_context

REPO = Path(__file__).resolve().parent.parent
BIG_BUDGET = 10**9          # measure the linked subset itself, not the budget cut


def spider_dir(explicit: str | None) -> Path | None:
    env = explicit or os.environ.get("NL2SQL_SPIDER_DIR")
    candidate = Path(env) if env else REPO.parent / "shared" / "benchmarks" / "spider"
    return candidate if (candidate / "dev.json").exists() else None


def gold_tables(sql: str) -> set[str] | None:
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.SqlglotError:
        return None
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes}


def load_models(spider: Path, db_ids: set[str]) -> dict[str, SemanticModel]:
    models = {}
    for db_id in sorted(db_ids):
        path = spider / "database" / db_id / f"{db_id}.sqlite"
        if not path.exists():
            continue
        engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        models[db_id] = model_from_catalog(read_sqlalchemy_catalog(engine))
        engine.dispose()
    return models


def measure(examples: list[dict], models: dict[str, SemanticModel], keep_all_up_to: int) -> dict[str, object]:
    full_tokens = {db: estimate_tokens(render_context(m, None, budget_tokens=BIG_BUDGET)) for db, m in models.items()}
    hits, total, unparsed, shares, times, misses = 0, 0, 0, [], [], []
    for ex in examples:
        model = models.get(ex["db_id"])
        if model is None:
            continue
        gold = gold_tables(ex["query"])
        if gold is None:
            unparsed += 1
            continue
        start = time.perf_counter()
        linked = link(model, ex["question"], keep_all_up_to=keep_all_up_to)
        times.append((time.perf_counter() - start) * 1000)
        kept = {n.lower() for n in linked.table_names}
        total += 1
        if gold <= kept:
            hits += 1
        elif len(misses) < 100:
            misses.append({"db": ex["db_id"], "question": ex["question"], "missing": sorted(gold - kept)})
        context = render_context(model, linked, budget_tokens=BIG_BUDGET)
        shares.append(estimate_tokens(context) / full_tokens[ex["db_id"]])
    return {
        "keep_all_up_to": keep_all_up_to,
        "questions": total,
        "unparsed_gold": unparsed,
        "recall_gold_tables": round(hits / total, 4) if total else None,
        "schema_token_share": round(statistics.mean(shares), 4) if shares else None,
        "link_ms_mean": round(statistics.mean(times), 3) if times else None,
        "link_ms_median": round(statistics.median(times), 3) if times else None,
        "sample_misses": misses,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spider", help="Spider folder (default: $NL2SQL_SPIDER_DIR or ../shared/benchmarks/spider)")
    parser.add_argument("--keep-all-up-to", type=int, default=8, help="the default run's small-schema threshold")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    args = parser.parse_args(argv)
    spider = spider_dir(args.spider)
    if spider is None:
        print(json.dumps({"error": "Spider dev pack not found: set NL2SQL_SPIDER_DIR"}))
        return 2
    examples = json.loads((spider / "dev.json").read_text())[: args.limit]
    models = load_models(spider, {ex["db_id"] for ex in examples})
    skipped = sorted({ex["db_id"] for ex in examples} - set(models))
    report = {
        "spider": str(spider),
        "databases": len(models),
        "skipped_databases": skipped,
        "default": measure(examples, models, args.keep_all_up_to),
        "pruned": measure(examples, models, 0),
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
