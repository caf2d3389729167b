"""Rules from session 15 (issue 10), on session 14's small model (tests/test_planner_wordings14.py): a follow-up
naming the measure it replaces ("units sold instead of bookings"); the periods already in place said as a plural
("in those years"), which keep the period and the grouping and still read as a follow-up; "for each" with no
grouping after it, after a breakdown: each of its groups.
"""

from __future__ import annotations

import datetime
from typing import cast

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import memory_model
from tests.test_planner_wordings14 import OVERLAY, SCHEMA

Shop = tuple[duckdb.DuckDBPyConnection, SemanticModel]


@pytest.fixture(scope="module")
def shop() -> Shop:
    return memory_model(SCHEMA, OVERLAY)


def followup(shop: Shop, first: str, question: str) -> list[tuple[object, ...]]:
    sql = plan(first, shop[1]).sql
    assert sql is not None, first
    c = plan_turn(question, shop[1], ((first, sql),))
    assert c.sql is not None, (question, c.abstain_reason)
    return sorted(tuple(round(v, 4) if isinstance(v, float) else v for v in r) for r in shop[0].execute(c.sql).fetchall())


@pytest.mark.parametrize("question", ["units sold instead of bookings", "and units sold instead of bookings",
                                      "units sold instead"])      # the last held before: the guard
def test_a_measure_named_after_instead_of_is_replaced(shop: Shop, question: str) -> None:
    assert followup(shop, "bookings by order status", question) == [("F", 22), ("O", 3)]


@pytest.mark.parametrize("question, expected", [
    ("what about units sold in those years", [(2023, 8), (2024, 17)]),     # the lines of each year's orders
    ("units sold in the same years", [(2023, 8), (2024, 17)]),
])
def test_the_periods_in_place_said_as_a_plural_keep_them(shop: Shop, question: str, expected: list[tuple[object, ...]]
                                                          ) -> None:
    assert followup(shop, "bookings by year", question) == expected


def test_guard_that_year_keeps_the_period(shop: Shop) -> None:
    assert followup(shop, "bookings in 2024", "and units sold that year") == [(17,)]


@pytest.mark.parametrize("question", ["average order total for each too", "and the average order total for each"])
def test_for_each_with_nothing_after_it_is_each_group(shop: Shop, question: str) -> None:
    assert followup(shop, "number of orders by order status", question) == [("F", 3, 56.6667), ("O", 2, 50.0)]


# A leading clause ended by a colon, and a purpose said after the question ("so I can ..."), on the bicycle-repair
# model of tests/test_planner_preambles.py: context when they name nothing that could narrow the rows.
@pytest.fixture(scope="module")
def repairs() -> Shop:
    from tests.test_planner_preambles import OVERLAY as REPAIR_OVERLAY
    from tests.test_planner_preambles import SCHEMA as REPAIR_SCHEMA

    return memory_model(REPAIR_SCHEMA, REPAIR_OVERLAY)


@pytest.mark.parametrize("question", ["Staff meeting prep: how many repairs are waiting?",
                                      "how many repairs are waiting so I can plan the rota",
                                      "how many repairs are waiting so that we can plan the rota"])
def test_context_before_a_colon_and_a_purpose_after(repairs: Shop, question: str) -> None:
    c = plan(question, repairs[1])
    assert c.sql is not None, c.abstain_reason
    assert repairs[0].execute(c.sql).fetchall() == [(1,)]
    assert any(n.startswith("Taken as context") for n in c.notes)


@pytest.mark.parametrize("question", ["how many repairs are there so I can chase the waiting ones",
                                      "how many repairs are there so I can call York"])
def test_guard_a_purpose_naming_a_condition_is_not_dropped(repairs: Shop, question: str) -> None:
    assert plan(question, repairs[1]).sql is None


@pytest.mark.parametrize("question, expected", [
    ("swap that for units sold", [("F", 22), ("O", 3)]),        # the measure named replaces the one shown
    ("change it to units sold", [("F", 22), ("O", 3)]),         # held before: the guard
])
def test_swap_that_for_a_measure(shop: Shop, question: str, expected: list[tuple[object, ...]]) -> None:
    assert followup(shop, "bookings by order status", question) == expected


def test_guard_swap_one_value_for_another(shop: Shop) -> None:
    assert followup(shop, "bookings of HIGH priority orders by order status", "swap HIGH for LOW") == [
        ("F", 70.0), ("O", 30.0)]


