"""Wrong queries of another shape (a misread question, set logic flattened, a tie dropped) and queries that fail."""

from __future__ import annotations

import random
import re

from tests.imperfect_llm_f_mistakes import Mistake
from tests.imperfect_llm_f_spider import Record, Schema, Spider
from tests.imperfect_llm_f_sql import aliases, clause_span, column_refs, join, normal, prev_word, tokens, top_level_split

_SETOP_AS_CONDITION = {"INTERSECT": "AND", "UNION": "OR", "EXCEPT": "AND NOT"}


def set_logic(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """INTERSECT/EXCEPT/UNION of two filters over the same rows read as one row-level condition (or half of it)."""
    pieces = top_level_split(sql, ("intersect", "union", "except"))
    if len(pieces) != 3:
        return None
    left, op, right = pieces
    head = re.match(r"(.*?)\bwhere\b(.*)$", left, re.I | re.S)
    tail = re.match(r"(.*?)\bwhere\b(.*)$", right, re.I | re.S)
    if head and tail and normal(head.group(1)) == normal(tail.group(1)):
        return f"{head.group(1).rstrip()} WHERE ({head.group(2).strip()}) {_SETOP_AS_CONDITION[op]} ({tail.group(2).strip()})"
    return left                                       # the second half of the question forgotten


def drop_condition(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """One of the filters the question states is left out (or the HAVING threshold)."""
    parts = tokens(sql)
    for clause in ("where", "having"):
        span = clause_span(parts, clause)
        if span is None:
            continue
        body = join(parts[span[0] + 1:span[1]])
        pieces = re.split(r"\s+(and|or)\s+", body.strip(), flags=re.I)
        head, rest = join(parts[:span[0]]).rstrip(), join(parts[span[1]:]).strip()
        if len(pieces) >= 3 and "between" not in body.lower() and "(" not in body:
            drop = 2 * rng.randrange((len(pieces) + 1) // 2)       # a condition with the connector before it
            kept = pieces[:max(0, drop - 1)] + pieces[drop + 1:] if drop else pieces[2:]
            return f"{head} {parts[span[0]]} {' '.join(kept)} {rest}".rstrip()
        if clause == "having" or rng.random() < 0.5:
            return f"{head} {rest}".rstrip()
    return None


def superlative(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """ORDER BY .. LIMIT 1 and "= (SELECT max ..)" differ on ties; a model writes the one gold did not."""
    top = re.match(r"^(select .+? from (\w+))( where .+?)? order by (\w+(?:\.\w+)?) (desc|asc)? ?limit 1$", sql,
                   re.I | re.S)
    if top and " join " not in sql.lower() and " group by " not in sql.lower() and "(" not in top.group(4):
        agg = "min" if (top.group(5) or "asc").lower() == "asc" else "max"
        where = top.group(3) or ""
        link = " AND" if where else " WHERE"
        return f"{top.group(1)}{where}{link} {top.group(4)} = (SELECT {agg}({top.group(4)}) FROM {top.group(2)}{where})"
    sub = re.match(r"^(select .+? from \w+) where (\w+) = \(select (max|min)\((\w+)\) from \w+\)$", sql, re.I | re.S)
    if sub:
        direction = "DESC" if sub.group(3).lower() == "max" else "ASC"
        return f"{sub.group(1)} ORDER BY {sub.group(2)} {direction} LIMIT 1"
    return None


def left_join(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """Keeps unmatched rows (a LEFT JOIN), which changes counts and lists."""
    match = re.search(r"(?<!left )\bjoin\b", sql, re.I)
    return sql[:match.start()] + "LEFT JOIN" + sql[match.end():] if match else None


def wrong_table(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """The right column name taken from the wrong table of a join (whose name: the singer's or the song's?)."""
    parts = tokens(sql)
    known = aliases(parts, schema)
    end = clause_span(parts, "from")
    if len(known) < 2 or end is None:
        return None
    for i, table in column_refs(parts, schema):
        if i > end[0]:
            break
        qualifier = prev_word(parts, prev_word(parts, i))
        if qualifier < 0 or parts[prev_word(parts, i)] != ".":
            continue
        for alias, other in known.items():
            if other.name != table.name and parts[i].lower() in (c.lower() for c in other.columns) and alias != other.name.lower():
                parts[qualifier] = alias.upper() if parts[qualifier].isupper() else alias
                return join(parts)
    return None


def neighbour(spider: Spider, record: Record) -> str | None:
    """The query of the closest other question on the same database: the question read as a different one."""
    words = set(re.findall(r"\w+", record.question.lower()))
    best, score = None, 0.0
    for other in spider.same_db(record):
        if normal(other.gold) == normal(record.gold):
            continue
        theirs = set(re.findall(r"\w+", other.question.lower()))
        overlap = len(words & theirs) / max(1, len(words | theirs))
        if overlap > score:
            best, score = other.gold, overlap
    return best if score >= 0.25 else None


def hallucinated_column(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """A column the schema does not have, named the way the question says it."""
    parts = tokens(sql)
    refs = column_refs(parts, schema)
    if not refs:
        return None
    i, table = rng.choice(refs)
    stem = table.name.lower().rstrip("s")
    guess = f"{stem}_{parts[i].lower()}" if not parts[i].lower().startswith(stem) else parts[i].lower() + "_name"
    parts[i] = guess
    return join(parts)


def hallucinated_table(sql: str, schema: Schema, rng: random.Random) -> str | None:
    match = re.search(r"\b(from|join)\s+(\w+)", sql, re.I)
    if match is None:
        return None
    name = match.group(2)
    guess = name[:-1] if name.lower().endswith("s") else name + "s"
    if schema.table(guess) is not None:
        return None
    return sql[:match.start(2)] + guess + sql[match.end(2):]


def ambiguous(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """Drops the alias of a column two joined tables share: "ambiguous column name"."""
    parts = tokens(sql)
    known = aliases(parts, schema)
    tables = {t.name: t for t in known.values()}
    for i, _ in column_refs(parts, schema):
        dot = prev_word(parts, i)
        shared = sum(parts[i].lower() in (c.lower() for c in t.columns) for t in tables.values())
        if dot >= 1 and parts[dot] == "." and shared > 1:
            del parts[prev_word(parts, dot):i]
            return join(parts)
    return None


def dialect(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """Another engine's syntax: SELECT TOP n, ILIKE, or a YEAR() SQLite lacks."""
    top = re.match(r"^select (.+) limit (\d+)$", sql, re.I | re.S)
    if top and rng.random() < 0.6:
        return f"SELECT TOP {top.group(2)} {top.group(1).rstrip()}"
    if re.search(r"\blike\b", sql, re.I):
        return re.sub(r"\blike\b", "ILIKE", sql, count=1, flags=re.I)
    return None


def syntax(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """A slip of syntax: a stray comma before FROM, or an unclosed parenthesis."""
    if "(" in sql and rng.random() < 0.5:
        k = sql.rfind(")")
        return sql[:k] + sql[k + 1:]
    return re.sub(r"\s+from\b", ", FROM", sql, count=1, flags=re.I)


STRUCTURAL: dict[str, Mistake] = {
    "set_logic": set_logic, "drop_condition": drop_condition, "superlative": superlative, "left_join": left_join,
    "wrong_table": wrong_table,
}
BROKEN: dict[str, Mistake] = {
    "no_such_column": hallucinated_column, "no_such_table": hallucinated_table, "ambiguous_column": ambiguous,
    "dialect": dialect, "syntax": syntax,
}
