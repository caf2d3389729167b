"""The two checks every planner precision test makes of one case: it declined (naming the words, when the case
says which), or it answered with SQL that has and lacks the given parts and runs on the case's warehouse.

Shared by tests/test_planner_precision*.py; ``asked`` is what the failure message shows (a question, or the
turns of a conversation).
"""

from __future__ import annotations

import duckdb

from nl2sql.answer import Candidate


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