def test_a_value_and_the_list_it_stands_for(shop: Shop) -> None:
    """"rush orders (HIGH or LOW priority)": the named filter's value is inside the list said beside it; the list
    is what the word covers (both kept would narrow to HIGH), and the answer says so."""
    c = plan("number of rush orders (HIGH or LOW priority)", shop[1])
    assert c.sql is not None and shop[0].execute(c.sql).fetchall() == [(5,)]
    assert any("values listed beside it" in n for n in c.notes)


def test_guard_two_values_apart_stay_a_contradiction(shop: Shop) -> None:
    assert plan("number of rush orders with LOW priority", shop[1]).sql is None


# A small fleet model of this test's own: a metric whose name is said in shorthand by the user while the overlay
# uses the shorthand as a word of its own; a money metric named by the rows' noun; rows named by a column the
# overlay calls their name.
FLEET_SCHEMA = """
CREATE TABLE yard_site (depot_cd VARCHAR PRIMARY KEY, depot_nm VARCHAR, sub_nm VARCHAR);
INSERT INTO yard_site VALUES ('N', 'North Yard', 'Leith'), ('S', 'South Yard', 'Morningside');
CREATE TABLE ride (ride_id INTEGER PRIMARY KEY, depot_cd VARCHAR REFERENCES yard_site(depot_cd), dur_sec INTEGER,
    ride_dt DATE, cls VARCHAR);
INSERT INTO ride VALUES (1, 'N', 600, '2025-01-05', 'A'), (2, 'N', 1200, '2025-02-05', 'B'),
    (3, 'S', 300, '2025-01-09', 'A');
CREATE TABLE rfnd (rfnd_id INTEGER PRIMARY KEY, ride_id INTEGER REFERENCES ride(ride_id), amt DOUBLE, rfnd_dt DATE);
INSERT INTO rfnd VALUES (1, 1, 2.5, '2025-01-06'), (2, 2, 4.0, '2025-02-06'), (3, 3, 1.0, '2025-01-10');
"""
FLEET_OVERLAY: dict[str, object] = {
    "tables": {
        "yard_site": {"synonyms": ["depot", "depots", "depot codes"], "columns": {
            "depot_cd": {"synonyms": ["depot code"]},
            "depot_nm": {"synonyms": ["depot name"]}, "sub_nm": {"synonyms": ["suburb"]}}},
        "ride": {"synonyms": ["ride", "rides"], "default_date": "ride_dt",
                 "columns": {"dur_sec": {"synonyms": ["duration", "ride duration"]},
                             "cls": {"synonyms": ["ride class"], "values": ["A", "B"]}}},
        "rfnd": {"synonyms": ["refund", "refunds"], "default_date": "rfnd_dt"},
    },
    "metrics": [{"name": "average ride duration", "synonyms": ["avg ride minutes"], "table": "ride",
                 "sql": "AVG(dur_sec) / 60.0"},
                {"name": "refund amount", "synonyms": ["total refunds", "refunded"], "table": "rfnd", "sql": "SUM(amt)"},
                {"name": "ride hours", "table": "ride", "sql": "SUM(dur_sec) / 3600.0"},
                {"name": "long ride rate", "table": "ride",
                 "sql": "AVG(CASE WHEN dur_sec >= 1200 THEN 1.0 ELSE 0.0 END)"}],
    "filters": [{"name": "long ride", "synonyms": ["long rides"], "table": "ride", "sql": "dur_sec = 1200"}],
    "instructions": ["dur_sec is in seconds; answer durations in minutes (dur_sec / 60.0)."],
}


@pytest.fixture(scope="module")
def fleet() -> Shop:
    return memory_model(FLEET_SCHEMA, FLEET_OVERLAY)


def fleet_rows(fleet: Shop, question: str) -> list[tuple[object, ...]]:
    c = plan(question, fleet[1])
    assert c.sql is not None, (question, c.abstain_reason)
    return sorted(tuple(round(v, 4) if isinstance(v, float) else v for v in r) for r in fleet[0].execute(c.sql).fetchall())


def test_a_metric_said_in_shorthand(fleet: Shop) -> None:
    assert fleet_rows(fleet, "avg ride duration by depot") == [("North Yard", 15.0), ("South Yard", 5.0)]


