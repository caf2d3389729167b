"""Small edits of a correct query, as models make them: a neighbouring column, an operator, a DISTINCT, a key.

Each mistake takes (gold SQL, schema, rng) and returns the wrong query, or None where it does not apply.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from tests.imperfect_llm_f_spider import Schema, Table
from tests.imperfect_llm_f_sql import aliases, clause_span, column_refs, is_string, join, next_word, prev_word, tokens

Mistake = Callable[[str, Schema, random.Random], str | None]

# Columns a model reaches for when it answers "which X" with more than asked, or groups by a readable name.
_NAME_LIKE = re.compile(r"name|title", re.I)
_FLIPS = {">": ">=", ">=": ">", "<": "<=", "<=": "<"}         # "more than" read as "at least", and back


def ident(name: str) -> str:
    """A column name as SQL needs it written (Spider has columns such as 18_49_Rating_Share)."""
    return f'"{name}"' if name[:1].isdigit() else name


def _set_operation(sql: str) -> bool:
    return bool(re.search(r"\b(intersect|union|except)\b", sql, re.I))


def _select_span(parts: list[str]) -> tuple[int, int]:
    span = clause_span(parts, "from")
    return 0, span[0] if span else len(parts)


def _similar(table: Table, column: str, rng: random.Random) -> str | None:
    """Another column of the table a model could confuse with ``column``: a shared word first, else same type."""
    others = [c for c in table.columns if c.lower() != column.lower()]
    words = set(re.split(r"_|(?<=[a-z])(?=[A-Z])", column.lower())) - {"id", ""}
    sharing = [c for c in others if words & set(c.lower().split("_"))]
    kind = dict(zip(table.columns, table.types, strict=True)).get(column)
    same_type = [c for c in others if dict(zip(table.columns, table.types, strict=True))[c] == kind]
    pool = sharing or same_type or others
    return rng.choice(pool) if pool else None


def wrong_column(sql: str, schema: Schema, rng: random.Random) -> str | None:
    parts = tokens(sql)
    start, end = _select_span(parts)
    refs = [(i, t) for i, t in column_refs(parts, schema) if start <= i < end] or column_refs(parts, schema)
    if not refs:
        return None
    i, table = rng.choice(refs)
    other = _similar(table, parts[i], rng)
    if other is None:
        return None
    parts[i] = ident(other)
    return join(parts)


def extra_column(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """Returns more than asked: the entity's id or name beside the requested value."""
    parts = tokens(sql)
    refs = column_refs(parts, schema)
    if not refs or parts[0].lower() != "select" or _set_operation(sql):
        return None
    i, table = refs[0]
    qualifier = join(parts[prev_word(parts, prev_word(parts, i)):i]) if parts[prev_word(parts, i)] == "." else ""
    pool = [c for c in table.columns if c.lower() != parts[i].lower() and (_NAME_LIKE.search(c) or c in table.primary)]
    if not pool:
        return None
    j = next_word(parts, 0)
    if parts[j].lower() == "distinct":
        j = next_word(parts, j)
    parts.insert(j, f"{qualifier}{ident(rng.choice(pool))}, ")
    return join(parts)


def distinct_toggle(sql: str, schema: Schema, rng: random.Random) -> str | None:
    if re.search(r"\bdistinct\b", sql, re.I):
        return re.sub(r"\s*\bdistinct\b", "", sql, count=1, flags=re.I)
    if re.match(r"select\s+count\s*\(", sql, re.I):
        return None
    return re.sub(r"^select\b", "SELECT DISTINCT", sql, count=1, flags=re.I)


def comparison(sql: str, schema: Schema, rng: random.Random) -> str | None:
    parts = tokens(sql)
    spots = [i for i, t in enumerate(parts) if t in _FLIPS]
    if not spots:
        return None
    i = rng.choice(spots)
    parts[i] = _FLIPS[parts[i]]
    return join(parts)


