"""Planning time of the offline planner on the demo warehouse's golden questions (the query is not run).

Builds the demo warehouse (or reuses $NL2SQL_DATA_DIR's), reads its catalog once, applies the overlay,
then times ``plan(question, model)`` per question over several rounds; the first call (which builds the
model's lexicon and join graph, cached afterwards) is reported apart. Target: median <= 20 ms.

    python benchmarks/planner_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    import duckdb
    import yaml

    from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
    from catalog_semantics.overlay import apply_overlay, load_overlay
    from nl2sql.demo.build import ensure_demo_warehouse
    from nl2sql.planner import plan
    from nl2sql.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    data_dir = Settings.from_env().data_dir or tempfile.mkdtemp(prefix="nl2sql-speed-")
    db = ensure_demo_warehouse(Path(data_dir))
    con = duckdb.connect(str(db), read_only=True)
    model = apply_overlay(read_duckdb_catalog(con), load_overlay(REPO / "fixtures" / "tpch" / "overlay.yaml"))
    con.close()
    questions = [q["question"] for q in
                 yaml.safe_load((REPO / "fixtures" / "tpch" / "golden.yaml").read_text())["questions"]]
    t0 = time.perf_counter()
    plan(questions[0], model)
    first_ms = (time.perf_counter() - t0) * 1000
    times: list[float] = []
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            plan(q, model)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(json.dumps({
        "benchmark": "planner_speed", "questions": len(questions), "rounds": args.rounds,
        "plan_ms": {"median": round(statistics.median(times), 3), "p95": round(p95, 3), "max": round(times[-1], 3)},
        "first_call_ms": round(first_ms, 1),   # builds the cached indexes of the model
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
