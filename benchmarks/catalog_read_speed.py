"""How long the DuckDB catalog reader takes on a TPC-H-shaped fixture of ~80k rows (tests/test_catalog_readers.py).

Run: PYTHONPATH=. python benchmarks/catalog_read_speed.py [--repeat N]
Prints JSON: tables, rows of lineitem, and the read's median and max seconds after one warm-up read (the first
metadata calls bind lazily). About 0.1 s was measured on a laptop when this was a timed test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from tests.test_catalog_readers import tpch_fixture


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed reads (default 5)")
    args = parser.parse_args(argv)
    con = tpch_fixture()
    catalog = read_duckdb_catalog(con)                 # warm-up
    seconds = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        read_duckdb_catalog(con)
        seconds.append(time.perf_counter() - start)
    lineitem = catalog.table("lineitem")
    print(json.dumps({"tables": len(catalog.tables), "lineitem_rows": lineitem.row_count if lineitem else None,
                      "read_s_median": round(statistics.median(seconds), 4), "read_s_max": round(max(seconds), 4)}))


if __name__ == "__main__":
    main()
