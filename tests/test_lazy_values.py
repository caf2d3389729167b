"""The values of a question's shortlisted tables, read lazily (``nl2sql/lazy_values.py``): link, read, link again.

Real warehouses, catalogs read without values: a DuckDB file read with ``max_distinct=0, vocabulary_limit=0``,
and PostgreSQL, whose SQLAlchemy reader keeps no value vocabulary (a column of 61 to 1,000 values has none). In
both, ``places`` names 200 places and a rival table shares its ``population`` column, among 62 filler tables, so
the catalog is linked in two stages and "What is the population of Milolo?" can reach ``places`` only through the
value. The LLM is the real ``OpenAiLlm`` talking to the local stub server.
"""

from __future__ import annotations

import itertools
import shutil
import time
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
from nl2sql.guard import policy_for_model
from nl2sql.lazy_values import LazyValues
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer

SYLLABLES = ("ka", "lo", "mi", "ren", "tor", "vel", "zan", "bri")
PLACES = tuple("".join(p).capitalize() for p in itertools.islice(itertools.product(SYLLABLES, repeat=3), 200))
REGIONS = ("North", "South", "East", "West", "Coast", "Highlands", "Lowlands", "Islands", "Valley", "Plains")
PLACE = PLACES[137]                                        # 'Milolo'
QUESTION = f"What is the population of {PLACE}?"


def _ddl(geo: str, stats: str, filler: str, areas: tuple[str, ...] = REGIONS) -> list[str]:
    places = ", ".join(f"({i}, '{p}', {1000 + i})" for i, p in enumerate(PLACES))
    regions = ", ".join(f"({i}, '{r}', 1000000)" for i, r in enumerate(areas))
    return [f"CREATE TABLE {geo}places (place_id INTEGER, place_name VARCHAR(40), population INTEGER)",
            f"INSERT INTO {geo}places VALUES {places}",
            f"CREATE TABLE {stats}areas (area_id INTEGER, area_name VARCHAR(40), population INTEGER)",
            f"INSERT INTO {stats}areas VALUES {regions}",
            *(f"CREATE TABLE {filler}ledger_{i} (entry_id INTEGER, quantity INTEGER)" for i in range(62))]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> tuple[SemanticModel, Path]:
    """Schemas ``geo`` (places), ``stats`` (areas) and ``sales`` (filler), read without a single value."""
    path = tmp_path_factory.mktemp("lazy") / "catalog.duckdb"
    with duckdb.connect(str(path)) as con:
        for schema in ("geo", "stats", "sales"):
            con.execute(f"CREATE SCHEMA {schema}")
        for sql in _ddl("geo.", "stats.", "sales."):
            con.execute(sql)
        con.execute("CREATE VIEW geo.spots AS SELECT place_name || CAST(CAST(place_name AS INTEGER) AS VARCHAR) "
                    "AS spot_name, population FROM geo.places")       # binds, but fails when read
        read = read_duckdb_catalog(con, max_distinct=0, vocabulary_limit=0)
    model = SemanticModel(read.tables, read.relationships, dialect="duckdb", name="lazy-values")
    assert len(model.tables) > SHORTLIST_FROM
    assert all(not c.sample_values and not c.value_vocabulary for t in model.tables for c in t.columns)
    return model, path


def _settings(data_dir: Path, **changes: Any) -> Settings:
    return Settings(data_dir=str(data_dir), generator="offline", answer_notes=False, **changes)


def test_a_value_only_question_links_to_its_table_only_after_the_lazy_read(catalog: tuple[SemanticModel, Path],
                                                                          tmp_path: Path) -> None:
    model, path = catalog
    first = link(model, QUESTION)
    assert {"places", "areas"} <= set(first.table_names) and first.values == ()
    assert len(first.ties) > 1                                   # geo or stats: nothing in the names chooses
    warehouse = DuckDbWarehouse(path)
    read = LazyValues(warehouse, policy_for_model(model), _settings(tmp_path)).relink(model, QUESTION, (), first)
    assert read.linked.tables[0].name == "places" and read.linked.ties == ()
    assert [(v.table, v.column, v.value) for v in read.linked.values] == [("places", "place_name", PLACE)]
    assert set(read.read) >= {"places", "areas"} and read.cached == ()
    # Through the pipeline: without the step the question is asked back (which schema?); with it, it is not.
    off = Assistant(model, warehouse, _settings(tmp_path / "off", lazy_values_per_column=0)).ask(QUESTION)
    on = Assistant(model, warehouse, _settings(tmp_path / "on")).ask(QUESTION)
    assert off.status == "clarify" and on.status != "clarify"
    assert on.linked_tables[0] == "places" and "values" in on.timings_ms


