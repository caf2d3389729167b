"""The catalog readers on real engines: in-memory DuckDB, SQLite files made here, Spider's SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.adapters.sqlalchemy_reader import read_sqlalchemy_catalog
from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Relationship

REPO = Path(__file__).resolve().parent.parent

SHOP_DDL = """
CREATE TABLE region (r_id INTEGER PRIMARY KEY, r_name VARCHAR NOT NULL);
CREATE TABLE customer (
    c_id INTEGER PRIMARY KEY, c_name VARCHAR, c_segment VARCHAR, c_region INTEGER REFERENCES region (r_id),
    c_balance DECIMAL(12,2), c_tags VARCHAR[]);
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE orders (
    o_id INTEGER, o_line INTEGER, o_cust INTEGER REFERENCES customer (c_id), o_mood mood, o_date DATE,
    PRIMARY KEY (o_id, o_line));
COMMENT ON TABLE customer IS 'People who buy from us.';
COMMENT ON COLUMN customer.c_segment IS 'Market segment.';
CREATE VIEW big_customers AS SELECT * FROM customer WHERE c_balance > 100;
COMMENT ON VIEW big_customers IS 'Customers with a large balance.';
CREATE SCHEMA staging;
CREATE TABLE staging.raw (x VARCHAR);
INSERT INTO region VALUES (1, 'EUROPE'), (2, 'ASIA');
INSERT INTO customer SELECT i, 'Customer#' || i, ['BUILDING', 'MACHINERY', 'Household'][i % 3 + 1], i % 2 + 1,
    i * 10, ['a'] FROM range(100) t(i);
INSERT INTO orders SELECT i, 1, i % 100, CASE WHEN i % 2 = 0 THEN 'happy' ELSE 'sad' END, DATE '2024-01-01'
    FROM range(500) t(i);
"""


@pytest.fixture
def shop() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(SHOP_DDL)
    return con


def test_duckdb_tables_views_columns_and_comments(shop: duckdb.DuckDBPyConnection) -> None:
    cat = read_duckdb_catalog(shop)
    assert [t.qualified_name for t in cat.tables] == [
        "main.big_customers", "main.customer", "main.orders", "main.region", "staging.raw"]
    customer = cat.table("customer")
    assert customer.comment == "People who buy from us."
    assert customer.row_count == 100
    assert customer.column("c_segment").comment == "Market segment."
    assert customer.column("c_balance").type == "DECIMAL(12,2)"
    view = cat.table("big_customers")
    assert (view.kind, view.comment, view.row_count) == ("view", "Customers with a large balance.", None)
    assert [c.name for c in view.columns][:2] == ["c_id", "c_name"]
    assert cat.dialect == "duckdb"


def test_duckdb_keys(shop: duckdb.DuckDBPyConnection) -> None:
    cat = read_duckdb_catalog(shop)
    assert cat.table("orders").primary_key == ("o_id", "o_line")
    assert cat.table("orders").column("o_line").is_primary_key
    assert not cat.table("orders").column("o_id").nullable
    assert set(cat.relationships) == {
        Relationship("customer", ("c_region",), "region", ("r_id",)),
        Relationship("orders", ("o_cust",), "customer", ("c_id",)),
    }


def test_duckdb_sample_values_only_for_low_cardinality_text(shop: duckdb.DuckDBPyConnection) -> None:
    cat = read_duckdb_catalog(shop, max_distinct=10, value_limit=2)
    customer = cat.table("customer")
    assert customer.column("c_segment").sample_values == ("BUILDING", "Household")   # sorted, then capped
    assert customer.column("c_name").sample_values == ()                             # 100 distinct > 10
    assert customer.column("c_tags").sample_values == ()                             # lists are not text
    assert cat.table("orders").column("o_mood").sample_values == ("happy", "sad")    # ENUM members, as text
    assert cat.table("orders").column("o_mood").type == "ENUM"
    assert cat.table("region").column("r_name").sample_values == ("ASIA", "EUROPE")


def test_duckdb_one_schema(shop: duckdb.DuckDBPyConnection) -> None:
    cat = read_duckdb_catalog(shop, schema="staging")
    assert [t.name for t in cat.tables] == ["raw"]
    assert cat.tables[0].row_count == 0


def test_duckdb_reads_a_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(SHOP_DDL)
    with duckdb.connect(str(path), read_only=True) as con:
        cat = read_duckdb_catalog(con)
    assert cat.table("customer").column("c_segment").sample_values == ("BUILDING", "Household", "MACHINERY")


def test_duckdb_broken_views_and_nested_types() -> None:
    con = duckdb.connect()
    con.execute("""
        CREATE TABLE gone (a VARCHAR); CREATE VIEW orphan AS SELECT * FROM gone; DROP TABLE gone;
        CREATE TABLE nested (m MAP(VARCHAR, INTEGER), u UNION(n INTEGER, s VARCHAR), st STRUCT(a INTEGER),
                             b BLOB, e VARCHAR);
        INSERT INTO nested VALUES (MAP {'k': 1}, 1, {'a': 1}, 'x'::BLOB, 'only');
        CREATE TABLE "Odd Name" ("Col X" VARCHAR); INSERT INTO "Odd Name" VALUES ('A');
    """)
    cat = read_duckdb_catalog(con)
    assert [t.name for t in cat.tables] == ["Odd Name", "nested"]          # a view that no longer binds is left out
    assert cat.table("Odd Name").column("Col X").sample_values == ("A",)
    assert {c.name: c.sample_values for c in cat.table("nested").columns} == {
        "m": (), "u": (), "st": (), "b": (), "e": ("only",)}


# A TPC-H-shaped fixture of ~80k rows (benchmarks/catalog_read_speed.py times the read on it; a time bound
# here would fail on a loaded machine without saying anything about the code).
TPCH_ROWS_SQL = """
        INSERT INTO region SELECT i, 'R' || i, 'c' FROM range(5) t(i);
        INSERT INTO nation SELECT i, 'N' || i, i % 5, 'c' FROM range(25) t(i);
        INSERT INTO customer SELECT i, 'C' || i, 'a', i % 25, 'p', 1, ['AUTOMOBILE', 'BUILDING'][i % 2 + 1], 'c'
            FROM range(1500) t(i);
        INSERT INTO orders SELECT i, i % 1500, 'F', 1, DATE '1995-01-01', '1-URGENT', 'Clerk', 0, 'c' || i
            FROM range(15000) t(i);
        INSERT INTO part SELECT i, 'p' || i, 'M', 'B', 'T', 1, 'BOX', 1, 'c' FROM range(2000) t(i);
        INSERT INTO supplier SELECT i, 'S' || i, 'a', i % 25, 'p', 1, 'c' FROM range(100) t(i);
        INSERT INTO partsupp SELECT p, s, 1, 1, 'c' FROM range(2000) a(p), range(4) b(s);
        INSERT INTO lineitem SELECT i // 4, i % 2000, i % 4, i % 4, 1, 2, 0.05, 0.01, 'A', 'F', DATE '1995-01-01',
            DATE '1995-01-01', DATE '1995-01-02', 'NONE', ['AIR', 'MAIL', 'REG AIR'][i % 3 + 1], 'comment ' || i
            FROM range(60000) t(i);
