"""Shapes of the second precision pass (helper `precision2`, issue 10), one rule each, on real warehouses.

Each case is a question and what a careful engine does with it: decline naming the words it could not
read, or answer with SQL that has (and lacks) the parts the rule is about. A small school warehouse written
here (abbreviated names, as exports have them) checks that the rules are not the clinic's or the demo's.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan
from tests.planner_cases import assert_answered, assert_declined

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from planner_conversations import demo as open_model

CLINIC_OVERLAY = ROOT / "fixtures/final_clinic/overlay.yaml"
SCHOOL = """
CREATE TABLE school (school_id INTEGER PRIMARY KEY, school_nm VARCHAR, city VARCHAR);
CREATE TABLE teacher (teacher_id INTEGER PRIMARY KEY, teacher_nm VARCHAR,
                      school_id INTEGER REFERENCES school (school_id));
CREATE TABLE fee (fee_id INTEGER PRIMARY KEY, teacher_id INTEGER REFERENCES teacher (teacher_id), paid_dt DATE,
                  fee_amt DECIMAL(9,2), tax_amt DECIMAL(9,2));
INSERT INTO school VALUES (1, 'North High', 'Oslo'), (2, 'South High', 'Bergen');
INSERT INTO teacher VALUES (1, 'Ann', 1), (2, 'Bo', 2), (3, 'Cy', 2);
INSERT INTO fee VALUES (1, 1, '2023-02-01', 100, 5), (2, 2, '2023-03-01', 50, 0), (3, 3, '2024-01-09', 70, 7);
"""

FISH = """
CREATE TABLE species (spp_cd VARCHAR PRIMARY KEY, common_nm VARCHAR);
CREATE TABLE landing (landing_id INTEGER PRIMARY KEY, spp_cd VARCHAR REFERENCES species (spp_cd), land_lbs VARCHAR,
                      disp_cd VARCHAR);
