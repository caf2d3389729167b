"""Why each candidate lost the vote, and what chose the answer when most ballots returned another result: the
vote's rules (``candidates.choose``) in words, for ``Answer.attempts`` and the answer's notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nl2sql.llm.extra_columns import Nested


@dataclass(frozen=True)
class Why:
    """What the vote counted, to say why a ballot lost (``lost``) and what chose the answer (``basis``)."""

    indexes: Sequence[int]                      # each ballot's position among the samples
    same: Sequence[Sequence[bool]]
    support: Sequence[int]
    useful: Sequence[bool]
    second: Sequence[float]
    weight: Sequence[float]
    centre: Sequence[float]
    fits: Sequence[float]
    moved: tuple[Nested, ...]

    def lost(self, i: int, w: int) -> str | None:
        """Why ballot ``i`` is not the answer ``w``, in the terms of the stated rule (None for the answer)."""
        n, support, second = len(self.indexes), self.support, self.second
        if i == w:
            return None
        if self.same[i][w]:
            return f"same result as the answer (candidate {self.indexes[w] + 1})"
        nest = self._nesting(i, w)
        if nest:
            return nest
        if not self.useful[i] and self.useful[w] and support[i] + second[i] >= support[w] + second[w]:
            return (f"{support[i]} of {n} candidates agree with its result, but it is empty (or only NULL or zero), "
                    f"which counts half; {support[w]} agree with the answer")
        if round(self.weight[i], 9) == round(self.weight[w], 9):
            why = ("empty result" if not self.useful[i] and self.useful[w] else "further from the other queries "
                   "written" if round(self.centre[i], 9) < round(self.centre[w], 9) else "a later sample")
            votes = f"{support[i]} of {n} agreeing" if self.weight[i] == support[i] else f"{self.weight[i]:g} votes"
            return f"tie on {votes}, lost on the tie rule ({why})"
        if support[i] >= support[w] and self.fits[i] < self.fits[w]:
            return (f"{support[i]} of {n} candidates agree with its result, {support[w]} with the answer, but the "
                    f"answer's query fits the question's words better ({self.fits[w]:.2f} against "
                    f"{self.fits[i]:.2f}: fit.py)")
        if support[i] >= support[w]:
            return (f"{support[i]} of {n} candidates agree with its result, {support[w]} with the answer, but the "
                    f"answer's query is the closest to more of the other candidates' (second preferences: "
                    f"{second[w]:g} against {second[i]:g})")
        return f"outvoted: {support[i]} of {n} candidates agree with its result, {support[w]} with the answer"

    def _nesting(self, i: int, w: int) -> str:
        for m in self.moved:
            if self.same[m.wide][i] and self.same[m.narrow][w] and not m.asked:
                return (f"its result is the answer's plus {', '.join(m.columns)}, which the question does not ask "
                        f"for; its {self.support[i]} ballots count for the answer")
            if self.same[m.narrow][i] and self.same[m.wide][w] and m.asked:
                return (f"its result is the answer's without {', '.join(m.columns)}, which the question asks for; "
                        f"its {self.support[i]} ballots count for the answer")
        return ""

    def basis(self, w: int) -> str:
        """When the answer is not the result most ballots returned, what chose it (else "")."""
        most = max(self.support)
        if self.support[w] >= most:
            return ""
        top = next(i for i in range(len(self.indexes)) if self.support[i] == most)
        if self._nesting(top, w):
            return (f"Another result was returned {most} times, but it is this one with columns added or dropped, "
                    "and the question's words say which (extra_columns.py).")
        if self.fits[w] > self.fits[top]:
            return (f"Another result was returned {most} times, but this query fits the question's words better "
                    f"({self.fits[w]:.2f} against {self.fits[top]:.2f}).")
        return (f"Another result was returned {most} times, but more of the other queries are closest to this one "
                "(second preferences).")
