"""The guard's allowlists are data, reviewed, and pinned (nl2sql/guard/allow/).

* nodes.yaml is exactly the set of sqlglot node types that can pass; a type a newer sqlglot adds is refused.
* Each dialect's function list is what the engine's own catalogue has, minus the review: nothing on it
  matches a review rule or the denylist, and regenerating it from the installed DuckDB/SQLite gives the same.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
import yaml
from sqlglot import exp

from nl2sql.errors import GuardRejected
from nl2sql.guard import GuardPolicy, check
from nl2sql.guard.allowlist import ALLOW_DIR, function_allowlist
from nl2sql.guard.constructs import allowed_node_types
from nl2sql.guard.functions import is_forbidden

NODES = yaml.safe_load((ALLOW_DIR / "nodes.yaml").read_text(encoding="utf-8"))
REVIEW = yaml.safe_load((ALLOW_DIR / "review.yaml").read_text(encoding="utf-8"))
DIALECTS = ("duckdb", "sqlite", "postgres", "databricks")
POLICY = GuardPolicy(dialect="duckdb", allowed_tables=frozenset({"orders"}))


def refusal_codes(sql: str, policy: GuardPolicy = POLICY) -> set[str]:
    with pytest.raises(GuardRejected) as info:
        check(sql, policy)
    return {i.code for i in info.value.issues}


def test_reviewed_node_types_are_exactly_the_pinned_list() -> None:
    names = {*NODES["expressions"], *NODES["functions"], "Anonymous", "AnonymousAggFunc"}
    missing = sorted(n for n in names if not isinstance(getattr(exp, n, None), type))
    assert missing == [], "renamed or removed in this sqlglot: review nodes.yaml"
    assert {c.__name__ for c in allowed_node_types()} == names
    assert not set(NODES["functions"]) & set(NODES["refused_functions"])


def test_a_node_type_nobody_reviewed_is_refused_by_name() -> None:
    class BrandNewClause(exp.Expression):                    # what a future sqlglot release might add
        arg_types = {"this": False}

    from nl2sql.guard.constructs import allowed_constructs

    tree = sqlglot.parse_one("SELECT o_orderkey FROM orders WHERE o_orderkey > 1", read="duckdb")
    assert list(allowed_constructs(tree, POLICY)) == []
    tree.set("where", exp.Where(this=BrandNewClause()))
    issues = list(allowed_constructs(tree, POLICY))
    assert [(i.code, i.detail) for i in issues] == [("construct_not_allowed", "BrandNewClause")]


@pytest.mark.parametrize("sql, dialect", [
    ("SELECT CAST('orders' AS regclass)", "postgres"),
    ("SELECT 'public'::regnamespace", "postgres"),
    ("SELECT o_orderkey::my_domain FROM orders", "duckdb"),
    ("SELECT main.my_macro(o_orderkey) FROM orders", "duckdb"),
    ("SELECT 'abc'.upper()", "duckdb"),
    ("SELECT system.ai.python_exec('1')", "databricks"),
    ("SELECT _metadata.file_path FROM orders", "databricks"),
    ("SELECT TRANSFORM(o_orderkey) USING 'cat' AS (x) FROM orders", "databricks"),
    ("SELECT * FROM orders VERSION AS OF 1", "databricks"),
    ("SELECT o_orderkey FROM orders FOR UPDATE", "postgres"),
    ("SELECT :p FROM orders", "sqlite"),
])
def test_unreviewed_constructs_are_refused(sql: str, dialect: str) -> None:
    policy = GuardPolicy(dialect=dialect, allowed_tables=frozenset({"orders"}))
    assert refusal_codes(sql, policy) & {"construct_not_allowed", "not_read_only"}


def test_functions_outside_the_dialect_allowlist_are_refused_by_name() -> None:
    with pytest.raises(GuardRejected) as info:
        check("SELECT json_serialize_plan('SELECT 1'), my_udf(o_orderkey) FROM orders", POLICY)
    assert {(i.code, i.detail) for i in info.value.issues} >= {("function_not_allowed", "json_serialize_plan"),
                                                              ("function_not_allowed", "my_udf")}
    udf = GuardPolicy(dialect="duckdb", allowed_tables=frozenset({"orders"}), allowed_functions=frozenset({"my_udf"}))
    assert check("SELECT my_udf(o_orderkey) FROM orders", udf).sql.startswith("SELECT MY_UDF(")
    assert "function_not_allowed" in refusal_codes("SELECT * FROM my_udf(1)", udf)   # never as a table


def test_a_table_function_is_checked_wherever_it_stands() -> None:
    for sql in ("SELECT * FROM histogram('secrets', 'password')",
                "SELECT * FROM orders, LATERAL histogram_values('pg_settings', 'value') AS h",
                "SELECT * FROM orders JOIN histogram('secrets', 'password') ON true",
                "WITH h AS (SELECT * FROM histogram('secrets', 'password')) SELECT * FROM h",
                "SELECT (SELECT COUNT(*) FROM histogram('secrets', 'password')) AS n"):
        assert refusal_codes(sql) & {"function_not_allowed", "table_not_allowed"}, sql
    assert check("SELECT histogram(o_orderstatus) FROM orders", POLICY)     # the aggregate is fine in SELECT


@pytest.mark.parametrize("dialect", DIALECTS)
def test_allowlists_hold_nothing_the_review_or_the_denylist_refuses(dialect: str) -> None:
    data = yaml.safe_load((ALLOW_DIR / f"{dialect}.yaml").read_text(encoding="utf-8"))
    listed = {n for kind in ("scalar", "aggregate", "window", "table") for n in data[kind]}
    assert len(listed) > 50
    patterns = [re.compile(p) for p in REVIEW["refuse_patterns"]]
    assert sorted(n for n in listed if any(p.search(n) for p in patterns)) == []
    assert sorted(n for n in listed if is_forbidden(n)) == []
    assert set(data["table"]) == set(REVIEW["table_functions"][dialect])
    assert not set(data["refused_by_review"]) & listed


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_allowlist_matches_the_installed_engine(engine: str) -> None:
    """Regenerating from the engine installed here gives the committed list (else rerun and review the diff)."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "scripts" / "guard_allowlists.py"
    spec = importlib.util.spec_from_file_location("guard_allowlists", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    _, kinds = {"duckdb": script.duckdb_catalogue, "sqlite": script.sqlite_catalogue}[engine]()
    fresh = {n for names in kinds.values() for n in names if not script.refused(n)}
    committed = function_allowlist(engine).functions
    assert fresh == committed


def test_postgres_names_kept_despite_a_refused_type_have_their_argument_checked() -> None:
    """A name the review keeps although an overload takes a catalog-lookup type (regconfig) is listed, and its
    argument of that type is checked by a name_arguments rule: the exemption never comes without the check."""
    kept = {n for names in REVIEW["postgres_checked_overloads"].values() for n in names}
    rules = REVIEW["name_arguments"]["postgres"]
    assert kept and kept <= set(rules)
    assert kept <= function_allowlist("postgres").functions
    assert set(REVIEW["postgres_checked_overloads"]) <= set(REVIEW["refuse_postgres_types"])
    policy = GuardPolicy(dialect="postgres", allowed_tables=frozenset({"orders"}))
    for name in sorted(kept):
        args = ", ".join(["'my_schema.my_config'"] + ["o_comment"] * (rules[name].get("arguments", 2) - 1))
        assert "construct_not_allowed" in refusal_codes(f"SELECT {name}({args}) FROM orders", policy), name