INSERT INTO species VALUES ('HER', 'HERRING, ATLANTIC'), ('COD', 'COD, ATLANTIC'), ('LOB', 'LOBSTER, AMERICAN');
INSERT INTO landing VALUES (1, 'HER', '120', 'BT'), (2, 'COD', '80', 'FD'), (3, 'LOB', '15', 'FD');
"""

DEMO_DECLINED = [
    # an amount named with a grouping and no aggregate word: a total or an average per group, not a list
    ("quantity by ship mode", "quantity"),
    # two years with a gap cannot be one range grouped by year
    ("revenue in 1993 and 1997", "1993 and 1997"),
]
DEMO_ANSWERED = [
    # ... but things counted, said with their event ("units shipped"), add up per group
    ("units shipped per ship mode in 1995", ["SUM(lineitem.l_quantity)", "GROUP BY lineitem.l_shipmode"], []),
    # a verb of the vocabulary's date_verbs names the date of its event
    ("Average discount on lines sent by RAIL", ["lineitem.l_shipmode = 'RAIL'"], []),
    ("total quantity dispatched in 1997", ["lineitem.l_shipdate >= CAST('1997-01-01' AS DATE)"], ["o_orderdate"]),
    ("How many units went out by each ship mode in 1997?", ["lineitem.l_shipdate >= CAST('1997-01-01' AS DATE)"],
     ["o_orderdate"]),
    # "top N <entity> by <amount of the rows below it>": the entity ranked by the total, not N rows below
    ("top 3 parts by quantity", ["SUM(lineitem.l_quantity)", "GROUP BY part.p_partkey", "LIMIT 3"], []),
    # two columns sharing one head noun are both meant ("ship" is not the value SHIP here)
    ("ship and commit dates of order 1", ["lineitem.l_shipdate", "lineitem.l_commitdate"], ["'SHIP'"]),
    # two periods joined by and / vs: one row each, never their sum
    ("Compare revenue in 1996 and 1997", ["GROUP BY YEAR(orders.o_orderdate)"], []),
    ("number of orders in 1995 vs 1996", ["GROUP BY YEAR(orders.o_orderdate)"], []),
    ("revenue between 1995 and 1997", ["< CAST('1998-01-01' AS DATE)"], ["GROUP BY"]),
    # a quarter is its first day; "quarter by quarter" is one grouping
    ("Show 1995 revenue quarter by quarter", ["DATE_TRUNC('QUARTER', orders.o_orderdate) AS quarter"],
     ["quarter_2", "QUARTER(orders"]),
]
SCHOOL_ANSWERED = [
    # an abbreviated name column (school_nm, teacher_nm) is the entity's label, not its id
    ("number of teachers per school", ["school.school_nm"], ["AS school_id"]),
    ("total fee amount per teacher", ["teacher.teacher_nm"], ["AS teacher_id"]),
    ("fees per school", ["SUM(fee.fee_amt)"], ["COUNT(*)"]),
    ("how many fees per school", ["COUNT(*)"], ["SUM("]),
    ("top 2 schools by fee amount", ["SUM(fee.fee_amt)", "GROUP BY school.school_id", "LIMIT 2"], []),
]
FISH_DECLINED = [
    # "how many lbs" of a column stored as text is a total that needs the column's type
    ("how many lbs of herring", "how many"),
]
FISH_ANSWERED = [
    # "herring" stems to the stop word "her"; a word of the model's values is never dropped as a filler
    ("number of landing of herring", ["LIKE '%herring%'"], []),
]
CLINIC_DECLINED = [
    # two paths to the clinic (the patient's home clinic, the appointments' clinic) and no word picks one
    ("How many different patients were seen at Harbor View Health in 2023?", "harbor view health"),
]
CLINIC_ANSWERED = [
    # the question names the path ("home clinic"): that one
    ("How many patients whose home clinic is Harbor View Health were seen in 2023?",
     ["patient.home_clinic_id = clinic.clinic_id"], []),
    # a table noun that also names its one amount ("charge amount") means the amount unless a count is asked
    ("Lab charges per year", ["SUM(charge.chg_amt)"], ["COUNT(*)"]),
    ("number of lab charges per year", ["COUNT(*)"], ["SUM(charge.chg_amt)"]),
    ("Billed and allowed amounts per payer type for 2022", ["SUM(invoice.billed_amt)", "SUM(invoice.allowed_amt)"],
     []),
]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    """The clinic warehouse (fixtures/final_clinic/build.py, seeded) with the overlay a new user wrote."""
    path = tmp_path_factory.mktemp("clinic") / "clinic.duckdb"
    spec = importlib.util.spec_from_file_location("final_clinic_build", ROOT / "fixtures/final_clinic/build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(str(path))
    con, model = open_model(path, CLINIC_OVERLAY)
    yield con, model
    con.close()


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    path = tmp_path_factory.mktemp("school") / "school.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(SCHOOL)
    con = duckdb.connect(str(path), read_only=True)
    yield con, model_from_catalog(read_duckdb_catalog(con))       # no overlay: the names alone
    con.close()


@pytest.fixture(scope="module")
def fish(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    path = tmp_path_factory.mktemp("fish") / "fish.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(FISH)
    con = duckdb.connect(str(path), read_only=True)
    yield con, model_from_catalog(read_duckdb_catalog(con))       # no overlay: the names alone
    con.close()


def _declines(model: SemanticModel, question: str, words: str) -> None:
    assert_declined(plan(question, model), question, words)


def _answers(con: duckdb.DuckDBPyConnection, model: SemanticModel, question: str, has: list[str],
             lacks: list[str]) -> None:
    assert_answered(con, plan(question, model), question, has, lacks)


@pytest.mark.parametrize(("question", "words"), DEMO_DECLINED)
def test_demo_declines(question: str, words: str, demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _declines(demo_plain[1], question, words)


@pytest.mark.parametrize(("question", "has", "lacks"), DEMO_ANSWERED)
def test_demo_answers(question: str, has: list[str], lacks: list[str],
                      demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _answers(*demo_plain, question, has, lacks)


@pytest.mark.parametrize(("question", "has", "lacks"), SCHOOL_ANSWERED)
def test_school_answers(question: str, has: list[str], lacks: list[str],
                        school: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _answers(*school, question, has, lacks)


@pytest.mark.parametrize(("question", "has", "lacks"), CLINIC_ANSWERED)
def test_clinic_answers(question: str, has: list[str], lacks: list[str],
                        clinic: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _answers(*clinic, question, has, lacks)


@pytest.mark.parametrize(("question", "words"), CLINIC_DECLINED)
def test_clinic_declines(question: str, words: str, clinic: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _declines(clinic[1], question, words)


@pytest.mark.parametrize(("question", "words"), FISH_DECLINED)
def test_fish_declines(question: str, words: str, fish: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _declines(fish[1], question, words)


@pytest.mark.parametrize(("question", "has", "lacks"), FISH_ANSWERED)
def test_fish_answers(question: str, has: list[str], lacks: list[str],
                      fish: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _answers(*fish, question, has, lacks)


def test_followup_grain_replaces_the_grain_of_the_same_date(
        demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'by quarter' after 'by month': the quarter replaces the month (a month already decides its quarter)."""
    from nl2sql.planner.turns import plan_turn

    con, model = demo_plain
    first = plan("revenue by month in 1996", model)
    assert first.sql is not None and "'MONTH'" in first.sql
    c = plan_turn("by quarter", model, [("revenue by month in 1996", first.sql)])
    assert c.sql is not None, c.abstain_reason
    assert "'QUARTER'" in c.sql and "'MONTH'" not in c.sql, c.sql
    assert len(con.execute(c.sql).fetchall()) == 4


