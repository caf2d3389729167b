"""The guard's rendering keeps what a query means on Databricks (issue 13, point 6).

sqlglot's Databricks generator rewrites some functions (``percentile_cont ... WITHIN GROUP`` into
``PERCENTILE_APPROX``; ``dateadd(MONTH, ...)`` into a ``DATE_ADD`` older runtimes reject). The guard sends
the caller's own tokens instead whenever they parse to the checked tree: every function keeps the name
and argument order it was written with. Checked on all Spider dev gold read as Databricks SQL.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlglot

from nl2sql.errors import GuardRejected
from nl2sql.guard import GuardPolicy, check
from nl2sql.guard.render import token_text

CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def calls(sql: str) -> list[str]:
    """Function names in call position, in order, as written (case-folded)."""
    return [m.lower() for m in CALL.findall(sql)]


@pytest.mark.parametrize("sql, kept", [
    ("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY o_totalprice) FROM orders",
     "percentile_cont(0.5) WITHIN GROUP (ORDER BY o_totalprice)"),
    ("SELECT dateadd(MONTH, 1, o_orderdate) FROM orders", "dateadd(MONTH, 1, o_orderdate)"),
    ("SELECT datediff(DAY, o_orderdate, DATE'1998-01-01') FROM orders", "datediff(DAY, o_orderdate, DATE'1998-01-01')"),
    ("SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY o_totalprice DESC) FROM orders",
     "percentile_disc(0.9) WITHIN GROUP (ORDER BY o_totalprice DESC)"),
])
def test_databricks_functions_keep_their_spelling(sql: str, kept: str) -> None:
    policy = GuardPolicy(dialect="databricks", allowed_tables=frozenset({"orders"}), max_rows=10)
    rendered = check(sql + " /* note */ -- trailing", policy).sql
    assert kept in rendered and rendered.endswith("LIMIT 10") and "note" not in rendered
    assert check(rendered, policy).sql == rendered


def test_rendering_from_tokens_is_used_only_when_it_parses_to_the_checked_tree() -> None:
    policy = GuardPolicy(dialect="databricks", allowed_tables=frozenset({"orders"}), max_rows=10)
    lowered = check("SELECT o_orderkey FROM orders LIMIT 500", policy).sql       # the LIMIT had to change
    assert lowered == "SELECT o_orderkey FROM orders LIMIT 10"
    other = GuardPolicy(dialect="duckdb", output_dialect="databricks", allowed_tables=frozenset({"orders"}))
    assert check("SELECT o_orderkey::VARCHAR FROM orders", other).sql.startswith("SELECT CAST(")
    assert token_text("SELECT 1 -- x\n;;", "databricks") == "SELECT 1"


@pytest.mark.spider
def test_spider_gold_as_databricks_sql_keeps_every_function(spider: Path) -> None:
    from tests.test_guard_spider import spider_policies

    policies = spider_policies(spider)
    examples = [e for e in json.loads((spider / "dev.json").read_text())
                if (spider / "database" / e["db_id"] / f"{e['db_id']}.sqlite").exists()]
    changed, refused, checked_count = [], [], 0
    for e in examples:
        base = policies[e["db_id"]]
        policy = GuardPolicy(dialect="databricks", allowed_tables=base.allowed_tables, max_rows=1000)
        try:
            out = check(e["query"], policy).sql
        except GuardRejected as error:
            refused.append((e["query"], [i.code for i in error.issues]))
            continue
        checked_count += 1
        original = sqlglot.parse_one(e["query"], read="databricks")
        if calls(out) != calls(token_text(e["query"], "databricks")) or sqlglot.parse_one(out, read="databricks") \
                .set("limit", None) != original.set("limit", None):
            changed.append((e["query"], out))
    print(f"\nSpider gold as Databricks SQL: {checked_count} passed, {len(refused)} refused, {len(changed)} changed")
    assert refused == [] and changed == []
