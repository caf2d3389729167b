"""Questions that ask for a share of a whole: the part of the rows (or of a metric) meeting conditions, or each
group's part of a total."""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.assemble_group import GroupingAssembler
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.spec import (
    Measure,
    Order,
    QuerySpec,
)
from nl2sql.planner.words import word_list


class ShareAssembler(GroupingAssembler):
    def _share(self) -> QuerySpec:
        r = self.r
        if "ratio" in r.words and any(w in r.words for w in word_list("ratio_sides")):
            # "ratio of urgent orders to low priority orders": two sides, each with its own condition
            raise NotUnderstood("A ratio of two different things is not something I can compute yet.", ("ratio",))
        plain = [c for c in r.conditions if c.kind in ("in", "filter", "contains", "compare")]
        if r.share_conditions and plain:
            # "what fraction of late items were shipped by TRUCK": which condition is the part and which
            # the whole depends on word order the reading does not keep; do not guess
            raise NotUnderstood("I could not tell which condition is the part and which the whole.",
                                tuple(c.text for c in (*r.share_conditions, *plain)))
        if not r.share_conditions:
            # "share of orders that are urgent": plain conditions are what the share is of
            part = tuple(c for c in r.conditions if c.kind in ("in", "filter", "contains", "compare"))
            self.r = r = replace(r, share_conditions=part, conditions=tuple(c for c in r.conditions if c not in part))
        if not r.share_conditions and (r.dims or r.unit_dims) and any(m.kind == "metric" for m in r.measures):
            return self._share_of_total()
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
        orders = [Order(False, dim=i) for i, d in enumerate(dims) if d.grain] or \
            ([Order(True, measure=0)] if dims else [])
        return QuerySpec(table, (m,), tuple(dims), (), tuple(conditions), (), tuple(orders), None, False)

    def _share_of_total(self) -> QuerySpec:
        """'what share of revenue does each region contribute': each group's part of the whole."""
        r = self.r
        metric = next(m for m in r.measures if m.kind == "metric")
        self.r = replace(r, share=False, measures=(Measure("share", metric.table, metric=metric.metric,
                                                           fn="total_percent" if r.percent else "total"),))
        spec = self._aggregate()
        return spec
