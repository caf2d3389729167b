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

from conftest import spider_dir  # noqa: E402
from test_guard_spider import spider_policies  # noqa: E402
from test_security_corpus import CORPUS, case_sql, corpus_policy  # noqa: E402

from nl2sql.errors import GuardRejected  # noqa: E402
from nl2sql.guard import GuardPolicy, check  # noqa: E402


def measure(label: str, items: list[tuple[str, GuardPolicy]]) -> None:
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
    print(f"{label:22s} n={len(times):5d}  median {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms  "
          f"max {times[-1]:8.1f} ms  refused {refused}")


def main() -> None:
    spider = spider_dir()
    if spider is None:
        print("Spider pack not found: skipping the Spider part")
    else:
        policies = spider_policies(spider)
        gold = [(e["query"], policies[e["db_id"]]) for e in json.loads((spider / "dev.json").read_text())
                if (spider / "database" / e["db_id"] / f"{e['db_id']}.sqlite").exists()]
        measure("spider dev gold", gold)
    measure("security corpus", [(case_sql(c), corpus_policy(c["dialect"])) for c in CORPUS])


if __name__ == "__main__":
    main()
