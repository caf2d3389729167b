"""The guard's Databricks rendering against the input, on Spark, for every runnable Spider dev gold query.

Usage: PYTHONPATH=. python benchmarks/guard_render_spark.py [--spider DIR] [--db DB_ID ...] [--lanes N] [--show N]

Starts one Spark Thrift Server (tests/spark_server.py; Java 17 and the pyspark wheel), copies the Spider dev
SQLite databases into it (tests/spark_spider.py), transpiles each gold query from SQLite to Databricks SQL,
guards it (``policy_for_model`` on the schema read from Spark, no row cap), runs the transpiled input and the
guard's rendering, and compares the results (eval ``result_eq``; ordered only under an outer ORDER BY).
Prints JSON: counts (runs on Spark / Spark cannot run the input / equal / differ / refused / ...), the first
``--show`` cases of each non-equal kind, and the seconds taken. Every "differ" is a guard rendering bug.

Measured (Spark 4.0.1, 2 Dec 2026, 372 s on the shared 2-core machine): of 972, 859 run on Spark, 857
result-equal, 0 differ, 0 refused, 2 capped (the input returns over 1000 rows; not compared); 113 inputs Spark
cannot run: 102 MISSING_AGGREGATION and 3 MISSING_GROUP_BY (SQLite's bare columns beside an aggregate),
8 CAST_INVALID_INPUT (car_1 stores the text 'null' in numeric columns, kept as STRING; ANSI casts refuse it).
Every rendering is the input's own text plus `` LIMIT 1000`` where it had no LIMIT (guard_render token path).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.spark_server import (
    java_missing_reason,
    patch_connector_for_spark,
    start_server,
)
from tests.spark_spider import compare_gold, load_spider, runnable_examples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("NL2SQL_SPIDER_DIR") or str(REPO.parent / "shared" / "benchmarks" / "spider")
    if not Path(default).exists():                    # a worktree sits one level deeper than the main checkout
        default = str(REPO.parent.parent / "shared" / "benchmarks" / "spider")
    parser.add_argument("--spider", default=default)
    parser.add_argument("--db", nargs="*", help="only these db_ids (default: every runnable one)")
    parser.add_argument("--lanes", type=int, default=3)
    parser.add_argument("--show", type=int, default=20)
    args = parser.parse_args(argv)
    reason = java_missing_reason()
    if reason:
        print(json.dumps({"skipped": reason}))
        return 1
    spider = Path(args.spider)
    examples = runnable_examples(spider, args.db)
    db_ids = sorted({e["db_id"] for e in examples})
    started = time.monotonic()
    server = start_server()
    try:
        with pytest.MonkeyPatch.context() as monkeypatch, tempfile.TemporaryDirectory(prefix="spark-spider-") as tmp:
            patch_connector_for_spark(monkeypatch)
            up = time.monotonic()
            schemas = load_spider(server, spider, db_ids, Path(tmp))
            loaded = time.monotonic()
            figures = compare_gold(server, schemas, examples, lanes=args.lanes)
    finally:
        server.stop()
    done = time.monotonic()
    counts = figures.counts()
    cases = {kind: [{"db_id": o.db_id, "gold": o.gold, "transpiled": o.transpiled, "rendered": o.rendered,
                     "detail": o.detail} for o in figures.outcomes if o.status == kind][:args.show]
             for kind in ("differ", "rendered_fails", "refused", "transpile_error")}
    input_errors = Counter(_error_kind(o.detail) for o in figures.outcomes if o.status == "input_fails")
    print(json.dumps({"databases": len(db_ids), "counts": counts, "cases": cases,
                      "input_fails": [{"db_id": o.db_id, "transpiled": o.transpiled, "error": o.detail}
                                      for o in figures.outcomes if o.status == "input_fails"][:args.show],
                      "input_error_kinds": input_errors.most_common(10),
                      "seconds": {"server_start": round(up - started, 1), "load": round(loaded - up, 1),
                                  "compare": round(done - loaded, 1), "total": round(done - started, 1)}},
                     indent=1, default=str))
    return 0 if counts["differ"] == 0 and counts["rendered_fails"] == 0 else 2


def _error_kind(detail: str) -> str:
    """Spark's error class (``[MISSING_AGGREGATION]``), else the message's start."""
    start = detail.find("[", detail.find("Exception"))
    return detail[start: detail.find("]", start) + 1] if start >= 0 else detail[:80]


if __name__ == "__main__":
    raise SystemExit(main())