"""


def tpch_fixture() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute((REPO / "fixtures" / "tpch" / "schema.sql").read_text())
    con.execute(TPCH_ROWS_SQL)
    return con


def test_duckdb_tpch_fixture_counts_samples_and_keys() -> None:
    cat = read_duckdb_catalog(tpch_fixture())
    assert cat.table("lineitem").row_count == 60000
    assert cat.table("lineitem").column("l_shipmode").sample_values == ("AIR", "MAIL", "REG AIR")
    assert cat.table("lineitem").column("l_comment").sample_values == ()
    assert len(cat.relationships) >= 9


SQLITE_DDL = """
CREATE TABLE "Owner Info" ("Owner ID" INTEGER PRIMARY KEY, Name TEXT, "City" VARCHAR(20), misc);
CREATE TABLE Pets (PetID INTEGER PRIMARY KEY, OwnerId INTEGER, PetType TEXT, Weight REAL,
    FOREIGN KEY (OwnerId) REFERENCES "owner info" ("Owner ID"),
    FOREIGN KEY (PetType) REFERENCES pet_types (code),
    FOREIGN KEY (Weight) REFERENCES Pets (no_such_column));
CREATE TABLE visits (pet INTEGER REFERENCES Pets, day TEXT);
CREATE VIEW heavy AS SELECT * FROM Pets WHERE Weight > 10;
CREATE TABLE gone (x INTEGER); CREATE VIEW orphan AS SELECT x FROM gone; DROP TABLE gone;
INSERT INTO "Owner Info" VALUES (1, 'Ann', 'Paris', 'x'), (2, 'Bob', 'Rome', 3), (3, 'Cy', 'Paris', NULL);
INSERT INTO Pets VALUES (1, 1, 'cat', 3.5), (2, 1, 'dog', 12), (3, 2, 'Dog', 20);
INSERT INTO visits VALUES (1, 'mon'), (3, 'tue');
"""


@pytest.fixture
def pets_db(tmp_path: Path) -> sa.Engine:
    path = tmp_path / "pets.sqlite"
    with sqlite3.connect(path) as raw:
        raw.executescript(SQLITE_DDL)
    return sa.create_engine(f"sqlite:///{path}")


def test_sqlite_untidy_schema(pets_db: sa.Engine) -> None:
    cat = read_sqlalchemy_catalog(pets_db)
    assert cat.dialect == "sqlite"
    assert [(t.name, t.kind) for t in cat.tables] == [
        ("Owner Info", "table"), ("Pets", "table"), ("visits", "table"), ("heavy", "view")]
    owner = cat.table("owner info")
    assert owner.primary_key == ("Owner ID",) and owner.row_count == 3
    assert owner.column("City").sample_values == ("Paris", "Rome")
    assert owner.column("misc").sample_values == ()          # untyped column holding a number: not text
    assert cat.table("Pets").column("PetType").sample_values == ("cat", "Dog", "dog")
    # The key to a missing table and the key to a missing column are dropped; "REFERENCES Pets" means its PK.
    assert set(cat.relationships) == {
        Relationship("Pets", ("OwnerId",), "Owner Info", ("Owner ID",)),
        Relationship("visits", ("pet",), "Pets", ("PetID",)),
    }


def test_sqlite_through_a_connection_and_value_caps(pets_db: sa.Engine) -> None:
    with pets_db.connect() as conn:
        cat = read_sqlalchemy_catalog(conn, max_distinct=2, value_limit=1)
    assert cat.table("Owner Info").column("City").sample_values == ("Paris",)
    assert cat.table("Owner Info").column("Name").sample_values == ()      # 3 distinct > 2


def test_unreadable_database_is_a_catalog_error(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///file:{tmp_path / 'absent.sqlite'}?mode=ro&uri=true")
    with pytest.raises(CatalogError):
        read_sqlalchemy_catalog(engine)


@pytest.mark.spider
def test_every_spider_database_reads(spider: Path) -> None:
    files = sorted((spider / "database").glob("*/*.sqlite"))
    assert files
    for path in files:
        engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        cat = read_sqlalchemy_catalog(engine)
        assert cat.tables, path.name
        names = {t.name for t in cat.tables}
        for rel in cat.relationships:
            assert rel.from_table in names and rel.to_table in names
            assert all(cat.table(rel.to_table).column(c) for c in rel.to_columns)
        engine.dispose()


def test_postgres_catalog_with_comments_keys_and_schemas(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("""
            CREATE SCHEMA sales;
            CREATE TABLE sales.region (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE sales."Customer" ("CustId" INTEGER PRIMARY KEY, segment VARCHAR(20),
                region_id INTEGER REFERENCES sales.region (id), balance NUMERIC(12, 2));
            COMMENT ON TABLE sales."Customer" IS 'People who buy.';
            COMMENT ON COLUMN sales."Customer".segment IS 'Market segment.';
            CREATE VIEW sales.rich AS SELECT * FROM sales."Customer" WHERE balance > 10;
            INSERT INTO sales.region VALUES (1, 'EUROPE'), (2, 'ASIA');
            INSERT INTO sales."Customer" SELECT i, (ARRAY['RETAIL', 'WHOLESALE'])[mod(i, 2) + 1], mod(i, 2) + 1, i
                FROM generate_series(1, 50) AS i;
        """)
    cat = read_sqlalchemy_catalog(engine, schema="sales")
    assert cat.dialect == "postgres"
    assert [(t.name, t.kind) for t in cat.tables] == [("Customer", "table"), ("region", "table"), ("rich", "view")]
    customer = cat.table("customer")
    assert (customer.comment, customer.schema, customer.row_count) == ("People who buy.", "sales", 50)
    assert customer.column("segment").comment == "Market segment."
    assert customer.column("segment").sample_values == ("RETAIL", "WHOLESALE")
    assert customer.primary_key == ("CustId",)
    assert cat.relationships == (Relationship("Customer", ("region_id",), "region", ("id",)),)
    assert cat.table("rich").column("segment").sample_values == ("RETAIL", "WHOLESALE")
    engine.dispose()


@pytest.mark.spider
def test_spider_tables_json_matches_the_sqlite_files(spider: Path) -> None:
    from catalog_semantics.spider import load_spider_catalogs

    catalogs = load_spider_catalogs(spider / "tables.json")
    assert len(catalogs) == 166 and catalogs["wta_1"].tables                     # even without a SQLite file
    for db_id in ("dog_kennels", "car_1", "world_1"):
        from_json = catalogs[db_id]
        engine = sa.create_engine(f"sqlite:///file:{spider / 'database' / db_id / f'{db_id}.sqlite'}?mode=ro&uri=true")
        from_file = read_sqlalchemy_catalog(engine)
        engine.dispose()
        assert {t.name.lower() for t in from_json.tables} == {t.name.lower() for t in from_file.tables}
        for t in from_json.tables:
            assert [c.name.lower() for c in t.columns] == [c.name.lower() for c in from_file.table(t.name).columns]
        assert from_json.relationships and from_json.dialect == "sqlite"
