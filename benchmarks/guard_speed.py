"""How long the guard takes per query: Spider dev gold (SQLite) and the security corpus.

Run: /tmp/venv/bin/python benchmarks/guard_speed.py   (Spider part skipped when the pack is absent)
Prints count, median and 95th percentile milliseconds per query, and refusals.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import spider_dir
from test_guard_spider import spider_policies
from test_security_corpus import CORPUS, case_sql, corpus_policy

from nl2sql.errors import GuardRejected
from nl2sql.guard import GuardPolicy, check


def measure(items: list[tuple[str, GuardPolicy]]) -> dict[str, object]:
    times, refused = [], 0
    for sql, policy in items:
        start = time.perf_counter()
        try:
            check(sql, policy)
        except GuardRejected:
            refused += 1
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    return {"n": len(times), "median_ms": round(statistics.median(times), 3), "p95_ms": round(p95, 3),
            "max_ms": round(times[-1], 1), "refused": refused}


def main() -> None:
    report: dict[str, object] = {"benchmark": "guard_speed"}
    spider = spider_dir()
    if spider is None:
        report["spider_dev_gold"] = "skipped: Spider pack not found (set NL2SQL_SPIDER_DIR)"
    else:
        policies = spider_policies(spider)
        gold = [(e["query"], policies[e["db_id"]]) for e in json.loads((spider / "dev.json").read_text())
                if (spider / "database" / e["db_id"] / f"{e['db_id']}.sqlite").exists()]
        report["spider_dev_gold"] = measure(gold)
    report["security_corpus"] = measure([(case_sql(c), corpus_policy(c["dialect"])) for c in CORPUS])
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