@pytest.mark.parametrize("question, expected", [("how many refunds in 2025", [(3,)]),
                                                ("total refunds in 2025", [(7.5,)])])     # the guard
def test_how_many_of_a_money_metric_named_by_the_rows_counts_them(fleet: Shop, question: str,
                                                                   expected: list[tuple[object, ...]]) -> None:
    assert fleet_rows(fleet, question) == expected


def test_the_column_the_overlay_calls_the_rows_name_labels_them(fleet: Shop) -> None:
    """depot_nm and sub_nm of the table yard_site both end in "nm", neither starts with the table's name; the
    overlay calls depot_nm the "depot name", the rows being "depots"."""
    assert fleet_rows(fleet, "number of rides per depot") == [("North Yard", 2), ("South Yard", 1)]


def test_that_year_with_no_answer_before_is_declined(fleet: Shop) -> None:
    assert plan_turn("how many rides that year", fleet[1], ()).sql is None


def test_they_right_after_an_unanswered_turn_is_declined(fleet: Shop) -> None:
    history = (("top depots by carbon saved", None),)
    assert plan_turn("which suburbs are they in?", fleet[1], history).sql is None


def test_hours_in_shorthand(fleet: Shop) -> None:
    assert fleet_rows(fleet, "ride hrs by depot") == [("North Yard", 0.5), ("South Yard", 0.0833)]


def test_a_number_said_again_is_no_contradiction(fleet: Shop) -> None:
    """A named filter's "= 1200" and the question's 1200.0 are one value, not two."""
    assert fleet_rows(fleet, "number of long rides (duration 1200)") == [(1,)]


def test_all_before_a_column_asks_which(shop: Shop) -> None:
    """"bookings in 2024, all priorities": one total over every priority, or one per priority? Both offered."""
    c = plan("bookings in 2024, all priorities", shop[1])
    assert c.sql is None and len(c.choices) == 2


def test_guard_by_all_is_a_grouping(shop: Shop) -> None:
    assert plan("bookings in 2024 by all priorities", shop[1]).sql is not None


@pytest.mark.parametrize("question, expected", [("top 2 countries by customers", [("FRANCE", 2), ("JAPAN", 2)]),
                                                ("top 2 countries by number of customers",      # the guard
                                                 [("FRANCE", 2), ("JAPAN", 2)])])
def test_top_n_by_other_rows_counts_them(shop: Shop, question: str, expected: list[tuple[object, ...]]) -> None:
    c = plan(question, shop[1])
    assert c.sql is not None, c.abstain_reason
    assert sorted(shop[0].execute(c.sql).fetchall()) == expected


def test_swap_that_for_an_aggregate_of_a_column(shop: Shop) -> None:
    assert followup(shop, "bookings by order status", "swap that for avg quantity") == [("F", 4.4), ("O", 1.5)]


def test_an_instruction_gives_a_columns_unit(fleet: Shop) -> None:
    """"answer durations in minutes (dur_sec / 60.0)": the longest duration is in minutes; the metric keeps its
    own SQL."""
    assert fleet_rows(fleet, "longest duration by depot") == [("North Yard", 20.0), ("South Yard", 5.0)]
    assert fleet_rows(fleet, "avg ride duration by depot") == [("North Yard", 15.0), ("South Yard", 5.0)]


def test_the_verb_right_before_a_date_comparison_picks_the_date(shop: Shop) -> None:
    """"order lines we ordered in 2024, what share were delivered on or before the due date": two verbs date the
    lines; the one right before "on or before" is compared (the day itself kept), the other dates the period."""
    c = plan("of the order lines ordered in 2024, what share were delivered on or before the due date", shop[1])
    assert c.sql is not None, c.abstain_reason
    assert "<= line.due_dt" in c.sql and "ord.ord_dt >=" in c.sql and shop[0].execute(c.sql).fetchall() == [(0.2,)]


@pytest.mark.parametrize("question", ["Good morning. How many orders are open?", "hi there, how many orders are open"])
def test_greetings_are_no_part_of_the_question(shop: Shop, question: str) -> None:
    c = plan(question, shop[1])
    assert c.sql is not None and shop[0].execute(c.sql).fetchall() == [(2,)]


def test_a_parenthesis_restating_a_filter_is_dropped(repairs: Shop) -> None:
    c = plan("how many repairs are waiting (not fitted yet)?", repairs[1])
    assert c.sql is not None and repairs[0].execute(c.sql).fetchall() == [(1,)]


