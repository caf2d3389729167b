"""A verb of money said where a measure should be: "customers who spent the most", "how much did we sell to
Germany", "spent more than 400k with us". The verb is of the metric its noun names ("spend", "sales":
vocabulary ``verb_metrics``), when exactly one metric of the model is so named; otherwise nothing is read and the
step that asked declines as before.

A mixin of ``Reader``: the steps share the reader's state (the phrases, what is used, the reading).
"""

from __future__ import annotations

from nl2sql.planner.intent_base import ReaderBase
from nl2sql.planner.lexicon import Concept
from nl2sql.planner.reading import _stem
from nl2sql.planner.words import vocabulary

_VERBS: dict[str, tuple[str, ...]] = {verb: tuple(str(n) for n in nouns)
                                      for nouns, verbs in ((v["nouns"], v["verbs"])
                                                           for v in vocabulary().get("verb_metrics") or ())
                                      for verb in verbs}


class VerbMetricSteps(ReaderBase):
    """The metric a money verb names; mixed into ``Reader``."""

    def _verb_metric(self, j: int, *, after: bool = False) -> Concept | None:
        """The metric of the money verb right before the item at j ("spent the most"), or right after it with
        ``after`` ("how much did we sell"): the words between it and the next item, and that item if unknown."""
        k = j + 1 if after else j - 1
        near = self.at(k)
        lo, hi = (self.seq[j].end, near.start if near is not None else len(self._raw_words)) if after \
            else (near.end if near is not None else 0, self.seq[j].start)
        said = list(self._raw_words[lo:hi])
        own = near is not None and near.kind == "unknown" and k not in self.used
        if own and near is not None:
            said.append(near.text.lower())
        verbs = [w for w in said if w in _VERBS]
        if len(verbs) != 1:
            return None
        for noun in _VERBS[verbs[0]]:
            metrics = {c for c in self.lex.names.get((_stem(noun),), ()) if c.kind == "metric"}
            if len(metrics) == 1:
                if own and near is not None and near.text.lower() == verbs[0]:
                    self.used.add(k)
                return next(iter(metrics))
            if metrics:
                return None              # two metrics of that name: which one is a guess
        return None
