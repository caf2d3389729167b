"""Schemas that fit a question equally well: linking reports the tie, the assistant asks which (status clarify).

A catalog of three schemas and 66 tables (two-stage linking starts above 60): ``hr`` and ``ops`` both keep an
employees table of the same shape, ``sales`` holds the rest. Linking, then the real assistant (offline
engine) over the same tables in a real DuckDB file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from catalog_semantics.linking import SHORTLIST_FROM, link
from catalog_semantics.model import Column, SemanticModel, Table
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings

FILLER = 62


def _tables() -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(schema, table, columns): the two employee tables, a salary table in hr, and filler in sales."""
    staff = (("employee_id", "INTEGER"), ("employee_name", "VARCHAR"), ("city", "VARCHAR"))
    tables = [("hr", "hr_employees", staff), ("ops", "ops_employees", staff),
              ("hr", "hr_payroll", (("employee_id", "INTEGER"), ("salary", "DOUBLE")))]
    words = ("widget", "gadget", "sprocket", "gizmo", "bracket", "flange", "gasket", "rivet")
    for i in range(FILLER):
        name = f"{words[i % len(words)]}_{words[(i // len(words)) % len(words)]}_lot{i}"
        tables.append(("sales", name, ((f"{name}_id", "INTEGER"), ("quantity", "INTEGER"))))
    return tables


def _model() -> SemanticModel:
    return SemanticModel(tuple(Table(name, tuple(Column(c, t) for c, t in cols), schema=schema)
                               for schema, name, cols in _tables()))


def test_equal_readings_are_reported_as_ties() -> None:
    model = _model()
    assert len(model.tables) > SHORTLIST_FROM
    linked = link(model, "How many employees are there?")
    assert {r.schema for r in linked.ties} == {"hr", "ops"}
    assert {"hr_employees", "ops_employees"} <= set(linked.table_names)


def test_naming_the_schema_or_a_distinguishing_word_breaks_the_tie() -> None:
    model = _model()
    named = link(model, "How many employees are there (schema ops)?")
    assert not named.ties and named.tables[0].name == "ops_employees"
    salary = link(model, "average salary of employees")             # only hr has salaries
    assert not salary.ties and salary.tables[0].name.startswith("hr_")


def test_a_single_schema_model_never_ties() -> None:
    model = SemanticModel(tuple(Table(f"{w}_employees", (Column("employee_id", "INTEGER"),))
                                for w in ("north", "south")))
    assert link(model, "How many employees are there?").ties == ()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ties") / "three_schemas.duckdb"
    with duckdb.connect(str(path)) as con:
        for schema in ("hr", "ops", "sales"):
            con.execute(f"CREATE SCHEMA {schema}")
        for schema, name, cols in _tables():
            con.execute(f"CREATE TABLE {schema}.{name} ({', '.join(f'{c} {t}' for c, t in cols)})")
        con.execute("INSERT INTO hr.hr_employees VALUES (1, 'Bob', 'Oslo'), (2, 'Eve', 'Bergen')")
        con.execute("INSERT INTO ops.ops_employees VALUES (1, 'Ann', 'Oslo'), (2, 'Kim', 'Oslo'), (3, 'Joe', 'Rome')")
    return path


def test_the_assistant_asks_which_schema_then_answers_the_chosen_one(warehouse: Path, tmp_path: Path) -> None:
    assistant = Assistant.from_settings(Settings(db_path=str(warehouse), data_dir=str(tmp_path), generator="offline"))
    answer = assistant.ask("How many employees are there?")
    assert answer.status == "clarify" and answer.sql is None
    assert [c.question for c in answer.choices] == ["How many employees are there (schema hr)?",
                                                    "How many employees are there (schema ops)?"] or \
        [c.question for c in answer.choices] == ["How many employees are there (schema ops)?",
                                                 "How many employees are there (schema hr)?"]
    ops = next(c for c in answer.choices if c.label.startswith("ops"))
    chosen = assistant.ask(ops.question)
    assert chosen.status == "answered" and "ops_employees" in (chosen.sql or "")
    assert chosen.rows == ((3,),)
    scoped = assistant.with_scope(("hr.*",))                        # a scope leaves one reading: no question
    assert scoped.ask("How many employees are there?").status == "answered"


