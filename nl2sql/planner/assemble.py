"""From a settled frame of the question to a query spec: the base table, what is shown, what is grouped,
which date column a period applies to, and the checks that keep measures from double counting.
"""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.assemble_dates import _verb_of as _verb_of  # re-exported: followup.py uses it
from nl2sql.planner.assemble_list import ListingAssembler
from nl2sql.planner.frame import Extreme, Frame
from nl2sql.planner.frame_rules import _sums_column
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.joins import JoinGraph, up_from
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.spec import ColRef, QuerySpec


class Assembler(ListingAssembler):
    """From a settled frame (``frame_rules.FRAME_RULES``) to a query spec (the steps are the parent classes,
    one module each)."""

    def assemble(self) -> QuerySpec:
        spec = self._assembled()
        if self.r.time_desc is not None and not spec.dims:
            raise NotUnderstood("I could not tell which dates to put in that order.", ())   # a list: not yet
        if not self.r.count_groups:
            return spec
        if not (spec.dims and spec.having) or spec.setop is not None:
            raise NotUnderstood("I could not tell which groups to count.", ())
        # how many groups the comparison keeps: their order and any cut do not change that number
        return replace(spec, count_groups=True, order=(), limit=None)

    def _assembled(self) -> QuerySpec:
        self.r = totals_below(self.r, self.lex, self.graph)
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


def totals_below(f: Frame, lex: Lexicon, graph: JoinGraph) -> Frame:
    """'which brand moved the most units': a number of the rows below the ones asked about, or of the rows an
    attribute is shared by, ranks them by its total, the one metric that adds it up ("quantity sold"), as
    "which brand has the highest revenue" does; with no such metric the list is declined later."""
    listed = [p for p, pos in f.projections if pos >= 0]
    if f.measures or f.dims or not f.extremes or len(listed) != 1 or f.words[:1] not in (("which",), ("what",)):
        return f
    top, info = listed[0].table, lex.tables[listed[0].table]
    # an attribute many rows share ("which 3 clerks booked the highest order value"): its rows' total too
    shared = listed[0].column not in (*info.pk, *info.labels, *info.keys)
    targets: list[Extreme] = []
    for desc, target, pos in f.extremes:
        col = target[1] if target[0] == "column" else None
        if not isinstance(col, ColRef) or not (col.table == top and shared or up_from(graph, col.table, top)):
            return f
        names = [m.name for m in lex.metrics.values() if m.table.lower() == col.table
                 and _sums_column(m.sql, col.column, lex.dialect)]
        if len(names) != 1:
            return f
        targets.append((desc, ("metric", Concept("metric", col.table, name=names[0])), pos))
    return replace(f, extremes=tuple(targets))