def test_the_cache_is_hit_the_second_time_in_memory_and_on_disk(catalog: tuple[SemanticModel, Path],
                                                                tmp_path: Path) -> None:
    model, path = catalog
    first = link(model, QUESTION)
    warehouse = DuckDbWarehouse(path)
    step = LazyValues(warehouse, policy_for_model(model), _settings(tmp_path / "a"))
    assert "places" in step.relink(model, QUESTION, (), first).read
    again = step.relink(model, QUESTION, (), first)
    assert again.read == () and "places" in again.cached and again.linked.tables[0].name == "places"
    # Another process's view: the files only (a new cache directory, so nothing in memory), and a warehouse that
    # can no longer run anything. The values still come, from disk.
    shutil.copytree(tmp_path / "a" / "lazy_values", tmp_path / "b" / "lazy_values")
    warehouse.close()
    from_disk = LazyValues(warehouse, policy_for_model(model), _settings(tmp_path / "b")).relink(model, QUESTION, (),
                                                                                                 first)
    assert from_disk.read == () and "places" in from_disk.cached and from_disk.linked.tables[0].name == "places"


def test_a_table_outside_the_principals_tables_is_never_read(catalog: tuple[SemanticModel, Path],
                                                             tmp_path: Path) -> None:
    model, path = catalog
    principal = Principal.of("analyst", ["stats.*", "sales.*"])
    assistant = Assistant(model, DuckDbWarehouse(path), _settings(tmp_path), principal=principal)
    read = assistant.lazy_values.relink(assistant.model, QUESTION, (), link(assistant.model, QUESTION))
    assert "areas" in read.read and "places" not in read.read + read.cached
    answer = assistant.ask(QUESTION)
    assert "places" not in answer.linked_tables and answer.status != "error"
    files = "".join(f.read_text() for f in (tmp_path / "lazy_values").glob("*.json"))
    assert "places" not in files and PLACE not in files


def test_a_failed_or_late_read_links_without_values_and_never_fails_the_question(
        catalog: tuple[SemanticModel, Path], tmp_path: Path) -> None:
    model, path = catalog
    question = f"What is the population of the spot {PLACE}?"
    first = link(model, question)
    assert "spots" in first.table_names
    warehouse = DuckDbWarehouse(path)
    read = LazyValues(warehouse, policy_for_model(model), _settings(tmp_path)).relink(model, question, (), first)
    assert read.note is not None and "spots" in read.note and "spots" not in read.read
    late = LazyValues(warehouse, policy_for_model(model), _settings(tmp_path / "late", lazy_values_budget_s=0))
    nothing = late.relink(model, QUESTION, (), link(model, QUESTION))
    assert nothing.linked == link(model, QUESTION) and nothing.read == () and "no time left" in (nothing.note or "")
    answer = Assistant(model, warehouse, _settings(tmp_path / "ask")).ask(question)
    assert answer.status in ("answered", "abstained", "clarify"), answer.message


@pytest.mark.parametrize("send_data", [True, False])
def test_values_serve_linking_and_reach_the_prompt_only_when_data_may_be_sent(
        catalog: tuple[SemanticModel, Path], tmp_path: Path, send_data: bool) -> None:
    model, path = catalog
    sql = f"SELECT population FROM geo.places WHERE place_name = '{PLACE}'"
    with StubLlmServer(responder=lambda body: f"```sql\n{sql}\n```") as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", llm_model="stub", llm_timeout_s=5.0,
                            llm_max_retries=0, generator="llm", data_dir=str(tmp_path), answer_notes=False,
                            send_data_to_llm=send_data)
        answer = Assistant(model, DuckDbWarehouse(path), settings, llm=OpenAiLlm.from_settings(settings)).ask(QUESTION)
        prompts = [str(m.get("content", "")) for r in stub.requests for m in (r.body or {}).get("messages", [])
                   if m.get("role") != "assistant"]
    assert answer.status == "answered" and answer.rows == ((1137,),) and answer.linked_tables[0] == "places"
    told = [p for p in prompts if f"'{PLACE}' is a value of places.place_name" in p]
    assert bool(told) is send_data
    assert all(PLACE not in p.replace(QUESTION, "") for p in prompts) is not send_data


