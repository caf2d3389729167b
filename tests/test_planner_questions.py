"""Every demo question is its own test: the engine's outcome and SQL against the reviewed snapshot.

tests/snapshots/planner_demo.yaml holds, for each question of the demo sets (golden, unseen, blind
business A), the outcome (right, wrong, abstained, clarify, declined, false_answer) and the SQL. A
question whose outcome or SQL changes fails on its own; a deliberate change is reviewed by rewriting the
snapshot with benchmarks/planner_snapshots.py and reading its diff. Known misses are in the snapshot as
what they are, never as right.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from catalog_semantics.model import SemanticModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from planner_snapshots import SNAPSHOT, outcome, questions  # noqa: E402

QUESTIONS = list(questions())
EXPECTED = yaml.safe_load(SNAPSHOT.read_text())


@pytest.fixture(scope="module")
def demo(demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    return demo_plain


@pytest.mark.parametrize("q", QUESTIONS, ids=[str(q["id"]) for q in QUESTIONS])
def test_question(q: dict[str, object], demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = demo
    result, sql = outcome(q, model, con)
    expected = EXPECTED[str(q["id"])]
    assert (result, sql) == (expected["outcome"], expected["sql"]), q["question"]


def test_snapshot_has_no_false_answers_and_keeps_precision() -> None:
    outcomes = [v["outcome"] for v in EXPECTED.values()]
    assert "false_answer" not in outcomes
    right, wrong = outcomes.count("right"), outcomes.count("wrong")
    assert right / (right + wrong) >= 0.97
