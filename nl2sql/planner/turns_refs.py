"""Words of a turn that point back at an earlier answer (``turns``): a phrase that only makes sense about one
("how many invoices is that?", "that year"), and earlier rows said as several ("are they")."""

from __future__ import annotations

from catalog_semantics.question import QuestionWords
from nl2sql.planner.tokens import question_words
from nl2sql.planner.words import phrases


def _plural_ref(words: QuestionWords) -> bool:
    """'which routes are they on?': earlier rows as several (``followup.plural_refs``), after an unanswered turn
    the unanswered ones."""
    return any(words.stems[n:n + len(p)] == p for p in phrases("followup", "plural_refs") for n in range(len(words.stems)))


def refers_back(question: str) -> bool:
    """Whether the question only makes sense about an earlier answer (vocabulary.yaml ``context_only``, and the
    words naming the period already in place, ``followup.same_period``: "that year" is no grouping by year).

    >>> refers_back("how many invoices is that?"), refers_back("which of those has the most parts?")
    (True, True)
    >>> refers_back("how much discount did it give away that year"), refers_back("how many invoices are open?")
    (True, False)
    """
    stems, said = question_words(question).stems, phrases("context_only") | phrases("followup", "same_period")
    return any(stems[n:n + len(p)] == p for p in said for n in range(len(stems)))
