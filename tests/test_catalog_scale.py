"""Whole-catalog linking on a few Spider schemas merged into one warehouse (built in a tmp dir).

The full-scale figures (873 and ~8,700 tables) come from benchmarks/catalog_scale.py; these tests check the
behaviour on a small merged catalog: the warehouse build, two-stage linking, the on-disk index and its
incremental refresh, and the spider-catalog eval mode through a real HTTP stub model.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from catalog_semantics import link_index
from catalog_semantics.linking import MAX_CONTEXT, SHORTLIST_FROM, link
from catalog_semantics.model import Column, SemanticModel
from nl2sql.eval.spider_catalog import build_catalog_warehouse, catalog_model, catalog_table_name

pytestmark = pytest.mark.spider

WITH_DATA = ("concert_singer", "pets_1", "car_1", "flight_2", "world_1", "dog_kennels")
SCHEMA_ONLY = ("college_2", "academic", "department_store", "assets_maintenance", "imdb", "flight_company",
               "store_product", "student_assessment", "solvency_ii", "insurance_fnol")


@pytest.fixture(scope="module")
def mini_spider(spider: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Spider-shaped folder of 16 schemas: tables.json and dev.json cut down, databases linked (not copied)."""
    root = tmp_path_factory.mktemp("mini-spider")
    wanted = set(WITH_DATA + SCHEMA_ONLY)
    entries = [e for e in json.loads((spider / "tables.json").read_text()) if e["db_id"] in wanted]
    (root / "tables.json").write_text(json.dumps(entries))
    dev = [e for e in json.loads((spider / "dev.json").read_text()) if e["db_id"] in WITH_DATA]
    (root / "dev.json").write_text(json.dumps(dev))
    (root / "database").mkdir()
    for db_id in WITH_DATA:
        (root / "database" / db_id).symlink_to(spider / "database" / db_id)
    return root


@pytest.fixture(scope="module")
def merged(mini_spider: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SemanticModel]:
    warehouse = build_catalog_warehouse(mini_spider, tmp_path_factory.mktemp("wh") / "catalog.duckdb")
    return warehouse, catalog_model(mini_spider, warehouse)


def test_warehouse_has_a_schema_per_database_with_data_where_shipped(merged: tuple[Path, SemanticModel]) -> None:
    warehouse, model = merged
    with duckdb.connect(str(warehouse), read_only=True) as con:
        schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
        assert set(WITH_DATA + SCHEMA_ONLY) <= schemas
        assert con.execute('SELECT count(*) FROM "concert_singer"."singer"').fetchone()[0] == 6
        assert con.execute('SELECT count(*) FROM "imdb"."movie"').fetchone()[0] == 0
    assert len(model.tables) > SHORTLIST_FROM
    singer = model.table(catalog_table_name("concert_singer", "singer"))
    assert singer is not None and singer.schema == "concert_singer"
    assert any("France" in c.sample_values for c in singer.columns)


def test_questions_link_their_own_schemas_tables(mini_spider: Path, merged: tuple[Path, SemanticModel]) -> None:
    from benchmarks.linking_recall import gold_tables

    _, model = merged
    dev = json.loads((mini_spider / "dev.json").read_text())
    hits = 0
    for ex in dev:
        linked = link(model, ex["question"])
        assert 0 < len(linked.tables) <= MAX_CONTEXT and not linked.complete
        gold = {catalog_table_name(ex["db_id"], t).lower() for t in gold_tables(ex["query"]) or ()}
        hits += gold <= {n.lower() for n in linked.table_names}
    assert hits / len(dev) >= 0.95, hits / len(dev)          # 452/461 (0.98) measured: 133 tables, 16 schemas


def test_index_is_cached_on_disk_and_refreshed_table_by_table(
        merged: tuple[Path, SemanticModel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, model = merged
    monkeypatch.setenv("NL2SQL_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(link_index, "DISK_CACHE_FROM", 10)   # the small catalog takes the big-catalog path
    model = replace(model, name="mini catalog")
    link(model, "How many singers do we have?")
    (cached,) = (tmp_path / "link_index").glob("*.pickle")
    first = cached.read_bytes()
    # A table changes (a column added): only its entry is recomputed, and the question now finds it.
    target = next(t for t in model.tables if t.name == catalog_table_name("imdb", "movie"))
    changed = replace(target, columns=(*target.columns, Column("zeppelin_sightings", "INTEGER")))
    model2 = replace(model, tables=tuple(changed if t is target else t for t in model.tables))
    linked = link(model2, "how many zeppelin sightings per movie")
    assert linked.tables[0].name == target.name
    before, after = _entries(first), _entries(cached.read_bytes())
    assert len(after) == len(before) and len(set(after) - set(before)) == 1     # one table's entry replaced
    assert after[link_index.fingerprint(changed)].name == target.name
    assert link(replace(model2), "how many zeppelin sightings per movie") == linked   # a new object: from disk


def _entries(blob: bytes) -> dict[str, link_index.TableTerms]:
    import pickle

    return pickle.loads(blob)  # our own cache file, written by the test above


def test_spider_catalog_eval_with_a_schema_aware_stub(mini_spider: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.catalog_eval_stub import run

    monkeypatch.setenv("NL2SQL_DATA_DIR", str(tmp_path / "data"))
    report = run(mini_spider, tmp_path / "out", limit=40, workers=1)
    assert report["params"]["dataset"].startswith("spider-catalog:")
    linking = report["linking"]
    assert linking["questions"] == 40 and linking["rate"] >= 0.9
    assert report["counts"]["wrong_result"] == 0 and report["counts"]["sql_error"] == 0
    # The stub answers exactly when the prompt holds every gold table: accuracy is what linking let through.
    assert report["execution_accuracy"] == pytest.approx(linking["rate"], abs=0.03)
    statuses = {q["status"] for q in report["questions"]}
    assert statuses <= {"correct", "abstained"}
