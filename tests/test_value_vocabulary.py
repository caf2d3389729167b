"""Value vocabularies: the distinct values of text columns too varied to show, matched by whole-catalog linking.

A real DuckDB warehouse: ``geo.places`` names 200 places (too many to show as sample values), ``stats.regions``
names 12 regions, both with a population; 62 filler tables in ``sales`` make it a catalog linked in two stages.
The SQLAlchemy reader reads vocabularies lazily, for a question's shortlisted tables (a SQLite file, PostgreSQL).
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.adapters.sqlalchemy_reader import sample_sqlalchemy_tables
from catalog_semantics.linking import SHORTLIST_FROM, link
from catalog_semantics.model import SemanticModel
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse

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


# ---------------------------------------------------------------- SQLAlchemy: read lazily, for a shortlist only
def _towns_sql() -> list[str]:
    rows = ", ".join(f"({i}, '{PLACES[i % 100]}', '{REGIONS[i % 12]}', 'C{i}')" for i in range(200))
    return ["CREATE TABLE towns (town_id INTEGER, town VARCHAR(40), region VARCHAR(40), code VARCHAR(10))",
            f"INSERT INTO towns VALUES {rows}",
            "CREATE TABLE shops (shop_id INTEGER, shop_name VARCHAR(40))",
            "INSERT INTO shops VALUES " + ", ".join(f"({i}, '{PLACES[i]}')" for i in range(100))]


def _check_lazy_vocabulary(warehouse: SqlAlchemyWarehouse) -> None:
    towns = warehouse.read_catalog().table("towns")
    assert towns is not None and towns.column("town").value_vocabulary == ()       # not read up front
    sampled = warehouse.sample_values(("towns",))
    town, region, code = (sampled.table("towns").column(c) for c in ("town", "region", "code"))
    assert town.sample_values == () and set(town.value_vocabulary) == set(PLACES[:100])
    assert set(region.sample_values) == set(REGIONS) and region.value_vocabulary == ()
    assert code.sample_values == () and len(code.value_vocabulary) == 200
    assert sampled.table("shops").column("shop_name").value_vocabulary == ()       # not shortlisted
    assert warehouse.sample_values(("towns",)).table("towns") is sampled.table("towns")   # read once
    narrow = sample_sqlalchemy_tables(warehouse.engine, warehouse.read_catalog(), ("towns",), vocabulary_limit=150)
    assert narrow.table("towns").column("code").value_vocabulary == ()            # 200 > the bound: none kept


def test_sqlalchemy_reads_a_shortlisted_tables_vocabulary_lazily_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "towns.sqlite"
    with sqlite3.connect(path) as con:
        for sql in _towns_sql():
            con.execute(sql)
    warehouse = SqlAlchemyWarehouse.sqlite_file(path)
    try:
        _check_lazy_vocabulary(warehouse)
    finally:
        warehouse.close()


def test_sqlalchemy_reads_a_shortlisted_tables_vocabulary_lazily_postgres(postgres_url: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS towns"))
        conn.execute(sa.text("CREATE DATABASE towns"))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/towns"
    setup = sa.create_engine(url)
    with setup.begin() as conn:
        for sql in _towns_sql():
            conn.execute(sa.text(sql))
    setup.dispose()
    warehouse = SqlAlchemyWarehouse(url)
    try:
        _check_lazy_vocabulary(warehouse)
    finally:
        warehouse.close()
