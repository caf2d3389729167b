"""Checks before any answer, clarifying questions and follow-up edits: question -> outcome fixture pairs.

Each pair is one test. Outcomes: "abstain" (and the words named), "clarify" (the choices' questions),
or a fragment the SQL must contain.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.generators import generate_offline
from nl2sql.planner import plan
from nl2sql.planner.followup import Edit, is_marked, read_edit
from nl2sql.planner.lexicon import lexicon_for


@pytest.fixture(scope="module")
def demo(demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> SemanticModel:
    return demo_plain[1]


# (question, word the abstention must name)
ABSTAIN = [
    ("how many urgent orders with priority 5-LOW", "5-low"),          # contradictory filters on one column
    ("number of orders with status F and status O", "o"),
    ("urgent orders that are not urgent", "urgent"),                  # a value and not that value
    ("how many open orders are not open", "open"),
    ("average supplier key by region", "average"),                    # identifiers are not added up
    ("delete the urgent orders", "delete"),                           # changes data
    ("cancel all open orders", "cancel"),
    ("customers with 5 orders", "5"),                                 # a count, not a LIMIT
    ("is revenue still growing", "still"),                            # meaning-bearing word kept (not a state: "still open" is)
    ("why is revenue so high in 1995", "why"),
]


@pytest.mark.parametrize(("question", "word"), ABSTAIN, ids=[q for q, _ in ABSTAIN])
def test_declines_naming_the_words(question: str, word: str, demo: SemanticModel) -> None:
    cand = plan(question, demo, columns="helpful")
    assert cand.abstained and not cand.choices, cand.sql
    assert word in [w.lower() for w in cand.unknown_words], cand.unknown_words


def test_a_top_n_on_a_measure_is_tie_broken_and_says_so(demo: SemanticModel) -> None:
    cand = plan("top 3 container types by number of parts", demo, columns="helpful")
    assert cand.sql is not None and "ORDER BY part_count DESC, part.p_container ASC" in cand.sql
    assert cand.notes and "tied" in cand.notes[0]


def test_a_metric_joining_another_table_joins_it() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE plans (plan_id INTEGER PRIMARY KEY, price DECIMAL(8,2));"
                "CREATE TABLE subs (sub_id INTEGER PRIMARY KEY, plan_id INTEGER REFERENCES plans(plan_id), seats INTEGER);"
                "INSERT INTO plans VALUES (1, 10), (2, 20); INSERT INTO subs VALUES (1, 1, 3), (2, 2, 1)")
    from dataclasses import replace

    from catalog_semantics.model import Metric

    model = model_from_catalog(read_duckdb_catalog(con))
    model = replace(model, metrics=(Metric(name="mrr", table="subs", sql="SUM(subs.seats * plans.price)",
                                           joins=("plans",)),))
    cand = plan("mrr", model)
    assert cand.sql is not None and con.execute(cand.sql).fetchall() == [(50,)]


def _tiny() -> SemanticModel:
    con = duckdb.connect()
    con.execute("""
    CREATE TABLE nation (nation_id INTEGER PRIMARY KEY, nation_name VARCHAR);
    CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, customer_name VARCHAR,
                           nation_id INTEGER REFERENCES nation(nation_id));
    CREATE TABLE supplier (supplier_id INTEGER PRIMARY KEY, supplier_name VARCHAR,
                           nation_id INTEGER REFERENCES nation(nation_id));
    CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(customer_id),
                       supplier_id INTEGER REFERENCES supplier(supplier_id), amount DECIMAL(10,2));
    """)
    return model_from_catalog(read_duckdb_catalog(con))


CLARIFY = [
    ("total amount of sales by nation", {"total amount of sales by customer nation",
                                         "total amount of sales by supplier nation"}),
    ("number of sales per nation", {"number of sales per customer nation", "number of sales per supplier nation"}),
    ("list the names", {"list the customer names", "list the nation names", "list the supplier names"}),
]


@pytest.mark.parametrize(("question", "choices"), CLARIFY, ids=[q for q, _ in CLARIFY])
def test_two_or_three_readings_become_choices(question: str, choices: set[str]) -> None:
    cand = plan(question, _tiny())
    assert cand.sql is None and cand.clarifies
    assert {c.question for c in cand.choices} == choices
    assert all(c.label for c in cand.choices)


def test_each_choice_is_answered_when_asked() -> None:
    model = _tiny()
    for c in plan("total amount of sales by nation", model).choices:
        assert plan(c.question, model).sql is not None


# (follow-up, what the edit holds)
EDITS: list[tuple[str, Callable[[Edit], bool]]] = [
    ("and in 1997?", lambda e: e.window is not None and e.window.start.year == 1997),
    ("only for ASIA", lambda e: [v.concepts[0].value for v in e.values] == ["ASIA"]),
    ("excluding ASIA", lambda e: e.values[0].negated),
    ("break that down by ship mode", lambda e: e.groups[0].concepts[0].column == "l_shipmode"),
    ("now by quarter", lambda e: e.grains == ("quarter",) and e.regroup),
    ("top 3 instead", lambda e: e.limit == 3),
    ("average instead", lambda e: e.fn == "avg"),
    ("and for urgent orders only?", lambda e: e.filters[0].name and e.replacing),
    ("across all years", lambda e: e.widen),
    ("only suppliers from JAPAN", lambda e: e.values[0].via == "supplier"),
    ("compare with the previous year", lambda e: e.versus_shift == -1 and e.window is None),
    ("compare with 1996", lambda e: e.versus_year == 1996 and e.window is None),
    ("vs ASIA", lambda e: e.side_by_side and e.values[0].concepts[0].value == "ASIA"),
    ("per region instead of segment", lambda e: e.instead_of[0].column == "c_mktsegment" and e.groups),
    ("max instead of average", lambda e: e.fn == "max" and not e.ranked),
    ("max balance instead", lambda e: e.measure_col is not None and e.measure_col[1] == "max"),
    ("only by AIR", lambda e: e.values[0].concepts[0].value == "AIR"),
    ("put the number of orders next to it", lambda e: e.adding and e.count_of == "orders"),
    ("add their account balance", lambda e: e.adding and e.columns[0][0].column == "c_acctbal"),
    ("list them with order date", lambda e: e.columns[0][0].column == "o_orderdate"),
    ("without urgent orders", lambda e: e.negated_filters[0].name == "urgent order" and not e.filters),
    ("and the whole year", lambda e: e.whole_year),
    ("only green ones", lambda e: e.values[0].concepts[0].kind == "valueword"),
    ("same but 1996 only", lambda e: not e.values and e.window is not None),
    ("which segment is highest?", lambda e: e.fn == "max" and e.ranked and e.rank_of[0].column == "c_mktsegment"),
]


@pytest.mark.parametrize(("question", "holds"), EDITS, ids=[q for q, _ in EDITS])
def test_follow_up_words_become_one_edit(question: str, holds: Callable[[Edit], bool], demo: SemanticModel) -> None:
    edit = read_edit(question, lexicon_for(demo))
    assert not edit.empty and holds(edit), edit


@pytest.mark.parametrize(("question", "marked"), [("and in 1997?", True), ("top 3 instead", True),
                                                  ("excluding ASIA", True), ("what about customers?", True),
                                                  ("revenue by region", False), ("how many orders", False)])
def test_follow_up_words_mark_a_follow_up(question: str, marked: bool) -> None:
    assert is_marked(question) is marked


def test_history_of_question_and_sql_pairs_still_drives_follow_ups(demo: SemanticModel) -> None:
    first = generate_offline("revenue by region in 1996", demo)
    assert first.sql is not None
    second = generate_offline("and in 1997?", demo, (("revenue by region in 1996", first.sql),))
    assert second.sql is not None and "1997-01-01" in second.sql and "1996-01-01" not in second.sql
    assert "GROUP BY" in second.sql


def test_a_previous_answer_from_elsewhere_is_not_edited(demo: SemanticModel) -> None:
    """History whose SQL the engine would not have written (a verified query, the LLM): no frame to edit."""
    history = (("revenue by region in 1996", "SELECT 1"),)
    assert generate_offline("and in 1997?", demo, history).sql is None


def test_follow_ups_through_the_pipeline_edit_what_the_user_was_shown(demo_model: SemanticModel,
                                                                      demo_warehouse: object) -> None:
    """History holds the guarded SQL (with its row cap); the previous frame is still recognised."""
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings

    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"))
    history: list[tuple[str, str]] = []
    for question, expect in (("revenue by region in 1996", "1996-01-01"), ("and in 1997?", "1997-01-01"),
                             ("only for ASIA", "'ASIA'")):
        answer = assistant.ask(question, history)
        assert answer.status == "answered" and answer.sql is not None and expect in answer.sql, question
        history.append((question, answer.sql))
    assert "1996-01-01" not in history[-1][1] and "GROUP BY" in history[-1][1]


def test_two_readings_reach_the_user_as_a_clarify_answer(demo_model: SemanticModel, demo_warehouse: object) -> None:
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings

    answer = Assistant(demo_model, demo_warehouse, Settings(generator="offline")).ask(
        "which ship mode has the worst late delivery rate")
    assert answer.status == "clarify" and answer.sql is None
    assert [c.question for c in answer.choices] == ["which ship mode has the highest late delivery rate",
                                                    "which ship mode has the lowest late delivery rate"]


@pytest.mark.parametrize("question", ["by ship mode", "per region"])
def test_a_grouping_of_nothing_is_declined(question: str, demo: SemanticModel) -> None:
    assert plan(question, demo, columns="helpful").abstained


def test_a_question_about_an_earlier_answer_without_one_is_declined(demo: SemanticModel) -> None:
    cand = generate_offline("how many orders is that?", demo)
    assert cand.abstained and "earlier answer" in (cand.abstain_reason or "")


def test_a_boolean_state_column_is_a_condition() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE users (user_id INTEGER PRIMARY KEY, role VARCHAR, is_active BOOLEAN);"
                "INSERT INTO users VALUES (1, 'admin', true), (2, 'viewer', false), (3, 'viewer', true)")
    model = model_from_catalog(read_duckdb_catalog(con))
    cand = plan("how many active users", model)
    assert cand.sql is not None and con.execute(cand.sql).fetchall() == [(2,)]


def test_a_link_with_named_states_must_be_said() -> None:
    """accounts -> subscriptions (active or cancelled) -> plans: 'on a gold plan' does not say which."""
    from dataclasses import replace as _replace

    from catalog_semantics.model import NamedFilter

    con = duckdb.connect()
    con.execute("""
    CREATE TABLE plans (plan_id INTEGER PRIMARY KEY, tier VARCHAR);
    CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, account_name VARCHAR);
    CREATE TABLE subscriptions (sub_id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(account_id),
                                plan_id INTEGER REFERENCES plans(plan_id), status VARCHAR);
    INSERT INTO plans VALUES (1, 'gold'), (2, 'silver');
    INSERT INTO accounts VALUES (1, 'A'), (2, 'B');
    INSERT INTO subscriptions VALUES (1, 1, 1, 'active'), (2, 2, 1, 'cancelled');
    """)
    from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog as read

    model = model_from_catalog(read(con))
    tables = tuple(_replace(t, columns=tuple(_replace(c, sample_values=("active", "cancelled")) if c.name == "status"
                                             else _replace(c, sample_values=("gold", "silver"))
                                             if c.name == "tier" else c for c in t.columns))
                   for t in model.tables)
    model = _replace(model, tables=tables, filters=(
        NamedFilter("active subscription", "subscriptions.status = 'active'", "subscriptions"),
        NamedFilter("cancelled subscription", "subscriptions.status = 'cancelled'", "subscriptions")))
    assert plan("how many accounts are on a gold plan", model).abstained
    said = plan("how many accounts have an active subscription on a gold plan", model)
    assert said.sql is not None and con.execute(said.sql).fetchall() == [(1,)]
