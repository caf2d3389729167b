"""A name that repeats within its table (two members called "Ann Lee") cannot tell its rows apart: the catalog
read notes it (``Column.repeats``, from exact counts, on DuckDB and through SQLAlchemy), and the planner then never
groups by the name alone: the row's key is grouped by too, but not shown (the golds split on showing it), and the
answer's notes say that a name can repeat. A twin database whose names are unique is answered as before, with no
such note."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.adapters.sqlalchemy_reader import read_sqlalchemy_catalog
from catalog_semantics.model import Catalog, SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE mbr (mbr_id INTEGER PRIMARY KEY, mbr_nm VARCHAR, city_nm VARCHAR);
CREATE TABLE bskt (bskt_id INTEGER PRIMARY KEY, mbr_id INTEGER REFERENCES mbr(mbr_id), bskt_amt DECIMAL(10,2),
    bskt_dt DATE);
"""
BASKETS = """
INSERT INTO bskt VALUES (1, 1, 50, DATE '2025-01-05'), (2, 1, 30, DATE '2025-02-05'), (3, 2, 70, DATE '2025-03-05'),
    (4, 3, 20, DATE '2025-03-06'), (5, 3, 10, DATE '2024-05-01');
"""
# member 2 shares member 1's name in the first database; in its twin every member has a name of their own
REPEATED = "INSERT INTO mbr VALUES (1, 'Ann Lee', 'Akron'), (2, 'Ann Lee', 'Dayton'), (3, 'Bo Chan', 'Akron'), " \
           "(4, 'Cy Diaz', 'Akron');"
UNIQUE = REPEATED.replace("(2, 'Ann Lee'", "(2, 'Al Ng'")

OVERLAY = {
    "tables": {
        "mbr": {"synonyms": ["members"], "columns": {"mbr_nm": {"synonyms": ["member name"]},
                                                     "city_nm": {"synonyms": ["city"]}}},
        "bskt": {"synonyms": ["baskets"], "default_date": "bskt_dt"},
    },
    "metrics": [{"name": "spend", "table": "bskt", "sql": "SUM(bskt_amt)"}],
}


