"""A share whose period is the date of the very event its numerator counts: "rate of cancelled reservations in
2024" dated by the cancellation date keeps only cancelled rows in the denominator too, so it is 100% whatever the
data says. Declined naming the words, so the user says which date the period is of."""

from __future__ import annotations

from catalog_semantics.text import stem, words
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import Condition, QuerySpec
from nl2sql.planner.words import word_list


def no_share_dated_by_its_event(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """Raise when a share's period is on a date that a word of its numerator's condition names ("cancelled":
    the cancellation date); the rows' own noun ("reservations": the booking date) does not count."""
    dated = {(c.col.table, c.col.column) for c in spec.conditions if c.kind in ("range", "month") and c.col}
    if not dated:
        return spec, ()
    for m in spec.measures:
        for c in m.share_of if m.kind == "share" else ():
            if _event_dates(c, lex) & dated:
                raise NotUnderstood(f"A share of “{c.text}” over a period of its own date is always all of "
                                    "them; say which date the period is of.", (c.text,))
    return spec, ()


def _event_dates(c: Condition, lex: Lexicon) -> set[tuple[str, str]]:
    """The date columns the words of a condition name as events, its table nouns left out."""
    suffixes = tuple(word_list("nominal_suffixes"))
    found: set[tuple[str, str]] = set()
    for w in words(c.text):
        s = stem(w)
        if any(k.kind == "table" for k in lex.names.get((s,), ())):
            continue
        verb = next((s[: -len(x)] for x in suffixes if s.endswith(x) and len(s) > len(x) + 2), s)
        found |= lex.date_names.get(verb, set())
    return found
