"""The demo warehouse: TPC-H (as in Databricks ``samples.tpch``) generated locally into DuckDB."""

from __future__ import annotations

from nl2sql.demo.build import DEMO_FILE_NAME, FIXTURES, build_demo_warehouse, ensure_demo_warehouse

__all__ = ["DEMO_FILE_NAME", "FIXTURES", "build_demo_warehouse", "ensure_demo_warehouse"]
