"""Rendering the checked tree as the text the warehouse runs, without changing what it means there.

sqlglot's generator writes its canonical spelling of each function, and for Spark-family engines some
spellings mean something else or need a newer runtime: ``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``
becomes ``PERCENTILE_APPROX(x, 0.5)`` (an approximation), ``dateadd(MONTH, 1, d)`` becomes the
three-argument ``DATE_ADD`` older Databricks runtimes reject. So when the query is read and run in the same
Spark-family dialect, the text is rebuilt from the caller's own tokens (comments dropped, whitespace kept)
with the row cap appended, and used only if it parses back to exactly the tree the guard checked; otherwise
(or for any other dialect) sqlglot renders the tree. Either way the result is proved to be one query.
For SQLite, names are written in backticks unless the caller double-quoted them (``quoting.py``): SQLite
reads an unknown double-quoted name as a string, so sqlglot's ``"x"`` would turn ``[x]`` into a constant.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot import TokenType

from nl2sql.errors import GuardRejected, Issue
from nl2sql.guard.quoting import render_sqlite
from nl2sql.guard.rules import substitutes_variables

# Dialects whose rendering by sqlglot can change a function's meaning or the runtime it needs.
TOKEN_RENDERED = frozenset({"databricks", "spark", "spark2"})


def token_text(sql: str, dialect: str) -> str:
    """The statement's own tokens, comments and trailing semicolons dropped, whitespace between tokens kept.

    >>> token_text("SELECT percentile_cont(0.5) /* x */ WITHIN GROUP (ORDER BY a) -- y\\nFROM t;", "databricks")
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM t'
    """
    tokens = list(Dialect.get_or_raise(dialect).tokenize(sql))
    while tokens and tokens[-1].token_type == TokenType.SEMICOLON:
        tokens.pop()
    pieces: list[str] = []
    previous_end: int | None = None
    for token in tokens:
        if previous_end is not None:
            gap = sql[previous_end + 1: token.start]
            pieces.append(gap if not gap.strip() else " ")     # a comment becomes one space
        pieces.append(sql[token.start: token.end + 1])
        previous_end = token.end
    return "".join(pieces)


def _own_text(original: exp.Expr, capped: exp.Expr, added_limit: int | None, sql: str,
              dialect: str) -> str | None:
    """The caller's text (plus ``LIMIT n`` when the guard added one) if it parses to the checked tree."""
    try:
        text = token_text(sql, dialect) + (f" LIMIT {added_limit}" if added_limit is not None else "")
        again = [t for t in sqlglot.parse(text, read=dialect) if t is not None]
    except Exception:
        return None
    return text if len(again) == 1 and again[0] == capped and original is not None else None


def render(capped: exp.Expr, dialect: str, sql: str, *, read_dialect: str, original: exp.Expr | None,
           added_limit: int | None) -> str:
    """Render without comments, then prove the text is still exactly one query (fail closed)."""
    rendered = None
    if dialect == read_dialect and dialect in TOKEN_RENDERED and original is not None:
        rendered = _own_text(original, capped, added_limit, sql, dialect)
    try:
        if not rendered:                                    # SQLite: no quoted name may become a string
            rendered = (render_sqlite(capped, comments=False) if dialect.lower() == "sqlite"
                        else capped.sql(dialect=dialect, comments=False))
        again = [t for t in sqlglot.parse(rendered, read=dialect) if t is not None]
    except Exception as e:
        raise GuardRejected((Issue("guard_error", "The query could not be prepared safely, so it was not run.",
                                   type(e).__name__),), sql=sql) from e
    if substitutes_variables(dialect) and "${" in rendered:    # what runs, as the engine will read it
        raise GuardRejected((Issue("variable_substitution",
                                   "Text of the form ${...} is not allowed: the engine would replace it."),), sql=sql)
    if len(again) != 1 or not isinstance(again[0], exp.Query) or any(
            isinstance(n, exp.Command) for n in again[0].walk()):
        raise GuardRejected((Issue("guard_error", "The query could not be prepared safely, so it was not run."),),
                            sql=sql)
    return rendered
