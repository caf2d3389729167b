"""Ask instead of guessing: when two or three readings of a question remain, offer them as choices.

A phrase that names columns of several tables ("names"), or a table reached along several paths
("parts per nation": the supplier's nation or the customer's?) raises ``Ambiguity`` with the tables
that would settle it. Each is tried as a qualifier in front of the phrase ("supplier nation"); the
rewrites the planner reads on their own become ``Choice(label, question)``: the label is the reading
in plain words, the question is the one that picks it. Fewer than two (or more than three) readings
stay an abstention.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from catalog_semantics.model import SemanticModel
from catalog_semantics.question import QuestionWords
from nl2sql.answer import Choice
from nl2sql.planner.describe import describe
from nl2sql.planner.joins import Ambiguous, JoinGraph, Path
from nl2sql.planner.lexicon import lexicon_for
from nl2sql.planner.matching import Item, matched
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.tokens import question_words
from nl2sql.planner.words import word_list

MAX_CHOICES = 3
Reader = Callable[[str], tuple[QuerySpec, list[str], float]]


class Ambiguity(NotUnderstood):
    """Several readings remain; ``tables`` would each settle ``phrase`` (or, without a phrase, the
    words that name ``target``)."""

    def __init__(self, reason: str, words: tuple[str, ...], *, phrase: str = "", target: str = "",
                 tables: tuple[str, ...] = (), readings: tuple[str, ...] = ()) -> None:
        super().__init__(reason, words)
        self.phrase = phrase
        self.target = target
        self.tables = tables
        self.readings = readings        # words that replace ``phrase`` (instead of tables qualifying it)


def check_polar(question: str | QuestionWords) -> None:
    """'worst' and the like rank one way or the other depending on the measure: ask which.

    >>> try:
    ...     check_polar("which ship mode has the worst late delivery rate")
    ... except Ambiguity as e:
    ...     print(e.phrase, e.readings)
    worst ('highest', 'lowest')
    """
    polar = set(word_list("polar", "words"))
    found = next((w for w in question_words(question).words if w.lower() in polar), None)
    if found is not None:
        raise Ambiguity(f"“{found}” could mean the highest or the lowest here.", (found,), phrase=found,
                        readings=word_list("polar", "readings"))


def check_all_of(items: list[Item]) -> None:
    """'total kilometres ridden in 2025, all vehicle types': "all" before a column's name (not after "by") asks
    for one figure over every value or for one per value; ask which (vocabulary ``all_of``)."""
    said = set(word_list("all_of"))
    for before, it, nxt in zip([None, *items], items, [*items[1:], None]):
        if it.text.lower() in said and nxt is not None and nxt.kind == "concept" and nxt.concepts \
                and all(c.kind == "column" for c in nxt.concepts) and not (before is not None and before.has("group")):
            phrase = f"{it.text} {nxt.text}"
            raise Ambiguity(f"“{phrase}” could mean one figure over all of them or one for each.", (phrase,),
                            phrase=phrase, readings=(f"by {nxt.text}", ""))


def path_qualifiers(graph: JoinGraph, start: str, target: str) -> tuple[str, ...]:
    """Tables one step before ``target`` through which ``start`` reaches it unambiguously."""
    found: list[str] = []
    for src, edges in graph.edges.items():
        for e in edges:
            if e.dst != target or not e.up or src in (start, target) or src in found:
                continue
            try:
                if graph.path(start, target, src) is not None:
                    found.append(src)
            except Ambiguous:
                continue
    return tuple(found)


def path_through(graph: JoinGraph, start: str, target: str, tables: set[str]) -> Path | None:
    """Of the equally short paths from ``start`` to ``target`` (``Ambiguous``), the one that passes through a
    table the question already names ("spin class bookings by club": a booking's club through its class, not its
    member's home club); None unless exactly one does."""
    paths = [p for q in path_qualifiers(graph, start, target) if (p := graph.path(start, target, q)) is not None]
    shortest = min((len(p) for p in paths), default=0)
    named = {tuple(p) for p in paths if len(p) == shortest and any(e.dst in tables - {start, target} for e in p)}
    return next(iter(named)) if len(named) == 1 else None


def choices_for(question: str, model: SemanticModel, error: Ambiguity, read: Reader) -> tuple[Choice, ...]:
    """The readings the qualifiers give, each read again on its own; () unless two or three remain."""
    lex = lexicon_for(model)
    phrase = error.phrase or _phrase_naming(question, model, error.target)
    if not phrase:
        return ()
    out: list[Choice] = []
    pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
    rewrites = [re.sub(r"\s+([,.?!])|[\s,]+$", r"\1", pattern.sub(r, question, count=1)) for r in error.readings]
    for table in error.tables:
        qualifier = " ".join(lex.tables[table].words)
        if qualifier.lower() not in phrase.lower():
            rewrites.append(pattern.sub(_qualified(qualifier), question, count=1))
    for rewritten in rewrites:
        if rewritten == question:
            continue
        try:
            spec, notes, _ = read(rewritten)
        except NotUnderstood:
            continue
        out.append(Choice(label=describe(spec, lex, notes), question=rewritten))
    return tuple(out) if 2 <= len(out) <= MAX_CHOICES else ()


def _qualified(qualifier: str) -> Callable[[re.Match[str]], str]:
    """The replacement that puts a table's words before the phrase ('nation' -> 'supplier nation')."""
    def put(m: re.Match[str]) -> str:
        return f"{qualifier} {m.group(0)}"

    return put


def _phrase_naming(question: str, model: SemanticModel, target: str) -> str:
    """The words of the question that name a table or one of its columns or values."""
    if not target:
        return ""
    for it in matched(question, lexicon_for(model)):
        if it.kind == "concept" and any(c.table == target for c in it.concepts):
            return it.text
    return ""
