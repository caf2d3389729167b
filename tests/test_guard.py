"""The guard on data: every refusal class (fixtures/guard/refuse.yaml) and valid analytics (allow.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog_semantics.model import Column, SemanticModel, Table
from nl2sql.errors import GuardRejected, Issue
from nl2sql.guard import GUARD_RULES, CheckedSql, GuardPolicy, check, policy_for_model

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "guard"
TABLES: dict[str, dict[str, str]] = yaml.safe_load((FIXTURES / "tables.yaml").read_text())
ALLOW: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "allow.yaml").read_text(encoding="utf-8"))
REFUSE: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "refuse.yaml").read_text(encoding="utf-8"))


def policy(case: dict[str, Any]) -> GuardPolicy:
    allowed = case.get("allowed") or list(TABLES)
    schema = {t: TABLES[t] for t in allowed}
    return GuardPolicy(
        dialect=case["dialect"], allowed_tables=frozenset(allowed), schema=schema,
        max_rows=case.get("max_rows", 1000), default_catalog=case.get("default_catalog"),
        default_schema=case.get("default_schema"),
    )


def codes(sql: str, p: GuardPolicy) -> set[str]:
    with pytest.raises(GuardRejected) as info:
        check(sql, p)
    return {i.code for i in info.value.issues}


@pytest.mark.parametrize("case", ALLOW, ids=[c["name"] for c in ALLOW])
def test_allowed(case: dict[str, Any]) -> None:
    p = policy(case)
    checked = check(case["sql"], p)
    assert isinstance(checked, CheckedSql) and checked.dialect == case["dialect"]
    if "limit" in case:
        assert checked.limit == case["limit"]
    for fragment in case.get("contains", ()):
        assert fragment in checked.sql
    assert "--" not in checked.sql and "/*" not in checked.sql     # comments never reach the warehouse
    again = check(checked.sql, p)                                   # idempotent: output passes unchanged
    assert again.sql == checked.sql


@pytest.mark.parametrize("case", REFUSE, ids=[c["name"] for c in REFUSE])
def test_refused(case: dict[str, Any]) -> None:
    got = codes(case["sql"], policy(case))
    assert set(case["codes"]) <= got, got


def test_refusal_fixture_covers_every_reason_code() -> None:
    covered = {c for case in REFUSE for c in case["codes"]}
    assert covered >= {"empty_query", "parse_error", "multiple_statements", "unsupported_command", "not_read_only",
                       "table_not_allowed", "forbidden_function", "unknown_column", "too_complex",
                       "confusable_identifier", "function_not_allowed", "construct_not_allowed"}


def test_every_issue_is_reported_with_readable_messages() -> None:
    sql = "SELECT getenv('X'), n_nme FROM nation, secrets; DROP TABLE nation"
    with pytest.raises(GuardRejected) as info:
        check(sql, policy({"dialect": "duckdb"}))
    found = {i.code for i in info.value.issues}
    assert found >= {"multiple_statements", "not_read_only", "table_not_allowed", "forbidden_function"}
    assert all(i.message.endswith(".") and i.message[0].isupper() for i in info.value.issues)
    assert info.value.sql == sql and "not run" in str(info.value)


def test_refusal_never_names_hidden_tables() -> None:
    p = policy({"dialect": "duckdb", "allowed": ["orders"]})
    with pytest.raises(GuardRejected) as info:
        check("SELECT * FROM custmer", p)
    text = " ".join(f"{i.message} {i.detail}" for i in info.value.issues) + str(info.value)
    for hidden in ("customer", "nation", "lineitem", "region", "part"):
        assert hidden not in text.replace("custmer", "")


def test_no_allowlist_refuses_every_table() -> None:
    assert codes("SELECT 1 FROM nation", GuardPolicy(allowed_tables=None)) == {"table_not_allowed"}
    assert check("SELECT 1 + 1 AS two", GuardPolicy(allowed_tables=None)).sql == "SELECT 1 + 1 AS two LIMIT 1000"


def test_limit_lowered_on_set_operation_keeps_order() -> None:
    checked = check("SELECT n_name FROM nation UNION ALL SELECT r_name FROM region ORDER BY 1 DESC LIMIT 99999",
                    policy({"dialect": "duckdb"}))
    assert checked.sql.endswith("ORDER BY 1 DESC LIMIT 1000") and checked.limit == 1000


def test_output_dialect_transpiles_and_still_passes() -> None:
    p = GuardPolicy(dialect="duckdb", allowed_tables=frozenset(TABLES), output_dialect="sqlite", max_rows=5)
    checked = check("SELECT n_name, n_nationkey::VARCHAR FROM nation", p)
    assert checked.dialect == "sqlite" and "CAST(" in checked.sql
    assert check(checked.sql, GuardPolicy(dialect="sqlite", allowed_tables=frozenset(TABLES))).limit == 5


def test_tables_reported_without_ctes() -> None:
    checked = check("WITH x AS (SELECT * FROM orders) SELECT * FROM x JOIN customer ON c_custkey = o_custkey",
                    policy({"dialect": "duckdb"}))
    assert checked.tables == ("customer", "orders")


def test_rules_are_data_a_crashing_rule_refuses() -> None:
    def broken(tree: object, policy: GuardPolicy) -> list[Issue]:
        raise RuntimeError("bug")

    with pytest.raises(GuardRejected) as info:
        check("SELECT n_name FROM nation", policy({"dialect": "duckdb"}), rules=(*GUARD_RULES, broken))
    assert [i.code for i in info.value.issues] == ["guard_error"]
    assert check("SELECT * FROM secrets", policy({"dialect": "duckdb"}), rules=()).tables == ("secrets",)


def test_size_limits() -> None:
    small = GuardPolicy(allowed_tables=frozenset(TABLES), max_nodes=50)
    wide = "SELECT " + ", ".join(f"{i} AS c{i}" for i in range(100)) + " FROM nation"
    assert codes(wide, small) == {"too_complex"}
    deep = "SELECT " + "(" * 400 + "1" + ")" * 400
    assert "too_complex" in codes(deep, policy({"dialect": "duckdb"}))
    assert codes("SELECT 1 " + " " * 300_000, policy({"dialect": "duckdb"})) == {"too_complex"}


def test_policy_for_model_builds_allowlist_schema_and_defaults() -> None:
    cols = (Column("o_orderkey", "BIGINT"), Column("o_totalprice", "DECIMAL"))
    model = SemanticModel(tables=(
        Table("orders", cols, schema="main", catalog="shop"),
        Table("customer", (Column("c_custkey", "BIGINT"),), schema="main", catalog="shop"),
    ), dialect="duckdb")
    p = policy_for_model(model, max_rows=50)
    assert p.default_schema == "main" and p.default_catalog == "shop" and p.max_rows == 50
    for sql in ("SELECT o_totalprice FROM orders", "SELECT o_totalprice FROM main.orders",
                "SELECT o_totalprice FROM shop.main.orders", "SELECT c_custkey FROM CUSTOMER"):
        assert check(sql, p).limit == 50
    assert codes("SELECT o_price FROM orders", p) == {"unknown_column"}
    only_orders = policy_for_model(model, allowed=["orders"])
    assert codes("SELECT * FROM customer", only_orders) == {"table_not_allowed"}
    assert codes("SELECT * FROM other.main.orders", only_orders) == {"table_not_allowed"}


def test_policy_for_model_ambiguous_bare_names_need_qualification() -> None:
    col = (Column("id", "BIGINT"),)
    model = SemanticModel(tables=(Table("t", col, schema="a"), Table("t", col, schema="b")), dialect="duckdb")
    only_a = policy_for_model(model, allowed=["a.t"])
    assert check("SELECT id FROM a.t", only_a).tables == ("a.t",)
    assert codes("SELECT id FROM b.t", only_a) == {"table_not_allowed"}
    assert codes("SELECT id FROM t", only_a) == {"table_not_allowed"}


def test_allow_any_table_still_refuses_system_catalogs_and_files() -> None:
    p = GuardPolicy(dialect="duckdb", allowed_tables=None, allow_any_table=True)
    assert check("SELECT * FROM anything_at_all JOIN other.thing ON true", p).tables == ("anything_at_all",
                                                                                        "other.thing")
    for sql in ("SELECT * FROM information_schema.tables", "SELECT * FROM sqlite_master", "SELECT * FROM 'x.csv'",
                "SELECT * FROM duckdb_settings()", "SELECT * FROM pg_catalog.pg_class", "SELECT * FROM temp.main.x"):
        assert codes(sql, p) & {"table_not_allowed", "forbidden_function"}, sql
    assert codes("SELECT * FROM csv.`/tmp/x`", GuardPolicy(dialect="databricks", allow_any_table=True)) == {
        "table_not_allowed"}


def test_security_doc_lists_every_denylisted_function() -> None:
    from nl2sql.guard.functions import FORBIDDEN_FUNCTIONS, FORBIDDEN_PREFIXES, FORBIDDEN_SUFFIXES

    doc = (FIXTURES.parent.parent / "docs" / "security.md").read_text(encoding="utf-8")
    missing = [n for n in FORBIDDEN_FUNCTIONS if f"`{n}`" not in doc]
    missing += [p for p in FORBIDDEN_PREFIXES if f"`{p}*`" not in doc]
    missing += [s for s in FORBIDDEN_SUFFIXES if f"`*{s}`" not in doc]
    assert missing == []
