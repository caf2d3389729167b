"""The result sentence, formats, notes, follow-ups and 'did you mean', on the real demo warehouse.

The sentence check is independent of how the sentence is built: every number written in it must be a
cell of the result (at the sentence's display precision), the row count, a number written in the SQL,
a year of the data, or the percentage gap between two cells of one column.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from nl2sql.generators import generate_offline
from nl2sql.guard import check, policy_for_model
from nl2sql.present.didyoumean import did_you_mean
from nl2sql.present.followups import keep_answerable
from nl2sql.present.notes import data_notes
from nl2sql.present.presentation import present_result
from nl2sql.present.reading import read_result
from nl2sql.settings import REPO_ROOT

GOLDEN = yaml.safe_load((REPO_ROOT / "fixtures" / "tpch" / "golden.yaml").read_text())["questions"]
ANSWERED = [q for q in GOLDEN if q.get("sql")]
# $139.5M, 2,345, 63.3%, -$994.75, 4.0% (a number with its unit and scale suffix)
NUMBER = re.compile(r"(-?)(\$?)(\d[\d,]*(?:\.\d+)?)([KMBT]?)(%?)")
SCALE = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def _run(sql: str, demo_model: Any, demo_warehouse: Any) -> tuple[str, Any]:
    checked = check(sql, policy_for_model(demo_model, max_rows=1000, dialect="duckdb"))
    return checked.sql, demo_warehouse.run(checked, max_rows=1000, timeout_s=60)


def _numbers(text: str, rows: Any = ()) -> list[tuple[float, float, bool]]:
    """(value, tolerance, is_percent) of each number written in the text, dates and names left out."""
    names = sorted({v for row in rows for v in row if isinstance(v, str)}, key=len, reverse=True)
    for name in names:                                                      # text cells: 4-NOT SPECIFIED
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\bQ[1-4]\b", " ", text)                                 # quarters: Q4 1996
    text = re.sub(r"\d{4}-\d{2}-\d{2}", " ", text)                      # ISO dates
    text = re.sub(r"[A-Za-z]+#\d+", " ", text)                             # Customer#000001193
    out = []
    for m in NUMBER.finditer(text):
        sign, _, digits, scale, pct = m.groups()
        value = float(digits.replace(",", "")) * SCALE[scale] * (-1 if sign else 1)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        tolerance = 0.5 * 10 ** -decimals * SCALE[scale]
        out.append((value, tolerance, bool(pct)))
    return out


def _cells(columns: tuple[str, ...], rows: Any) -> list[list[float]]:
    cols: list[list[float]] = [[] for _ in columns]
    for row in rows:
        for i, v in enumerate(row):
            if isinstance(v, (int, float)) and not isinstance(v, bool) or type(v).__name__ == "Decimal":
                cols[i].append(float(v))
            elif isinstance(v, (dt.date, dt.datetime)):
                cols[i] += [float(v.year), float(v.day)]
    return cols


def _explained(value: float, tol: float, pct: bool, cols: list[list[float]], n_rows: int, sql: str) -> bool:
    if pct:
        if any(abs(c * 100 - value) <= tol + 1e-9 for col in cols for c in col):
            return True
        gaps = (abs(a - b) / abs(b) * 100 for col in cols for a in col[:3] for b in col[:3] if b)
        literals = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", sql)}
        return any(abs(g - value) <= tol + 1e-9 for g in gaps) or any(abs(x * 100 - value) <= tol for x in literals)
    if any(abs(c - value) <= tol + 1e-9 for col in cols for c in col):
        return True
    literals = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", sql)}
    return value in (n_rows, n_rows - 3) or value in literals or any(abs(x * 100 - value) <= tol for x in literals)


@pytest.mark.parametrize("item", ANSWERED, ids=[q["id"] for q in ANSWERED])
def test_sentence_numbers_equal_the_rows(item: dict[str, Any], demo_model: Any, demo_warehouse: Any) -> None:
    sql, result = _run(item["sql"], demo_model, demo_warehouse)
    shown = present_result(sql, "duckdb", demo_model, result.columns, result.rows, truncated=result.truncated)
    assert shown.summary, item["question"]
    assert "_" not in shown.summary.replace("Customer#", ""), shown.summary     # no snake_case names
    cols = _cells(result.columns, result.rows)
    for value, tol, pct in _numbers(shown.summary, result.rows):
        assert _explained(value, tol, pct, cols, len(result.rows), sql), (shown.summary, value, result.rows[:3])


def test_sentence_states_the_winner_the_gap_and_the_period(demo_model: Any, demo_warehouse: Any) -> None:
    sql, result = _run(
        "SELECT r_name AS region, SUM(l_extendedprice * (1 - l_discount)) AS revenue FROM lineitem "
        "JOIN orders ON l_orderkey = o_orderkey JOIN customer ON o_custkey = c_custkey "
        "JOIN nation ON c_nationkey = n_nationkey JOIN region ON n_regionkey = r_regionkey "
        "WHERE o_orderdate >= DATE '1996-01-01' AND o_orderdate < DATE '1997-01-01' "
        "GROUP BY r_name ORDER BY revenue DESC", demo_model, demo_warehouse)
    shown = present_result(sql, "duckdb", demo_model, result.columns, result.rows)
    top, second = result.rows[0], result.rows[1]
    gap = (float(top[1]) - float(second[1])) / float(second[1]) * 100
    assert shown.summary == (f"Middle East had the highest revenue in 1996: ${float(top[1]) / 1e6:.1f}M, "
                             f"{gap:.1f}% above {second[0].title()} (5 regions shown).")
    assert shown.units == ("text", "currency")


def _probe(demo_model: Any, demo_warehouse: Any):
    def run(sql: str) -> Any:
        return _run(sql, demo_model, demo_warehouse)[1].rows
    return run


def test_tie_at_the_limit_is_noted(demo_model: Any, demo_warehouse: Any) -> None:
    # Many suppliers offer exactly 80 parts: a top 3 cuts through that tie.
    sql, result = _run("SELECT s_name AS supplier, COUNT(*) AS parts FROM partsupp JOIN supplier ON "
                       "ps_suppkey = s_suppkey GROUP BY s_name ORDER BY parts DESC LIMIT 3", demo_model, demo_warehouse)
    reading = read_result(sql, "duckdb", demo_model, result.columns, result.rows)
    notes = data_notes(reading, sql, "duckdb", result.rows, _probe(demo_model, demo_warehouse))
    assert notes and notes[0].startswith("Tie at the cut-off: Supplier#"), notes


def test_partial_last_year_is_noted(demo_model: Any, demo_warehouse: Any) -> None:
    sql, result = _run("SELECT YEAR(o_orderdate) AS year, COUNT(*) AS orders FROM orders GROUP BY year ORDER BY year",
                       demo_model, demo_warehouse)
    reading = read_result(sql, "duckdb", demo_model, result.columns, result.rows)
    notes = data_notes(reading, sql, "duckdb", result.rows, _probe(demo_model, demo_warehouse))
    assert notes == ("1998 is incomplete: the data ends on 1998-08-02, so it is not comparable with full years.",)


def test_every_caller_gets_the_notes_on_the_answer(demo_model: Any, demo_warehouse: Any) -> None:
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings

    answer = Assistant(demo_model, demo_warehouse, Settings(generator="offline")).ask("revenue by year")
    assert answer.ok and any(n.startswith("1998 is incomplete: the data ends on 1998-08-02") for n in answer.notes)
    tie = Assistant(demo_model, demo_warehouse, Settings(generator="offline")).ask("top 3 customers by number of orders")
    assert tie.ok and any(n.startswith("Tie at the cut-off") for n in tie.notes), tie.notes
    off = Assistant(demo_model, demo_warehouse, Settings(generator="offline", answer_notes=False)).ask("revenue by year")
    assert off.ok and not any("incomplete" in n for n in off.notes)


def test_a_result_cut_by_the_row_cap_says_so(demo_model: Any, demo_warehouse: Any) -> None:
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings

    # The cap is a LIMIT in the SQL, so the warehouse alone cannot tell a cut list from a complete one.
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline", max_rows=5))
    cut = assistant.ask("list orders shipped by truck")       # a bare "orders shipped by truck" asks which: count or list
    assert cut.ok and cut.truncated and len(cut.rows) == 5
    assert cut.summary and cut.summary.startswith("The first 5 ")
    assert any("row cap was reached" in n for n in cut.notes), cut.notes
    asked = assistant.ask("top 5 customers by number of orders")          # the question's own limit
    assert asked.ok and not asked.truncated and not any("row cap" in n for n in asked.notes)


def test_followups_keep_the_answers_filters(demo_model: Any, demo_warehouse: Any) -> None:
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings

    answer = Assistant(demo_model, demo_warehouse, Settings(generator="offline")).ask("revenue in Germany")
    assert answer.ok and answer.followups
    assert all(q.endswith("for country Germany") for q in answer.followups), answer.followups


def test_a_misspelt_value_is_said_as_read(demo_model: Any, demo_warehouse: Any) -> None:
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings

    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"))
    answer = assistant.ask("revenue in Germny")
    assert answer.ok and "Read “Germny” as GERMANY." in answer.notes, answer.notes
    spelt = assistant.ask("revenue in Germany")
    assert spelt.ok and not any(n.startswith("Read ") for n in spelt.notes)


def test_empty_result_names_the_filter_that_emptied_it(demo_model: Any, demo_warehouse: Any) -> None:
    sql, result = _run("SELECT COUNT(*) AS orders FROM orders JOIN customer ON o_custkey = c_custkey "
                       "WHERE c_mktsegment = 'BUILDING' AND o_orderdate >= DATE '2001-01-01' GROUP BY c_mktsegment",
                       demo_model, demo_warehouse)
    assert not result.rows
    reading = read_result(sql, "duckdb", demo_model, result.columns, result.rows)
    notes = data_notes(reading, sql, "duckdb", result.rows, _probe(demo_model, demo_warehouse))
    assert any("without “since 2001-01-01” there would be" in n for n in notes), notes
    assert not any("market segment" in n for n in notes)


@pytest.mark.slow     # a sweep of every golden answer's follow-ups (CI); one answer's: test_followups_keep_the_answers_filters
def test_every_suggested_followup_is_answered_offline(demo_model: Any, demo_warehouse: Any) -> None:
    def answerable(q: str) -> bool:
        c = generate_offline(q, demo_model)
        return not c.abstained and not c.clarifies

    offered = kept = 0
    for item in ANSWERED:
        sql, result = _run(item["sql"], demo_model, demo_warehouse)
        shown = present_result(sql, "duckdb", demo_model, result.columns, result.rows)
        chosen = keep_answerable(shown.followups, answerable)
        offered, kept = offered + len(shown.followups), kept + len(chosen)
        for q in chosen:      # what the app shows is run for real and answers
            c = generate_offline(q, demo_model)
            _run(c.sql, demo_model, demo_warehouse)
    print(f"follow-ups: {kept}/{offered} candidates answerable offline")
    assert kept >= 0.5 * offered and kept > 50


def test_did_you_mean_corrects_to_a_model_word(demo_model: Any) -> None:
    assert did_you_mean("averge discount by shp mode", ("shp",), demo_model) == "averge discount by ship mode"
    assert did_you_mean("revenue by category", ("category",), demo_model) is None


def test_formatted_view_and_numeric_frame(demo_model: Any, demo_warehouse: Any) -> None:
    from nl2sql.answer import Answer

    sql, result = _run("SELECT DATE_TRUNC('month', o_orderdate) AS month, SUM(o_totalprice) AS value FROM orders "
                       "WHERE o_orderdate < DATE '1992-03-01' GROUP BY month ORDER BY month", demo_model, demo_warehouse)
    shown = present_result(sql, "duckdb", demo_model, result.columns, result.rows)
    answer = Answer("q", "answered", sql=sql, columns=result.columns, rows=result.rows,
                    column_labels=shown.labels, column_units=shown.units)
    assert str(answer.dataframe["value"].dtype) == "float64"
    assert list(answer.formatted["Month"]) == ["Jan 1992", "Feb 1992"]
    value = answer.formatted["Total order value"][0]         # the metric's name, not the alias
    assert value.startswith("$") and "," in value


def test_overlay_format_keys_are_checked() -> None:
    from catalog_semantics.errors import OverlayError
    from catalog_semantics.overlay_parse import parse_overlay

    overlay = parse_overlay({"tables": {"orders": {"columns": {"o_totalprice": {"format": "currency"}}}},
                             "metrics": [{"name": "m", "sql": "COUNT(*)", "table": "orders", "format": "count"}]})
    assert overlay.tables[0].columns[0].format == "currency" and overlay.metrics[0].format == "count"
    with pytest.raises(OverlayError, match="tables.orders.columns.o_totalprice.format"):
        parse_overlay({"tables": {"orders": {"columns": {"o_totalprice": {"format": "dollars"}}}}})


@pytest.mark.slow     # the whole golden set through the pipeline (CI); each sentence alone: test_sentence_numbers_equal_the_rows
def test_sentences_of_the_assistants_own_answers_match_their_rows(demo_data_dir: Path, tmp_path: Path) -> None:
    """The same check through the whole pipeline (verified + offline engine) on every golden question."""
    import shutil

    from nl2sql.demo.build import DEMO_FILE_NAME
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings

    shutil.copy(demo_data_dir / DEMO_FILE_NAME, tmp_path / DEMO_FILE_NAME)   # its own feedback store too
    assistant = Assistant.from_settings(Settings(data_dir=str(tmp_path), generator="offline"))
    checked = 0
    for item in GOLDEN:
        answer = assistant.ask(item["question"])
        if not answer.ok:
            continue
        assert answer.summary and answer.message == answer.summary, item["question"]
        cols = _cells(answer.columns, answer.rows)
        for value, tol, pct in _numbers(answer.summary, answer.rows):
            assert _explained(value, tol, pct, cols, len(answer.rows), answer.sql or ""), (answer.summary, value)
        checked += 1
    assert checked > 100
