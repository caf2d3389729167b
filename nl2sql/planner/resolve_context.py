"""The tables around a matched phrase that decide which table's column or value it is: those named right beside it,
the table after a list of columns, the column read just before it in the same list, the nearest table before it;
and the strongest of a phrase's meanings."""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.joins import Ambiguous, JoinGraph
from nl2sql.planner.lexicon import Concept
from nl2sql.planner.matching import Item
from nl2sql.planner.words import word_list

_PARTICIPLE = tuple(word_list("participle_suffixes"))


def strongest(concepts: tuple[Concept, ...]) -> tuple[Concept, ...]:
    if not concepts:
        return concepts
    top = max(c.strength for c in concepts)
    kept = tuple(c for c in concepts if c.strength == top)
    # "the largest area": a word that names a column, even weakly, before one only seen inside values
    kept = tuple(c for c in kept if c.kind != "valueword") if any(c.kind == "column" for c in kept) else kept
    tables = [c for c in kept if c.kind == "table"]
    if len(tables) == 1 and all(c.kind in ("table", "column") for c in kept):
        return (tables[0],) + tuple(c for c in kept if c.kind == "column" and c.table == tables[0].table
                                    and not _is_label(c))
    # a table and its own naming column ("customer": table and c_name) mean the table
    named = {c.table for c in kept if c.kind == "table"}
    return tuple(c for c in kept if not (c.kind == "column" and c.table in named and _is_label(c)))


def _is_label(c: Concept) -> bool:
    # set by the lexicon: whether the column names the rows of its table (name, title)
    return c.value == "label"


def neighbour_tables(items: list[Item], n: int) -> set[str]:
    """Tables named right before or after item n (stop words in between allowed)."""
    found: set[str] = set()
    for step in (-1, 1):
        k = n + step
        while 0 <= k < len(items) and items[k].kind == "cue" and items[k].has("stop") and not items[k].concepts:
            k += step
        if 0 <= k < len(items) and items[k].kind == "concept":
            tables = {c.table for c in strongest(items[k].concepts) if c.kind == "table"}
            found.update(tables or {c.table for c in items[k].concepts if c.kind in ("column", "filter")})
    return found


def list_owner(items: list[Item], n: int) -> str | None:
    """'the name and capacity of the stadium': the table named right after a list of columns owns them (one said
    right after "and" is in the list: "names and countries")."""
    k = n + 1
    while k < len(items):
        it = items[k]
        if it.kind == "cue" and not it.concepts and (it.has("and", "stop") or it.text in (",", ";")):
            k += 1
            continue
        if it.kind != "concept":
            return None
        tables = {c.table for c in strongest(it.concepts) if c.kind == "table"}
        if len(tables) == 1:     # "names and countries": a table right after "and" is listed too, not the owner
            return None if items[k - 1].has("and") or items[k - 1].text == "," else next(iter(tables))
        if not all(c.kind == "column" for c in it.concepts):
            return None
        k += 1
    return None


def list_sibling(done: list[Item]) -> str | None:
    """'the owner id, first name and last name': the table of the column read just before, in the same list
    (joined by a comma or 'and'), when it was read as one table's column."""
    k = len(done) - 1
    while k >= 0 and done[k].kind == "cue" and not done[k].concepts and done[k].has("and"):
        k -= 1
    if k < 0 or done[k].kind != "concept" or not done[k].concepts or any(c.kind != "column" for c in done[k].concepts):
        return None
    tables = {c.table for c in done[k].concepts}
    return next(iter(tables)) if len(tables) == 1 else None


def previous_table(items: list[Item], n: int) -> str | None:
    """The nearest table named before item n: 'suppliers in Canada whose name' -> supplier."""
    for k in range(n - 1, -1, -1):
        it = items[k]
        if it.kind == "concept" and any(c.kind == "table" for c in it.concepts):
            tables = {c.table for c in it.concepts if c.kind == "table"}
            return next(iter(tables)) if len(tables) == 1 else None
    return None


def participle_of_owner(items: list[Item], graph: JoinGraph) -> list[Item]:
    """'line items ordered in 1996': a participle ("ordered", vocabulary ``participle_suffixes``) right after a
    table's noun, naming by its stem only the record those rows belong to (an order), is its verb, not a second
    noun to count: the item is left unknown, for the date the verb names (``Lexicon.date_hints``)."""
    out = list(items)
    for n in range(1, len(items)):
        it, before = items[n], items[n - 1]
        word = it.text.lower()
        named = strongest(it.concepts)
        owners = {c.table for c in named if c.kind == "table"}
        rows = {c.table for c in before.concepts if c.kind == "table"} if before.kind == "concept" else set()
        if it.kind != "concept" or " " in word or not word.endswith(_PARTICIPLE) or len(owners) != 1 \
                or len(named) != 1 or len(rows) != 1 or owners == rows:
            continue
        try:
            path = graph.path(next(iter(rows)), next(iter(owners)))
        except Ambiguous:
            continue
        if path and all(e.up for e in path):
            out[n] = replace(it, kind="unknown", concepts=())
    return out
