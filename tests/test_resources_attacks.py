"""Issue 12's acceptance for resources, end to end: each attack, through ``Assistant.ask`` with an obedient
stub model, returns within the query time limit + 5 s with resident memory under 4 GB, and the next
ordinary question on the same assistant is answered. Each attack runs in a child process whose peak
resident memory (VmHWM) is read by the parent, which stops it past 4 GB: a regression fails the test
instead of exhausting the machine. benchmarks/resource_attacks.py prints the same figures as JSON."""

from __future__ import annotations

import pytest

from benchmarks.resource_attacks import ATTACKS, Attack, run_attack

TIMEOUT_S = 10.0
MAX_RSS_MB = 4000
# Each attack costs a child process (about a second of CPU to start); the fast profile keeps one per engine,
# the whole sweep runs in CI (marker ``slow``).
FAST = ("duckdb_repeat", "sqlite_randomblob")


@pytest.mark.parametrize("attack", [a if a.name in FAST else pytest.param(a, marks=pytest.mark.slow) for a in ATTACKS],
                         ids=lambda a: a.name)
def test_attack_is_bounded_and_the_next_question_is_answered(attack: Attack) -> None:
    result = run_attack(attack, timeout_s=TIMEOUT_S, kill_mb=MAX_RSS_MB, kill_after_s=TIMEOUT_S + 5)
    assert result["killed"] is None, result
    assert result["seconds"] <= TIMEOUT_S + 5, result
    assert result["peak_rss_mb"] < MAX_RSS_MB, result
    assert result["status"] in ("refused", "error"), result
    assert result["next_ok"] is True, result
