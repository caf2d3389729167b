"""How model d (tests/imperfect_llm_d.py) writes a reply around a query, and where it gets cut at ``length``."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import sqlglot
import sqlglot.errors


@dataclass(frozen=True)
class Shaped:
    """One choice: what was drawn (gold, wrong:<mistake>, clarify), the text sent, why it stopped, and the SQL the
    text shows (the part sent when it was cut; None for a question back)."""

    kind: str
    text: str
    finish_reason: str
    shown_sql: str | None


# (weight, before, after): the ways the model frames a query; "{q}" is a gloss of the query in words.
FRAMES: tuple[tuple[float, str, str], ...] = (
    (0.30, "```sql\n", "\n```"),
    (0.20, "Here is the query:\n\n```sql\n", "\n```\n\nIt reads the tables named in the schema and returns {q}."),
    (0.10, "```\n", ";\n```"),
    (0.12, "", ";"),
    (0.10, "To answer this I'll query the database.\n\n```SQL\n", ";\n```\n\nLet me know if you need anything else."),
    (0.10, "```sql\n-- {q}\n", "\n```"),
    (0.08, "Sure! The following SQL should work:\n\n", "\n\nThis returns {q}."),
)
CLAUSE = re.compile(r"\s(?=(WHERE|GROUP BY|ORDER BY|HAVING|LIMIT|AND|JOIN|UNION|INTERSECT|EXCEPT)\b)", re.I)
CLARIFICATIONS = (
    "Before I write the query: when you say \"{q}\", do you want every matching row or only distinct values?",
    "Could you clarify which table you mean? Several tables in the schema could answer \"{q}\".",
    "Do you want the result sorted, and if so by which column? I want to be sure I answer \"{q}\" correctly.",
)


def clarifying_question(question: str | None, rng: random.Random) -> str:
    """A question back instead of SQL, the way chat models hedge on wording they find ambiguous."""
    if question is None:
        return "I could not find the question in your message. What would you like to know about the data?"
    return rng.choice(CLARIFICATIONS).format(q=question.rstrip("?. "))


def _gloss(sql: str) -> str:
    selected = sql.split(" FROM ")[0].removeprefix("SELECT ").strip()
    return f"the {selected.lower()[:60]} asked for"


def _layout(sql: str, rng: random.Random) -> str:
    """One line, or sqlglot's pretty layout (a clause a line) as models often write longer queries."""
    if rng.random() < 0.35:
        try:
            return sqlglot.transpile(sql, read="sqlite", write="sqlite", pretty=True)[0]
        except sqlglot.errors.SqlglotError:
            return sql
    return sql


def _cut_point(sql: str, start: int, end: int, text: str, rng: random.Random) -> int:
    """Where a reply ends early: mid-query, just before a clause (what was sent still parses), or in the prose
    after a complete query (or before one starts)."""
    roll = rng.random()
    clauses = [m.start() for m in CLAUSE.finditer(sql)]
    if roll < 0.30 and clauses:
        return start + rng.choice(clauses)
    if roll < 0.45 and len(text) > end + 8:
        return rng.randint(end + 4, len(text) - 2)
    if roll < 0.52 and start > 12:
        return rng.randint(4, start - 4)
    return start + rng.randint(max(1, int(len(sql) * 0.3)), max(2, int(len(sql) * 0.95)))


def shape(kind: str, sql: str | None, prose: str | None, budget: int, rng: random.Random) -> Shaped:
    """The reply text for a drawn query (or a question back), cut at ``length`` now and then and always at the
    request's token budget (4 characters a token)."""
    if sql is None:
        text = prose or ""
        return Shaped(kind, text[: budget * 4], "length" if len(text) > budget * 4 else "stop", None)
    laid = _layout(sql, rng)
    roll = rng.random() * sum(w for w, _, _ in FRAMES)
    before, after = FRAMES[-1][1:]
    for weight, b, a in FRAMES:
        if roll < weight:
            before, after = b, a
            break
        roll -= weight
    gloss = _gloss(sql)
    before, after = before.format(q=gloss), after.format(q=gloss)
    text = before + laid + after
    start, end = len(before), len(before) + len(laid)
    cut: int | None = None
    if rng.random() < 0.06 + min(0.18, len(sql) / 900):
        cut = _cut_point(laid, start, end, text, rng)
    if len(text) > budget * 4:
        cut = min(cut if cut is not None else len(text), budget * 4)
    if cut is None:
        return Shaped(kind, text, "stop", laid)
    shown = laid if cut >= end else (laid[: cut - start].rstrip() if cut > start else "")
    return Shaped(kind, text[:cut], "length", shown)
