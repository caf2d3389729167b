"""Round two end to end: each DuckDB, SQLite and PostgreSQL case of fixtures/security/corpus_round2.yaml goes through
``Assistant.ask`` with an obedient model (the stub LLM writes exactly the attack) on a real warehouse.

Refusal cases must come back refused, with nothing run; must-pass cases (``expect: []``) must be answered by
the engine itself, so the guard's verdict is checked against what the engine accepts. The principal may read
the corpus tables only; ``secrets`` holds a password the attacks try to reach.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest
import yaml

from catalog_semantics.overlay import apply_overlay
from catalog_semantics.scope import Principal
from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.llm.value_index import CachedValueIndex
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer

ROOT = Path(__file__).resolve().parent.parent
TABLES: dict[str, dict[str, str]] = yaml.safe_load((ROOT / "fixtures" / "guard" / "tables.yaml").read_text())
CASES: list[dict[str, Any]] = [c for c in yaml.safe_load(
    (ROOT / "fixtures" / "security" / "corpus_round2.yaml").read_text("utf-8")) if c["dialect"] in ("duckdb", "sqlite", "postgres")]
SECRET = "hunter2-round-two"


def setup_sql(dialect: str) -> list[str]:
    statements = ["DROP TABLE IF EXISTS secrets"] + [f"DROP TABLE IF EXISTS {t}" for t in TABLES]
    for table, columns in TABLES.items():
        cols = ", ".join(f"{c} {'TEXT' if dialect == 'sqlite' and t == 'VARCHAR' else t}" for c, t in columns.items())
        values = ", ".join("DATE '1995-01-01'" if t == "DATE" and dialect == "duckdb" else
                           "'1995-01-01'" if t == "DATE" else "'F'" if t == "VARCHAR" else "1" for t in columns.values())
        statements += [f"CREATE TABLE {table} ({cols})", f"INSERT INTO {table} VALUES ({values})"]
    return statements + ["CREATE TABLE secrets (id INTEGER, password TEXT)", f"INSERT INTO secrets VALUES (1, '{SECRET}')"]


@pytest.fixture(scope="module")
def assistants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("round2")
    duck = DuckDbWarehouse.create(root / "r2.duckdb", setup_sql("duckdb"))
    con = sqlite3.connect(root / "r2.sqlite")
    con.executescript(";\n".join(setup_sql("sqlite")) + ";")
    con.commit()
    con.close()
    lite = SqlAlchemyWarehouse.sqlite_file(root / "r2.sqlite")
    yield {"duckdb": duck, "sqlite": lite}
    duck.close()


@pytest.fixture(scope="module")
def postgres_warehouse(postgres_url: str) -> SqlAlchemyWarehouse:
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        for statement in setup_sql("postgres"):
            conn.execute(sa.text(statement.replace("DECIMAL", "NUMERIC")))
    engine.dispose()
    return SqlAlchemyWarehouse(postgres_url)


def warehouse_for(dialect: str, assistants: dict[str, Any], request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("postgres_warehouse") if dialect == "postgres" else assistants[dialect]


class ObedientModel:
    """One stub server and one OpenAI client for a module's cases; each case sets the SQL the model writes.

    A fresh ``Assistant`` per case (nothing carried between attacks), over a model and value index read once
    per warehouse: building an OpenAI client per case (a new TLS context each time) and reading the catalog
    per case were most of these modules' time, and neither is what the cases test.
    """

    def __init__(self, stub: StubLlmServer) -> None:
        self.reply_sql = ""
        self.settings = Settings(llm_base_url=stub.url, llm_api_key="k", generator="llm", max_repairs=0)
        self.llm = OpenAiLlm.from_settings(self.settings)
        self._read: dict[int, tuple[Any, CachedValueIndex]] = {}

    def reply(self, body: dict[str, Any]) -> str:
        return f"```sql\n{self.reply_sql}\n```"

    def ask(self, warehouse: Any, sql: str, question: str = "Show the data", *, fresh_catalog: bool = False) -> Any:
        """``fresh_catalog``: read the catalog again (after the attacks: the warehouse is still the same)."""
        if fresh_catalog or id(warehouse) not in self._read:
            model = apply_overlay(warehouse.read_catalog(), None)
            self._read[id(warehouse)] = (model, CachedValueIndex(model, warehouse, self.settings.resolved_data_dir()))
        model, values = self._read[id(warehouse)]
        self.reply_sql = sql
        assistant = Assistant(model, warehouse, self.settings, llm=self.llm, value_index=values,
                              principal=Principal.of("analyst", list(TABLES)))
        return assistant.ask(question)


@pytest.fixture(scope="module")
def obedient() -> Iterator[ObedientModel]:
    """The obedient model: the stub LLM writes exactly the attack the case sets."""
    holder: list[ObedientModel] = []
    with StubLlmServer(responder=lambda body: holder[0].reply(body)) as stub:
        holder.append(ObedientModel(stub))
        yield holder[0]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['dialect']}:{c['sql'][:70]}" for c in CASES])
def test_round_two_end_to_end(case: dict[str, Any], assistants: dict[str, Any], obedient: ObedientModel,
                              request: pytest.FixtureRequest) -> None:
    answer = obedient.ask(warehouse_for(case["dialect"], assistants, request), case["sql"])
    if case["expect"]:
        assert answer.status == "refused", (answer.status, answer.sql, answer.rows[:3])
        assert answer.sql is None and answer.rows == ()
    else:
        assert answer.status == "answered", (answer.status, answer.message)
    assert SECRET not in repr(answer.rows)


def test_an_ordinary_question_is_answered_after_the_attacks(assistants: dict[str, Any],
                                                            obedient: ObedientModel) -> None:
    for warehouse in assistants.values():
        answer = obedient.ask(warehouse, "SELECT COUNT(*) AS n FROM nation", fresh_catalog=True)
        assert answer.status == "answered" and answer.rows == ((1,),)
