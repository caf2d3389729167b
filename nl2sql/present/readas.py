"""'Read “Germny” as GERMANY': say so when the SQL that ran filters on a value the question spelt differently.

Read from the question and the SQL's syntax tree, whichever generator wrote it (the offline engine corrects
a typo one letter away; a language model corrects silently too), so a user who mistyped sees what was
used instead of guessing. Only a question word (or run of words) a typo or two away from a text literal of
the SQL counts: a value the question already spells, a number or a date says nothing.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from catalog_semantics.text import edit_distance

_WORD = re.compile(r"[^\W\d_][\w'-]*")


def read_as_notes(question: str, sql: str, dialect: str) -> tuple[str, ...]:
    """One note per text value of the SQL the question spells with a typo.

    >>> read_as_notes("revenue in Germny", "SELECT 1 FROM nation WHERE n_name = 'GERMANY'", "duckdb")
    ('Read “Germny” as GERMANY.',)
    >>> read_as_notes("revenue in germany", "SELECT 1 FROM nation WHERE n_name = 'GERMANY'", "duckdb")
    ()
    >>> read_as_notes("orders of unted kingdom", "SELECT 1 FROM t WHERE n = 'UNITED KINGDOM'", "duckdb")
    ('Read “unted kingdom” as UNITED KINGDOM.',)
    >>> read_as_notes("revenue by year", "SELECT 1 FROM t WHERE d >= '1996-01-01' AND m = 'MAIL'", "duckdb")
    ()
    """
    words = _WORD.findall(question)
    lowered = [w.lower() for w in words]
    text = " ".join(lowered)
    notes: list[str] = []
    for value in _text_values(sql, dialect):
        parts = [w.lower() for w in _WORD.findall(value)]
        if not parts or len("".join(parts)) < 4 or " ".join(parts) in text:
            continue
        n = len(parts)
        for i in range(len(lowered) - n + 1):
            said = " ".join(lowered[i:i + n])
            target = " ".join(parts)
            limit = 1 if len(target) < 10 else 2
            if said != target and len(said) >= 4 and edit_distance(said, target, limit) <= limit:
                notes.append(f"Read “{' '.join(words[i:i + n])}” as {value}.")
                break
    return tuple(dict.fromkeys(notes))


def _text_values(sql: str, dialect: str) -> list[str]:
    """Text literals compared with something (=, IN, LIKE without its wildcards), in order."""
    tree = sqlglot.parse_one(sql, read=dialect)
    values = []
    for literal in tree.find_all(exp.Literal):
        if not literal.is_string or not isinstance(literal.parent, (exp.EQ, exp.In, exp.Like, exp.ILike, exp.NEQ)):
            continue
        value = literal.this.strip("%").strip()
        if value and not re.fullmatch(r"[\d\s:./-]+", value):
            values.append(value)
    return values
