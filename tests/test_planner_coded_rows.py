"""Rows known by codes, counts per row and default rows on an abbreviated rail model of this test's own:
"average number of <a column that counts> per <its own rows>" is that column's average; a named filter said with
its rows' noun ("cancelled trips in 2024") is counted; rows with only a numeric key are not listed by it; a
text-code foreign key ("by origin station") is grouped and shown as its code; a named filter on another column
than the table's default filter reads keeps the default."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.generators import generate_offline
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE stn (stn_cd VARCHAR PRIMARY KEY, stn_nm VARCHAR, city_nm VARCHAR);
CREATE TABLE lnk (lnk_id INTEGER PRIMARY KEY, from_cd VARCHAR REFERENCES stn(stn_cd),
    to_cd VARCHAR REFERENCES stn(stn_cd), len_km INTEGER);
CREATE TABLE trp (trp_id INTEGER PRIMARY KEY, lnk_id INTEGER REFERENCES lnk(lnk_id), dep_dt DATE,
    trp_stat VARCHAR, rider_cnt INTEGER);
CREATE TABLE tix (tix_id INTEGER PRIMARY KEY, trp_id INTEGER REFERENCES trp(trp_id), cls_cd VARCHAR,
    bag_cnt INTEGER, tix_stat VARCHAR);
INSERT INTO stn VALUES ('PAD', 'Paddington', 'London'), ('BRI', 'Temple Meads', 'Bristol'),
    ('CDF', 'Central', 'Cardiff');
INSERT INTO lnk VALUES (1, 'PAD', 'BRI', 190), (2, 'BRI', 'PAD', 190), (3, 'PAD', 'CDF', 240);
INSERT INTO trp VALUES (1, 1, DATE '2024-01-05', 'RUN', 300), (2, 1, DATE '2024-02-05', 'CNX', 0),
    (3, 2, DATE '2024-03-05', 'RUN', 200), (4, 3, DATE '2024-03-06', 'CNX', 0), (5, 3, DATE '2023-05-01', 'CNX', 0);
INSERT INTO tix VALUES (1, 1, '1', 2, 'OK'), (2, 1, '2', 0, 'OK'), (3, 1, '2', 1, 'RFD'), (4, 3, '1', 1, 'OK'),
    (5, 3, '2', 3, 'OK'), (6, 3, '1', 4, 'RFD');
"""

OVERLAY = {
    "tables": {
        "stn": {"synonyms": ["stations"]},
        "lnk": {"synonyms": ["links"],
                "columns": {"from_cd": {"synonyms": ["origin station"]}, "to_cd": {"synonyms": ["end station"]},
                            "len_km": {"synonyms": ["length"]}}},
        "trp": {"synonyms": ["trips"], "default_date": "dep_dt",
                "columns": {"rider_cnt": {"synonyms": ["riders"]}}},
        "tix": {"synonyms": ["tickets"], "default_filter": "valid ticket",
                "columns": {"cls_cd": {"synonyms": ["class"], "values": ["1", "2"]},
                            "bag_cnt": {"synonyms": ["bags"]}}},
    },
    "filters": [
        {"name": "cancelled trip", "synonyms": ["cancelled trips"], "table": "trp", "sql": "trp_stat = 'CNX'"},
        {"name": "long link", "synonyms": ["long links"], "table": "lnk", "sql": "len_km >= 200"},
        {"name": "valid ticket", "table": "tix", "sql": "tix_stat <> 'RFD'"},
        {"name": "refunded ticket", "synonyms": ["refunded tickets"], "table": "tix", "sql": "tix_stat = 'RFD'"},
        {"name": "first class", "table": "tix", "sql": "cls_cd = '1'"},
    ],
    "metrics": [{"name": "riders carried", "table": "trp", "sql": "SUM(rider_cnt)"}],
}


@pytest.fixture(scope="module")
def rail() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def _rows(rail: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = rail
    c = plan(question, model, columns="asked")
    assert c.sql, (question, c.abstain_reason)
    return sorted(con.execute(c.sql).fetchall(), key=str)


@pytest.mark.parametrize(("question", "rows"), [
    # the valid tickets' bags per class: 1st (2, 1) -> 1.5, 2nd (0, 3) -> 1.5; one average each, no total beside
    ("average number of bags per ticket in each class", [("1", 1.5), ("2", 1.5)]),
    ("average number of bags", [(1.5,)]),
    ("cancelled trips in 2024", [(2,)]),                       # how many, not a page of trip ids
    ("riders carried by origin station in 2024", [("BRI", 200), ("PAD", 300)]),   # the station code itself
    ("how many tickets in first class", [(2,)]),               # another column: the default rows still
    ("how many refunded tickets", [(2,)]),                     # the default's own column: lifted
])
def test_question_answers(rail: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                          rows: list[tuple[object, ...]]) -> None:
    assert _rows(rail, question) == rows


@pytest.mark.parametrize(("question", "words"), [
    ("average number of bags per trip", "average"),            # an average of per-trip totals: not computed
    ("list the long links with their length", "lnk"),          # links have only a number to name them by
])
def test_question_declines(rail: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, words: str) -> None:
    c = plan(question, rail[1])
    assert c.sql is None and words in c.unknown_words, (c.sql, c.abstain_reason)


def test_a_follow_up_filter_on_another_column_keeps_the_default(
        rail: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = rail
    first = plan("number of tickets by class", model, columns="asked")
    assert first.sql is not None
    second = generate_offline("first class only", model, (("number of tickets by class", first.sql),))
    assert second.sql is not None and "tix_stat <> 'RFD'" in second.sql
    assert con.execute(second.sql).fetchall() == [("1", 2)]
