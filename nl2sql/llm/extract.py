"""Find the SQL query in a language model's reply, whatever shape the reply takes, without rewriting it.

Models answer in many shapes: a ```sql fence, a bare fence, several fences (draft then final), bare SQL,
prose then SQL ("Here is the query: SELECT ..."), ``SQL: ...``, ``<sql>...</sql>``, ``{"sql": "..."}``,
inline `code`, trailing commentary, Windows line endings. Finders are tried in a fixed order (``FINDERS``);
each returns a substring of the reply or None. sqlglot is used only to *choose* among candidates (does this
span parse as a statement?); the text returned is the reply's own, minus surrounding prose/fences and a
trailing semicolon, so the guard judges exactly what the model wrote. Multiple statements are kept
together so the guard can refuse them rather than us silently dropping one.

>>> extract_sql("Sure! Here is the query:\\n```sql\\nSELECT name FROM singer;\\n```\\nIt lists singers.")
'SELECT name FROM singer'
>>> extract_sql('{"sql": "SELECT COUNT(*) FROM orders"}')
'SELECT COUNT(*) FROM orders'
>>> extract_sql("SQL: select count(*) from t;  -- all rows")
'select count(*) from t'
"""

from __future__ import annotations

import sqlglot

from nl2sql.errors import LlmReplyError
from nl2sql.llm.extract_finders import FINDERS
from nl2sql.llm.extract_parse import ParseBudget, strip_sql

__all__ = ["ABSTAIN_PREFIX", "ASK_PREFIX", "FINDERS", "MAX_REPLY_CHARS", "abstention_reason", "clarifying_question",
           "extract_sql", "sqlglot_dialect"]

MAX_REPLY_CHARS = 100_000                      # longer replies are cut before searching (the client caps them too)
ABSTAIN_PREFIX = "CANNOT ANSWER:"              # what the prompt asks a model to say when it cannot answer
ASK_PREFIX = "QUESTION:"                       # what the prompt asks a model to say when it needs to ask back
MAX_QUESTION_CHARS = 600                       # a longer "question" is an essay, not a question to show a user


def extract_sql(reply: str, *, dialect: str = "duckdb") -> str:
    """Return the SQL query in ``reply``; raise ``LlmReplyError`` when there is none."""
    reason = abstention_reason(reply)
    if reason:
        raise LlmReplyError(
            f"The language model could not write a query for this question: {reason[:300]}",
            hint="Try rephrasing the question with the names of the data you want to see.",
        )
    text = reply.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").strip()[:MAX_REPLY_CHARS]
    if text:
        budget = ParseBudget(sqlglot_dialect(dialect))
        for finder in FINDERS:
            found = finder(text, budget)
            if found is not None and strip_sql(found):
                return strip_sql(found)
    raise LlmReplyError(
        "The language model did not reply with a SQL query.",
        hint="Try rephrasing the question with the names of the data you want to see.",
    )


def abstention_reason(reply: str) -> str | None:
    """The reason after ``CANNOT ANSWER:`` when the model declined, as the prompt asks it to; else None.

    >>> abstention_reason("CANNOT ANSWER: there is no table about weather.")
    'there is no table about weather.'
    """
    stripped = reply.strip().strip("`*_ \n")
    if stripped.upper().startswith(ABSTAIN_PREFIX):
        return stripped[len(ABSTAIN_PREFIX):].strip() or "no reason given"
    return None


def clarifying_question(reply: str) -> str | None:
    """The question the model asks back instead of writing SQL (``QUESTION: ...``, or prose that holds no SQL
    and ends in a question mark); None when the reply is anything else. Call it only when no SQL was found.

    >>> clarifying_question("QUESTION: Do you mean the order date or the ship date?")
    'Do you mean the order date or the ship date?'
    >>> clarifying_question("Which year do you mean, 2023 or 2024?")
    'Which year do you mean, 2023 or 2024?'
    >>> clarifying_question("Sorry, I cannot see a table about shipments.") is None
    True
    """
    text = " ".join(reply.strip().strip("`*_").split())
    if text.upper().startswith(ASK_PREFIX):
        text = text[len(ASK_PREFIX):].strip()
        return text[:MAX_QUESTION_CHARS] or None
    if "?" in text and len(text) <= MAX_QUESTION_CHARS and "```" not in reply:
        return text
    return None


def sqlglot_dialect(dialect: str) -> str | None:
    """Our dialect name as sqlglot spells it; None (sqlglot's generic SQL) when sqlglot does not know it."""
    name = {"postgresql": "postgres", "sqlserver": "tsql", "mssql": "tsql"}.get(dialect.lower(), dialect.lower())
    try:
        sqlglot.Dialect.get_or_raise(name)
    except ValueError:
        return None
    return name