def test_a_leading_of_clause_is_the_whole_of_the_share(shop: Shop) -> None:
    """"of the lines from Kobe Co in 2024, what share got delivered late": the clause "of ..." said first is the
    whole; the part begins at the share word."""
    c = plan("of the order lines from Kobe Co, what share got delivered late", shop[1])
    assert c.sql is not None, c.abstain_reason
    assert shop[0].execute(c.sql).fetchall() == [(1.0,)]


def test_a_column_then_a_number_or_more_in_a_follow_up(shop: Shop) -> None:
    assert followup(shop, "number of orders by order status", "only order total 50 or more") == [("F", 2), ("O", 1)]


@pytest.mark.parametrize("question", ["restrict it to rush orders", "actually restrict that to rush orders"])
def test_restrict_it_to_narrows(shop: Shop, question: str) -> None:
    assert followup(shop, "number of orders by order status", question) == [("F", 1), ("O", 1)]


def test_rows_named_rather_than_a_grouping_take_its_place(shop: Shop) -> None:
    """"the top 2 customers rather than priorities": the grouping named after "rather than" goes, the rows named
    before it take its place (it was kept, silently, before)."""
    assert followup(shop, "bookings by priority", "show me the top 2 customers rather than priorities") == [
        ("Ann", 150.0), ("Bob", 70.0)]


def test_a_replaced_grouping_with_nothing_in_its_place_is_declined(shop: Shop) -> None:
    first = "bookings by priority"
    c = plan_turn("rather than priorities", shop[1], ((first, plan(first, shop[1]).sql),))
    assert c.sql is None


def test_a_measure_taken_on_another_is_one_measure(shop: Shop) -> None:
    """"kg shipped on units sold": what the measure is taken on, not a second measure (the guard: "and")."""
    c = plan("kg shipped on units sold", shop[1])
    assert c.sql is not None and c.sql.count("SUM(") == 1, (c.sql, c.abstain_reason)
    both = plan("kg shipped and units sold", shop[1])
    assert both.sql is not None and both.sql.count("SUM(") == 2


@pytest.mark.parametrize("question", ["drop the 2024 filter", "drop the 2024 filter, all years"])
def test_a_filter_named_by_its_year_is_dropped(shop: Shop, question: str) -> None:
    assert followup(shop, "bookings by order status in 2024", question) == [("F", 170.0), ("O", 100.0)]


def test_guard_a_year_not_filtered_on_names_no_filter(shop: Shop) -> None:
    first = "bookings by order status in 2024"
    assert plan_turn("drop the 2023 filter", shop[1], ((first, plan(first, shop[1]).sql),)).sql is None


def test_how_many_each_after_a_count_compared_shows_it(shop: Shop) -> None:
    """"customers who placed more than 1 order, with how many each": the count compared, shown."""
    c = plan("customers who placed more than 1 order, with how many each", shop[1])
    assert c.sql is not None, c.abstain_reason
    assert sorted(shop[0].execute(c.sql).fetchall()) == [("Ann", 2)]


def test_fair_enough_is_no_part_of_the_question(shop: Shop) -> None:
    assert plan("fair enough. how many orders are open", shop[1]).sql is not None


def test_how_many_each_with_no_count_to_show_is_declined(shop: Shop) -> None:
    """"customers who placed at least 1 order, with how many each" was one count of customers: declined now."""
    assert plan("customers who placed at least 1 order, with how many each", shop[1]).sql is None


def test_rows_named_by_their_key_word_are_shown_by_the_key(fleet: Shop) -> None:
    """"top 2 depot codes": the phrase names the rows and their key column with a key word: the codes."""
    assert fleet_rows(fleet, "top 2 depot codes by number of rides") == [("N", 2), ("S", 1)]
    assert fleet_rows(fleet, "top 2 depots by number of rides") == [("North Yard", 2), ("South Yard", 1)]   # guard


def test_a_grouping_said_again_is_not_added_twice(shop: Shop) -> None:
    rows = followup(shop, "bookings by customer country", "then just the number of orders per country")
    assert rows and all(len(r) == 2 for r in rows), rows


@pytest.mark.parametrize("question", ["list the invoices that settled during 2024 and when they settled",
                                      "list the settled invoices in 2024 and when"])
