"""The two checks every planner precision test makes of one case: it declined (naming the words, when the case
says which), or it answered with SQL that has and lacks the given parts and runs on the case's warehouse.

Shared by tests/test_planner_precision*.py and the follow-up tests; ``asked`` is what the failure message shows (a
question, or the turns of a conversation). ``answered_history`` plays a conversation's earlier turns, each of which
must be answered, into the (question, sql) history the next turn is asked with.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from catalog_semantics.model import SemanticModel
from nl2sql.answer import Candidate
from nl2sql.planner.turns import plan_turn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from planner_conversations import demo as open_model


def small_warehouse(root: Path, schema: str, overlay: str) -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    """A test's own warehouse: ``schema`` run into a DuckDB file under ``root``, ``overlay`` (YAML text) beside it,
    opened as the conversation benchmark opens a model. The caller closes the connection."""
    path, overlay_path = root / "warehouse.duckdb", root / "overlay.yaml"
    with duckdb.connect(str(path)) as con:
        con.execute(schema)
    overlay_path.write_text(overlay)
    return open_model(path, overlay_path)


def memory_model(schema: str, overlay: dict[str, object]) -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    """A test's own in-memory warehouse (``schema`` run) and its model with ``overlay`` (the overlay's mapping)."""
    from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
    from catalog_semantics.overlay import apply_overlay, parse_overlay

    con = duckdb.connect()
    con.execute(schema)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(overlay))


def assert_declined(candidate: Candidate, asked: object, words: str) -> None:
    assert candidate.sql is None, (asked, candidate.sql)
    if words:
        assert words in [w.lower() for w in candidate.unknown_words], (asked, candidate.unknown_words,
                                                                       candidate.abstain_reason)


def assert_answered(con: duckdb.DuckDBPyConnection, candidate: Candidate, asked: object, has: list[str],
                    lacks: list[str]) -> None:
    assert candidate.sql is not None, (asked, candidate.abstain_reason)
    for part in has:
        assert part in candidate.sql, (asked, part, candidate.sql)
    for part in lacks:
        assert part not in candidate.sql, (asked, part, candidate.sql)
    con.execute(candidate.sql).fetchall()        # and it runs


def answered_history(model: SemanticModel, turns: list[str]) -> tuple[tuple[str, str], ...]:
    history: list[tuple[str, str]] = []
    for q in turns:
        c = plan_turn(q, model, tuple(history))
        assert c.sql is not None, (q, c.abstain_reason)
        history.append((q, c.sql))
    return tuple(history)
