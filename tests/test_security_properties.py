"""Properties of the guard over generated input (hypothesis).

1. It never crashes: any text gives a CheckedSql or a GuardRejected, nothing else.
2. It never lets a non-query through: whatever passes re-parses as exactly one read-only query.
3. It accepts generated SELECTs over allowed tables, capped at the row limit.
4. It refuses generated write/session statements and generated references to tables not on the allowlist.
"""

from __future__ import annotations

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from nl2sql.errors import GuardRejected
from nl2sql.guard import CheckedSql, GuardPolicy, check
from nl2sql.guard.rules import WRITE_OR_SESSION_NODES

TABLES = {
    "orders": {"o_orderkey": "BIGINT", "o_custkey": "BIGINT", "o_totalprice": "DECIMAL", "o_orderdate": "DATE"},
    "customer": {"c_custkey": "BIGINT", "c_name": "VARCHAR", "c_acctbal": "DECIMAL"},
}
DIALECTS = ("duckdb", "databricks", "sqlite", "postgres")
KEYWORDS = ["SELECT", "FROM", "WHERE", "INSERT", "INTO", "DELETE", "UPDATE", "SET", "DROP", "TABLE", "CREATE",
            "COPY", "ATTACH", "PRAGMA", "WITH", "AS", "UNION", "ALL", "(", ")", ";", ",", "*", "=", "'x'", "1",
            "orders", "customer", "secrets", "o_orderkey", "c_name", "read_csv('a.csv')", "getenv('A')", "--",
            "/*", "*/", "\"", "`", "LIMIT", "ORDER BY", "GROUP BY", "JOIN", "ON", "CALL", "LOAD", "INSTALL",
            "EXPORT", "DATABASE", "VALUES", "RETURNING", "USE", "RESET", "information_schema.tables", "\n"]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def policy(dialect: str) -> GuardPolicy:
    return GuardPolicy(dialect=dialect, allowed_tables=frozenset(TABLES), schema=TABLES, max_rows=100)


def outcome(sql: str, dialect: str) -> CheckedSql | GuardRejected:
    try:
        return check(sql, policy(dialect))
    except GuardRejected as refusal:                   # any other exception fails the test
        assert refusal.issues and all(i.code and i.message for i in refusal.issues)
        return refusal


def assert_safe(checked: CheckedSql) -> None:
    trees = [t for t in sqlglot.parse(checked.sql, read=checked.dialect) if t is not None]
    assert len(trees) == 1 and isinstance(trees[0], exp.Query), checked.sql
    assert not any(isinstance(n, (*WRITE_OR_SESSION_NODES, exp.Command)) for n in trees[0].walk()), checked.sql
    tables = {t.name.lower() for t in trees[0].find_all(exp.Table) if isinstance(t.this, exp.Identifier)}
    assert tables <= set(TABLES) | _ctes(trees[0]), checked.sql
    assert checked.limit is not None and checked.limit <= 100


def _ctes(tree: exp.Expression) -> set[str]:
    return {c.alias.lower() for c in tree.find_all(exp.CTE)}


@FAST
@given(st.text(max_size=300), st.sampled_from(DIALECTS))
def test_arbitrary_text_never_crashes(text: str, dialect: str) -> None:
    result = outcome(text, dialect)
    if isinstance(result, CheckedSql):
        assert_safe(result)


@FAST
@given(st.lists(st.sampled_from(KEYWORDS), min_size=1, max_size=25), st.sampled_from(DIALECTS))
def test_token_soup_never_crashes_and_never_lets_a_non_query_through(tokens: list[str], dialect: str) -> None:
    result = outcome(" ".join(tokens), dialect)
    if isinstance(result, CheckedSql):
        assert_safe(result)


@st.composite
def selects(draw: st.DrawFn) -> str:
    table = draw(st.sampled_from(sorted(TABLES)))
    columns = sorted(TABLES[table])
    picked = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=len(columns), unique=True))
    alias = draw(st.sampled_from(["", " AS t", " t"]))
    prefix = "t." if alias else ""
    case = draw(st.sampled_from([str.lower, str.upper, lambda s: s]))
    select = ", ".join(case(prefix + c) for c in picked)
    sql = f"SELECT {select} FROM {case(table)}{alias}"
    if draw(st.booleans()):
        column = draw(st.sampled_from(columns))
        op = draw(st.sampled_from(["=", "<>", ">", "<=", "IS NOT NULL", "IN (1, 2)"]))
        value = "" if op in ("IS NOT NULL", "IN (1, 2)") else f" {draw(st.integers(-10**6, 10**6))}"
        sql += f" WHERE {prefix}{column} {op}{value}"
    if draw(st.booleans()):
        sql = f"SELECT COUNT(*) AS n, {select} FROM {case(table)}{alias} GROUP BY {select}"
    if draw(st.booleans()):
        sql += f" ORDER BY {draw(st.integers(1, len(picked)))}"
    if draw(st.booleans()):
        sql += f" LIMIT {draw(st.integers(0, 10**9))}"
    if draw(st.booleans()):
        sql = f"WITH q AS ({sql}) SELECT * FROM q"
    return sql


@FAST
@given(selects(), st.sampled_from(DIALECTS))
def test_generated_selects_over_allowed_tables_pass(sql: str, dialect: str) -> None:
    checked = check(sql, policy(dialect))
    assert_safe(checked)
    assert check(checked.sql, policy(dialect)).sql == checked.sql


WRITES = ["INSERT INTO {t} VALUES (1)", "DELETE FROM {t}", "UPDATE {t} SET {c} = 1", "DROP TABLE {t}",
          "CREATE TABLE x AS SELECT * FROM {t}", "ALTER TABLE {t} ADD COLUMN z INT", "TRUNCATE TABLE {t}",
          "COPY {t} TO 'out.csv'", "ATTACH 'x.db' AS {t}2", "PRAGMA table_info({t})", "SET {c} = 1",
          "SELECT * INTO {t}2 FROM {t}", "WITH d AS (DELETE FROM {t} RETURNING *) SELECT * FROM d",
          "{q}; DROP TABLE {t}", "{q}; {q}", "USE {t}", "DESCRIBE {t}"]


@FAST
@given(selects(), st.sampled_from(WRITES), st.sampled_from(DIALECTS))
def test_generated_writes_and_stacks_are_refused(select: str, template: str, dialect: str) -> None:
    table = sorted(TABLES)[len(select) % 2]
    sql = template.format(t=table, c=sorted(TABLES[table])[0], q=select)
    assert isinstance(outcome(sql, dialect), GuardRejected), sql


@FAST
@given(selects(), st.sampled_from(["secrets", "main.secrets", "information_schema.tables", "'x.csv'",
                                   "read_csv('x.csv')", "sqlite_master", "pg_catalog.pg_tables"]),
       st.sampled_from(["SELECT * FROM ({q}) AS a WHERE EXISTS (SELECT 1 FROM {s})",
                        "SELECT * FROM ({q}) AS a CROSS JOIN {s}",
                        "WITH z AS (SELECT * FROM {s}) SELECT * FROM ({q}) AS a",
                        "{q} UNION ALL SELECT * FROM {s}"]),
       st.sampled_from(DIALECTS))
def test_an_unlisted_source_anywhere_is_refused(select: str, source: str, shape: str, dialect: str) -> None:
    sql = shape.format(q=select, s=source)
    result = outcome(sql, dialect)
    assert isinstance(result, GuardRejected), sql
    assert {i.code for i in result.issues} & {"table_not_allowed", "forbidden_function", "parse_error"}
