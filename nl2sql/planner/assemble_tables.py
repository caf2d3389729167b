"""The base table of a query (the measure's grain), the tables on the way, and the conditions placed on them."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from nl2sql.planner.assemble_dates import DatedAssembler
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.joins import Ambiguous, all_up
from nl2sql.planner.spec import (
    ColRef,
    Condition,
    Dim,
    Measure,
)


class TablesAssembler(DatedAssembler):
    def _base(self, measures: list[Measure]) -> str:
        for m in measures:
            if m.kind == "rows_per" and not self.up(m.table, m.metric):
                raise NotUnderstood(f"I could not relate {m.table} to each {m.metric}.", (m.metric,))
        tables = [m.table for m in measures]
        for cand in tables:
            ok = True
            for m in measures:
                if m.table == cand:
                    continue
                if m.kind == "rows" and self.up(cand, m.table) and len(self.lex.tables[m.table].pk) == 1:
                    continue
                ok = False
            if ok:
                return cand
        raise NotUnderstood("These measures are computed at different levels of detail; ask for them "
                            "separately.", ())

    def _bridge_base(self, base: str, measures: list[Measure]) -> str:
        """'How many parts does each supplier offer': parts and suppliers meet in a table that refers
        to both; counting there (distinct parts) counts each once per supplier."""
        r = self.r
        wanted = [self._resolve_dim(d).col for d in r.dims]
        # "names of teachers and the number of courses they teach", "teachers who teach at least two courses":
        # the rows shown beside the count, and the rows ranked or compared by it, are groupings too
        wanted += [ref for ref, _pos in r.projections if ref.column not in self.lex.tables[ref.table].numeric]
        if r.having or r.extremes or r.limit or r.orders:
            wanted += [ColRef(t, "") for t, _pos, _plural in r.entities if t not in {m.table for m in measures}]
        if not wanted or all(self.up(base, w.table, w.via) for w in wanted):
            return base
        if not all(m.kind == "rows" and len(self.lex.tables[m.table].pk) == 1 for m in measures):
            return base
        tables = [w.table for w in wanted] + [w.via for w in wanted if w.via] + [m.table for m in measures]
        found = self._common_base(tables)
        return found or base

    def _common_base(self, tables: list[str]) -> str | None:
        """The table from which every given table is reached many-to-one, by the shortest total path."""
        scored = []
        for cand in self.lex.tables:
            total = 0
            for t in tables:
                try:
                    p = self.graph.path(cand, t)
                except Ambiguous:
                    p = None
                if p is None or not all_up(p):
                    break
                total += len(p)
            else:
                scored.append((total, cand))
        scored.sort()
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None
        return scored[0][1]

    def _conditions(self, base: str) -> list[Condition]:
        out = list(self.r.conditions) + self._time_conditions(base)
        for table, negated, pos in self.r.existence:
            if self.path(base, table) is None:
                raise NotUnderstood(f"I could not relate {table} to {base}.", (table,))
            counted = pos in self.r.at_least_one          # "with at least one car maker": stays EXISTS
            out.append(Condition("exists", table, op=">=" if counted else "=", values=(1,) if counted else (),
                                 negated=negated, text=table))
        for n, c in enumerate(out):
            path = self.path(base, c.table, c.col.via if c.col else None)
            if path is None:
                raise NotUnderstood(f"I could not relate {c.table} to {base}.", (c.text,))
            ups = [e.up for e in path]
            if False in ups and any(ups[: ups.index(False)]) and (moved := self._filter_on(base, c)) is not None:
                out[n] = moved
            elif False in ups and any(ups[: ups.index(False)]):      # up to a parent, then down: a sibling
                raise NotUnderstood(f"“{c.text}” is about {self._describe_table(c.table)}, which this "
                                    "question does not lead to.", (c.text,))
        return out

    def _filter_on(self, base: str, c: Condition) -> Condition | None:
        """'suppliers with a negative balance' when the model's filter is about customers' balance: a
        filter comparing one column with a constant applies to the question's own table when that table
        has exactly one column of the same name (prefix aside) and type."""
        if c.kind != "filter":
            return None
        f = self.lex.filters[c.filter_name]
        try:
            node = sqlglot.parse_one(f.sql)
        except sqlglot.errors.ParseError:
            return None
        ops: dict[type[exp.Expr], str] = {exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">=", exp.EQ: "="}
        op = ops.get(type(node))
        if op is None or not isinstance(node.this, exp.Column) or not isinstance(node.expression, exp.Literal):
            return None
        source = self.lex.tables[c.table]
        col = next((x for x in source.table.columns if x.name.lower() == node.this.name.lower()), None)
        if col is None or col.name not in source.numeric or not node.expression.is_number:
            return None
        target = self.lex.tables[base]
        same = [x for x in target.table.columns if x.name in target.numeric
                and target.column_words.get(x.name) == source.column_words.get(col.name)
                and x.type == col.type]
        if len(same) != 1:
            return None
        ref = ColRef(base, same[0].name)
        self.moved.append(ref)
        self.notes.append(f"“{c.text}” read as {' '.join(target.column_words.get(same[0].name, ()))} {op} "
                          f"{node.expression.name} on {base}")
        return Condition("compare", base, ref, op, (float(node.expression.name),), negated=c.negated, text=c.text)

    def _on_path(self, base: str, table: str, dims: list[Dim]) -> bool:
        """Whether a table the question names lies on the way to a grouping (so it was understood)."""
        for d in dims:
            if d.col.via == table:
                return True
            path = self.path(base, d.col.table, d.col.via) or ()
            if any(e.dst == table for e in path):
                return True
        return False

    def _leads_to_condition(self, base: str, table: str) -> bool:
        periods = [c.table for c in self._time_conditions(base)] if self.r.periods else []
        targets = [(c.table, c.col.via if c.col else None) for c in self.r.conditions] + \
            [(t, None) for t in periods]
        for t, via in targets:
            if t == table or via == table:
                return True
            if any(e.dst == table for e in (self.path(base, t, via) or ())):
                return True
        return False
