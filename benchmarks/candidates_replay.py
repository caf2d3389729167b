"""Replay the choice on recorded samples: ``candidates_ceiling.py --pool 15 --dump FILE`` keeps every question's
ballots (fifteen samples each, whatever the vote); this replays the vote and the stopping rule of
``nl2sql.llm.candidates`` on them, as the pipeline would have met them (the first N, then rounds of half N while
the vote is not decided, up to the cap), without asking the model again. Reports per dump: the accuracy of the
replayed choice, samples drawn a question, and the ceilings (any of the first N right; any drawn right).

    python benchmarks/candidates_replay.py /tmp/pool_a.jsonl /tmp/pool_f.jsonl [--n 5] [--cap 15] [--plain]

The samples that did not run (failed, refused) are not in the dump; their texts are in ``evidence`` (for the whole
pool), which the replay passes as the vote's evidence, so the centrality tie rule sees a little more than the
pipeline did at five samples. ``--plain`` replays the vote without the question (as before ``fit.py`` and
``extra_columns.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nl2sql.llm import candidates
from nl2sql.llm.candidates import Ballot


def replay(record: dict[str, Any], n: int, cap: int, plain: bool = False) -> tuple[bool, int, bool, bool]:
    """(chosen right, samples drawn, any of the first n right, any drawn right) for one question; ``plain``: the
    vote without the question (no fit to its words, no nested results)."""
    pool = [(Ballot(b[0], b[1], tuple(tuple(r) for r in b[2]), tuple(b[4]) if len(b) > 4 else ()), bool(b[3]))
            for b in record["ballots"]]
    if not pool:
        return False, n, False, False
    evidence = record.get("evidence") or []
    question = "" if plain else record["question"]
    drawn, step = n, max(1, (n + 1) // 2)
    while True:
        now = [(b, r) for b, r in pool if b.index < drawn]
        ballots = [b for b, _ in now]
        verdict = candidates.choose(ballots, evidence, question) if ballots else None
        if drawn >= cap or (ballots and verdict is not None and candidates.decided(ballots, verdict)):
            break
        drawn = min(cap, drawn + step)
    first = any(r for b, r in pool if b.index < n)
    if verdict is None:
        return False, drawn, first, False
    return now[verdict.winner][1], drawn, first, any(r for _, r in now)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dumps", nargs="+", type=Path)
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--cap", type=int, default=15)
    parser.add_argument("--plain", action="store_true", help="the vote without the question's words")
    args = parser.parse_args()
    for path in args.dumps:
        records = [json.loads(line) for line in path.read_text().splitlines()]
        got = [replay(r, args.n, args.cap, args.plain) for r in records]
        total = len(got) or 1
        print(json.dumps({"dump": path.name, "questions": len(got),
                          "accuracy": round(100 * sum(g[0] for g in got) / total, 1),
                          "samples_per_question": round(sum(g[1] for g in got) / total, 2),
                          "ceiling_first": round(100 * sum(g[2] for g in got) / total, 1),
                          "ceiling_drawn": round(100 * sum(g[3] for g in got) / total, 1),
                          "lost": sum(g[3] and not g[0] for g in got)}))


if __name__ == "__main__":
    main()
