"""From a settled frame of the question to a query spec: the base table, what is shown, what is grouped,
which date column a period applies to, and the checks that keep measures from double counting.
"""

from __future__ import annotations

from nl2sql.planner.assemble_dates import _verb_of as _verb_of  # re-exported: followup.py uses it
from nl2sql.planner.assemble_list import ListingAssembler
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.spec import QuerySpec


class Assembler(ListingAssembler):
    """From a settled frame (``frame_rules.FRAME_RULES``) to a query spec (the steps are the parent classes,
    one module each)."""

    def assemble(self) -> QuerySpec:
        r = self.r
        if r.when:
            return self._when()
        if r.share:
            return self._share()
        if r.measures or any(t[1][0] in ("metric", "table", "measure") for t in r.extremes):
            return self._aggregate()
        if (r.dims or r.unit_dims) and not (r.entities or r.projections or r.conditions or r.extremes or r.orders
                                            or r.periods or r.limit) and _starts_with_grouping(r.words):
            # "by ship mode" alone: a grouping of nothing (usually a follow-up asked without its question)
            raise NotUnderstood("Grouped by what it names, but nothing is counted or measured.", ())
        return self._listing()


def _starts_with_grouping(stems: tuple[str, ...]) -> bool:
    """'by ship mode', 'per region': the question opens with a grouping word (not 'list each ...')."""
    from nl2sql.planner.vocabulary import cue_index

    cues = cue_index().get(stems[:1], ())
    return any(c.kind in ("group", "grain") for c in cues) and not any(c.kind == "list" for c in cues)