def order_direction(sql: str, schema: Schema, rng: random.Random) -> str | None:
    if re.search(r"\bdesc\b", sql, re.I):
        return re.sub(r"\bdesc\b", "ASC", sql, count=1, flags=re.I)
    if re.search(r"\basc\b", sql, re.I):
        return re.sub(r"\basc\b", "DESC", sql, count=1, flags=re.I)
    match = re.search(r"order by ([^()]+?)(\s+limit|\s*$)", sql, re.I)
    return sql[:match.end(1)] + " DESC" + sql[match.end(1):] if match else None


def count_distinct(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """Counts rows where entities were asked, or the other way round."""
    if re.search(r"count\s*\(\s*distinct\s+", sql, re.I):
        return re.sub(r"count\s*\(\s*distinct\s+", "count(", sql, count=1, flags=re.I)
    if re.search(r"from\s*\(", sql, re.I) or not re.search(r"\bjoin\b", sql, re.I) or not re.search(r"count\s*\(\s*\*\s*\)", sql, re.I):
        return None
    parts = tokens(sql)
    known = aliases(parts, schema)
    table = next(iter(known.values()))
    alias = next((a for a, t in known.items() if t is table and a != table.name.lower()), table.name)
    key = table.primary[0] if table.primary else table.columns[0]
    qualified = f"{alias.upper() if alias.startswith('t') else alias}.{key}"
    return re.sub(r"count\s*\(\s*\*\s*\)", f"count(DISTINCT {qualified})", sql, count=1, flags=re.I)


def join_key(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """Joins on the wrong column: usually the other table's own id, a classic id-to-id join."""
    parts = tokens(sql)
    ons = [i for i, t in enumerate(parts) if t.lower() == "on"]
    if not ons:
        return None
    on = rng.choice(ons)
    refs = [(i, t) for i, t in column_refs(parts, schema) if on < i <= on + 12][:2]
    if len(refs) < 2:
        return None
    i, table = refs[rng.randrange(2)]
    pool = [c for c in (*table.primary, *table.columns) if c.lower() != parts[i].lower() and c.lower().endswith("id")]
    if not pool:
        return None
    parts[i] = ident(pool[0])
    return join(parts)


def group_by_name(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """Groups by a readable name instead of the key (homonyms merge), or drops one grouping column."""
    parts = tokens(sql)
    span = clause_span(parts, "group")
    if span is None:
        return None
    text = join(parts[span[0]:span[1]])
    if "," in text:
        kept = text.split(",")[0].rstrip()
        return join(parts[:span[0]]) + kept + (" " if span[1] < len(parts) else "") + join(parts[span[1]:]).lstrip()
    refs = [(i, t) for i, t in column_refs(parts, schema) if span[0] < i < span[1]]
    if not refs:
        return None
    i, table = refs[0]
    names = [c for c in table.columns if _NAME_LIKE.search(c) and c.lower() != parts[i].lower()]
    if not names:
        return None
    parts[i] = ident(names[0])
    return join(parts)


def value_literal(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """A value written as the question words it (case, plural), or matched loosely with LIKE."""
    parts = tokens(sql)
    spots = [i for i, t in enumerate(parts) if is_string(t) and not t.startswith("'%") and len(t) > 3]
    if not spots:
        return None
    i = rng.choice(spots)
    quote, body = parts[i][0], parts[i][1:-1]
    before = prev_word(parts, i)
    if rng.random() < 0.5 and before >= 0 and parts[before] == "=":
        parts[before], parts[i] = "LIKE", f"{quote}%{body}%{quote}"
    else:
        changed = body.lower() if body != body.lower() else body.title()
        parts[i] = f"{quote}{changed if changed != body else body + 's'}{quote}"
    return join(parts)


def missing_limit(sql: str, schema: Schema, rng: random.Random) -> str | None:
    """Lists all rows in order where one (the top) was asked."""
    match = re.search(r"\s+limit\s+\d+\s*$", sql, re.I)
    return sql[:match.start()] if match and " order by " in sql.lower() else None


SMALL: dict[str, Mistake] = {
    "wrong_column": wrong_column, "extra_column": extra_column, "distinct": distinct_toggle,
    "comparison": comparison, "order_direction": order_direction, "count_distinct": count_distinct,
    "join_key": join_key, "group_by": group_by_name, "value_literal": value_literal, "missing_limit": missing_limit,
}
