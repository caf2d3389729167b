"""Publisher-named databases with no overlay (helper realworld10): which name column shows a row, a plural code
label listed "with their" columns, a last word every row's name shares as the noun for the rows and "total <rows>"
under a superlative. A small park-and-fishery warehouse of this test's own.
"""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan
from tests.planner_cases import assert_answered, assert_declined

SCHEMA = """
CREATE TABLE unit (unit_cd VARCHAR PRIMARY KEY, unit_nm VARCHAR, unit_type_cd VARCHAR, st VARCHAR);
COMMENT ON COLUMN unit.unit_type_cd IS 'Designation - NP national park, NS national seashore, NM national monument';
COMMENT ON COLUMN unit.st IS 'State: two-letter postal abbreviation.';
CREATE TABLE cmpgrnd (cg_id INTEGER PRIMARY KEY, unit_cd VARCHAR REFERENCES unit (unit_cd), cg_nm VARCHAR,
                      sites INTEGER);
CREATE TABLE spp (spp_cd VARCHAR PRIMARY KEY, common_nm VARCHAR, sci_nm VARCHAR);
CREATE TABLE gauge (gauge_cd VARCHAR PRIMARY KEY, short_nm VARCHAR, legal_nm VARCHAR);
CREATE TABLE dealer (dealer_id INTEGER PRIMARY KEY, dba_nm VARCHAR, aka_nm VARCHAR, city VARCHAR);
COMMENT ON COLUMN dealer.aka_nm IS 'Also-known-as name: the name on the sign, if different; often blank.';
CREATE TABLE catch (catch_id INTEGER PRIMARY KEY, spp_cd VARCHAR REFERENCES spp (spp_cd),
                    gauge_cd VARCHAR REFERENCES gauge (gauge_cd), unit_cd VARCHAR REFERENCES unit (unit_cd),
                    yr INTEGER, lbs DOUBLE);
INSERT INTO unit VALUES ('GRPK', 'Granite Peaks National Park', 'NP', 'WY'),
    ('CAPE', 'Cape Harbor National Seashore', 'NS', 'MA'), ('GULF', 'Gulf Island National Seashore', 'NS', 'FL'),
    ('IRON', 'Iron Furnace National Monument', 'NM', 'PA');
INSERT INTO cmpgrnd VALUES (1, 'GRPK', 'Pine Flat Campground', 40), (2, 'GRPK', 'Bear Creek Campground', 12),
    (3, 'CAPE', 'Ocean View Campground', 30), (4, 'GULF', 'Sandy Point Campground', 25);
INSERT INTO spp VALUES ('711', 'CRAB, JONAH', 'Cancer borealis'), ('727', 'LOBSTER, AMERICAN', 'Homarus americanus');
INSERT INTO dealer VALUES (1, 'Harbor Fish Co', '', 'BOSTON'), (2, 'Dock Traders', 'Dockside', 'Boston'),
    (3, 'Cape Fish', '', 'SALEM');
INSERT INTO gauge VALUES ('G1', 'North', 'North Station Gauge'), ('G2', 'South', 'South Station Gauge');
INSERT INTO catch VALUES (1, '711', 'G1', 'CAPE', 2021, 100), (2, '727', 'G2', 'GULF', 2021, 50),
    (3, '727', 'G1', 'CAPE', 2022, 70), (4, '711', 'G2', 'GRPK', 2022, 10);
"""


@pytest.fixture(scope="module")
def parks() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, model_from_catalog(read_duckdb_catalog(con))


def _rows(parks: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = parks
    c = plan(question, model, columns="asked")
    assert c.sql, (question, c.abstain_reason)
    return sorted(con.execute(c.sql).fetchall(), key=str)


def test_a_plural_code_label_with_their_columns_lists_each_row(
        parks: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # it was the DISTINCT states alone: "the national seashores" are rows of unit, named beside their state
    assert _rows(parks, "List the national seashores and their states") == [
        ("Cape Harbor National Seashore", "MA"), ("Gulf Island National Seashore", "FL")]


def test_without_a_possessive_a_code_label_filters_only(parks: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert _rows(parks, "List the states of national seashores") == [("FL",), ("MA",)]


def test_the_everyday_name_of_several_names_shows_a_row(parks: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # common name beside scientific name: it showed the species code (the key) for want of one name
    assert _rows(parks, "Which spps had catches in 2022?") == [("CRAB, JONAH",), ("LOBSTER, AMERICAN",)]


def test_a_name_its_description_makes_optional_is_no_label(
        parks: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # doing-business-as name beside an also-known-as name "if different; often blank": it declined
    assert _rows(parks, "List the dealers") == [("Cape Fish",), ("Dock Traders",), ("Harbor Fish Co",)]


def test_several_names_and_none_everyday_decline(parks: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _con, model = parks
    # short name or legal name: showing the gauge code instead would answer with what nobody asked
    assert_declined(plan("Which gauges had catches in 2022?", model), "Which gauges", "gauge")


@pytest.mark.parametrize(("question", "rows"), [
    # every campground's name ends in "Campground": the word names the rows of cmpgrnd, not a search of names
    ("Which units have no campgrounds?", [("Iron Furnace National Monument",)]),
    ("How many campgrounds are there?", [(4,)]),
])
def test_a_last_word_every_name_shares_names_the_rows(
        parks: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, rows: list[tuple[object, ...]]) -> None:
    _con, model = parks
    assert "LIKE" not in (plan(question, model).sql or "")
    assert _rows(parks, question) == rows


def test_highest_total_of_rows_with_an_amount_declines(parks: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = parks
    # "total catches": how many, or the pounds? It counted rows
    assert_declined(plan("Which year had the highest total catches?", model), "total catches", "total")
    assert_answered(con, plan("Which year had the most catches?", model), "most catches", ["COUNT(*)"], [])



@pytest.mark.parametrize("question", ["How many dealers are there in each city?", "How many dealers are in SALEM?"])
def test_a_column_spelled_several_ways_is_no_grouping(
        parks: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> None:
    _con, model = parks
    # 'BOSTON' and 'Boston' (typed by hand): one group or two, and is SALEM all of Salem? Not the engine's to decide
    assert_declined(plan(question, model), question, "city")
