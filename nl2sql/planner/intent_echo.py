"""'which five officers lent the most in 2025, with the amounts please': after a measure, a plural word for what is
measured, said as what is shown beside the rows (vocabulary ``measure_echoes``), is that measure, already shown."""

from __future__ import annotations

from nl2sql.planner.matching import Item
from nl2sql.planner.words import word_list

_ECHOES = frozenset(word_list("measure_echoes", "words"))
_LEADS = tuple(tuple(p.split()) for p in word_list("measure_echoes", "leads"))


def echoes_measure(it: Item, before: list[str], measured: bool) -> bool:
    """Whether ``it`` only restates the measure read before it ("... the largest loan volume, with the amounts"): one
    of the echo words right after a lead (``before``: the question's words before it), once a measure or a ranking by
    one was read (``measured``)."""
    if it.kind not in ("concept", "unknown", "cue") or it.text.lower() not in _ECHOES or not measured:
        return False
    said = tuple(w for w in before if w)
    return any(said[-len(lead):] == lead for lead in _LEADS)


def words_before(items: list[Item], it: Item) -> list[str]:
    """The question's words before ``it``, from every matched item (stop words included)."""
    return [w for x in items if x.end <= it.start for w in x.text.lower().split()]
