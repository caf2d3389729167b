"""Which end of a measure is the worst: a follow-up's "worst" / "weakest" / "best" said of the previous answer.

"which mode did worst?" after a late delivery rate asks for the highest rate, "just the weakest one" after a
profit for the lowest. The measure's own words say which way is good: a word of vocabulary ``polar.adverse``
(late, scrap, cancelled) makes its highest the worst, one of ``polar.favourable`` (revenue, profit) its lowest.
A measure with neither, or both, leaves the word as it is (asked back, planner/clarify.py).
"""

from __future__ import annotations

from catalog_semantics.text import stem, words
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.words import phrases, word_list


def worst_is_highest(spec: QuerySpec) -> bool | None:
    """True when the previous answer's one shown measure is bad at its highest, False when good at its
    highest, None when its words do not say (or say both)."""
    said = measure_stems(spec)
    adverse = _names(said, phrases("polar", "adverse"))
    favourable = _names(said, phrases("polar", "favourable"))
    return adverse if adverse != favourable else None


def measure_stems(spec: QuerySpec) -> tuple[str, ...]:
    """The stems of the words naming the one shown measure: a metric's name, the column aggregated, the
    condition a share is of, and for a count of rows the conditions that say which rows ("late lines")."""
    shown = [m for m in spec.measures if not m.hidden]
    if len(shown) != 1:
        return ()
    m = shown[0]
    texts = [m.metric, m.col.column if m.col else ""]
    texts += [t for c in m.share_of for t in (c.filter_name, c.text)]
    if m.kind in ("rows", "rows_per"):
        texts += [t for c in spec.conditions if c.kind in ("filter", "in", "compare") for t in (c.filter_name, c.text)]
    return tuple(stem(w) for t in texts for w in words(t.replace("_", " ")))


def _names(said: tuple[str, ...], options: frozenset[tuple[str, ...]]) -> bool:
    return any(said[n:n + len(p)] == p for p in options for n in range(len(said)))


def polar_end(question: str, previous: QuerySpec) -> str:
    """The follow-up with "worst" / "weakest" (and "best" / "strongest") said as the end of the previous measure
    they mean: "top" / "bottom" before a number ("worst 5"), else "highest" / "lowest" ("worst one?").

    A question with no such word, or a measure whose words do not say which way is good, is returned as it is.
    """
    said = words(question)
    bad = set(word_list("polar", "words")) | set(word_list("followup", "ranking_ends", "other"))
    good = set(word_list("followup", "ranking_ends", "same"))
    if not any(w.lower() in bad | good for w in said):
        return question
    high = worst_is_highest(previous)
    if high is None:
        return question
    out = []
    for n, w in enumerate(said):
        low = w.lower()
        if low in bad | good:
            top = high == (low in bad)                  # the highest is meant
            numbered = n + 1 < len(said) and said[n + 1].isdigit()
            w = ("top" if top else "bottom") if numbered else ("highest" if top else "lowest")
        out.append(w)
    return " ".join(out)