def test_and_when_with_a_period_shows_the_date(shop: Shop, question: str) -> None:
    """"and when" (or "and when they settled") beside a period still asks for the date the filter says is set."""
    c = plan(question, shop[1])
    assert c.sql is not None, c.abstain_reason
    assert shop[0].execute(c.sql).fetchall() == [(1, datetime.date(2024, 2, 10))]


def test_a_capital_letter_after_another_tables_phrase_is_a_word(fleet: Shop) -> None:
    """"... per suburb? A is fine": "A" starts a sentence, right after a phrase naming only the depots; no class
    of the rides (the guard: "rides of class A")."""
    assert "cls" not in (plan("number of rides per suburb? A is fine", fleet[1]).sql or "cls")
    assert "cls = 'A'" in (plan("number of rides of class A per suburb", fleet[1]).sql or "")


def test_rather_than_by_a_grouping(shop: Shop) -> None:
    assert followup(shop, "bookings by priority", "now show it by order status rather than by priority") == [
        ("F", 170.0), ("O", 100.0)]


def test_a_rate_as_a_percentage_is_the_rate_times_100(fleet: Shop) -> None:
    """"as a percentage" after a rate (a mean of a test) is the same rate on 0..100, never its share of the rates'
    total."""
    first = "long ride rate by depot"
    c = plan_turn("as a percentage pls", fleet[1], ((first, plan(first, fleet[1]).sql),))
    assert c.sql is not None, c.abstain_reason
    assert sorted(fleet[0].execute(c.sql).fetchall()) == [("North Yard", 50.0), ("South Yard", 0.0)]


def test_a_measure_swapped_under_a_test_of_the_old_one_is_declined(shop: Shop) -> None:
    """"how many orders did each of them place" after customers picked by their bookings: the HAVING of the old
    measure would test the new one (COUNT(*) > 100); declined."""
    first = "customers with bookings over 100"
    sql = plan(first, shop[1]).sql
    assert sql is not None and "HAVING" in sql
    assert plan_turn("how many orders did each of them place?", shop[1], ((first, sql),)).sql is None


def test_a_named_filter_said_as_a_trend_verb_is_the_filter(repairs: Shop) -> None:
    """"how many repairs declined" where the model names a filter "declined": the filter, never a fall dropped."""
    from tests.test_planner_preambles import OVERLAY as REPAIR_OVERLAY
    from tests.test_planner_preambles import SCHEMA as REPAIR_SCHEMA

    declined = {"name": "declined repair", "synonyms": ["declined"], "table": "repair", "sql": "state = 'WAIT'"}
    overlay = {**REPAIR_OVERLAY, "filters": [*cast("list[object]", REPAIR_OVERLAY["filters"]), declined]}
    con, model = memory_model(REPAIR_SCHEMA, overlay)
    c = plan("how many repairs were declined in 2024", model)
    assert c.sql is not None and "state = 'WAIT'" in c.sql, (c.sql, c.abstain_reason)


def test_a_closing_parenthesis_that_narrows_is_no_restatement(repairs: Shop) -> None:
    """"(only ...)" narrows the rows; it is never dropped as saying the question again (the guard: "(not fitted
    yet)", which restates the waiting filter's description)."""
    assert plan("how many repairs are waiting (only those not fitted yet)?", repairs[1]).sql is None
    assert plan("how many repairs are waiting (not fitted yet)?", repairs[1]).sql is not None


@pytest.mark.parametrize("question", ["replace 2024 with 2023", "swap 2024 for 2023"])
def test_a_year_swapped_for_another(shop: Shop, question: str) -> None:
    assert followup(shop, "bookings by order status in 2024", question) == [("F", 100.0)]


def test_u_for_you(shop: Shop) -> None:
    assert plan("can u count the open orders", shop[1]).sql is not None


def test_a_compared_column_said_again_after_with_the_is_what_was_compared(shop: Shop) -> None:
    """"priorities that sold more than 10 units, with the units": the units compared per priority (their total),
    not each line's units listed beside a row filter (it was "SELECT DISTINCT prio, qty WHERE qty > 10")."""
    c = plan("list the priorities that sold more than 10 units, with the units", shop[1])
    assert c.sql is not None and "HAVING" in c.sql, (c.sql, c.abstain_reason)
    assert shop[0].execute(c.sql).fetchall() == [("LOW", 16)]
