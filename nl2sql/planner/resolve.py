"""Choosing one meaning for each matched phrase, from the other phrases around it.

"name" may be any table's name and "open" an order or a line status: the strongest candidates are
kept, then those on a table the rest of the question mentions (or right next to it, "customer name"),
then those nearest in the join graph. Whatever stays ambiguous is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import replace


from nl2sql.planner.filter_values import flag_column, said_as_named, tested_values
from nl2sql.planner.joins import Ambiguous, JoinGraph
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.resolve_context import (
    list_owner,
    list_sibling,
    neighbour_tables,
    participle_of_owner,
    previous_table,
    strongest as strongest,
)
from nl2sql.planner.tokens import name_stem
from nl2sql.planner.words import word_list


def _same_meaning_once(concepts: tuple[Concept, ...], lex: Lexicon) -> tuple[Concept, ...]:
    """One meaning said two ways is not an ambiguity: a value that a named filter of the same words
    tests (filter `status = 'churned'`, value 'churned'), and a value of another table where the words
    name a metric ('billings' the metric, not the ticket category 'billing')."""
    filters = [c for c in concepts if c.kind == "filter" and c.name in lex.filters]
    tested = {t for f in filters for t in tested_values(lex.filters[f.name].sql, lex.dialect)}
    metrics = {c.table for c in concepts if c.kind == "metric"}
    flags = {(f.table, flag_column(lex.filters[f.name].sql)) for f in filters}   # "active users": is_active
    concepts = label_value_first(concepts, lex)
    return tuple(c for c in concepts if not (
        c.kind == "value" and (((c.column or "").lower(), (c.value or "").lower()) in tested
                               or (metrics and c.table not in metrics))
        or c.kind == "column" and (c.table, (c.column or "").lower()) in flags))


def _adjective_value(it: Item, nxt: Item | None, lex: Lexicon) -> Item:
    """'the open work orders': a word right before its table's noun that is one of its values and a word of one of
    its dates (wo_open_dt) is the value; a date is no adjective."""
    tables = {c.table for c in it.concepts}
    if it.kind != "concept" or nxt is None or len(tables) != 1 \
            or not any(c.kind == "table" and c.table in tables for c in nxt.concepts):
        return it
    dates, keep = lex.tables[next(iter(tables))].dates, tuple(c for c in it.concepts if c.kind == "value")
    dated = all(c.kind == "value" or c.kind == "column" and c.column in dates for c in it.concepts)
    return replace(it, concepts=keep) if keep and dated else it


def label_value_first(concepts: tuple[Concept, ...], lex: Lexicon) -> tuple[Concept, ...]:
    """'the Brno plant': a value stored in several columns of one table (the plant's name and its city) names the
    row by the column that names the table's rows (its label); the others of that table are dropped."""
    values = [c for c in concepts if c.kind == "value" and c.table in lex.tables]
    drop: set[Concept] = set()
    for table in {c.table for c in values}:
        mine = [c for c in values if c.table == table]
        labels = [c for c in mine if c.column in lex.tables[table].labels]
        if len({c.column for c in mine}) > 1 and len({c.column for c in labels}) == 1:
            drop |= {c for c in mine if c.column != labels[0].column}
    return tuple(c for c in concepts if c not in drop)


def _one_table(it: Item) -> bool:
    return it.kind == "concept" and len({c.table for c in it.concepts if c.kind == "table"}) == 1


def _distance(graph: JoinGraph, a: str, b: str) -> int:
    try:
        path = graph.path(a, b)
    except Ambiguous:
        return 50
    return 99 if path is None else len(path)


def _owned_word_no_value(items: list[Item]) -> list[Item]:
    """'for my case write-up': a word after a possessive ("my", "your") is the speaker's own thing, never a word found
    inside stored values ("case" of 'SM CASE'); it is left unknown, so the question is declined naming it."""
    owners = frozenset(word_list("owner_words"))
    return [Item("unknown", it.start, it.end, it.text) if n and items[n - 1].text.lower() in owners
            and it.kind == "concept" and it.concepts and all(c.kind == "valueword" for c in it.concepts) else it
            for n, it in enumerate(items)]


def resolve(items: list[Item], lex: Lexicon, graph: JoinGraph) -> tuple[list[Item], list[str]]:
    """Narrow every concept item to one concept where the context allows; returns ambiguous phrases."""
    items = participle_of_owner(_owned_word_no_value(_column_word_joins_value(items, lex)), graph)
    items = [replace(said_as_named(it, lex), concepts=_same_meaning_once(said_as_named(it, lex).concepts, lex))
             if it.kind == "concept" else it for it in items]
    items = [_adjective_value(it, items[n + 1] if n + 1 < len(items) else None, lex) for n, it in enumerate(items)]
    original = [it.concepts for it in items]
    items = [replace(it, concepts=strongest(it.concepts)) if it.kind in ("concept", "literal") else it
             for it in items]
    items = [_weak_in_context(it, original[n], items, n) for n, it in enumerate(items)]
    anchors, strong_anchors = _anchors(items)
    out: list[Item] = []
    ambiguous: list[str] = []
    for n, it in enumerate(items):
        named = _names_the_rows(it, items, n, lex) if it.kind == "concept" else None
        if named is not None:
            out.append(replace(it, concepts=(named,)))
            continue
        if it.kind not in ("concept", "literal") or len(it.concepts) <= 1:
            out.append(it)
            continue
        cands, unsure = _narrow(items, n, anchors, strong_anchors, graph, list_sibling(out))
        if unsure:
            ambiguous.append(it.text)
        out.append(it if cands is None else replace(it, concepts=cands))
    return out, ambiguous


def _anchors(items: list[Item]) -> tuple[set[str], set[str]]:
    """Tables the question names unambiguously; the strong ones by a table, metric or filter."""
    anchors: set[str] = set()
    strong_anchors: set[str] = set()
    for it in items:
        if it.kind == "concept" and len({(c.table, c.kind) for c in it.concepts}) == 1:
            anchors.add(it.concepts[0].table)
            if it.concepts[0].kind in ("table", "metric", "filter"):
                strong_anchors.add(it.concepts[0].table)
    return anchors, strong_anchors


def _narrow(items: list[Item], n: int, anchors: set[str], strong_anchors: set[str],
            graph: JoinGraph, sibling: str | None = None) -> tuple[tuple[Concept, ...] | None, bool]:
    """The meanings of item n left by its context, and whether a real ambiguity remains (None: keep the
    item as it is and report it)."""
    it = items[n]
    cands = it.concepts
    neighbours = neighbour_tables(items, n)
    previous = previous_table(items, n)
    # "which customers ...? names and countries": a plural column word of the rows the question lists
    subject = previous_table(items, min(n, next((k for k, x in enumerate(items) if _one_table(x)), n) + 1)) \
        if it.text.lower().endswith("s") else None
    owner, searched = list_owner(items, n), _literal_column_before(items, n)
    for pick in (
        lambda c, lit=searched: (c.table, c.column) == lit,      # "'green' in the name": the name searched
        lambda c, near=neighbours: c.table in near,
        lambda c, own=owner: c.table == own,
        lambda c, sib=sibling: c.table == sib,
        lambda c, prev=previous: c.table == prev,
        lambda c, first=subject: c.table == first,       # "which customers ...? names and countries"
        lambda c: c.table in strong_anchors,
        lambda c: c.table in anchors,
    ):
        narrowed = tuple(c for c in cands if pick(c))
        if narrowed:
            cands = narrowed
        if len(cands) == 1:
            break
    decided_by_anchor = len({c.table for c in it.concepts}) > 1 and not any(
        c.table in neighbours or c.table in (previous, owner, sibling, subject) for c in cands)
    if decided_by_anchor and len(strong_anchors) > 1 and it.kind == "concept" \
            and all(c.kind == "column" for c in it.concepts):
        # "the name ... for every concert ... singers": which table's name is a guess; say so
        return None, True
    if len(cands) > 1 and anchors:
        dist = {c: min(_distance(graph, a, c.table) for a in anchors) for c in cands}
        best = min(dist.values())
        cands = tuple(c for c in cands if dist[c] == best)
    # the same column (value under two spellings) is not an ambiguity
    if len(cands) > 1 and len({(c.kind, c.table, c.column, c.value, c.name) for c in cands}) > 1:
        kinds = {c.kind for c in cands}
        per_kind = [sum(c.kind == k for c in cands) for k in kinds]
        # one meaning of each kind is kept as is: the intent reads either meaning by position
        return cands, not (kinds <= {"table", "column", "metric", "filter"} and max(per_kind) == 1)
    return cands, False


def _column_word_joins_value(items: list[Item], lex: Lexicon) -> list[Item]:
    """'the series Sky Radio' where 'Sky Radio' is a ``series_name``: a word that only weakly names a table,
    right before a value whose column it names, is part of the value's phrase, not another table."""
    out: list[Item] = []
    n = 0
    while n < len(items):
        it = items[n]
        nxt = items[n + 1] if n + 1 < len(items) else None
        if nxt is not None and _names_value_column(it, nxt, lex):
            out.append(replace(nxt, start=it.start, text=f"{it.text} {nxt.text}"))
            n += 2
            continue
        out.append(it)
        n += 1
    return out


def _names_value_column(it: Item, nxt: Item, lex: Lexicon) -> bool:
    if not (it.kind == "concept" and it.concepts and nxt.kind == "concept" and nxt.concepts):
        return False
    if not all(c.kind == "table" and c.strength == 1 for c in it.concepts) \
            or not all(c.kind == "value" for c in nxt.concepts) \
            or len({(c.table, c.column) for c in nxt.concepts}) != 1:
        return False
    col = nxt.concepts[0]
    named = {name_stem(w) for w in lex.tables[col.table].column_words.get(col.column or "", ())}
    return name_stem(it.text.lower()) in named


def _weak_in_context(it: Item, everything: tuple[Concept, ...], items: list[Item], n: int) -> Item:
    """'supplier ... account balance': when the strong reading is a column of a table the question
    never mentions, a weaker reading on the table just named wins."""
    if it.kind != "concept" or not it.concepts or any(c.kind != "column" for c in it.concepts):
        return it
    # "a cat that is age 3": a column word right after a value is that value's row's column (pet_age), when
    # its table has one of that name, however weakly
    owner = _value_right_before(items, n)
    local = tuple(c for c in everything if c.kind == "column" and c.table == owner)
    if owner is not None and all(c.table != owner for c in it.concepts) and len(local) == 1:
        return replace(it, concepts=local)
    mentioned = {c.table for k, other in enumerate(items) if k != n for c in other.concepts
                 if other.kind == "concept" and c.kind == "table"
                 and sum(x.kind == "table" for x in other.concepts) == 1}
    if not mentioned or any(c.table in mentioned for c in it.concepts):
        return it
    previous = previous_table(items, n)
    for tables in ({previous} if previous else set(), mentioned):
        local = tuple(c for c in everything if c.kind == "column" and c.table in tables)
        if len(local) == 1:
            return replace(it, concepts=local)
    return it


def _literal_column_before(items: list[Item], n: int) -> tuple[str, str | None] | None:
    """The column of a quoted word said right before item n (stop words between allowed), when it names one."""
    k = n - 1
    while k >= 0 and items[k].kind == "cue" and items[k].has("stop") and not items[k].concepts:
        k -= 1
    cols = {(c.table, c.column) for c in items[k].concepts} if k >= 0 and items[k].kind == "literal" else set()
    return next(iter(cols)) if len(cols) == 1 else None


def _value_right_before(items: list[Item], n: int) -> str | None:
    """The table of the value named right before item n (stop words in between allowed), if one."""
    k = n - 1
    while k >= 0 and items[k].kind == "cue" and items[k].has("stop") and not items[k].concepts:
        k -= 1
    tables = {c.table for c in items[k].concepts} if k >= 0 and items[k].kind == "concept" else set()
    return next(iter(tables)) if len(tables) == 1 and all(c.kind == "value" for c in items[k].concepts) else None


def _names_the_rows(it: Item, items: list[Item], n: int, lex: Lexicon) -> Concept | None:
    """'names of orchestras' when the orchestra table has no column called name: its naming column."""
    if it.text.lower().rstrip("s") not in ("name", "title") or n + 1 >= len(items):
        return None
    before = items[n - 1] if n > 0 else None
    if before is not None and before.end == it.start and any(c.kind == "table" for c in before.concepts):
        return None                      # "singer names in concerts": the singers' names
    k = n + 1
    while k < len(items) and items[k].kind == "cue" and items[k].has("stop") and not items[k].concepts:
        k += 1
    if k >= len(items) or items[k].kind != "concept":
        return None
    tables = {c.table for c in strongest(items[k].concepts) if c.kind == "table"}
    if len(tables) != 1:
        return None
    table = next(iter(tables))
    if any(c.table == table for c in it.concepts):
        return None
    labels = lex.tables[table].labels
    if len(labels) != 1 or labels[0] in lex.tables[table].keys:
        return None
    return Concept("column", table, labels[0], value="label")
