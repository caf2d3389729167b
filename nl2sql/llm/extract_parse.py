"""Is this span of a reply SQL? Bounded, memoised sqlglot parses, and the only edit made to the text.

sqlglot is used only to *choose* among candidate spans; a reply that makes us parse too much (adversarial
or rambling) stops being searched rather than slowing the answer down. ``strip_sql`` removes surrounding
whitespace and a trailing semicolon with its comments: nothing else about the model's text changes.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from nl2sql.guard.parse_bounds import too_many_unconditioned_joins

MAX_PARSES = 400                               # bound sqlglot work on adversarial or rambling replies ...
MAX_PARSED_CHARS = 500_000                     # ... in number of parses and in characters parsed


class ParseBudget:
    """Parses a span with sqlglot, at most ``MAX_PARSES`` times per reply, memoised."""

    def __init__(self, dialect: str | None) -> None:
        self.dialect = dialect
        self.left = MAX_PARSES
        self.left_chars = MAX_PARSED_CHARS
        self.seen: dict[str, int | None] = {}

    @property
    def exhausted(self) -> bool:
        return self.left <= 0 or self.left_chars <= 0

    def parses(self, sql: str) -> bool:
        """True when ``sql`` is one or more statements sqlglot understands (not its raw ``Command`` fallback)."""
        return self.error_at(sql) is None

    def error_at(self, sql: str) -> int | None:
        """None when ``sql`` parses; else an offset in ``sql`` at or after which the parse broke (len if unknown)."""
        stripped = strip_sql(sql)
        if stripped in self.seen:
            return self.seen[stripped]
        if not stripped or self.left <= 0 or self.left_chars < len(stripped):
            return len(sql)
        self.left -= 1
        self.left_chars -= len(stripped)
        error: int | None = len(sql)
        if too_many_unconditioned_joins(stripped, self.dialect):
            self.seen[stripped] = error          # sqlglot would take exponential time on it: not a query
            return error
        try:
            trees = sqlglot.parse(stripped, read=self.dialect)
            statements = [t for t in trees if t is not None]   # None: an empty statement, e.g. after ";"
            if statements and not any(isinstance(t, exp.Command) for t in statements):
                error = None
        except ParseError as e:
            error = _offset(sql, stripped, e)
        except (SqlglotError, ValueError, RecursionError):
            pass
        self.seen[stripped] = error
        return error


def _offset(sql: str, stripped: str, error: ParseError) -> int:
    """Where in ``sql`` the first parse error starts, from sqlglot's 1-based line and end column."""
    first = (error.errors or [{}])[0]
    line, col = first.get("line"), first.get("col")
    if not isinstance(line, int) or not isinstance(col, int):
        return len(sql)
    lines = stripped.split("\n")
    if not 1 <= line <= len(lines):
        return len(sql)
    lead = len(sql) - len(sql.lstrip())
    token = len(str(first.get("highlight") or ""))
    return lead + sum(len(x) + 1 for x in lines[: line - 1]) + max(0, col - token)


# A final semicolon and any comments after it: "SELECT 1; -- done" -> "SELECT 1".
_TAIL = re.compile(r";(?:\s|--[^\n]*|/\*.*?\*/)*\Z", re.DOTALL)


def strip_sql(sql: str) -> str:
    """Remove surrounding whitespace, trailing semicolons and comments after them: the only edits we make.

    >>> strip_sql("  SELECT 1; -- done\\n")
    'SELECT 1'
    """
    sql = sql.strip()
    while (tail := _TAIL.search(sql)) is not None:
        sql = sql[: tail.start()].rstrip()
    return sql
