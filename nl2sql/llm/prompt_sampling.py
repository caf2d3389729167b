"""The extra requests of several candidates (``NL2SQL_LLM_CANDIDATES`` > 1): each extra sample asked with
another way of working (``with_approach``), and the selection request that shows the model two disagreeing
queries with their results (``NL2SQL_LLM_SELECTION``; CHASE-SQL's selection agent) and reads its choice.

Both keep the first request's messages as they are, so the cache-friendly prefix (``prompt``) stays the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nl2sql.llm.prompt import MAX_ECHOED_SQL_CHARS, defuse, fenced
from nl2sql.ports import Message
from nl2sql.redact import redact

# Ways to approach one question, one per extra candidate (CHASE-SQL's diverse generators: divide and conquer,
# a query plan; DIN-SQL/CHESS: schema linking first; a self-check). A sample drawn the same way as the first
# repeats its mistakes; another way of working reaches another query. Each ends by asking for the one fence.
APPROACHES = (
    "Approach for this reply: first name, in a few short lines, the tables and columns the question needs and "
    "how they join; then give the query in a single ```sql fenced block.",
    "Approach for this reply: split the question into its parts (what is listed or counted, each condition, any "
    "grouping, ordering and limit), write each part as a SQL fragment in a few short lines, then combine them "
    "into the query in a single ```sql fenced block.",
    "Approach for this reply: describe in a few short lines the plan the database would run (which rows to read, "
    "join, filter, group, sort and keep), then write the query in a single ```sql fenced block.",
    "Approach for this reply: write a draft, check it against every word of the question (each condition, the "
    "columns asked for, duplicates, the order and the limit), then give the corrected query in a single ```sql "
    "fenced block.",
)

SELECTION_REQUEST = """\
Two queries were written for this question and they return different results.

Query A:
{a}

Query B:
{b}

Which one answers the question as it was asked? Check each condition, the columns asked for, duplicates, the \
order and the limit. Reply with one line: ANSWER: A or ANSWER: B."""
SELECTION_ROWS = 5                             # rows of each result shown to the model when it chooses


def with_approach(messages: Sequence[Message], index: int) -> tuple[Message, ...]:
    r"""``messages`` with approach ``index`` (1, 2, ...; cycling over ``APPROACHES``) put in the last user message
    just before its question, so everything before that message stays the cache-friendly prefix and the question
    stays last. Index 0 is the messages unchanged.

    >>> asked = with_approach((Message("user", "<schema>...</schema>\n\nQuestion: How many?"),), 3)
    >>> asked[-1].content.startswith("<schema>...</schema>\n\nApproach for this reply: describe")
    True
    >>> asked[-1].content.endswith("fenced block.\nQuestion: How many?")
    True
    """
    if index <= 0 or not messages:
        return tuple(messages)
    approach = APPROACHES[(index - 1) % len(APPROACHES)]
    last = messages[-1]
    head, marker, question = last.content.rpartition("Question:")
    content = f"{head}{approach}\n{marker}{question}" if marker else f"{last.content}\n\n{approach}"
    return (*messages[:-1], Message(last.role, content))


def build_selection_messages(messages: Sequence[Message], a: tuple[str, Sequence[Sequence[object]]],
                             b: tuple[str, Sequence[Sequence[object]]], *, show_values: bool = True
                             ) -> tuple[Message, ...]:
    """``messages`` (the question's first request: its prefix stays cacheable) plus a request to choose between
    two queries, each with its result (CHASE-SQL's selection agent). ``a``/``b``: (sql, rows). Without
    ``show_values`` (``NL2SQL_SEND_DATA_TO_LLM=false``) only the row counts are shown, never a value."""
    def shown(sql: str, rows: Sequence[Sequence[object]]) -> str:
        head = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
        if not show_values or not rows:
            return f"{fenced(sql[:MAX_ECHOED_SQL_CHARS])}\nIt returns {head}."
        preview = "\n".join(" | ".join(str(v)[:60] for v in row) for row in rows[:SELECTION_ROWS])
        return f"{fenced(sql[:MAX_ECHOED_SQL_CHARS])}\nIt returns {head}; the first:\n{defuse(preview)}"

    ask = SELECTION_REQUEST.format(a=shown(*a), b=shown(*b))
    return (*messages, Message("user", redact(ask)))


_CHOICE = re.compile(r"(?:answer\s*:\s*)?\(?([ab])\)?\.?", re.IGNORECASE)
_LABELLED_CHOICE = re.compile(r"answer\s*:\s*\(?([ab])\)?\.?", re.IGNORECASE)


def selection_choice(reply: str) -> int | None:
    r"""0 for query A, 1 for B, None when the reply is not a clear choice: the whole reply is the letter
    (``ANSWER: B``, ``b``, ``**A**``), or its last line is ``ANSWER: <letter>`` after some reasoning. Anything
    else (SQL, prose, a question) is no choice, and the caller keeps the vote.

    >>> selection_choice("ANSWER: B"), selection_choice("**a**"), selection_choice("Checking...\nANSWER: A")
    (1, 0, 0)
    >>> selection_choice("A query that counts rows"), selection_choice("```sql\nSELECT 1\n```")
    (None, None)
    """
    lines = [line.strip().strip("*`_ ").strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return None
    match = (_CHOICE.fullmatch(lines[0]) if len(lines) == 1 else None) or _LABELLED_CHOICE.fullmatch(lines[-1])
    return "ab".index(match.group(1).lower()) if match else None
