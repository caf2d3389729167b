"""Zero false refusals on the demo's golden SQL (fixtures/tpch/golden*.yaml), in every dialect we run.

The gold SQL is written in DuckDB; it is also transpiled by sqlglot to Databricks and PostgreSQL, as the
warehouses there would receive it, and must pass the guard's function and construct allowlists there too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
import yaml

from nl2sql.errors import GuardRejected
from nl2sql.guard import GuardPolicy, check

ROOT = Path(__file__).resolve().parent.parent
TPCH = frozenset({"customer", "orders", "lineitem", "part", "partsupp", "supplier", "nation", "region"})
GOLD = [(q["id"], q["sql"]) for name in ("golden.yaml", "golden_unseen.yaml")
        for q in yaml.safe_load((ROOT / "fixtures" / "tpch" / name).read_text(encoding="utf-8"))["questions"]
        if q.get("sql")]


@pytest.mark.parametrize("dialect", ["duckdb", "databricks", "postgres"])
def test_golden_sql_passes_the_guard(dialect: str) -> None:
    policy = GuardPolicy(dialect=dialect, allowed_tables=TPCH, max_rows=None)
    refused = []
    for qid, sql in GOLD:
        text = sql if dialect == "duckdb" else sqlglot.transpile(sql, read="duckdb", write=dialect)[0]
        try:
            check(text, policy)
        except GuardRejected as e:
            refused.append((qid, text, [(i.code, i.detail) for i in e.issues]))
    assert len(GOLD) >= 100
    assert refused == []
