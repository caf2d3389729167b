"""Write the offline engine's per-turn snapshot of the demo conversation sets (tests/snapshots/planner_conversations.yaml).

For every turn of the conversation sets over the demo model (blind A, own edits and follow-ups, held-out B): what
the engine does (right, wrong, abstained, declined, false_answer) and the SQL it writes, with the earlier answered
turns as history, unanswered ones as (question, None) (benchmarks/planner_conversations.py). tests/test_planner_conversations.py checks each turn's SQL
against it, so a changed answer is one failing test even when it stays right; run this after a deliberate change
and review the diff.

    python benchmarks/planner_conversation_snapshots.py --db demo.duckdb
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETS = ("fixtures/tpch/blind/conversations_a.yaml", "fixtures/tpch/conversations_edits.yaml",
        "fixtures/tpch/conversations_followups.yaml", "fixtures/tpch/heldout/conversations_b.yaml")
SNAPSHOT = ROOT / "tests/snapshots/planner_conversations.yaml"


def main() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from planner_conversations import demo, load_conversations, score_turns

    from nl2sql.generators import generate_offline

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="the demo DuckDB file")
    args = parser.parse_args()
    con, model = demo(args.db)
    snap = {tid: {"outcome": outcome, "sql": sql} for name in SETS for conv in load_conversations(ROOT / name)
            for tid, outcome, sql in score_turns(conv, model, con, generate_offline)}
    SNAPSHOT.write_text("# Written by benchmarks/planner_conversation_snapshots.py; checked by "
                        "tests/test_planner_conversations.py.\n" + yaml.safe_dump(snap, sort_keys=False, width=200))


if __name__ == "__main__":
    main()
