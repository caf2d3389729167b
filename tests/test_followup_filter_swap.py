"""A follow-up naming a filter that tests another stored value of the column a previous named filter tests
("unresolved tickets", then "just the resolved ones") swaps them: no row has two states, so adding the new
filter beside the old one would be an empty answer (and was declined as a contradiction). A named filter on
another column ("just the urgent ones") still narrows beside the previous one. Such a filter of one value also
pins the grouping on its column ("break critical down by desk" after tickets per severity: by desk alone), as
the value itself would. A ticket desk of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.generators import generate_offline
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE ticket (ticket_id INTEGER PRIMARY KEY, desk VARCHAR, state VARCHAR, severity VARCHAR);
INSERT INTO ticket VALUES (1, 'Billing', 'OPEN', 'HIGH'), (2, 'Billing', 'SHUT', 'LOW'), (3, 'Billing', 'SHUT', 'HIGH'),
    (4, 'Network', 'OPEN', 'LOW'), (5, 'Network', 'OPEN', 'HIGH'), (6, 'Network', 'SHUT', 'LOW');
"""

OVERLAY = {
    "tables": {"ticket": {"synonyms": ["tickets"], "columns": {
        "desk": {"values": ["Billing", "Network"]}, "state": {"values": ["OPEN", "SHUT"]},
        "severity": {"values": ["HIGH", "LOW"]}}}},
    "filters": [{"name": "unresolved ticket", "synonyms": ["unresolved"], "table": "ticket", "sql": "state = 'OPEN'"},
                {"name": "resolved ticket", "synonyms": ["resolved"], "table": "ticket", "sql": "state = 'SHUT'"},
                {"name": "critical ticket", "synonyms": ["critical"], "table": "ticket", "sql": "severity = 'HIGH'"}],
}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con


@pytest.fixture(scope="module")
def model(con: duckdb.DuckDBPyConnection) -> SemanticModel:
    return apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def _answer(con: duckdb.DuckDBPyConnection, model: SemanticModel, first: str, *then: str) -> list[tuple[object, ...]]:
    history: tuple[tuple[str, str | None], ...] = ((first, plan(first, model).sql),)
    sql = history[0][1]
    for question in then:
        sql = generate_offline(question, model, history).sql
        history += ((question, sql),)
    assert sql is not None, then
    return sorted(con.execute(sql).fetchall())


@pytest.mark.parametrize("swap", ["just the resolved ones", "resolved tickets instead", "only resolved"])
def test_a_filter_on_the_same_column_swaps(con: duckdb.DuckDBPyConnection, model: SemanticModel, swap: str) -> None:
    got = _answer(con, model, "number of tickets per desk", "unresolved only", swap)
    assert got == [("Billing", 2), ("Network", 1)]


def test_a_filter_on_another_column_narrows(con: duckdb.DuckDBPyConnection, model: SemanticModel) -> None:
    got = _answer(con, model, "number of tickets per desk", "unresolved only", "just the critical ones")
    assert got == [("Billing", 1), ("Network", 1)]


def test_a_filter_of_one_value_pins_the_grouping_on_its_column(con: duckdb.DuckDBPyConnection,
                                                               model: SemanticModel) -> None:
    # the critical tickets are one severity: grouped by severity and by desk, every row would say HIGH
    got = _answer(con, model, "number of tickets per severity", "break critical down by desk")
    assert got == [("Billing", 2), ("Network", 1)]


def test_a_filter_on_another_column_pins_nothing(con: duckdb.DuckDBPyConnection, model: SemanticModel) -> None:
    # unresolved tickets still have both severities: added or instead of them is not said, so it is asked
    first = "number of tickets per severity"
    history = ((first, plan(first, model).sql),)
    assert generate_offline("break unresolved down by desk", model, history).sql is None
