"""Questions that ask for a share of a whole: the part of the rows (or of a metric) meeting conditions, or each
group's part of a total."""

from __future__ import annotations

from nl2sql.planner.assemble_group import GroupingAssembler
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.period_order import time_order, with_start_dates
from nl2sql.planner.spec import (
    Measure,
    Order,
    QuerySpec,
)


class ShareAssembler(GroupingAssembler):
    def _share(self) -> QuerySpec:
        """A share of the rows (or of a metric) meeting conditions: its part and whole were settled by
        ``frame_shares.share_sides`` (and a group's part of a total by ``share_of_total``)."""
        r = self.r
        if not r.share_conditions:
            raise NotUnderstood("A share of what? Name the condition.", ())
        metric = next((m for m in r.measures if m.kind == "metric"), None)
        table = r.share_table or (metric.table if metric else None) or self._subject() \
            or r.share_conditions[0].table
        m = Measure("share", table, metric=metric.metric if metric else "", share_of=tuple(r.share_conditions),
                    fn="percent" if r.percent else "")
        dims = [self._resolve_dim(d) for d in r.dims] + self._grain_dims(table)
        for c in r.share_conditions:
            if not self.up(table, c.table, c.col.via if c.col else None):
                raise NotUnderstood("That share would count some rows more than once.", (c.text,))
        conditions = self._conditions(table)
        orders = time_order(dims, self.lex) or ([Order(True, measure=0)] if dims else [])
        if any(o.col is not None for o in orders):
            dims = with_start_dates(dims, self.lex)
        return QuerySpec(table, (m,), tuple(dims), (), tuple(conditions), (), tuple(orders), None, False)
