"""Token-level SQL helpers for stub "f": edits must never touch the inside of a string literal."""

from __future__ import annotations

import re

from tests.imperfect_llm_f_spider import Schema, Table

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|`[^`]*`|\s+|>=|<=|!=|<>|\w+|.", re.S)
CLAUSES = ("from", "where", "group", "order", "having", "limit", "join", "intersect", "union", "except")
_KEYWORD_TEXT = """select from where group by order having limit join on as and or not in like between is null distinct
asc desc count sum avg min max intersect union except left inner outer exists case when then else end cast"""
KEYWORDS = frozenset(_KEYWORD_TEXT.split())


def tokens(sql: str) -> list[str]:
    return _TOKEN.findall(sql)


def join(parts: list[str]) -> str:
    return "".join(parts)


def is_word(token: str) -> bool:
    return bool(re.fullmatch(r"\w+", token)) and not token.isdigit()


def is_string(token: str) -> bool:
    return len(token) >= 2 and token[0] in "'\"" and token[-1] == token[0]


def next_word(parts: list[str], i: int) -> int:
    """Index of the next non-blank token after ``i`` (len(parts) at the end)."""
    j = i + 1
    while j < len(parts) and parts[j].isspace():
        j += 1
    return j


def prev_word(parts: list[str], i: int) -> int:
    j = i - 1
    while j >= 0 and parts[j].isspace():
        j -= 1
    return j


def aliases(parts: list[str], schema: Schema) -> dict[str, Table]:
    """Alias (or bare table name) -> table, read from ``FROM t [AS a]`` and ``JOIN t [AS a]``."""
    found: dict[str, Table] = {}
    for i, tok in enumerate(parts):
        if tok.lower() not in ("from", "join"):
            continue
        j = next_word(parts, i)
        table = schema.table(parts[j]) if j < len(parts) else None
        if table is None:
            continue
        found[table.name.lower()] = table
        k = next_word(parts, j)
        if k < len(parts) and parts[k].lower() == "as":
            found[parts[next_word(parts, k)].lower()] = table
    return found


def column_refs(parts: list[str], schema: Schema) -> list[tuple[int, Table]]:
    """Token indices of column names with the table each belongs to (qualified ones by alias, others by search)."""
    known = aliases(parts, schema)
    in_query = list({t.name: t for t in known.values()}.values())
    refs: list[tuple[int, Table]] = []
    for i, tok in enumerate(parts):
        if not is_word(tok) or tok.lower() in KEYWORDS or tok.lower() in known:
            continue
        before = prev_word(parts, i)
        if before >= 0 and parts[before] == ".":
            table = known.get(parts[prev_word(parts, before)].lower())
            if table is not None and tok.lower() in (c.lower() for c in table.columns):
                refs.append((i, table))
            continue
        if before >= 0 and parts[before].lower() == "as":
            continue
        owner = next((t for t in in_query if tok.lower() in (c.lower() for c in t.columns)), None)
        if owner is not None:
            refs.append((i, owner))
    return refs


def clause_span(parts: list[str], keyword: str) -> tuple[int, int] | None:
    """Token range of the first top-level clause starting with ``keyword`` (to the next top-level clause)."""
    depth, start = 0, -1
    for i, tok in enumerate(parts):
        low = tok.lower()
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        elif depth == 0 and start < 0 and low == keyword:
            start = i
        elif depth == 0 and start >= 0 and low in CLAUSES and low != keyword:
            return start, i
    return (start, len(parts)) if start >= 0 else None


def top_level_split(sql: str, words: tuple[str, ...]) -> list[str]:
    """Split on top-level keywords (kept as their own items), e.g. set operators."""
    parts, depth = tokens(sql), 0
    out: list[str] = []
    current: list[str] = []
    for tok in parts:
        depth += (tok == "(") - (tok == ")")
        if depth == 0 and tok.lower() in words:
            out.extend([join(current).strip(), tok.upper()])
            current = []
        else:
            current.append(tok)
    out.append(join(current).strip())
    return out


def normal(sql: str) -> str:
    """A comparison key: case-folded outside literals, single spaces, no trailing semicolon."""
    parts = [t if is_string(t) else t.lower() for t in tokens(sql.strip().rstrip(";")) if not t.isspace()]
    return " ".join(parts)


def layout(sql: str, multiline: bool) -> str:
    """The same query in a model's layout: spaces squeezed, optionally one clause a line."""
    parts = [t if is_string(t) else (" " if t.isspace() else t) for t in tokens(sql.strip())]
    text = join(parts)
    if not multiline:
        return text
    out: list[str] = []
    depth = 0
    for tok in tokens(text):
        depth += (tok == "(") - (tok == ")")
        if depth == 0 and tok.lower() in ("from", "where", "group", "order", "having", "limit", "join", "intersect",
                                           "union", "except") and out and out[-1] == " ":
            if tok.lower() == "join" and len(out) > 2 and out[-2].lower() in ("left", "inner"):
                out[-3:] = ["\n", out[-2], " "]
                out.append(tok)
                continue
            out[-1] = "\n"
        out.append(tok)
    return join(out)
