"""Reading a big catalog through the Databricks adapter: tables, schemas, seconds, memory (prints JSON).

Starts the Spark Thrift Server of the tests (pyspark + Java 17), creates ``--schemas`` schemas of ``--tables``
tables each (8 commented columns, every tenth a view; no rows: the read is about metadata), then reads the
scope with the whole-catalog reader (``catalog_semantics.adapters.unity_bulk``) through ``DatabricksWarehouse``
within ``--budget`` seconds, and reports the time, the Python memory allocated by the read at its peak
(tracemalloc) and the process's peak resident set size (``ru_maxrss``, which includes the driver and Arrow).

    python -m benchmarks.unity_catalog_scale --schemas 20 --tables 26 --budget 120

Spark has no information_schema, so this measures the metadata-call path (GetTables / GetColumns, consumed in
pages); the information_schema path is exercised on recorded rows (tests/test_unity_bulk.py).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from typing import Any

PREFIX = "ucscale"
TYPES = ("BIGINT", "STRING", "DECIMAL(18,2)", "DATE", "STRING", "INT", "DOUBLE", "TIMESTAMP")


def catalog_ddl(schemas: int, tables: int, prefix: str = PREFIX) -> list[str]:
    """Statements creating ``schemas`` x ``tables`` objects with commented columns (every tenth a view)."""
    out: list[str] = []
    for s in range(schemas):
        schema = f"{prefix}_s{s:02d}"
        out += [f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema} COMMENT 'Business area {s}'"]
        for t in range(tables):
            name = f"{schema}.t{t:03d}"
            if t % 10 == 9:
                out.append(f"CREATE VIEW {name} COMMENT 'View {t} of area {s}' AS SELECT * FROM {schema}.t000")
                continue
            cols = ", ".join(f"c{i}_{t} {kind} COMMENT 'Column {i} of table {t}'" for i, kind in enumerate(TYPES))
            out.append(f"CREATE TABLE {name} ({cols}) USING parquet COMMENT 'Table {t} of area {s}'")
    return out


def measure_read(warehouse: Any) -> dict[str, Any]:
    """Read the warehouse's catalog once, timed and memory-measured."""
    rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    catalog = warehouse.refresh_catalog()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"tables": len(catalog.tables), "schemas": len({t.schema for t in catalog.tables}),
            "columns": sum(len(t.columns) for t in catalog.tables), "seconds": round(seconds, 2),
            "python_alloc_peak_mb": round(peak / 2**20, 1),
            "rss_peak_mb_before": round(rss_before_kb / 1024, 1),
            "rss_peak_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schemas", type=int, default=20)
    parser.add_argument("--tables", type=int, default=26)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--page-rows", type=int, default=2_000)
    args = parser.parse_args()

    import pytest

    from catalog_semantics.adapters.unity_bulk import BulkOptions, BulkScope
    from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
    from tests.spark_server import java_missing_reason, patch_connector_for_spark, start_server

    reason = java_missing_reason()
    if reason:
        raise SystemExit(reason)
    server = start_server()
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            patch_connector_for_spark(monkeypatch)
            started = time.perf_counter()
            server.execute(catalog_ddl(args.schemas, args.tables))
            setup_s = time.perf_counter() - started
            connect = server.connect_args()
            provider = connect.pop("credentials_provider")
            scope = BulkScope(schemas=tuple(("spark_catalog", f"{PREFIX}_s{s:02d}") for s in range(args.schemas)))
            whole = BulkScope(catalogs=("spark_catalog",))
            results = {}
            for label, chosen in (("schema_list", scope), ("whole_catalog", whole)):
                warehouse = DatabricksWarehouse("127.0.0.1", http_path="/cliservice", credentials_provider=provider,
                                                connect_args=connect, scope=chosen,
                                                bulk_options=BulkOptions(time_budget_s=args.budget,
                                                                         page_rows=args.page_rows))
                try:
                    results[label] = measure_read(warehouse)
                finally:
                    warehouse.close()
    finally:
        server.stop()
    print(json.dumps({"engine": "Spark Thrift Server (pyspark 4.0.1), local[2]", "path": "GetTables/GetColumns in pages",
                      "budget_s": args.budget, "page_rows": args.page_rows, "setup_s": round(setup_s, 1),
                      "created": {"schemas": args.schemas, "tables_per_schema": args.tables},
                      **results}, indent=2))


if __name__ == "__main__":
    main()
