"""How close two queries are as text, and what the vote makes of it: ``similarity`` (token overlap), ``centrality``
(the tie rule: closest on average to every query written) and ``second_preferences`` (ranked voting: every ballot's
second choice is the other result whose query is closest to its own). ``candidates.choose`` uses all three.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

# One SQL token for similarity: a word, a number, a quoted string, an operator run, or one other character.
# e.g. "WHERE age >= 20" -> where, age, >=, 20
_TOKEN = re.compile(r"[a-z_][a-z0-9_]*|\d+(?:\.\d+)?|'(?:[^']|'')*'|[<>=!]+|\S")


@lru_cache(maxsize=4096)
def _tokens(sql: str) -> Counter[str]:
    """The query's tokens as a multiset (cached: the vote compares every pair of queries, several times)."""
    return Counter(_TOKEN.findall(sql.lower()))


@lru_cache(maxsize=65536)
def similarity(a: str, b: str) -> float:
    """Token overlap of two queries (multiset Jaccard, case-insensitive), 0..1.

    >>> similarity("SELECT a FROM t WHERE x > 1", "select a from t where x > 1")
    1.0
    >>> round(similarity("SELECT a FROM t WHERE x > 1", "SELECT a FROM t"), 2)
    0.5
    """
    ta, tb = _tokens(a), _tokens(b)
    union = sum((ta | tb).values())
    return sum((ta & tb).values()) / union if union else 1.0


def centrality(sql: str, evidence: Sequence[str]) -> float:
    """Mean similarity of ``sql`` to the other queries written for the question (itself left out once).

    >>> round(centrality("SELECT a FROM t WHERE x > 1",
    ...                  ["SELECT a FROM t WHERE x > 1", "SELECT a FROM t", "SELECT a FROM t WHERE x < 1"]), 3)
    0.639
    """
    others = list(evidence)
    if sql in others:
        others.remove(sql)
    return sum(similarity(sql, o) for o in others) / len(others) if others else 0.0


SECOND_CHOICE = 0.8    # a second preference's part of a vote: less than a first, so a two-way split stays a count


def second_preferences(queries: Sequence[str], same: Sequence[Sequence[bool]]) -> list[float]:
    """For each ballot (its query), the second preferences its result got (module doc): with three or more
    different results, every ballot gives ``SECOND_CHOICE`` to the other result holding the query closest to its
    own (``similarity``; split evenly on a tie). ``same``: which ballots agree.

    >>> q = ["SELECT a FROM t WHERE x > 1", "SELECT a FROM t", "SELECT b FROM t WHERE x > 1"]
    >>> [round(v, 2) for v in second_preferences(q, [[i == j for j in range(3)] for i in range(3)])]
    [1.6, 0.0, 0.8]
    """
    n = len(queries)
    group = [next(j for j in range(n) if same[i][j]) for i in range(n)]   # a result's first ballot names it
    if len(set(group)) < 3:
        return [0.0] * n
    got = dict.fromkeys(group, 0.0)
    for k in range(n):
        others = [j for j in range(n) if group[j] != group[k]]
        closeness = {j: similarity(queries[k], queries[j]) for j in others}
        best = max(closeness.values())
        nearest = {group[j] for j in others if closeness[j] == best}
        for g in nearest:
            got[g] += SECOND_CHOICE / len(nearest)
    return [got[group[i]] for i in range(n)]
