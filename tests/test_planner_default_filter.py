"""A table's default filter and default date (overlay ``default_filter`` / ``default_date``), and counting
phrasings of metrics, on a small gym model of this test's own (not any fixture's)."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.errors import OverlayError
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE clubs (club_id INTEGER PRIMARY KEY, club_name VARCHAR);
CREATE TABLE members (member_id INTEGER PRIMARY KEY, full_name VARCHAR, club_id INTEGER REFERENCES clubs(club_id),
    joined_on DATE, cancelled_on DATE, birth_date DATE, plan VARCHAR);
CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES members(member_id),
    visited_on DATE, minutes INTEGER);
INSERT INTO clubs VALUES (1, 'North'), (2, 'South');
INSERT INTO members VALUES
  (1, 'Ann', 1, DATE '2022-03-01', NULL, DATE '1990-01-01', 'basic'),
  (2, 'Bob', 1, DATE '2023-05-01', DATE '2024-02-01', DATE '1985-01-01', 'premium'),
  (3, 'Cy', 2, DATE '2023-07-01', NULL, DATE '2000-01-01', 'premium'),
  (4, 'Di', 2, DATE '2024-01-10', DATE '2024-06-01', DATE '1970-01-01', 'basic');
INSERT INTO visits VALUES (1, 1, DATE '2024-01-02', 60), (2, 3, DATE '2024-01-03', 30), (3, 2, DATE '2023-06-01', 45);
"""

OVERLAY = {
    "tables": {"members": {"synonyms": ["gym members"], "default_filter": "current member",
                           "default_date": "joined_on"}},
    "metrics": [
        {"name": "number of visits", "table": "visits", "sql": "COUNT(*)", "format": "count"},
        {"name": "workout minutes", "table": "visits", "sql": "SUM(minutes)"},
        {"name": "number of sessions", "synonyms": ["session count"], "table": "visits",
         "sql": "SUM(CASE WHEN minutes >= 30 THEN 1 ELSE 0 END)", "format": "count"},
        {"name": "calories", "table": "visits", "sql": "SUM(minutes * 8)"},
        {"name": "signup count", "table": "members", "sql": "COUNT(DISTINCT member_id)"},
    ],
    "filters": [
        {"name": "current member", "synonyms": ["current members", "active members"], "table": "members",
         "sql": "cancelled_on IS NULL"},
        {"name": "cancelled member", "synonyms": ["cancelled members", "former members"], "table": "members",
         "sql": "cancelled_on IS NOT NULL"},
    ],
}


@pytest.fixture(scope="module")
def gym() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def _rows(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple]:
    con, model = gym
    c = plan(question, model, columns="helpful")
    assert c.sql, (question, c.abstain_reason)
    return con.execute(c.sql).fetchall()