def _database(members: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(SCHEMA + members + BASKETS)
    return con


def _model(catalog: Catalog) -> SemanticModel:
    return apply_overlay(catalog, parse_overlay(OVERLAY))


@pytest.fixture(scope="module")
def repeated() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = _database(REPEATED)
    return con, _model(read_duckdb_catalog(con))


@pytest.fixture(scope="module")
def unique() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = _database(UNIQUE)
    return con, _model(read_duckdb_catalog(con))


def _rows(db: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = db
    c = plan(question, model, columns="helpful")
    assert c.sql, (question, c.abstain_reason)
    return [tuple(float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, int) else v for v in row)
            for row in sorted(con.execute(c.sql).fetchall(), key=str)]


def _repeats(catalog: Catalog) -> dict[str, bool | None]:
    table = catalog.table("mbr")
    assert table is not None
    return {c.name.lower(): c.repeats for c in table.columns}


def test_duckdb_reader_counts_repeats() -> None:
    assert _repeats(read_duckdb_catalog(_database(REPEATED))) == {
        "mbr_id": None, "mbr_nm": True, "city_nm": True}
    assert _repeats(read_duckdb_catalog(_database(UNIQUE)))["mbr_nm"] is False
    # a slice of the table seen without a repeat says nothing of the rest: unknown, as an unread catalog
    assert _repeats(read_duckdb_catalog(_database(UNIQUE), scan_rows=2))["mbr_nm"] is None


def test_sqlite_reader_counts_repeats(tmp_path: Path) -> None:
    import sqlalchemy as sa

    for members, want in ((REPEATED, True), (UNIQUE, False)):
        path = tmp_path / f"{want}.sqlite"
        with sqlite3.connect(path) as con:
            con.executescript((SCHEMA + members + BASKETS).replace("DATE '", "'") + ";")
        engine = sa.create_engine(f"sqlite:///{path}")
        try:
            assert _repeats(read_sqlalchemy_catalog(engine))["mbr_nm"] is want
        finally:
            engine.dispose()


@pytest.mark.parametrize(("question", "want_repeated", "want_unique"), [
    # two Ann Lees are two rows (grouped by key, the name shown); in the twin one name is one member
    ("spend by member", [("Ann Lee", 70.0), ("Ann Lee", 80.0), ("Bo Chan", 30.0)],
     [("Al Ng", 70.0), ("Ann Lee", 80.0), ("Bo Chan", 30.0)]),
    ("top 2 members by spend in 2025", [("Ann Lee", 70.0), ("Ann Lee", 80.0)],
     [("Al Ng", 70.0), ("Ann Lee", 80.0)]),
    ("which members have no baskets", [("Cy Diaz",)], [("Cy Diaz",)]),
    # the name said as the grouping still groups by member: two people are never merged by their name
    ("spend by member name", [("Ann Lee", 70.0), ("Ann Lee", 80.0), ("Bo Chan", 30.0)],
     [("Al Ng", 70.0), ("Ann Lee", 80.0), ("Bo Chan", 30.0)]),
    ("list the members in Akron", [("Ann Lee",), ("Bo Chan",), ("Cy Diaz",)],
     [("Ann Lee",), ("Bo Chan",), ("Cy Diaz",)]),
])
def test_a_name_that_repeats_is_grouped_by_key(repeated: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                        unique: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                        question: str, want_repeated: list[tuple[object, ...]],
                                        want_unique: list[tuple[object, ...]]) -> None:
    assert _rows(repeated, question) == want_repeated
    assert _rows(unique, question) == want_unique



def test_asked_columns_show_the_name(repeated: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Columns as asked (Spider's convention, a bare catalog's default) show the name alone; the rows stay grouped
    by key, so the two Ann Lees are still two rows."""
    con, model = repeated
    c = plan("spend by member", model, columns="asked")
    assert c.sql, c.abstain_reason
    assert sorted(con.execute(c.sql).fetchall(), key=str) == [("Ann Lee", 70), ("Ann Lee", 80), ("Bo Chan", 30)]


@pytest.mark.parametrize("question", ["spend by member", "top 2 members by spend in 2025", "list the members in Akron"])
def test_a_repeating_name_is_noted(repeated: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                   unique: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> None:
    """Two rows showing "Ann Lee" would look like a mistake; the notes say why they are two (and by what), and a
    model whose names never repeat gets no such note."""
    said = plan(question, repeated[1], columns="helpful").notes
    assert any("member name can repeat" in n and "mbr id" in n for n in said), said
    assert not any("can repeat" in n for n in plan(question, unique[1], columns="helpful").notes)


def test_a_grouping_by_city_is_not_noted(repeated: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """A city repeats too, but a grouping by city merges its rows on purpose: no note."""
    assert not any("can repeat" in n for n in plan("spend by city", repeated[1], columns="helpful").notes)


@pytest.mark.parametrize(("instruction", "shown"), [
    ("Member names repeat; show mbr_id with mbr_nm.", True),
    ("Group members by mbr_id and show mbr_nm beside it.", True),
    ("Group members by mbr_id and show mbr_nm.", False),          # grouped by the key, the name alone
])
def test_an_instruction_shows_the_key(instruction: str, shown: bool) -> None:
    """The overlay's author settles whether the key stands beside a repeating name: said side by side in one
    instruction, it is shown before the name (and no note is needed); otherwise the name is shown alone."""
    con = _database(REPEATED)
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay({**OVERLAY, "instructions": [instruction]}))
    c = plan("spend by member", model, columns="helpful")
    assert c.sql, c.abstain_reason
    rows = sorted(con.execute(c.sql).fetchall(), key=str)
    if shown:
        assert [tuple(r[:2]) for r in rows] == [(1, "Ann Lee"), (2, "Ann Lee"), (3, "Bo Chan")], c.sql
        assert not any("can repeat" in n for n in c.notes)
    else:
        assert [r[0] for r in rows] == ["Ann Lee", "Ann Lee", "Bo Chan"], c.sql
    listed = plan("list the members in Akron", model, columns="helpful")
    assert listed.sql and ("mbr_id" in listed.sql.split(" FROM ")[0]) == shown, listed.sql
