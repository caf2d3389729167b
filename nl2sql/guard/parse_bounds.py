"""Bounded parsing: text sqlglot's parser would take exponential time on is refused before it is parsed.

Why on tokens, not the tree: the cost is in building the tree. sqlglot reads ``a JOIN b JOIN c ON ...`` as
possibly nested joins and backtracks over every run of joins that has no ``ON``/``USING`` yet, so the time
doubles with each one (sqlglot 30: 14 such joins take a second, 20 take minutes; subqueries with their own
``ON`` in between do not help). The tokenizer is linear, so counting those runs per parenthesis depth first
bounds the parse for the guard (a user's or a model's query) and for reading a model's reply. No real query
chains this many joins without a condition; ``CROSS``/``NATURAL`` joins and comma lists are not backtracked.
"""

from __future__ import annotations

from typing import Final

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot import TokenType

MAX_JOINS_WITHOUT_CONDITION: Final = 8

_CONDITIONS: Final = frozenset({TokenType.ON, TokenType.USING})
_NOT_BACKTRACKED: Final = frozenset({TokenType.CROSS, TokenType.NATURAL})


def joins_without_condition(sql: str, dialect: str | None) -> int:
    """The longest run of plain joins with no ``ON``/``USING`` between them, at any one parenthesis depth.

    >>> joins_without_condition("SELECT * FROM a JOIN b JOIN c ON b.x = c.x JOIN d USING (y)", "duckdb")
    2
    >>> joins_without_condition("SELECT * FROM a CROSS JOIN b CROSS JOIN c", "duckdb")
    0
    """
    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(sql)
    except (SqlglotError, ValueError):
        return 0                                # unreadable text: the parser reports it, quickly
    runs, longest, previous = [0], 0, None
    for token in tokens:
        kind = token.token_type
        if kind == TokenType.L_PAREN:
            runs.append(0)
        elif kind == TokenType.R_PAREN and len(runs) > 1:
            runs.pop()
        elif kind in _CONDITIONS:
            runs[-1] = 0
        elif kind in (TokenType.JOIN, TokenType.STRAIGHT_JOIN) and previous not in _NOT_BACKTRACKED:
            runs[-1] += 1
            longest = max(longest, runs[-1])
        previous = kind
    return longest


def too_many_unconditioned_joins(sql: str, dialect: str | None) -> bool:
    return joins_without_condition(sql, dialect) > MAX_JOINS_WITHOUT_CONDITION
