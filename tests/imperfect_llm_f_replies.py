"""How stub "f" writes a reply: fences or not, prose around the SQL, questions back, refusals, and cut replies.

A reply is cut (finish_reason "length") when it outgrows the request's budget, which real replies do in three
ways: a long reasoning preamble that reaches the SQL late (cut inside it or before it), a reply that does not stop
(the SQL, then the explanation looping on), and a reasoning model that spends the whole budget thinking.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from tests.imperfect_llm_f_sql import layout

CHARS_PER_TOKEN = 4                     # the llm_stub's own token estimate
# Chance that a reply runs away, by reply length: long queries take long explanations.
CUT_BASE, CUT_PER_CHAR, CUT_MAX = 0.012, 0.00012, 0.09
STYLES = (("fenced", 0.45), ("explained", 0.22), ("bare", 0.15), ("plain_fence", 0.10), ("bare_then_prose", 0.08))
CUT_KINDS = (("inside_sql", 0.45), ("runaway", 0.25), ("before_sql", 0.15), ("all_reasoning", 0.15))
INTROS = (
    "To answer this, I need the {tables} table{s}.",
    "Here is the SQL query that answers the question:",
    "Sure! The following query should work:",
    "We can get this from {tables}.",
)
OUTROS = (
    "This query returns the requested rows from {tables}.",
    "Let me know if you need the results ordered differently.",
    "Note: adjust the filter if the values are stored differently.",
)
REASONING = (
    "Let me think about which tables are involved. The question mentions {tables}. ",
    "I should check the columns available in {tables} and how they relate through their keys. ",
    "Wait, I need to double-check whether the join is needed here or whether one table suffices. ",
    "Let me reconsider the filter conditions and make sure each part of the question is covered. ",
)
CLARIFY = (
    "Could you clarify what you mean? The {tables} table{s} could answer this in more than one way: "
    "should I count every record, or only distinct ones?",
    "Do you want this for all rows in {tables}, or only for a particular subset? Please specify.",
    "I'm not sure which column you mean here. Do you mean the name or the identifier in {tables}?",
)
REFUSE_TAGGED = "CANNOT ANSWER: the schema does not contain enough information to answer this question reliably."
REFUSE_PLAIN = (
    "I'm sorry, but I can't determine a reliable query for this question with the given schema.",
    "I don't have enough information in the schema to answer that.",
)


@dataclass(frozen=True)
class Reply:
    text: str
    sql: str | None                # the SQL as it stands in the text (cut, if the cut fell inside it)
    finish_reason: str
    mode: str
    reasoning_tokens: int = 0


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _tables(sql: str | None, fallback: str) -> tuple[str, str]:
    names = list(dict.fromkeys(re.findall(r"\b(?:from|join)\s+(\w+)", sql or "", re.I))) or [fallback]
    return " and ".join(f"`{n}`" for n in names[:3]), "s" if len(names) > 1 else ""


def render(rng: random.Random, sql: str, mode: str) -> Reply:
    """A stopped reply carrying ``sql`` in one of the styles models use."""
    query = layout(sql, multiline=rng.random() < 0.4)
    if rng.random() < 0.3:
        query += ";"
    tables, s = _tables(sql, "")
    style = _pick(rng, STYLES)
    intro, outro = rng.choice(INTROS).format(tables=tables, s=s), rng.choice(OUTROS).format(tables=tables, s=s)
    text = {
        "fenced": f"```sql\n{query}\n```",
        "explained": f"{intro}\n\n```sql\n{query}\n```\n\n{outro}",
        "bare": query,
        "plain_fence": f"```\n{query}\n```",
        "bare_then_prose": f"{query}\n\n{outro}",
    }[style]
    return Reply(text, query, "stop", mode)


def prose(rng: random.Random, kind: str, sql_hint: str | None, prompt: str, mode: str) -> Reply:
    tables, s = _tables(sql_hint, "the")
    if kind == "clarify":
        return Reply(rng.choice(CLARIFY).format(tables=tables, s=s), None, "stop", mode)
    tagged = "CANNOT ANSWER" in prompt and rng.random() < 0.85     # models mostly follow the prompt's convention
    return Reply(REFUSE_TAGGED if tagged else rng.choice(REFUSE_PLAIN), None, "stop", mode)


def cut_chance(sql: str | None, temperature: float) -> float:
    """A runaway is likelier on long queries and a little likelier when sampling hot."""
    return min(CUT_MAX, CUT_BASE + CUT_PER_CHAR * len(sql or "") + 0.01 * min(temperature, 1.5))


def runaway(rng: random.Random, reply: Reply, budget: int) -> Reply:
    """The reply that did not stop in time, cut at ``budget`` tokens."""
    limit = budget * CHARS_PER_TOKEN
    kind = _pick(rng, CUT_KINDS) if reply.sql else "before_sql"
    tables, _ = _tables(reply.sql, "the")
    thinking = "".join(rng.choice(REASONING).format(tables=tables) for _ in range(limit // 60 + 2))
    mode = f"length:{kind}:{reply.mode}"
    if kind == "all_reasoning":
        return Reply("", None, "length", mode, reasoning_tokens=budget)
    sql = reply.sql or ""
    if kind == "runaway":
        text = f"```sql\n{sql}\n```\n\n" + "Explanation: " + thinking * 2
        return Reply(text[:limit], sql if limit > len(sql) + 8 else sql[: max(0, limit - 7)], "length", mode)
    opening = "```sql\n"
    if kind == "inside_sql":
        words = [m.end() for m in re.finditer(r"\S+", sql)][:-1] or [len(sql) // 2]
        shown = rng.choice(words)
        room = max(0, limit - len(opening) - shown)
        text = (thinking[:room] + opening + sql[:shown])[:limit]
        seen = text[len(thinking[:room]) + len(opening):] if room + len(opening) < limit else ""
        return Reply(text, seen or None, "length", mode)
    return Reply(thinking[:limit], None, "length", mode)


def fit(reply: Reply, budget: int) -> Reply:
    """A stopped reply longer than the budget is cut where the budget ends, as any API does."""
    limit = budget * CHARS_PER_TOKEN
    if reply.finish_reason == "length" or len(reply.text) <= limit:
        return reply
    text = reply.text[:limit]
    sql = reply.sql
    if sql is not None:
        start = reply.text.find(sql)
        sql = text[start:] if 0 <= start < limit and start + len(sql) > limit else (sql if start >= 0 else None)
        sql = sql or None
    return Reply(text, sql, "length", f"length:budget:{reply.mode}")