def test_followup_group_named_through_a_table(demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'by customer region' after a total: the region (a table) reached through the customer, not the customer."""
    from nl2sql.planner.turns import plan_turn

    con, model = demo_plain
    first = plan("total value of open orders", model)
    assert first.sql is not None
    c = plan_turn("by customer region", model, [("total value of open orders", first.sql)])
    assert c.sql is not None, c.abstain_reason
    assert "GROUP BY region.r_regionkey" in c.sql and "customer.c_name" not in c.sql, c.sql
    assert len(con.execute(c.sql).fetchall()) == 5


def test_both_with_nothing_to_refer_to_is_declined(demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'show both by region' as a first question: both of what? Not a list of regions."""
    from nl2sql.planner.turns import plan_turn

    c = plan_turn("show both by region", demo_plain[1], ())
    assert c.sql is None, c.sql


def test_followup_value_moves_the_share(demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'and from ASIA?' after the share from EUROPE: the share of ASIA, never EUROPE's share over ASIA's rows."""
    from nl2sql.planner.turns import plan_turn

    con, model = demo_plain
    q = "What share of 1995 revenue came from EUROPE?"
    first = plan(q, model)
    assert first.sql is not None
    c = plan_turn("and from ASIA?", model, [(q, first.sql)])
    assert c.sql is not None, c.abstain_reason
    assert "r_name = 'ASIA' THEN" in c.sql and "EUROPE" not in c.sql, c.sql
    assert 0 < con.execute(c.sql).fetchall()[0][0] < 1


def test_followup_about_the_top_row_by_another_measure_keeps_that_row(
        demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'how many orders did that account place?' after the top account by value: re-ranked by orders it would
    be another account, so the account stays the one shown (its key among the previous top 1), never ranked
    again by the new measure."""
    from nl2sql.planner.turns import plan_turn

    q = "Which account has the highest total order value?"
    first = plan(q, demo_plain[1])
    assert first.sql is not None
    c = plan_turn("how many orders did that account place?", demo_plain[1], [(q, first.sql)])
    assert c.sql is not None, c.abstain_reason
    assert "c_custkey IN (SELECT" in c.sql and "ORDER BY SUM(orders.o_totalprice) DESC" in c.sql, c.sql
    shown = demo_plain[0].execute(first.sql).fetchall()
    assert [row[0] for row in demo_plain[0].execute(c.sql).fetchall()] == [shown[0][0]]