def test_a_schema_choice_stays_within_the_configured_scope(warehouse: Path, tmp_path: Path) -> None:
    assistant = Assistant.from_settings(Settings(db_path=str(warehouse), data_dir=str(tmp_path), generator="offline",
                                                 scope="hr.*"))
    escaped = assistant.ask("How many employees are there (schema ops)?")
    assert escaped.status == "error" and escaped.sql is None and "ops.*" in escaped.message


def test_same_named_tables_in_two_schemas_of_a_small_warehouse_are_asked_about(tmp_path: Path) -> None:
    """The gap docs/databricks.md named: two schemas both hold ``shipments``; a question about shipments is asked
    back (one choice per schema) instead of being answered from either; a question only one schema fits is not."""
    path = tmp_path / "two_shipments.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA scope_a; CREATE SCHEMA scope_b")
        con.execute("CREATE TABLE scope_a.shipments (id INTEGER, amount DOUBLE)")
        con.execute("INSERT INTO scope_a.shipments VALUES (1, 10.0), (2, 20.0)")
        con.execute("CREATE TABLE scope_b.shipments (id INTEGER, amount DOUBLE)")
        con.execute("INSERT INTO scope_b.shipments VALUES (1, 1000.0)")
        con.execute("CREATE TABLE scope_b.carriers (c_id INTEGER, carrier_name VARCHAR)")
        con.execute("INSERT INTO scope_b.carriers VALUES (1, 'Alpha'), (2, 'Beta'), (3, 'Gamma')")
    assistant = Assistant.from_settings(Settings(db_path=str(path), data_dir=str(tmp_path), generator="offline"))
    asked = assistant.ask("What is the total amount of shipments?")
    assert asked.status == "clarify" and asked.sql is None
    assert sorted(c.label.split(":")[0] for c in asked.choices) == ["scope_a", "scope_b"]
    chosen = assistant.ask(next(c.question for c in asked.choices if c.label.startswith("scope_a")))
    assert chosen.status == "answered" and chosen.rows == ((30.0,),) and "scope_a.shipments" in (chosen.sql or "")
    carriers = assistant.ask("how many carriers")
    assert carriers.status == "answered" and carriers.rows == ((3,),)


def _look_alikes(schemas: int) -> SemanticModel:
    """``schemas`` schemas, each with a course table named and shaped differently, plus unrelated filler."""
    tables = []
    for i in range(schemas):
        name = ("courses", f"course_{'catalogue_' * (i % 3)}list", "online_courses")[i % 3]
        cols = tuple(Column(f"c{j}_{w}", "VARCHAR") for j, w in enumerate(("title", "credits", "teacher")[: 1 + i % 3]))
        tables.append(Table(f"s{i}_{name}", cols, schema=f"s{i}"))
    words = ("widget", "gadget", "sprocket", "gizmo", "bracket", "flange", "gasket", "rivet")
    tables += [Table(f"{words[i % 8]}_{words[i // 8 % 8]}_lot{i}", (Column("quantity", "INTEGER"),), schema="sales")
               for i in range(FILLER)]
    return SemanticModel(tuple(tables))


def test_tables_holding_every_asked_word_tie_whatever_their_other_words() -> None:
    linked = link(_look_alikes(4), "How many courses are there?")
    assert len({r.schema for r in linked.ties}) == 4                   # scores differ; the words do not
    assert {f"s{i}" for i in range(4)} <= {t.name.split("_")[0] for t in linked.tables}
    credits = link(_look_alikes(4), "How many course credits are there?")   # only s1 and s2 have credits
    assert {r.schema for r in credits.ties} == {"s1", "s2"}


def test_more_tied_schemas_than_the_context_holds_keep_one_table_each() -> None:
    linked = link(_look_alikes(14), "How many courses are there?")
    assert len(linked.tables) == 10 and len(linked.ties) == 10
    assert len({r.schema for r in linked.ties}) == 10