def test_the_overlay_carries_the_default_filter_and_date(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    members = gym[1].table("members")
    assert members is not None and members.default_filter is not None
    assert members.default_filter.name == "current member" and members.default_date == "joined_on"


@pytest.mark.parametrize(("question", "applied", "count"), [
    ("how many members", True, 2),                     # the default: current members only
    ("how many gym members are there", True, 2),
    ("how many members ever", False, 4),               # vocabulary default_filter.widen
    ("how many members including former", False, 4),
    ("count all members", False, 4),                   # vocabulary default_filter.all_of before the table name
    ("how many cancelled members", False, 2),          # a named filter of the same table replaces the default
    ("how many members joined in 2023", False, 2),     # a period, and the default reads a date: history
    ("how many premium members", True, 1),             # another column: the default still applies
    ("number of members by year of cancelled on", False, 2),  # grouped by the default's column: not emptied
])
def test_default_filter_and_its_overrides(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                          question: str, applied: bool, count: int) -> None:
    con, model = gym
    c = plan(question, model, columns="helpful")
    assert c.sql, c.abstain_reason
    assert ("members.cancelled_on IS NULL" in c.sql and "NOT members.cancelled_on" not in c.sql) == applied, c.sql
    assert any("default filter" in n for n in c.notes) == applied
    assert ("default filter" in (c.interpretation or "")) == applied
    assert con.execute(c.sql).fetchall()[-1][-1] == count


def test_default_filter_sql(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("how many members", gym[1])
    assert c.sql == "SELECT COUNT(*) AS members_count FROM main.members WHERE members.cancelled_on IS NULL"


def test_per_club_counts_current_members(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert sorted(_rows(gym, "number of members per club")) == [("North", 1), ("South", 1)]


def test_other_tables_are_not_filtered(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("number of visits", gym[1])
    assert c.sql and "cancelled_on" not in c.sql


def test_default_date_picks_the_period_column(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("how many members in 2024", gym[1])
    assert c.sql and "joined_on" in c.sql and "birth_date" not in c.sql, c.sql


@pytest.mark.parametrize(("question", "expression"), [
    ("how many sessions", "SUM(CASE WHEN visits.minutes >= 30"),      # "number of X" is also "how many X"
    ("how many sessions per club", "SUM(CASE WHEN visits.minutes >= 30"),
    ("count of sessions", "SUM(CASE WHEN visits.minutes >= 30"),      # "X count" is also "count of X"
    ("total calories", "SUM(visits.minutes * 8)"),                    # a SUM metric "X" is also "total X"
    ("total calories by club", "SUM(visits.minutes * 8)"),
    ("how many signups", "COUNT(DISTINCT members.member_id)"),
])
def test_counting_phrasings_reach_the_metric(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                             question: str, expression: str) -> None:
    c = plan(question, gym[1])
    assert c.sql, c.abstain_reason
    assert expression in c.sql, c.sql


def test_sql_default_filter_and_errors() -> None:
    con = duckdb.connect()
    con.execute(SCHEMA)
    catalog = read_duckdb_catalog(con)
    model = apply_overlay(catalog, parse_overlay({"tables": {"members": {"default_filter": "plan = 'premium'"}}}))
    c = plan("how many members", model)
    assert c.sql and "members.plan = 'premium'" in c.sql and any("plan = 'premium'" in n for n in c.notes)
    with pytest.raises(OverlayError, match="neither a named filter"):
        apply_overlay(catalog, parse_overlay({"tables": {"members": {"default_filter": "paying member"}}}))
    with pytest.raises(OverlayError, match="no column named 'end_date'"):
        apply_overlay(catalog, parse_overlay({"tables": {"members": {"default_date": "end_date"}}}))
    wrong_table = {"tables": {"visits": {"default_filter": "current member"}}, "filters": OVERLAY["filters"]}
    with pytest.raises(OverlayError, match="is over members"):
        apply_overlay(catalog, parse_overlay(wrong_table))


def test_the_prompt_context_states_the_default_filter_as_a_rule(
        gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    from catalog_semantics.render import render_context
    context = render_context(gym[1], budget_tokens=8000)
    rules = context[context.index("-- Instructions:"):]
    assert "Questions about members count or list only rows where cancelled_on IS NULL ('current member')" in rules
    assert "A period such as 'in 2024' on members filters joined_on" in rules


def test_a_named_filter_dates_its_events(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'cancelled members per year': the filter reads cancelled_on, so the years are its years."""
    c = plan("cancelled members per year", gym[1])
    assert c.sql and "YEAR(members.cancelled_on)" in c.sql and "joined_on" not in c.sql, c.sql


@pytest.mark.parametrize(("turns", "applied"), [
    (("how many members", "and per club?"), True),               # kept through an edit
    (("how many members ever", "and per club?"), False),          # the first turn's override is kept too
    (("how many members", "and in 2023?"), False),                # a period now: history
    (("how many members", "what about premium?"), True),
])
def test_follow_ups_keep_or_drop_the_default(gym: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                             turns: tuple[str, ...], applied: bool) -> None:
    from nl2sql.planner.turns import plan_turn
    history: list[tuple[str, str]] = []
    for question in turns:
        c = plan_turn(question, gym[1], history)
        assert c.sql, c.abstain_reason
        history.append((question, c.sql))
    assert ("cancelled_on IS NULL" in history[-1][1]) == applied, history[-1][1]
