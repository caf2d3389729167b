"""A threshold said of counted amounts of the rows listed: 'which brands sold at least 5500 units in 1998', 'which
terms had more than 5 units'. The amount (vocabulary ``counted_amounts``: units, quantity) lies on rows
below the ones listed, many to each; the threshold is on their total per listed row or value (HAVING), shown
beside it, never on one line's amount (no single line holds 5500 units)."""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.assemble_shares import ShareAssembler
from nl2sql.planner.spec import Dim, Having, Measure, QuerySpec
from nl2sql.planner.words import word_list

_COUNTED = frozenset(word_list("counted_amounts"))
_OPS = (">", ">=", "<", "<=")


class TotalsAssembler(ShareAssembler):
    def _totals_compared(self) -> QuerySpec | None:
        """The list read as a total per listed row or value compared with the number; None when it is not one."""
        r = self.r
        compares = [c for c in r.conditions if c.kind == "compare" and c.col is not None and not c.negated]
        if r.measures or r.having or len(compares) != 1 or compares[0].op not in _OPS or len(compares[0].values) != 1:
            return None
        c = compares[0]
        assert c.col is not None
        info = self.lex.tables[c.col.table]
        listed = {p.table for p, _ in r.projections} | {t for t, _, _ in r.entities}
        if not set(info.column_words.get(c.col.column, ())) & _COUNTED or c.col.column in info.keys \
                or len(listed) != 1 or (table := next(iter(listed))) == c.col.table or self.up(table, c.col.table):
            return None
        m = Measure("agg", c.col.table, "sum", col=c.col)
        self.r = replace(r, measures=(m,), conditions=tuple(x for x in r.conditions if x is not c),
                         having=(Having(0, c.op, (float(str(c.values[0])),)),),
                         dims=r.dims + tuple(Dim(p) for p, _ in r.projections), projections=(), distinct=False)
        return self._aggregate()
