"""Value vocabularies: the distinct values of text columns too varied to show, matched by whole-catalog linking.

A real DuckDB warehouse: ``geo.places`` names 200 places (too many to show as sample values), ``stats.regions``
names 12 regions, both with a population; 62 filler tables in ``sales`` make it a catalog linked in two stages.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.linking import SHORTLIST_FROM, link
from catalog_semantics.model import SemanticModel

SYLLABLES = ("ka", "lo", "mi", "ren", "tor", "vel", "zan", "bri")
PLACES = tuple("".join(p).capitalize() for p in itertools.islice(itertools.product(SYLLABLES, repeat=3), 200))
REGIONS = ("North", "South", "East", "West", "Coast", "Highlands", "Lowlands", "Islands", "Valley", "Plains",
           "Delta", "Fjords")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vocabulary") / "catalog.duckdb"
    with duckdb.connect(str(path)) as con:
        for schema in ("geo", "stats", "sales"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute("CREATE TABLE geo.places (place_id INTEGER, place_name VARCHAR, population INTEGER)")
        con.executemany("INSERT INTO geo.places VALUES (?, ?, ?)", [(i, p, 1000 + i) for i, p in enumerate(PLACES)])
        con.execute("CREATE TABLE stats.regions (region_id INTEGER, region_name VARCHAR, population INTEGER)")
        con.executemany("INSERT INTO stats.regions VALUES (?, ?, ?)", [(i, r, 10 ** 6) for i, r in enumerate(REGIONS)])
        for i in range(62):
            con.execute(f"CREATE TABLE sales.ledger_{i} (entry_id INTEGER, quantity INTEGER)")
    return path


def _model(warehouse: Path, **read: int) -> SemanticModel:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        catalog = read_duckdb_catalog(con, **read)
    return SemanticModel(catalog.tables, catalog.relationships, dialect="duckdb", name=f"vocabulary-{read}")


def test_the_reader_keeps_a_vocabulary_for_varied_columns_and_samples_for_the_rest(warehouse: Path) -> None:
    model = _model(warehouse)
    places = model.table("places")
    regions = model.table("regions")
    assert places is not None and regions is not None
    name = next(c for c in places.columns if c.name == "place_name")
    assert name.sample_values == () and len(name.value_vocabulary) == 200
    assert set(PLACES) == set(name.value_vocabulary)
    region = next(c for c in regions.columns if c.name == "region_name")
    assert set(region.sample_values) == set(REGIONS) and region.value_vocabulary == ()
    none = _model(warehouse, vocabulary_limit=0).table("places")
    assert none is not None and all(c.value_vocabulary == () for c in none.columns)


def test_a_value_only_the_vocabulary_holds_links_its_table_in_a_big_catalog(warehouse: Path) -> None:
    model = _model(warehouse)
    assert len(model.tables) > SHORTLIST_FROM
    place = PLACES[137]
    linked = link(model, f"What is the population of {place}?")
    assert linked.tables[0].name == "places" and not linked.ties
    assert any(v.table == "places" and v.value == place for v in linked.values)
    without = link(_model(warehouse, vocabulary_limit=0), f"What is the population of {place}?")
    assert without.values == ()                                # only the open-text guess ranks it without one
    assert (linked.table_score("places") or 0) > (without.table_score("places") or 0) + 0.5


def test_a_small_model_links_as_before(warehouse: Path) -> None:
    model = _model(warehouse)
    small = SemanticModel(tuple(t for t in model.tables if t.name in ("places", "regions")), dialect="duckdb")
    linked = link(small, f"What is the population of {PLACES[5]}?")
    assert linked.values == ()                         # only big catalogs read the vocabulary
