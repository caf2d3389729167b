"""Follow-ups as edits, per turn: every turn of the conversation sets over the demo model is one test.

Each conversation is asked turn by turn through ``generate_offline`` with the earlier turns as history
((question, sql) pairs, as ``Assistant.ask`` takes them; (question, None) for a turn not answered) and scored with Spider's official
execution match (benchmarks/planner_conversations.py). A turn passes when it is answered right, or
declined when its gold is null. Turns the engine does not get yet are listed in KNOWN with what it does
today; an answer that turns wrong shows up as one failing test.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb
import pytest
import yaml

from catalog_semantics.model import SemanticModel
from nl2sql.generators import generate_offline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from planner_conversations import load_conversations, score_turns

FILES = (ROOT / "fixtures/tpch/blind/conversations_a.yaml", ROOT / "fixtures/tpch/conversations_edits.yaml",
         ROOT / "fixtures/tpch/conversations_followups.yaml")
SAAS_FILE = ROOT / "fixtures/blind_saas/conversations.yaml"
SAAS_IDS = {c["id"] for c in load_conversations(SAAS_FILE)}
# Held-out sets written by others for issue 10 (scored blind first: see docs/offline_engine.md).
HELDOUT_FILE = ROOT / "fixtures/tpch/heldout/conversations_b.yaml"
LOGI_FILE = ROOT / "fixtures/heldout_logistics/conversations.yaml"
LOGI_IDS = {c["id"] for c in load_conversations(LOGI_FILE)}
CONVERSATIONS = {c["id"]: c for f in (*FILES, HELDOUT_FILE, SAAS_FILE, LOGI_FILE) for c in load_conversations(f)}
TURNS = [(cid, n) for cid, c in CONVERSATIONS.items() for n in range(1, len(c["turns"]) + 1)]

# What the engine does today on the turns it does not get right (scored blind first: see docs/offline_engine.md).
KNOWN = {
    "blind-conv-a-008#3": "abstained", "blind-conv-a-009#3": "abstained", "blind-conv-a-011#3": "abstained",
    "blind-conv-a-018#3": "abstained", "blind-conv-a-024#2": "abstained", "blind-conv-a-024#3": "abstained",
    "blind-saas-conv-004#1": "abstained", "blind-saas-conv-004#2": "abstained", "blind-saas-conv-004#3": "abstained",
    "blind-saas-conv-006#1": "wrong", "blind-saas-conv-007#1": "abstained", "blind-saas-conv-007#2": "abstained",
    "blind-saas-conv-007#3": "abstained", "blind-saas-conv-010#1": "abstained", "blind-saas-conv-010#3": "abstained",
    "blind-saas-conv-011#3": "abstained", "blind-saas-conv-012#3": "abstained",
    # held-out B: 019#3, 025#3, 026#3 follow a turn the engine could not answer, so they are declined (they
    # built on it; 019#3 happens to be right against turn 1, which the engine cannot tell apart)
    "heldout-conv-b-005#3": "abstained", "heldout-conv-b-015#3": "abstained", "heldout-conv-b-019#2": "abstained",
    "heldout-conv-b-019#3": "abstained",
    "heldout-conv-b-025#2": "abstained", "heldout-conv-b-025#3": "abstained", "heldout-conv-b-026#2": "abstained",
    "heldout-conv-b-026#3": "abstained", "heldout-conv-b-027#3": "abstained",
    "heldout-conv-b-029#4": "abstained", "heldout-conv-b-031#2": "abstained", "heldout-conv-b-031#3": "abstained",
    "heldout-conv-b-035#3": "abstained",
    # own follow-up set: the first question is not read ("total discount given by region"), so neither its follow-ups
    "fu-008#1": "abstained", "fu-008#2": "abstained", "fu-008#3": "abstained",
    # "which of those are in EUROPE?" after a top 5 is declined, so "only EUROPE" after it is too (the engine cannot
    # tell that the unanswered turn left the rows as they were)
    "fu3-001#3": "abstained",
    # held-out logistics
    "logi-conv-007#1": "abstained", "logi-conv-007#2": "abstained", "logi-conv-008#3": "abstained",
    "logi-conv-009#1": "abstained", "logi-conv-009#2": "abstained", "logi-conv-009#3": "abstained",
}


@pytest.fixture(scope="module")
def demo(demo_plain: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    return demo_plain


@cache
def _turns(cid: str, con: duckdb.DuckDBPyConnection, model: SemanticModel) -> dict[str, tuple[str, str | None]]:
    return {tid: (outcome, sql) for tid, outcome, sql in score_turns(CONVERSATIONS[cid], model, con, generate_offline)}


def _outcomes(cid: str, con: duckdb.DuckDBPyConnection, model: SemanticModel) -> dict[str, str]:
    return {tid: outcome for tid, (outcome, _) in _turns(cid, con, model).items()}


@pytest.fixture(scope="module")
def saas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    from planner_conversations import demo as open_model
    from planner_snapshots import SAAS_OVERLAY, build_saas

    con, model = open_model(build_saas(tmp_path_factory.mktemp("saas") / "saas.duckdb"), SAAS_OVERLAY)
    yield con, model
    con.close()


@pytest.fixture(scope="module")
def logistics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    from planner_conversations import demo as open_model
    from planner_snapshots import LOGI_OVERLAY, build_logistics

    con, model = open_model(build_logistics(tmp_path_factory.mktemp("logi") / "logi.duckdb"), LOGI_OVERLAY)
    yield con, model
    con.close()


@pytest.mark.parametrize(("cid", "n"), TURNS, ids=[f"{c}#{n}" for c, n in TURNS])
def test_turn(cid: str, n: int, request: pytest.FixtureRequest) -> None:
    con, model = request.getfixturevalue("saas" if cid in SAAS_IDS else "logistics" if cid in LOGI_IDS else "demo")
    tid = f"{cid}#{n}"
    outcome = _outcomes(cid, con, model)[tid]
    if tid in KNOWN:
        assert outcome in (KNOWN[tid], "right", "declined"), f"{tid}: was {KNOWN[tid]}, now {outcome}"
        if outcome == KNOWN[tid]:
            pytest.xfail(f"known: {outcome}")
        return
    assert outcome in ("right", "declined"), f"{tid}: {outcome}"


SNAPSHOT = yaml.safe_load((ROOT / "tests/snapshots/planner_conversations.yaml").read_text())


@pytest.mark.parametrize("tid", list(SNAPSHOT), ids=list(SNAPSHOT))
def test_turn_sql(tid: str, demo: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Each turn's SQL as the snapshot has it (benchmarks/planner_conversation_snapshots.py writes it): an answer
    that changes, even to another right one, is one failing test to review."""
    con, model = demo
    outcome, sql = _turns(tid.split("#")[0], con, model)[tid]
    assert (outcome, sql) == (SNAPSHOT[tid]["outcome"], SNAPSHOT[tid]["sql"])


def test_sets_are_large_enough() -> None:
    demo_conversations = [c for c in CONVERSATIONS if c not in SAAS_IDS | LOGI_IDS]
    assert len(demo_conversations) >= 30 and len(TURNS) >= 90
