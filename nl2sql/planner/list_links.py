"""A list's columns without the references named beside what they refer to: "the branch where the patron got
their card" (home_branch) is the way to the branch, not a column to show (its key said as such, "the branch id",
stays)."""

from __future__ import annotations

from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef


def without_links(lex: Lexicon, graph: JoinGraph, as_named: tuple[ColRef, ...], projections: list[ColRef]) -> list[ColRef]:
    """The projections less the foreign keys shown beside a column of the table they point at."""
    def link(p: ColRef) -> bool:
        info = lex.tables[p.table]
        targets = {e.dst for e in graph.edges.get(p.table, ()) if e.up and e.src_cols == (p.column,)}
        return p.column in info.keys and p.column not in info.pk and p not in as_named \
            and any(q.table in targets for q in projections if q != p)
    return [p for p in projections if not link(p)]
