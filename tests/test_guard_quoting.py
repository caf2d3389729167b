"""The guard's rendering keeps what a quoted name means on the engine: an identifier stays an identifier.

SQLite reads a double-quoted name that matches no column as a string literal (a legacy fallback Spider's
gold SQL relies on: ``WHERE name = "John"``), but never a ``[bracketed]`` or ```backticked``` one: those
are identifiers or an error. Before this fix the guard turned every quoted unknown name into a string and
rendered identifiers in double quotes, so ``SELECT [nosuch] FROM people`` answered the constant 'nosuch'
where SQLite itself says "no such column" (a silent wrong answer). Each case below runs the original text
and the guard's output on the real engine: when the guard lets a query through, both give the same rows or
both fail. Quoting styles per dialect are the ones each engine's tokenizer accepts. The one allowed change:
with a schema, a double-quoted unknown name SQLite would read as a constant outside a comparison with a
non-constant (``SELECT "nosuch"``) is refused instead of answered (``SILENT_CONSTANTS``).
"""

from __future__ import annotations

import sqlite3
from typing import Any
from collections.abc import Iterator

import duckdb
import pytest

from nl2sql.errors import GuardRejected
from nl2sql.guard import GuardPolicy, check

SCHEMA = {"people": {"name": "TEXT", "age": "INTEGER", "first name": "TEXT"}}
SEED = ("CREATE TABLE people (name TEXT, age INTEGER, \"first name\" TEXT)",
        "INSERT INTO people VALUES ('John', 30, 'J'), ('nosuch', 40, 'N')")

# (dialect, query): every quoting style each engine reads, naming a column that exists and one that does not.
CASES: tuple[tuple[str, str], ...] = (
    ("sqlite", "SELECT [nosuch] FROM people"),
    ("sqlite", "SELECT `nosuch` FROM people"),
    ("sqlite", 'SELECT "nosuch" FROM people'),
    ("sqlite", "SELECT name FROM people WHERE name = [nosuch]"),
    ("sqlite", "SELECT name FROM people WHERE name = `nosuch`"),
    ("sqlite", 'SELECT name FROM people WHERE name = "nosuch"'),
    ("sqlite", "SELECT [name], `age`, \"name\", [first name], `first name`, \"first name\" FROM people"),
    ("sqlite", "SELECT p.[nosuch] FROM people AS p"),
    ("sqlite", "SELECT [p].[name] FROM people AS [p] ORDER BY [age]"),
    ("sqlite", "SELECT count(*) FROM people WHERE [first name] = \"J\""),
    ("sqlite", 'SELECT name FROM people WHERE name IN ("John", "nosuch") AND age BETWEEN 1 AND 99'),
    ("sqlite", "SELECT name FROM people WHERE \"nosuch\" = 'nosuch'"),
    ("duckdb", 'SELECT "nosuch" FROM people'),
    ("duckdb", "SELECT `nosuch` FROM people"),
    ("duckdb", "SELECT [name], [nosuch] FROM people"),
    ("duckdb", 'SELECT U&"n\\0061me" FROM people'),
    ("duckdb", 'SELECT "name", "first name" FROM people WHERE name = "name"'),
    ("postgres", 'SELECT "nosuch" FROM people'),
    ("postgres", "SELECT `nosuch` FROM people"),
    ("postgres", 'SELECT U&"n\\0061me", U&"nosuch" FROM people'),
    ("postgres", 'SELECT "name", "first name" FROM people WHERE name = "name"'),
)


# Where SQLite's fallback answers a constant the caller surely did not mean (a projected or constant-compared
# "name" that is no column): the guard refuses these with a schema, which is the one allowed change.
SILENT_CONSTANTS = frozenset({'SELECT "nosuch" FROM people', "SELECT name FROM people WHERE \"nosuch\" = 'nosuch'"})


def outcome(run: Any, sql: str) -> tuple[str, Any]:
    """Rows (sorted, as text) or the fact of an error: what a user would be shown."""
    try:
        return "rows", sorted(map(repr, run(sql)))
    except Exception:
        return "error", None


@pytest.fixture(scope="module")
def runners(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    lite = sqlite3.connect(":memory:")
    duck = duckdb.connect(":memory:")
    for statement in SEED:
        lite.execute(statement)
        duck.execute(statement)
    out: dict[str, Any] = {"sqlite": lambda q: lite.execute(q).fetchall(),
                           "duckdb": lambda q: duck.execute(q).fetchall()}
    yield out
    lite.close()
    duck.close()


def postgres_runner(postgres_url: str) -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS people"))
        for statement in SEED:
            conn.execute(sa.text(statement))

    def run(sql: str) -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql.replace(":", r"\:")))]
    return run


@pytest.mark.parametrize("with_schema", [True, False], ids=["schema", "no-schema"])
@pytest.mark.parametrize(("dialect", "sql"), CASES, ids=[f"{d}:{q}" for d, q in CASES])
def test_guarded_query_means_what_the_engine_reads(dialect: str, sql: str, with_schema: bool,
                                                   runners: dict[str, Any], request: pytest.FixtureRequest) -> None:
    run = postgres_runner(request.getfixturevalue("postgres_url")) if dialect == "postgres" else runners[dialect]
    policy = GuardPolicy(dialect=dialect, allowed_tables=frozenset(SCHEMA), max_rows=None,
                         schema=SCHEMA if with_schema else None)
    try:
        guarded = check(sql, policy).sql
    except GuardRejected:
        if not (dialect == "sqlite" and with_schema and sql in SILENT_CONSTANTS):
            assert outcome(run, sql)[0] == "error", "a query the engine answers was refused"
        return
    assert outcome(run, guarded) == outcome(run, sql), guarded
    assert check(guarded, policy).sql == guarded                   # the output passes again unchanged


@pytest.mark.parametrize("sql", ["SELECT [nosuch] FROM people", "SELECT `nosuch` FROM people",
                                 "SELECT name FROM people WHERE name = [John]", *sorted(SILENT_CONSTANTS)])
def test_sqlite_unknown_name_is_refused_unless_it_is_a_compared_value(sql: str) -> None:
    policy = GuardPolicy(dialect="sqlite", allowed_tables=frozenset(SCHEMA), schema=SCHEMA, max_rows=None)
    with pytest.raises(GuardRejected) as info:
        check(sql, policy)
    assert [i.code for i in info.value.issues] == ["unknown_column"]


def test_sqlite_double_quoted_unknown_name_stays_the_string_sqlite_reads() -> None:
    """Spider's ``WHERE name = "John"``: the string SQLite reads; each known name keeps its own quoting."""
    policy = GuardPolicy(dialect="sqlite", allowed_tables=frozenset(SCHEMA), schema=SCHEMA, max_rows=None)
    sql = 'SELECT [first name], "first name", `age` FROM people WHERE name = "John"'
    assert check(sql, policy).sql == "SELECT `first name`, \"first name\", `age` FROM people WHERE name = 'John'"


def test_databricks_backticked_name_stays_an_identifier() -> None:
    """Spark reads ``"x"`` as a string and `` `x` `` as a name; the rendered text keeps each one's kind."""
    from sqlglot import exp, parse_one

    policy = GuardPolicy(dialect="databricks", allowed_tables=frozenset(SCHEMA), schema=SCHEMA, max_rows=None)
    with pytest.raises(GuardRejected):
        check("SELECT `nosuch` FROM people", policy)
    out = check('SELECT `first name`, "first name" FROM people', policy).sql
    tree = parse_one(out, read="databricks")
    assert [type(e) for e in tree.expressions] == [exp.Column, exp.Literal]
