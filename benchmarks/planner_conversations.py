"""Score the offline engine on multi-turn conversations over the demo warehouse, turn by turn; prints JSON.

Each turn is asked with the earlier turns as history ((question, sql) pairs, as ``Assistant.ask`` takes
them) and scored with Spider's official execution match against the turn's gold; a turn whose gold is null
should be declined. A turn the engine did not answer enters the history as (question, None), which is what
``Assistant.ask`` adds from its memory of the question it could not answer (the planner decides whether
the next turn may lean past it: a turn declined as out of scope is transparent); a wrong answer enters as
the user saw it, the guarded SQL (row cap included).

    python benchmarks/planner_conversations.py [--db PATH] [--overlay YAML] [--show wrong|abstained] FILE...
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Literal, cast

import duckdb
import yaml

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, load_overlay
from nl2sql.answer import Candidate
from nl2sql.eval.score import official_sql
from nl2sql.eval.score_ties import result_eq_up_to_ties

Outcome = Literal["right", "wrong", "abstained", "declined", "false_answer"]
Generate = Callable[[str, SemanticModel, Sequence[tuple[str, str | None]]], Candidate]


def load_conversations(path: Path) -> list[dict[str, object]]:
    return list(yaml.safe_load(path.read_text())["conversations"])


def score_turns(conversation: dict[str, object], model: SemanticModel, con: duckdb.DuckDBPyConnection,
                generate: Generate) -> Iterator[tuple[str, Outcome, str | None]]:
    """(turn id, outcome, the SQL answered) for each turn of one conversation."""
    from nl2sql.guard import check, policy_for_model

    policy = policy_for_model(model)
    history: list[tuple[str, str | None]] = []
    turns = cast("list[dict[str, str]]", conversation["turns"])
    for n, turn in enumerate(turns):
        tid = f"{conversation['id']}#{n + 1}"
        cand = generate(turn["question"], model, tuple(history))
        if cand.sql is None:
            history.append((turn["question"], None))
            yield tid, ("declined" if turn.get("sql") is None else "abstained"), None
            continue
        # the history holds what the user was shown: the guarded SQL, with its row cap
        history.append((turn["question"], check(cand.sql, policy).sql))
        if turn.get("sql") is None:
            yield tid, "false_answer", cand.sql
            continue
        yield tid, ("right" if same_result(con, turn["sql"], cand.sql) else "wrong"), cand.sql


def same_result(con: duckdb.DuckDBPyConnection, gold_sql: str, sql: str) -> bool:
    gold_official = official_sql(gold_sql, keep_distinct=True)      # our sets, not Spider: DISTINCT counts
    gold = con.execute(gold_official).fetchall()
    try:
        got = con.execute(official_sql(sql, predicted=True, keep_distinct=True)).fetchall()
    except duckdb.Error:
        return False
    return result_eq_up_to_ties(gold, got, gold_official)


def demo(db: Path, overlay: Path | None = None) -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    """A read-only connection to a DuckDB file and its model (the demo overlay unless another is given)."""
    from nl2sql.settings import DEMO_OVERLAY

    con = duckdb.connect(str(db), read_only=True)
    return con, apply_overlay(read_duckdb_catalog(con), load_overlay(overlay or DEMO_OVERLAY))


def main(argv: Sequence[str] | None = None) -> None:
    from nl2sql.generators import generate_offline

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--db", type=Path, default=None, help="demo DuckDB file (default: build in the data dir)")
    parser.add_argument("--overlay", type=Path, default=None, help="overlay of the database (default: the demo's)")
    parser.add_argument("--show", choices=("wrong", "abstained"), default=None)
    args = parser.parse_args(argv)
    db = args.db
    if db is None:
        from nl2sql.demo.build import ensure_demo_warehouse
        from nl2sql.settings import Settings

        db = ensure_demo_warehouse(Settings.from_env().resolved_data_dir())
    con, model = demo(db, args.overlay)
    counts: dict[str, int] = {}
    shown = []
    for f in args.files:
        for conv in load_conversations(f):
            for tid, outcome, sql in score_turns(conv, model, con, generate_offline):
                counts[outcome] = counts.get(outcome, 0) + 1
                if args.show and outcome.startswith(args.show[:5]):
                    shown.append((tid, sql))
    answered = counts.get("right", 0) + counts.get("wrong", 0)
    turns = sum(counts.values())
    correct = counts.get("right", 0) + counts.get("declined", 0)
    print(json.dumps({"turns": turns, **counts, "turns_correct": round(correct / max(turns, 1), 4),
                      "precision": round(counts.get("right", 0) / max(answered, 1), 4)}))
    for tid, sql in shown:
        print(tid, sql, file=sys.stderr)


if __name__ == "__main__":
    main()
