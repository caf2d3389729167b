"""How stub e (tests/imperfect_llm_e.py) words a reply: the query in one of the shapes models use (a bare fence,
prose around it, pretty-printed, no fence at all), a question back, a refusal, or a reply that runs past the
token budget and is cut there with ``finish_reason: length``.

A cut follows from the reply's natural length and the request's budget (4 characters a token, as the server
counts): a model that reasons before the query spills just past 1,024 tokens, so the cut lands inside its SQL
and a larger budget lets it finish; a rambler is cut in its prose; a reasoning model spends the budget thinking
and returns nothing; a looping model (a condition or an "Alternatively:" block over and over) never finishes.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Literal, TypeVar

import sqlglot

from tests.llm_stub import StubReply

T = TypeVar("T")
CHARS_PER_TOKEN = 4
NATURAL_TOKENS = 1024              # where a reasoning-first reply's query starts to spill over a 1,024 budget
Style = Literal["fenced", "prose_before", "prose_after", "bare_fence", "pretty", "unfenced"]
STYLES: tuple[tuple[Style, float], ...] = (("fenced", 0.55), ("prose_before", 0.18), ("prose_after", 0.10),
                                           ("bare_fence", 0.05), ("pretty", 0.07), ("unfenced", 0.05))
CutKind = Literal["spill", "ramble", "thinking", "loop"]
CUTS: tuple[tuple[CutKind, float], ...] = (("spill", 0.35), ("ramble", 0.20), ("thinking", 0.10), ("loop", 0.35))


@dataclass(frozen=True)
class Worded:
    """A reply and the SQL text it carries (what an extractor would find; "" when none), for the log."""

    reply: StubReply
    sql: str


def pick(options: tuple[tuple[T, float], ...], rng: random.Random) -> T:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _tables(sql: str) -> list[str]:
    return sorted(set(re.findall(r"(?i)\b(?:FROM|JOIN)\s+([A-Za-z_]\w*)", sql))) or ["the table"]


def _prose(question: str, sql: str, rng: random.Random) -> str:
    tables = _tables(sql)
    sentences = (
        f"The question asks: {question.strip()}",
        f"The relevant table{'s are' if len(tables) > 1 else ' is'} {', '.join(tables)}.",
        "I need to check which columns hold the values the question mentions.",
        f"Looking at the schema, {tables[0]} has the columns needed for the result.",
        "Let me make sure the filter and the grouping match what is asked.",
        "I will write the query and keep it to what the question asks for.",
    )
    return " ".join(rng.sample(sentences, rng.randint(1, 3)))


def word_sql(question: str, sql: str, rng: random.Random) -> Worded:
    """A whole reply carrying ``sql``, in a shape drawn from ``STYLES``."""
    style = pick(STYLES, rng)
    text = sql + (";" if rng.random() < 0.3 else "")
    if style == "pretty":
        try:
            text = sqlglot.transpile(sql, read="sqlite", write="sqlite", pretty=True)[0] + ";"
        except sqlglot.errors.SqlglotError:
            style = "fenced"
    content = {
        "fenced": f"```sql\n{text}\n```",
        "pretty": f"```sql\n{text}\n```",
        "bare_fence": f"```\n{text}\n```",
        "prose_before": f"{_prose(question, sql, rng)}\n\n```sql\n{text}\n```",
        "prose_after": f"```sql\n{text}\n```\n\nThis query reads {', '.join(_tables(sql))} and returns what was asked.",
        "unfenced": f"SQL: {text}",
    }[style]
    return Worded(StubReply(content), text)


def word_clarify(question: str, sql: str, columns: list[str], rng: random.Random) -> Worded:
    """A question back instead of a query, naming two columns the model hesitates between."""
    a, b = (rng.sample(columns, 2) if len(columns) >= 2 else ["the name", "the identifier"])
    table = _tables(sql)[0]
    text = rng.choice((
        f"Could you clarify what you mean? In {table}, should I use {a} or {b} for this?",
        f"Before I write the query: do you want the result by {a} or by {b}? The question could be read either way.",
        f"I am not sure which column you mean. Do you mean {a}, or {b} in {table}?",
    ))
    return Worded(StubReply(text), "")


def word_refusal(question: str, rng: random.Random) -> Worded:
    words = [w for w in re.findall(r"[A-Za-z]{5,}", question)] or ["that"]
    text = f"CANNOT ANSWER: the schema has nothing I can match to '{rng.choice(words).lower()}'."
    return Worded(StubReply(text), "")


def _condition(sql: str) -> str | None:
    """The first WHERE condition, to repeat in a loop (e.g. ``T2.age > 20``)."""
    match = re.search(r"(?i)\bWHERE\s+(.+?)(?:\s+(?:AND|OR|GROUP|ORDER|LIMIT|HAVING)\b|$)", sql)
    return match.group(1) if match else None


def _cut(full: str, budget: int, reasoning: int = 0) -> tuple[str, str, int]:
    """(finish_reason, text returned, reasoning tokens) for a reply of ``full`` under ``budget`` tokens."""
    if len(full) <= budget * CHARS_PER_TOKEN:
        return "stop", full, reasoning
    return "length", full[: budget * CHARS_PER_TOKEN], reasoning


def _sql_in(text: str) -> str:
    """The SQL text a cut reply shows: what follows its (unclosed) fence, or its first whole block."""
    blocks = re.findall(r"```sql\n(.*?)(?:\n```|$)", text, re.DOTALL)
    return blocks[0].strip() if blocks else ""


def word_long(question: str, sql: str, budget: int, rng: random.Random) -> Worded:
    """A reply that may run past ``budget`` tokens; whole (``stop``) when the budget is large enough for it."""
    kind = pick(CUTS, rng)
    prose = _prose(question, sql, rng) + " "
    if kind == "spill":
        size = NATURAL_TOKENS * CHARS_PER_TOKEN - int(len(sql) * rng.uniform(0.15, 0.85)) - len("\n\n```sql\n")
        full = (prose * (size // len(prose) + 1))[:size] + "\n\n```sql\n" + sql + "\n```"
    elif kind == "ramble":
        size = int(NATURAL_TOKENS * CHARS_PER_TOKEN * rng.uniform(1.3, 4.0))
        full = (prose * (size // len(prose) + 1))[:size] + "\n\n```sql\n" + sql + "\n```"
    elif kind == "thinking":
        thought = int(NATURAL_TOKENS * rng.uniform(1.2, 3.0))
        if budget >= thought + len(sql) // CHARS_PER_TOKEN + 8:
            return Worded(StubReply(f"```sql\n{sql}\n```", reasoning_tokens=thought), sql)
        return Worded(StubReply("", "length", reasoning_tokens=budget), "")
    else:
        condition = _condition(sql)
        again = f" AND {condition}" if condition and rng.random() < 0.5 else None
        block = f"\n```\n\nAlternatively, the same in another form:\n```sql\n{sql}"
        full = f"```sql\n{sql}" + (again or block) * (budget * CHARS_PER_TOKEN // len(again or block) + 2)
    finish, text, _ = _cut(full, budget)
    shown = _sql_in(text) if finish == "length" else sql
    return Worded(StubReply(text, finish), shown)
