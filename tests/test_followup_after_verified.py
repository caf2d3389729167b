"""A follow-up after an answer a verified query gave (issue 10, session 11).

The data team's SQL for "revenue by month in 1996" is written its own way (``lineitem l``, ``GROUP BY month``); the
planner reads the same question to the same query in another spelling. The previous frame is the planner's when
the two are one query (``planner/same_query.py``), so "and in 1997?" edits it instead of being read alone.
"""

from __future__ import annotations

from nl2sql.pipeline import Assistant
from nl2sql.planner.same_query import same_query
from nl2sql.settings import Settings


def test_a_follow_up_edits_a_verified_answer(demo_model, demo_warehouse) -> None:
    assistant = Assistant(demo_model, demo_warehouse, Settings())
    first = assistant.ask("revenue by month in 1996")
    assert first.status == "answered" and first.generator == "verified" and "GROUP BY month" in (first.sql or "")
    history = (("revenue by month in 1996", first.sql),)
    later = assistant.ask("and in 1997?", history)
    assert later.status == "answered", later.message
    assert "1997-01-01" in (later.sql or "") and "1998-01-01" in (later.sql or "")
    assert len(later.rows) == 12
    regrouped = assistant.ask("by ship mode instead of month", history)
    assert regrouped.status == "answered", regrouped.message
    assert [c.lower() for c in regrouped.columns] == ["ship_mode", "revenue"] and len(regrouped.rows) == 7


def test_two_spellings_of_one_query_are_one_query() -> None:
    ours = ("SELECT r.r_name AS region, COUNT(*) AS n FROM main.orders JOIN main.region AS r ON orders.k = r.k "
            "WHERE (orders.d >= 1 AND orders.d < 2) GROUP BY r.r_name ORDER BY n DESC")
    shown = ("SELECT region.r_name AS region, COUNT(*) AS n FROM orders AS o JOIN region ON o.k = region.k "
             "WHERE o.d >= 1 AND o.d < 2 GROUP BY region ORDER BY n DESC LIMIT 1000")
    assert same_query(ours, shown, "duckdb")
    assert not same_query(ours, shown.replace("o.d < 2", "o.d < 3"), "duckdb")
    assert not same_query(ours, shown.replace("ORDER BY n DESC", "ORDER BY n"), "duckdb")
