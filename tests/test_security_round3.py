"""Round three end to end: each DuckDB, SQLite and PostgreSQL case of fixtures/security/corpus_round3.yaml goes
through ``Assistant.ask`` with an obedient model (the stub LLM writes exactly the attack) on a real warehouse.

Round three tried classes issue 12 did not name (qualified names, odd table positions, information and
session functions, parse differences, error side channels, resources, harmless look-alikes). Refusal
cases must come back refused with nothing run; must-pass cases (``expect: []``) must be answered by the
engine itself (or, for ``engine_error`` cases, fail in the engine with a message that shows no data). No
answer, refused or not, may carry the password the principal cannot read, in its rows, message or attempts.
"""

from __future__ import annotations

import collections
import sqlite3
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest
import yaml

from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from tests.test_security_round2 import SECRET, ObedientModel, setup_sql
from tests.test_security_round2 import obedient  # noqa: F401  (the fixture: one stub LLM for the module)
from tests.test_security_round2 import postgres_warehouse  # noqa: F401  (the fixture: the same seeded server)

ROOT = Path(__file__).resolve().parent.parent
ROUND_THREE: list[dict[str, Any]] = yaml.safe_load(
    (ROOT / "fixtures" / "security" / "corpus_round3.yaml").read_text("utf-8"))
CASES = [c for c in ROUND_THREE if c["dialect"] in ("duckdb", "sqlite", "postgres")]


def test_round_three_is_large_and_covers_eight_classes_in_four_dialects() -> None:
    by_class = collections.defaultdict(set)
    for case in ROUND_THREE:
        by_class[case["class"]].add(case["dialect"])
    assert len(ROUND_THREE) >= 120 and len(by_class) >= 8
    assert {d for ds in by_class.values() for d in ds} == {"duckdb", "sqlite", "postgres", "databricks"}
    assert sum(1 for c in ROUND_THREE if not c["expect"]) >= 20


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("round3")
    # A user-defined enum holds the password too: type names read from strings must not reach it.
    duck = DuckDbWarehouse.create(root / "r3.duckdb", setup_sql("duckdb") + [f"CREATE TYPE mood AS ENUM ('sad', '{SECRET}')"])
    con = sqlite3.connect(root / "r3.sqlite")
    con.executescript(";\n".join(setup_sql("sqlite")) + ";")
    con.commit()
    con.close()
    yield {"duckdb": duck, "sqlite": SqlAlchemyWarehouse.sqlite_file(root / "r3.sqlite")}
    duck.close()


@pytest.mark.parametrize("case", CASES, ids=[f"{c['class'][:12]}:{c['dialect']}:{c['sql'][:60]}" for c in CASES])
def test_round_three_end_to_end(case: dict[str, Any], warehouses: dict[str, Any], obedient: ObedientModel,
                                request: pytest.FixtureRequest) -> None:
    warehouse = (request.getfixturevalue("postgres_warehouse") if case["dialect"] == "postgres"
                 else warehouses[case["dialect"]])
    answer = obedient.ask(warehouse, case["sql"])
    if case["expect"]:
        assert answer.status == "refused", (answer.status, answer.sql, answer.rows[:3])
        assert answer.sql is None and answer.rows == ()
    elif case.get("engine_error"):              # the guard lets it through; the engine's error shows no data
        assert answer.status == "error" and answer.sql is None, (answer.status, answer.sql)
    else:
        assert answer.status == "answered", (answer.status, answer.message, answer.sql)
    assert SECRET not in repr((answer.rows, answer.message, answer.hint, answer.attempts))


def test_an_ordinary_question_is_answered_after_round_three(warehouses: dict[str, Any],
                                                           obedient: ObedientModel) -> None:
    for warehouse in warehouses.values():
        answer = obedient.ask(warehouse, "SELECT COUNT(*) AS n FROM nation", fresh_catalog=True)
        assert answer.status == "answered" and answer.rows == ((1,),)
