"""Wall time of the gold oracle on Spider dev: every runnable question scored against itself.

Usage: python benchmarks/eval_gold_spider.py [--spider DIR] [--workers N] [--repeat N]

The oracle must score 100% of the 972 runnable questions (the 62 wta_1 ones are skipped: no database);
the target is under 60 s on a 2-core machine. Each repeat is a fresh run (no resume, cold caches).
Prints JSON: accuracy, counts and the wall time of each repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from nl2sql.eval.api import EvalRequest, evaluate

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("NL2SQL_SPIDER_DIR") or str(REPO.parent / "shared" / "benchmarks" / "spider")
    parser.add_argument("--spider", default=default)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not (Path(args.spider) / "dev.json").exists():
        print(f"Spider dev not found at {args.spider}", file=sys.stderr)
        return 2
    walls, report = [], {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            report = evaluate(EvalRequest(f"spider:{args.spider}", "gold", Path(out), workers=args.workers,
                                          resume=False), progress_stream=None)
            walls.append(round(time.perf_counter() - start, 3))
    print(json.dumps({
        "execution_accuracy": report["execution_accuracy"],
        "relaxed_accuracy": report["relaxed_accuracy"],
        "runnable": report["counts"]["runnable"],
        "correct": report["counts"]["correct"],
        "skipped": report["counts"]["skipped"],
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "wall_s": walls,
        "target_s": 60,
    }, indent=1))
    return 0 if report["execution_accuracy"] == 1.0 and max(walls) < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
