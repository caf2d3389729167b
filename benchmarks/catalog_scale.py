"""Whole-catalog linking: every Spider dev question against all 166 Spider schemas as one warehouse.

Usage: python benchmarks/catalog_scale.py [--spider DIR] [--copies 1|10] [--limit N] [--linker FILE] [--split even|odd]

Builds (once, into $NL2SQL_DATA_DIR or a temp dir; never committed) a DuckDB warehouse with one schema per
Spider database (rows copied for the databases shipped with SQLite files, empty tables for the rest), reads the
whole-catalog model from it (``nl2sql/eval/spider_catalog.py``; ``--copies 10`` adds nine renamed copies: the
~8,700-table variant; ``--rename uniform`` renames with any word rather than one of similar frequency), then links every runnable Spider dev question against the whole catalog and prints JSON:
recall (share of questions whose gold tables are all kept), tables kept (median, p95, max, share with at most 10),
link time per question (median, p95; wall clock, and the process's CPU time, steadier on a shared machine), the cost of the first call (index build or load) with peak RSS, and the
on-disk index's load and one-table refresh times.
``--linker FILE`` measures another ``linking.py`` (e.g. ``git show 936d7a0:catalog_semantics/linking.py``, the
linker before the catalog index) with the same questions. ``--fresh`` drops the on-disk index first.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.linking_recall import gold_tables, spider_dir
from nl2sql.eval.spider_catalog import build_catalog_warehouse, catalog_model, catalog_table_name


def data_dir() -> Path:
    return Path(os.environ.get("NL2SQL_DATA_DIR") or Path(tempfile.gettempdir()) / "nl2sql-catalog-scale")


def load_linker(path: str | None) -> Callable[..., Any]:
    if path is None:
        from catalog_semantics.linking import link

        return link
    spec = importlib.util.spec_from_file_location("other_linking", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module               # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module.link


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spider", help="Spider folder (default: $NL2SQL_SPIDER_DIR or ../shared/benchmarks/spider)")
    parser.add_argument("--copies", type=int, default=1, help="1: the 873-table catalog; 10: the ~8,700-table variant")
    parser.add_argument("--rename", choices=("banded", "uniform"), default="banded",
                        help="how copies are renamed: words swapped among words of similar frequency, or any word")
    parser.add_argument("--limit", type=int, default=None, help="only the first N runnable questions")
    parser.add_argument("--linker", help="another linking.py to measure (default: the product's)")
    parser.add_argument("--fresh", action="store_true", help="drop the cached catalog index first")
    parser.add_argument("--split", choices=("even", "odd"), help="only even- or odd-indexed runnable questions")
    args = parser.parse_args(argv)
    spider = spider_dir(args.spider)
    if spider is None:
        print(json.dumps({"error": "Spider dev pack not found: set NL2SQL_SPIDER_DIR"}))
        return 2
    os.environ.setdefault("NL2SQL_DATA_DIR", str(data_dir()))
    if args.fresh:
        for f in (Path(os.environ["NL2SQL_DATA_DIR"]) / "link_index").glob("*"):
            f.unlink()
    start = time.perf_counter()
    warehouse = build_catalog_warehouse(spider, Path(os.environ["NL2SQL_DATA_DIR"]) / "spider_catalog.duckdb")
    warehouse_s = time.perf_counter() - start
    start = time.perf_counter()
    model = catalog_model(spider, warehouse, copies=args.copies, rename=args.rename)
    model_s = time.perf_counter() - start
    link = load_linker(args.linker)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    link(model, "warm-up: the first call builds or loads the index")
    first_s = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    examples = json.loads((spider / "dev.json").read_text())
    runnable = [ex for ex in examples if (spider / "database" / ex["db_id"] / f"{ex['db_id']}.sqlite").exists()]
    runnable = runnable[: args.limit]
    hits, unparsed, kept_counts, times, cpu_times, misses = 0, 0, [], [], [], []
    split_hits = {"even": [0, 0], "odd": [0, 0]}
    ties = {"questions": 0, "gold_reading_tied": 0, "first_reading_gold": 0}
    for position, ex in enumerate(runnable):
        half = "even" if position % 2 == 0 else "odd"
        if args.split and half != args.split:
            continue
        gold = gold_tables(ex["query"])
        if gold is None:
            unparsed += 1
            continue
        wanted = {catalog_table_name(ex["db_id"], t).lower() for t in gold}
        start, cpu_start = time.perf_counter(), time.process_time()
        linked = link(model, ex["question"])
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
        kept = {n.lower() for n in linked.table_names}
        kept_counts.append(len(kept))
        split_hits[half][1] += 1
        for reading in getattr(linked, "ties", ()):
            ties["gold_reading_tied"] += reading.schema == ex["db_id"] and wanted <= {t.lower() for t in reading.tables}
        if getattr(linked, "ties", ()):
            ties["questions"] += 1
            ties["first_reading_gold"] += linked.tables[0].name.lower().startswith(f"{ex['db_id'].lower()}__")
        if wanted <= kept:
            hits += 1
            split_hits[half][0] += 1
        elif len(misses) < 40:
            misses.append({"db": ex["db_id"], "question": ex["question"], "missing": sorted(wanted - kept),
                           "kept": list(linked.table_names)[:10]})
    total = len(times)
    cache = {}
    if args.linker is None:                  # the on-disk index: a new process's load, and one table changed
        from dataclasses import replace

        from catalog_semantics.model import Column

        start = time.perf_counter()
        link(replace(model), "a new model object: the index comes from disk")
        cache["load_s"] = round(time.perf_counter() - start, 2)
        first = model.tables[0]
        changed = replace(first, columns=(*first.columns, Column("added_column", "INTEGER")))
        start = time.perf_counter()
        link(replace(model, tables=(changed, *model.tables[1:])), "one table changed: only it is recomputed")
        cache["one_table_changed_s"] = round(time.perf_counter() - start, 2)
    report = {
        "linker": args.linker or "catalog_semantics.linking",
        "catalog": {"copies": args.copies, "rename": args.rename, "tables": len(model.tables),
                    "columns": sum(len(t.columns) for t in model.tables),
                    "relationships": len(model.relationships)},
        "questions": total,
        "unparsed_gold": unparsed,
        "recall_gold_tables": round(hits / total, 4) if total else None,
        "recall_by_split": {k: round(h / n, 4) for k, (h, n) in split_hits.items() if n},
        "ties": ties,
        "tables_kept_median": statistics.median(kept_counts) if kept_counts else None,
        "tables_kept_p95": percentile(kept_counts, 0.95) if kept_counts else None,
        "tables_kept_max": max(kept_counts) if kept_counts else None,
        "share_at_most_10_tables": round(sum(k <= 10 for k in kept_counts) / total, 4) if total else None,
        "link_ms_median": round(statistics.median(times), 2) if times else None,
        "link_ms_p95": round(percentile(times, 0.95), 2) if times else None,
        "link_cpu_ms_median": round(statistics.median(cpu_times), 2) if cpu_times else None,
        "link_cpu_ms_p95": round(percentile(cpu_times, 0.95), 2) if cpu_times else None,
        "first_call_s": round(first_s, 2),
        "warehouse_s": round(warehouse_s, 2),
        "model_read_s": round(model_s, 2),
        "peak_rss_mb_before_first_call": round(rss_before),
        "peak_rss_mb": round(rss_after),
        "index_cache": cache,
        "sample_misses": misses,
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
