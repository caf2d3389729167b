"""Wordings met on models written from the docs (sixth round): days named in words and ranges of them, an
acronym's plural ("EVs"), codes explained in parentheses ("GLD (gold)"), a value before a named filter's noun
("gold members"), "never placed an order" beside a count metric of orders, a grouping by the date a default
filter reads, a named filter said with its amount's noun ("sick days"), and a duration that is not a table's
quantity. A small fleet-and-staff model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from catalog_semantics.question import tokenize
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE member (member_id INTEGER PRIMARY KEY, member_nm VARCHAR, tier VARCHAR, joined_on DATE);
COMMENT ON COLUMN member.tier IS 'Loyalty tier; NON = not a member, then SLV (silver), GLD (gold).';
CREATE TABLE car (car_id INTEGER PRIMARY KEY, plate VARCHAR, fuel VARCHAR);
CREATE TABLE booking (booking_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(member_id),
    car_id INTEGER REFERENCES car(car_id), booked_on DATE, rental_days INTEGER);
CREATE TABLE trip (trip_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(member_id), trip_days INTEGER);
CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, staff_name VARCHAR, left_on DATE, leave_reason VARCHAR);
CREATE TABLE absence (absence_id INTEGER PRIMARY KEY, staff_id INTEGER REFERENCES staff(staff_id),
    kind VARCHAR, start_date DATE, days INTEGER);
INSERT INTO member VALUES (1, 'Ann', 'GLD', DATE '2024-01-01'), (2, 'Bob', 'SLV', DATE '2024-02-01'),
                          (3, 'Cy', 'NON', DATE '2024-03-01');
INSERT INTO car VALUES (1, 'AB1', 'EV'), (2, 'CD2', 'GAS');
INSERT INTO booking VALUES (1, 1, 1, DATE '2025-03-01', 3), (2, 2, 2, DATE '2025-04-15', 2),
                           (3, 2, 1, DATE '2025-04-16', 5);
INSERT INTO trip VALUES (1, 1, 4), (2, 2, 1), (3, 2, 6);
INSERT INTO staff VALUES (1, 'Dee', NULL, NULL), (2, 'Eve', DATE '2024-05-01', 'Resignation');
INSERT INTO absence VALUES (1, 1, 'Sick', DATE '2024-02-01', 2), (2, 2, 'Sick', DATE '2024-03-01', 4);
"""

OVERLAY = {
    "tables": {"member": {"synonyms": ["customers"]},
               "car": {"synonyms": ["cars", "fleet"], "columns": {"fuel": {"values": ["EV", "GAS"]}}},
               "booking": {"synonyms": ["bookings", "rentals"], "default_date": "booked_on"},
               "staff": {"synonyms": ["employees"], "default_filter": "active employee"},
               "absence": {"synonyms": ["absences"], "default_date": "start_date"}},
    "filters": [{"name": "loyalty member", "synonyms": ["members"], "table": "member", "sql": "tier <> 'NON'"},
                {"name": "active employee", "table": "staff", "sql": "left_on IS NULL"},
                {"name": "resignation", "synonyms": ["resignations"], "table": "staff",
                 "sql": "leave_reason = 'Resignation'"},
                {"name": "sick leave", "synonyms": ["sick days"], "table": "absence", "sql": "kind = 'Sick'"},
                {"name": "long trip", "synonyms": ["long trips"], "table": "trip", "sql": "trip_days >= 3"}],
    "metrics": [{"name": "number of bookings", "synonyms": ["bookings"], "table": "booking",
                 "sql": "COUNT(*)"}],
}


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def sql_of(question: str, model: SemanticModel) -> str:
    return plan(question, model).sql or ""


@pytest.mark.parametrize("question, start, end", [
    ("how many bookings were made between 1 March and 15 April 2025?", "2025-03-01", "2025-04-16"),
    ("bookings between March 1 and April 15, 2025", "2025-03-01", "2025-04-16"),
    ("bookings on April 15, 2025", "2025-04-15", "2025-04-16"),
])
def test_days_named_in_words(model: SemanticModel, question: str, start: str, end: str) -> None:
    sql = sql_of(question, model)
    assert f">= CAST('{start}' AS DATE)" in sql and f"< CAST('{end}' AS DATE)" in sql


def test_an_acronyms_plural_is_the_acronym() -> None:
    assert [t.word for t in tokenize("EVs and SUVs, gas bus")] == ["ev", "and", "suv", "gas", "bus"]


def test_a_value_said_as_an_acronyms_plural(model: SemanticModel) -> None:
    assert "car.fuel = 'EV'" in sql_of("how many EVs are in the fleet?", model)


def test_codes_explained_in_parentheses_and_a_value_before_a_filters_noun(model: SemanticModel) -> None:
    sql = sql_of("how many gold members do we have?", model)
    assert "member.tier = 'GLD'" in sql and sql.startswith("SELECT COUNT(*)")


def test_never_beside_a_count_metric_of_the_same_rows_is_the_rows(model: SemanticModel) -> None:
    sql = sql_of("customers with no bookings", model)
    assert "NOT EXISTS" in sql and "COUNT" not in sql


def test_a_grouping_by_the_date_the_default_reads_lifts_the_default(model: SemanticModel) -> None:
    sql = sql_of("resignations per year", model)
    assert "left_on IS NULL" not in sql and "GROUP BY YEAR(staff.left_on)" in sql


def test_a_named_filter_said_with_its_amounts_noun_adds_the_amount(model: SemanticModel) -> None:
    assert "SUM(absence.days)" in sql_of("sick days by employee in 2024", model)


def test_a_duration_is_not_a_tables_quantity(model: SemanticModel) -> None:
    sql = sql_of("long trips by customer", model)
    assert "COUNT(*)" in sql and "SUM(" not in sql


@pytest.mark.parametrize("question, part", [
    ("how many bookings were made during 2025?", "booking.booked_on >= CAST('2025-01-01' AS DATE)"),
    ("how many trips are long", "trip.trip_days >= 3"),                  # the filter's adjective alone
    ("customers who've made more than 1 booking", "HAVING COUNT(*) > 1"),  # who have
])
def test_more_everyday_wordings(model: SemanticModel, question: str, part: str) -> None:
    assert part in sql_of(question, model)


def test_a_date_verb_is_never_read_as_a_filters_adjective() -> None:
    from nl2sql.planner.lexicon import _free_adjective, lexicon_for

    con = duckdb.connect()
    con.execute(SCHEMA)
    overlay = {**OVERLAY, "filters": [*OVERLAY["filters"], {"name": "shipped trip", "synonyms": ["shipped trips"],
                                                            "table": "trip", "sql": "trip_days > 0"}]}
    lex = lexicon_for(apply_overlay(read_duckdb_catalog(con), parse_overlay(overlay)))
    assert not _free_adjective(lex, "shipped") and _free_adjective(lex, "outstanding")


def test_a_top_n_of_a_shared_attribute_ranked_by_a_row_amount_is_declined() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, clerk VARCHAR, amount DECIMAL(9,2));"
                "INSERT INTO sale VALUES (1, 'A', 10), (2, 'A', 9), (3, 'B', 30)")
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay({}))
    assert plan("which 2 clerks had the highest amount", model).sql is None      # a single sale, or a total?
    assert plan("the 2 sales with the highest amount", model).sql is not None    # rows of their own