def test_mlflow_trace_notes_what_was_not_read(catalog: tuple[SemanticModel, Path], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    model, path = catalog
    settings = _settings(tmp_path, lazy_values_budget_s=0, mlflow_tracing=True)
    answer = Assistant(model, DuckDbWarehouse(path), settings).ask(QUESTION)
    assert answer.status == "clarify"                             # linked as before: the tie is asked back
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    step = next(s for s in trace.data.spans if s.name == "read_values")
    assert "no time left" in step.attributes["nl2sql.values.note"]


# ---------------------------------------------------------------- PostgreSQL: the reader keeps no vocabulary
def _scans(url: str, tables: tuple[str, ...]) -> dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT relname, seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables"
                                    " WHERE relname = ANY(:t)"), {"t": list(tables)}).all()
    engine.dispose()
    return {name: int(n) for name, n in rows}


def _scans_after(url: str, before: dict[str, int], moved: str) -> dict[str, int]:
    """The tables' scan counts once the closed connections' statistics have reached the server (at most 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        now = _scans(url, tuple(before))
        if now[moved] > before[moved] or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


def test_postgres_reads_the_shortlist_only_and_never_an_unscoped_table(postgres_url: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS lazy"))
        conn.execute(sa.text("CREATE DATABASE lazy"))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/lazy"
    towns = ", ".join(f"({i}, '{p}x', 500)" for i, p in enumerate(PLACES[:100]))    # 100 names: none read either
    areas = tuple(f"{p}ia" for p in PLACES[:100])
    setup = sa.create_engine(url)
    with setup.begin() as conn:
        for sql in [*_ddl("", "", "", areas), "CREATE TABLE towns (town_id INTEGER, town_name VARCHAR(40), "
                    "population INTEGER)", f"INSERT INTO towns VALUES {towns}"]:
            conn.execute(sa.text(sql))
    setup.dispose()
    reader = SqlAlchemyWarehouse(url)
    model = SemanticModel(reader.read_catalog().tables, dialect="postgres", name="lazy-pg")
    reader.close()
    names = [model.table(t).column(f"{t[:-1]}_name") for t in ("places", "areas", "towns")]
    assert all(c.sample_values == () and c.value_vocabulary == () for c in names)     # 100-200 names: none read
    first = link(model, QUESTION)
    assert first.tables[0].name == "areas" and first.values == ()   # alphabetical among equals: the wrong one

    # A principal who may read areas and towns only: the step reads them (their names are missing), never places.
    before = _scans(url, ("places", "areas", "towns"))
    warehouse = SqlAlchemyWarehouse(url)
    analyst = Principal.of("p", ["areas", "towns"])
    scoped = Assistant(model, warehouse, _settings(tmp_path / "scoped"), principal=analyst)
    read = scoped.lazy_values.relink(scoped.model, QUESTION, (), link(scoped.model, QUESTION))
    assert read.read == ("areas", "towns")
    assert "places" not in scoped.ask(QUESTION).linked_tables
    warehouse.close()
    after = _scans_after(url, before, "towns")
    assert after["towns"] > before["towns"] and after["places"] == before["places"]     # the database's own count

    warehouse = SqlAlchemyWarehouse(url)
    step = LazyValues(warehouse, policy_for_model(model, dialect="postgres"), _settings(tmp_path / "all"))
    read = step.relink(model, QUESTION, (), first)
    assert read.linked.tables[0].name == "places" and "places" in read.read
    assert [(v.table, v.value) for v in read.linked.values] == [("places", PLACE)]
    assert step.relink(model, QUESTION, (), first).read == ()   # the second time: the cache
    warehouse.close()
