"""The LLM's value index on a big catalog covers each question's shortlisted tables only (``llm/question_values.py``).

A DuckDB catalog above ``NL2SQL_VALUE_INDEX_WHOLE_UP_TO`` tables, read without values (as a whole-catalog Unity
Catalog scope is): ``geo.places`` names 200 places, ``stats.areas`` shares its ``population`` column, and 62 ledger
tables with text columns fill ``sales``. What was read is told by the real cache files: ``lazy_values/*.json``
(one per table read, naming it) and ``value_index/*.json`` (the whole model's index). The LLM is the real
``OpenAiLlm`` talking to the local stub server. The question misspells the place ("Mirolo"), so the index's hint
("'Mirolo' may mean 'Milolo', ...") is told apart from the linked value's ("'Milolo' is a value of ...").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.linking import SHORTLIST_FROM, link
from catalog_semantics.model import SemanticModel
from catalog_semantics.scope import Principal
from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.answer import Answer
from nl2sql.guard import policy_for_model
from nl2sql.lazy_values import LazyValues
from nl2sql.llm.question_values import QuestionValues
from nl2sql.llm.value_index import CachedValueIndex
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer
from tests.test_lazy_values import PLACE, PLACES, REGIONS

QUESTION = "What is the population of Mirolo?"                    # PLACE is 'Milolo'
FROM_INDEX = f"'Mirolo' may mean '{PLACE}', a value of places.place_name"
NAMED = "What is the population of Mirolo in the places table?"   # without values, nothing else chooses places
SQL = f"SELECT population FROM geo.places WHERE place_name = '{PLACE}'"


def _build(path: Path, fillers: int) -> SemanticModel:
    """The catalog, read without a single value."""
    with duckdb.connect(str(path)) as con:
        for schema in ("geo", "stats", "sales"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute("CREATE TABLE geo.places (place_id INTEGER, place_name VARCHAR, population INTEGER)")
        con.execute("INSERT INTO geo.places VALUES " + ", ".join(f"({i}, '{p}', {1000 + i})"
                                                                 for i, p in enumerate(PLACES)))
        con.execute("CREATE TABLE stats.areas (area_id INTEGER, area_name VARCHAR, population INTEGER)")
        con.execute("INSERT INTO stats.areas VALUES " + ", ".join(f"({i}, '{r}', 9)" for i, r in enumerate(REGIONS)))
        for i in range(fillers):
            con.execute(f"CREATE TABLE sales.ledger_{i} (entry_id INTEGER, memo VARCHAR)")
            con.execute(f"INSERT INTO sales.ledger_{i} VALUES (1, 'memo {i}')")
        catalog = read_duckdb_catalog(con, max_distinct=0, vocabulary_limit=0)
    return SemanticModel(catalog.tables, catalog.relationships, dialect="duckdb", name=path.stem)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[SemanticModel, Path]:
    path = tmp_path_factory.mktemp("big") / "big.duckdb"
    model = _build(path, 62)
    assert len(model.tables) > Settings().value_index_whole_up_to == SHORTLIST_FROM
    return model, path


def _ask(model: SemanticModel, path: Path, data_dir: Path, question: str = QUESTION, principal: Principal | None = None,
         **changes: Any) -> tuple[Answer, list[str]]:
    with StubLlmServer(responder=lambda body: f"```sql\n{SQL}\n```") as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", llm_model="stub", llm_timeout_s=5.0,
                            llm_max_retries=0, generator="llm", data_dir=str(data_dir), answer_notes=False,
                            **changes)
        assistant = Assistant(model, DuckDbWarehouse(path), settings, llm=OpenAiLlm.from_settings(settings),
                              principal=principal)
        answer = assistant.ask(question)
        prompts = [str(m.get("content", "")) for r in stub.requests for m in r.messages if m.get("role") != "assistant"]
    return answer, prompts


def _tables_read(data_dir: Path) -> set[str]:
    """The tables whose values were read from the warehouse: each lazy_values cache file names its table."""
    files = (data_dir / "lazy_values").glob("*.json")
    return {str(t).rsplit(".", 1)[-1] for f in files for t, _, _ in json.loads(f.read_text())["columns"]}


def test_a_big_catalogs_first_llm_question_reads_the_shortlist_only(big: tuple[SemanticModel, Path],
                                                                     tmp_path: Path) -> None:
    model, path = big
    answer, prompts = _ask(model, path, tmp_path)
    assert answer.status == "answered" and answer.rows == ((1137,),)
    assert _tables_read(tmp_path) == {"places", "areas"}                 # no ledger table, no whole-model scan
    assert not (tmp_path / "value_index").exists()
    assert any(FROM_INDEX in p for p in prompts)                        # the value, beside its column


def test_no_value_reaches_a_prompt_when_data_may_not_be_sent(big: tuple[SemanticModel, Path], tmp_path: Path) -> None:
    model, path = big
    answer, prompts = _ask(model, path, tmp_path, send_data_to_llm=False)
    assert answer.status == "answered" and prompts
    assert all(PLACE not in p for p in prompts)
    assert not (tmp_path / "value_index").exists()
    assert _tables_read(tmp_path) <= {"places", "areas"}               # read for linking only, on this machine


def test_a_table_the_principal_may_not_read_is_never_read_for_the_index(big: tuple[SemanticModel, Path],
                                                                         tmp_path: Path) -> None:
    model, path = big
    answer, prompts = _ask(model, path, tmp_path, principal=Principal.of("analyst", ["stats.*", "sales.*"]))
    assert answer.status != "error" and prompts
    assert "places" not in _tables_read(tmp_path) and not any(PLACE in p for p in prompts)
    assert not (tmp_path / "value_index").exists()         # nor by a scan of the whole warehouse


def test_the_index_reads_through_lazy_values_and_shares_its_cache(big: tuple[SemanticModel, Path],
                                                                   tmp_path: Path) -> None:
    model, path = big
    warehouse = DuckDbWarehouse(path)
    settings = Settings(data_dir=str(tmp_path), lazy_values_per_column=150)    # places' 200 names: more than that
    lazy = LazyValues(warehouse, policy_for_model(model), settings)
    values = QuestionValues(CachedValueIndex(model, warehouse, tmp_path), lazy, per_question=True)
    linked = link(model, QUESTION)
    values.hits(model, QUESTION, linked)                 # the first question: reads its shortlist
    assert _tables_read(tmp_path) == {"places", "areas"} and not (tmp_path / "value_index").exists()
    indexes = values.indexes([t for t in model.tables if t.name == "places"])
    assert [len(i) for i in indexes] == [150]             # a column of more values keeps its first ones here
    assert lazy.relink(model, QUESTION, (), linked).linked.values == ()     # ... and none for linking
    # The same reads the pipeline's values step makes: the second time they come from its cache.
    assert lazy.read_tables([t for t in model.tables if t.name == "areas"]).cached == ("areas",)
    hits = values.hits(model, "population of the Highlandz", linked)
    assert [(h.table, h.column, h.value, h.exact) for h in hits] == [("areas", "area_name", "Highlands", False)]


def test_a_read_that_runs_late_leaves_the_value_out_and_the_question_answered(big: tuple[SemanticModel, Path],
                                                                               tmp_path: Path) -> None:
    model, path = big
    answer, prompts = _ask(model, path, tmp_path, NAMED, lazy_values_budget_s=0)
    assert answer.status == "answered" and prompts
    assert _tables_read(tmp_path) == set() and not any(PLACE in p for p in prompts)


def test_a_small_model_keeps_the_whole_model_index(tmp_path: Path) -> None:
    path = tmp_path / "small.duckdb"
    model = _build(path, 3)
    assert len(model.tables) <= Settings().value_index_whole_up_to
    answer, prompts = _ask(model, path, tmp_path / "data", NAMED)
    assert answer.status == "answered" and any(FROM_INDEX in p for p in prompts)
    [file] = (tmp_path / "data" / "value_index").glob("*.json")           # every text column, ledgers included
    assert {t for t, _, _ in json.loads(file.read_text())["columns"]} == {"places", "areas", *(f"ledger_{i}"
                                                                                            for i in range(3))}
