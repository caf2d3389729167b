"""Words said around a question that are not part of it, tried only when the whole question is not read.

A leading clause before a break (vocabulary ``context_clauses.leading``: ", so", ", but", a dash) whose words name
nothing of the data ("sorry if this is a silly question, but how many ...") is context: the rest is read, and the
answer says which words were taken as context. A leading clause that names anything (a column, a value, a metric,
a period, a cue word) is never dropped. A trailing clause after a break (``context_clauses.trailing``: ", as in",
", going by") is dropped only when every word of it restates what the rest reads: a column, table or metric the
rest uses, a grain it groups or pairs by, words of the definition of a condition or metric it applies; otherwise
the question is declined naming those words. A purpose said after the question (``context_clauses.purpose``:
"so I can ...") is context when it names nothing that could narrow the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog_semantics.text import stem, words
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.lexicon_index import Concept
from nl2sql.planner.matching import Item, matched
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.tokens import question_words
from nl2sql.planner.words import word_list

Reading = tuple[QuerySpec, list[str], float]
# How the answer's notes name the words dropped (``is_context_note``).
CONTEXT_NOTES = ("Taken as context, not as part of the question:", "Taken as saying again what the question asks:")


def is_context_note(note: str) -> bool:
    """Whether an assumption note names words dropped around the question (the answer's notes say them too)."""
    return note.startswith(CONTEXT_NOTES)


@dataclass(frozen=True)
class Said:
    """What a reading uses, for telling whether a trailing clause says it again."""

    sql: str
    names: frozenset[str]              # its metrics and named filters
    tables: frozenset[str]             # the tables its measures, groupings, columns and conditions are on
    grains: frozenset[str]
    definitions: frozenset[str]        # stems of the descriptions of its named filters and metrics


def around_reading(text: str, read: Callable[[str], Reading], lex: Lexicon,
                   said: Callable[[QuerySpec], Said]) -> Reading | None:
    """The reading of the question without its context and restatement, with a note saying which words were
    dropped; None when it has neither, or the rest is not read either. Raises ``NotUnderstood`` naming the words
    of a trailing clause that restates nothing of the rest's reading."""
    notes: list[str] = []
    lead, rest = _split(text, word_list("context_clauses", "leading"), first=True)
    if lead and _names_nothing(lead, lex):
        notes.append(f"{CONTEXT_NOTES[0]} “{lead.strip()}”.")
        text = rest
    aim, purpose = _split(text, word_list("context_clauses", "purpose"), first=True)
    if purpose and _narrows_nothing(purpose, lex):
        notes.append(f"{CONTEXT_NOTES[0]} “{purpose.strip(' ?.!')}”.")
        text = aim
    main, clause = _split(text, word_list("context_clauses", "trailing"), first=False)
    inner = text[text.rfind(" (") + 2:] if " (" in text and text.rstrip(" ?.!").endswith(")") else ""
    if not clause and inner and not set(words(inner.lower())) & set(word_list("context_clauses", "narrowing")):
        main, clause = text[:text.rfind(" (")], inner      # "... open (nothing shipped yet)?", never "(only ...)"
    if not notes and not clause:
        return None
    try:
        spec, assumed, confidence = read(main if clause else text)
    except NotUnderstood:
        return None
    if clause:
        unsaid = _unrestated(clause, lex, said(spec))
        if unsaid:
            raise NotUnderstood("These words after the question do not restate what it asks.", unsaid)
        notes.append(f"{CONTEXT_NOTES[1]} “{clause.strip(' ?.!')}”.")
    return spec, [*assumed, *notes], confidence


def _split(text: str, breaks: tuple[str, ...], *, first: bool) -> tuple[str, str]:
    """The text before and after its first (or last) break, both stripped of the break; ("", "") without one.

    >>> _split("sorry, but how many orders, as in open ones", (", but ",), first=True)
    ('sorry', 'how many orders, as in open ones')
    >>> _split("how many orders?", (", but ",), first=True)
    ('', '')
    """
    low = text.lower()
    found = [(low.find(b) if first else low.rfind(b), b) for b in breaks]
    hits = [(at, b) for at, b in found if at > 0]
    if not hits:
        return "", ""
    # at one place, the longest break (", i need to know " before ", i need ")
    at, b = min(hits, key=lambda h: (h[0], -len(h[1]))) if first else max(hits, key=lambda h: (h[0], len(h[1])))
    return text[:at], text[at + len(b):]


def _names_nothing(clause: str, lex: Lexicon) -> bool:
    """Whether no word of a clause names anything of the data or any cue: only unknown words, stop words and words
    that ask to be shown something ("for the council report": a report, not a list asked)."""
    items = matched(question_words(clause), lex)
    return any(it.kind == "unknown" for it in items) and all(
        it.kind == "unknown" or it.kind == "cue" and all(c.kind in ("stop", "list") for c in it.cues) for it in items)


def _narrows_nothing(clause: str, lex: Lexicon) -> bool:
    """Whether a clause names no value, named filter, period or number: nothing that could narrow the rows."""
    items = matched(question_words(clause), lex)
    return not any(it.kind in ("number", "date", "literal") or any(c.kind in ("value", "filter") for c in it.concepts)
                   for it in items)


def _unrestated(clause: str, lex: Lexicon, said: Said) -> tuple[str, ...]:
    """The words of a trailing clause that say nothing the reading already uses. A negation restates only beside
    other words of a definition that has one ("nothing has shipped yet" of "none of whose items has shipped yet")."""
    low = f" {clause.lower().strip(' ?.!')} "
    if said.grains:
        for phrase in word_list("context_clauses", "side_by_side"):
            low = low.replace(f" {phrase} ", " ")
    items = matched(question_words(low.strip()), lex)
    negations = frozenset(word_list("context_clauses", "negations"))
    negated = [set(words(it.text)) <= negations for it in items]
    defined = any(not n and _defined(it, said) and not _stop(it) for it, n in zip(items, negated))
    negation_said = defined and bool(negations & said.definitions)
    return tuple(it.text for it, n in zip(items, negated) if not (negation_said if n else _restates(it, said)))


def _defined(it: Item, said: Said) -> bool:
    """Whether every word of an item is a word of the definition of what the reading applies."""
    return all(stem(w) in said.definitions for w in words(it.text))


def _stop(it: Item) -> bool:
    return it.kind == "cue" and any(c.kind == "stop" for c in it.cues)


def _restates(it: Item, said: Said) -> bool:
    if _defined(it, said) or _stop(it):
        return True
    if it.kind == "cue":
        return any(c.kind in ("unit", "grain") and c.arg in said.grains for c in it.cues)
    if it.kind == "concept":
        strongest = max((c.strength for c in it.concepts), default=0)   # what the word names best, unresolved
        return bool(it.concepts) and all(_used(c, said) for c in it.concepts if c.strength == strongest)
    return False


def _used(c: Concept, said: Said) -> bool:
    """Whether the reading uses what a word names: its metric or filter, its column (with its value), its table."""
    if c.kind in ("metric", "filter"):
        return c.name in said.names
    if c.kind in ("column", "value") and c.column:
        return f"{c.table}.{c.column}".lower() in said.sql and (c.kind == "column" or f"'{c.value}'" in said.sql)
    return c.kind == "table" and c.table in said.tables


def definition_stems(descriptions: list[str]) -> frozenset[str]:
    """The stems of the descriptions of what a reading applies, negation words kept whole.

    >>> sorted(definition_stems(["None shipped."]))
    ['none', 'ship', 'shipped']
    """
    return frozenset(f(w) for d in descriptions for w in words(d) for f in (stem, str))


def said_of(spec: QuerySpec, lex: Lexicon, sql: str) -> Said:
    """What a reading (and its SQL) uses."""
    conditions = (*spec.conditions, *(c for m in spec.measures for c in (*m.only, *m.share_of)))
    filters = {c.filter_name for c in conditions if c.filter_name}
    metrics = {m.metric for m in spec.measures if m.metric}
    described = [d for d in (*(lex.filters[f].description for f in filters if f in lex.filters),
                             *(lex.metrics[m].description for m in metrics if m in lex.metrics)) if d]
    grains = {d.grain for d in spec.dims if d.grain} | ({"year"} if any(m.only for m in spec.measures) else set())
    tables = {spec.base, *(m.table for m in spec.measures), *(d.col.table for d in spec.dims),
              *(p.table for p in spec.projections), *(c.table for c in spec.conditions)}
    return Said(sql.lower(), frozenset(filters | metrics), frozenset(tables), frozenset(grains),
                definition_stems(described))
