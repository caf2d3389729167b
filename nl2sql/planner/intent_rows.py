"""Counts and amounts of the rows a comparison is about: "customers with 4 or more open accounts" (the rows a named
filter keeps, counted per group), "supply offers with fewer than 100 units available" (each row's own amount, where
the metric adds up one column of those very rows), "how many customers placed more than 20 orders" (the groups such
a count keeps, counted). A mixin of ``Reader``."""

from __future__ import annotations

from nl2sql.planner.frame_rules import _sums_column
from nl2sql.planner.intent_text import TextSteps
from nl2sql.planner.items import Item
from nl2sql.planner.reading import _one
from nl2sql.planner.spec import ColRef, Condition


class RowsCompared(TextSteps):
    """Steps that read what a number compares when it counts or measures the rows themselves."""

    def _kept_rows(self, k: int, v: float | None, post: Item | None) -> str | None:
        """'customers with 4 or more open accounts': after "or more" (``post``), the table of the rows the named
        filter at k keeps, its condition read; none for "1 or more" (some such row exists)."""
        kept = _one(self.seq[k], "filter") if k < len(self.seq) and k not in self.used else None
        if kept is None or post is None or not post.has("cmp_post") or (v, post.arg("cmp_post")) == (1, ">="):
            return None
        self.r.conditions.append(Condition("filter", kept.table, filter_name=kept.name, text=self.seq[k].text))
        return kept.table

    def _own_amount(self, op: str, values: tuple[float, ...], end: int) -> bool:
        """'supply offers with fewer than 100 units available': a metric that adds up one column of the very rows
        listed or counted compares each row's own amount, not a total per group."""
        nxt = self.at(end)
        m = _one(nxt, "metric") if nxt is not None and end not in self.used else None
        if m is None or nxt is None:
            return False
        rows = {t for t, _, _ in self.r.entities} | {x.table for x in self.r.measures if x.kind == "rows"}
        metric = self.lex.metrics.get(m.name or "")
        cols = [c for c in self.info(m.table).numeric if metric is not None and m.table in rows
                and _sums_column(metric.sql, c, self.lex.dialect)]
        if len(cols) != 1 or m.table is None:
            return False
        self.used.add(end)
        col = ColRef(m.table, cols[0])
        self.r.conditions.append(Condition("compare", m.table, col, op, values, text=nxt.text))   # the words it reads
        return True

    def _groups_counted(self, j: int, op: str, end: int) -> bool:
        """'how many customers placed more than 20 orders': the rows counted are the ones a number of other rows
        is compared for, so they become the groups the comparison keeps and the answer is how many there are.
        Only "more than" / "at least": a group with none of the other rows has no group to be kept by "fewer than"."""
        if len(self.r.measures) != 1 or op not in (">", ">="):
            return False
        m = self.r.measures[0]
        other = self.table(end)
        if not (m.kind == "rows" and m.fn == "count" and not m.hidden and other is not None and other != m.table):
            return False
        pos = next((n for n in range(j) if self.table(n, current=True) == m.table), None)
        if pos is None:
            return False
        self.r.measures.pop()
        self.r.entities.append((m.table, pos, True))
        self.r.count_groups = True
        return True
