"""Where a reply may hold its SQL: one finder per shape, tried in order (``FINDERS``).

Each finder takes the reply text and a ``ParseBudget`` and returns a substring of the reply, or None:
``{"sql": ...}`` JSON, ``<sql>`` tags, fenced blocks, a query in running text, inline `code`. Among
several candidates a finder prefers the last that parses (a model's draft comes before its final query).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable

from nl2sql.llm.extract_parse import ParseBudget

MAX_SQL_CHARS = 20_000                         # no query we could use is longer
MAX_TRIES_PER_START = 12                       # shorter spans tried from one place a query may start

SQL_LANGS = frozenset(
    ["sql", "sqlite", "postgres", "postgresql", "psql", "pgsql", "mysql", "duckdb", "tsql", "plsql", "spark", "sparksql", "databricks", "hive", "bigquery", "snowflake", "trino", "presto", "ansi"]
)
_STATEMENT_WORD = re.compile(
    r"^\s*(?:SELECT|WITH|VALUES|INSERT|UPDATE|DELETE|MERGE|DROP|CREATE|ALTER|TRUNCATE|GRANT|REVOKE|ATTACH|COPY|PRAGMA)\b",
    re.IGNORECASE,
)
# Where a bare query may start: SELECT/WITH (any case) ...
_START = re.compile(r"\b(select|with)\b", re.IGNORECASE)
# ... in upper case anywhere, or after nothing but markdown on its line, or after a label ("SQL:", "**Query:** ").
_MARKDOWN_ONLY = re.compile(r"^[\s>*#_`\-]*$")
_AFTER_LABEL = re.compile(r":[\s*_`]*$")
# A statement that is not a query, written in upper case at the start of a line: kept so the guard can refuse it.
_OTHER_START = re.compile(
    r"^[ \t>*#\-]*\b(INSERT|UPDATE|DELETE|MERGE|DROP|CREATE|ALTER|TRUNCATE|GRANT|REVOKE|ATTACH|COPY|PRAGMA)\b",
    re.MULTILINE,
)
# A paragraph that reads as prose: "This query ...", "Note: ...", "Explanation" (not "FROM t", "b AS (").
_PROSE_PARAGRAPH = re.compile(r"\n[ \t]*\n[ \t]*(?=[A-Z][a-z]+\b)")
_SQL_TITLE_WORDS = frozenset(["select", "from", "where", "with", "group", "order", "having", "limit", "union", "join", "and", "or", "on", "as"])
# Weak ends, tried only when no whole line parses: a sentence end, after a semicolon, before a closing backtick.
_WEAK_END = re.compile(r"\.(?=\s+[A-Z]|[ \t]*$)|(?<=;)|(?=`)", re.MULTILINE)


def from_json(text: str, budget: ParseBudget) -> str | None:
    """``{"sql": "..."}`` (also "query"/"sql_query"), alone or in a ```json fence."""
    bodies = [text]
    bodies += [body for lang, body in _fences(text) if lang == "json"]
    if "{" in text and "}" in text:
        bodies.append(text[text.index("{"): text.rindex("}") + 1])
    for body in bodies:
        try:
            value = json.loads(body)
        except ValueError:
            continue
        for obj in (value, *(v for v in value.values() if isinstance(v, dict))) if isinstance(value, dict) else ():
            for key in ("sql", "query", "sql_query", "SQL", "Query"):
                sql = obj.get(key)
                if isinstance(sql, str) and (_STATEMENT_WORD.match(sql) or budget.parses(sql)):
                    return sql
    return None


_TAGGED = re.compile(r"<(sql|query)>(.*?)(?:</\1>|\Z)", re.IGNORECASE | re.DOTALL)


def from_tags(text: str, budget: ParseBudget) -> str | None:
    """``<sql>...</sql>`` (or ``<query>``): the last block that parses, else the last non-empty one."""
    blocks = [m.group(2) for m in _TAGGED.finditer(text) if m.group(2).strip()]
    return _pick(blocks, budget) if blocks else None


def from_fences(text: str, budget: ParseBudget) -> str | None:
    """Fenced blocks: the last that parses, preferring SQL-labelled ones; else the last SQL-labelled one."""
    fences = _fences(text)
    labelled = [body for lang, body in fences if lang in SQL_LANGS]
    unlabelled = [body for lang, body in fences if lang == ""]
    for group in (labelled, unlabelled):
        parsed = [b for b in group if budget.parses(b)]
        if parsed:
            return parsed[-1]
    if labelled and any(b.strip() for b in labelled):
        return [b for b in labelled if b.strip()][-1]       # unparseable: let the guard say why, for repair
    worded = [b for b in unlabelled if _STATEMENT_WORD.match(b)]
    return worded[-1] if worded else None


def from_bare_text(text: str, budget: ParseBudget) -> str | None:
    """SQL in running text: the last span that starts like a query and parses; else an upper-case fallback."""
    text = _without_foreign_fences(text)
    layout = _Layout(text)
    found: list[str] = []
    covered = 0
    starts = [m for m in _START.finditer(text) if _may_start(text, m)]
    for start in starts:
        if start.start() < covered:
            continue                                    # inside a query already found (a subquery, a CTE body)
        if budget.exhausted:
            break
        span = _longest_parse(layout, start.start(), budget)
        if span is not None:
            found.append(text[start.start(): span])
            covered = span
    if found:
        return found[-1]
    for other in reversed(list(_OTHER_START.finditer(text))):
        span = _longest_parse(layout, other.start(1), budget)
        if span is not None:
            return text[other.start(1): span]
    upper = [m for m in starts if m.group(1).isupper()]
    return text[upper[0].start(): layout.paragraph_end(upper[0].start())] if upper else None


_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def from_inline_code(text: str, budget: ParseBudget) -> str | None:
    """Inline `SELECT ...` code spans: the last one that parses as a statement starting like SQL."""
    spans = [m.group(1) for m in _INLINE.finditer(text) if _STATEMENT_WORD.match(m.group(1))]
    parsed = [s for s in spans if budget.parses(s)]
    return parsed[-1] if parsed else None


Finder = Callable[[str, ParseBudget], "str | None"]
FINDERS: tuple[Finder, ...] = (from_json, from_tags, from_fences, from_bare_text, from_inline_code)


# ----------------------------------------------------------------------------- helpers


def _pick(blocks: list[str], budget: ParseBudget) -> str:
    parsed = [b for b in blocks if budget.parses(b)]
    return (parsed or blocks)[-1]


_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})")


def _fences(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, in order; an unclosed last fence runs to the end.

    "```sql\\nSELECT 1\\n```" -> [("sql", "SELECT 1\\n")]; "```SELECT 1```" -> [("", "SELECT 1")].
    """
    blocks: list[tuple[str, str]] = []
    pos = 0
    while (opening := _FENCE_OPEN.search(text, pos)) is not None:
        marker = opening.group(1)
        closing = text.find(marker[:3], opening.end())
        inner = text[opening.end(): closing if closing >= 0 else len(text)]
        blocks.append(_split_language(inner))
        if closing < 0:
            break
        pos = closing + len(marker[:3])
        while pos < len(text) and text[pos] == marker[0]:
            pos += 1                                # a longer closing fence
    return blocks


def _split_language(inner: str) -> tuple[str, str]:
    """Separate an info string ("sql", "SQL", "json") from the body; a body may start on the fence line."""
    first, newline, rest = inner.partition("\n")
    word = first.strip()
    if newline and (not word or re.fullmatch(r"[\w+#.\-]+", word)) and not _STATEMENT_WORD.match(word + " "):
        return word.lower(), rest
    head = re.match(r"\s*([A-Za-z]+)\s+", inner)
    if head and head.group(1).lower() in SQL_LANGS | {"json"}:
        return head.group(1).lower(), inner[head.end():]
    return "", inner


def _without_foreign_fences(text: str) -> str:
    """Blank out fences in other languages (python, bash) so code there is not read as SQL prose."""
    def blank(m: re.Match[str]) -> str:
        lang = m.group(2).lower()
        return " " * len(m.group(0)) if lang and lang not in SQL_LANGS else m.group(0)

    return re.sub(r"(`{3,}|~{3,})[ \t]*([\w+#.\-]*)[^\n]*\n.*?(?:\1|\Z)", blank, text, flags=re.DOTALL)


def _may_start(text: str, match: re.Match[str]) -> bool:
    if match.group(1).isupper():
        return True
    line_start = text.rfind("\n", 0, match.start()) + 1
    before = text[line_start: match.start()]
    return bool(_MARKDOWN_ONLY.match(before) or _AFTER_LABEL.search(before))


class _Layout:
    """Line ends, weak ends and prose-paragraph starts of a text, found once, looked up by bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_ends = [m.start() for m in re.finditer("\n", text)]
        self.weak_ends = sorted({m.start() for m in _WEAK_END.finditer(text)})
        self.prose_cuts = [
            m.start() for m in _PROSE_PARAGRAPH.finditer(text)
            if text[m.end(): m.end() + 20].split(None, 1)[0].strip(".,:;!?*").lower() not in _SQL_TITLE_WORDS
        ]

    def paragraph_end(self, start: int) -> int:
        """Where the first following paragraph that reads as prose begins (or the end), within MAX_SQL_CHARS."""
        i = bisect.bisect_right(self.prose_cuts, start)
        end = self.prose_cuts[i] if i < len(self.prose_cuts) else len(self.text)
        return min(end, start + MAX_SQL_CHARS)

    @staticmethod
    def last_before(points: list[int], low: int, high: int) -> int | None:
        """The largest point with low < point <= high, or None."""
        i = bisect.bisect_right(points, high)
        return points[i - 1] if i and points[i - 1] > low else None


def _longest_parse(layout: _Layout, start: int, budget: ParseBudget) -> int | None:
    """End of the longest span from ``start`` that parses, or None.

    Starts with the whole paragraph; each failed parse says where it broke, and the next try ends before
    that point: at a line end if one is there, else at a sentence end, a semicolon or a backtick.
    """
    stop = layout.paragraph_end(start)
    for _ in range(MAX_TRIES_PER_START):
        error = budget.error_at(layout.text[start:stop])
        if error is None:
            return stop
        limit = min(stop - 1, start + error)
        before = layout.last_before(layout.line_ends, start, limit)
        if before is None:
            before = layout.last_before(layout.weak_ends, start, limit)
        if before is None:
            return None
        stop = before
    return None
