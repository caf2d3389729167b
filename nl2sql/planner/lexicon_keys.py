"""Whether the overlay asks for a row's key beside its repeating name.

Rows whose name repeats are grouped by their key (``TableInfo.told_key``) but show the name alone: golds written
for business models split on showing the key too. The overlay's author settles it for their model: an
instruction that names the key and the name in one clause, joined by a word that puts them side by side ("show
mbr_id with mbr_nm", "customers by cust_nm together with cust_id", "show cust_nm beside it"), shows the key before
the name (``TableInfo.shown_key``); one that only groups by the key ("group customers by cust_id and show
cust_nm") keeps the name alone. The joining words are data (vocabulary ``key_beside_name``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nl2sql.planner.words import word_list

_CLAUSE = re.compile(r"[.;\n]")
_TOKEN = re.compile(r"[a-z0-9_]+")


def key_said_beside(instructions: Sequence[str], name: str, key: str) -> bool:
    """Whether one instruction clause names ``key`` and ``name`` side by side.

    >>> key_said_beside(["Member names repeat; show mbr_id with mbr_nm."], "mbr_nm", "mbr_id")
    True
    >>> key_said_beside(["Group customers by cust_id and show cust_nm beside it."], "cust_nm", "cust_id")
    True
    >>> key_said_beside(["Group customers by cust_id and show cust_nm."], "cust_nm", "cust_id")
    False
    """
    joiners = [tuple(p.split()) for p in word_list("key_beside_name")]
    for text in instructions:
        for clause in _CLAUSE.split(text.lower()):
            tokens = _TOKEN.findall(clause)
            if name.lower() not in tokens or key.lower() not in tokens:
                continue
            a, b = sorted((tokens.index(name.lower()), tokens.index(key.lower())))
            between, after = tokens[a + 1:b], tokens[b + 1:b + 3]
            if any(_contains(between, j) or after[:len(j)] == list(j) for j in joiners):
                return True
    return False


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    return any(tuple(tokens[i:i + len(phrase)]) == phrase for i in range(len(tokens) - len(phrase) + 1))
