"""Conditions on tables reached one-to-many: an EXISTS (or a join when it cannot multiply a measure), so no
measure is ever counted twice."""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from nl2sql.planner.defaults import default_filter
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.spec import Condition, QuerySpec
from nl2sql.planner.compile_base import PathKey
from nl2sql.planner.compile_terms import TermCompiler


class ExistsCompiler(TermCompiler):
    # rows kept by key elsewhere (planner.compile_setops: "... but not ..."): each row once, never joined down
    exists_only = False

    def _is_down(self, c: Condition) -> bool:
        path = self.path_to(c.table, c.col.via if c.col else None)
        return any(not e.up for e in path)

    def _main_conditions(self) -> list[Condition]:
        return [c for c in self.spec.conditions if not self._is_down(c) and c.kind != "exists"]

    def _where(self, c: Condition) -> exp.Expr:
        return self.condition(c)

    def _exists(self) -> list[exp.Expr]:
        """Conditions across a one-to-many step: one EXISTS per child table, all its conditions inside."""
        groups: dict[PathKey, list[Condition]] = {}
        order: list[PathKey] = []
        for c in self.spec.conditions:
            if c.kind != "exists" and not self._is_down(c):
                continue
            path = self.path_to(c.table, c.col.via if c.col else None)
            k = next(i for i, e in enumerate(path) if not e.up) if any(not e.up for e in path) else len(path)
            key = tuple((e.src, e.dst, e.src_cols) for e in path[:k + 1])
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(c)
        joined = self._join_instead([groups[key] for key in order])
        out = []
        for key in order:
            if groups[key] is joined:
                out.extend(self._joined_group(joined))
            else:
                out.append(self._exists_group(groups[key]))
        return out

    def _join_instead(self, groups: list[list[Condition]]) -> list[Condition] | None:
        """The one positive child condition of a plain list or count, to be joined rather than tested
        with EXISTS: 'singers who have a song above 300000' lists each matching name once (DISTINCT) and
        'how many dogs had a treatment' counts distinct dogs, the way such questions are usually written
        (a join and DISTINCT), so the answer agrees with them even where DISTINCT is ignored."""
        s = self.spec
        positive = [g for g in groups if not any(c.negated for c in g)]
        if self.exists_only or any(c.kind == "exists" and c.op == ">=" for g in positive for c in g):
            return None          # "with at least one X" reads as a test of each row, as written
        if len(positive) != 1:
            return None
        if not s.measures and not s.dims:
            shown = set(s.projections) | (set(s.helpers) if self.helpful else set())
            # DISTINCT needs every sort key among the columns shown
            return positive[0] if all(o.col in shown for o in s.order) else None
        info = self.lex.tables[s.base]
        # grouped too when the question counts distinct rows ("number of distinct customers that ordered, per country")
        if (not s.dims or s.measures[0].fn == "count_distinct") and not s.having and len(s.measures) == 1 \
                and s.measures[0].kind == "rows" and s.measures[0].table == s.base and len(info.pk) == 1:
            return positive[0]
        return None

    def _joined_group(self, conds: list[Condition]) -> list[exp.Expr]:
        self.joined_down = True
        out = []
        for c in conds:
            alias = self._inner_alias(c, self.spec.base)
            if c.kind != "exists":
                out.append(self.condition(c, alias))
        out.extend(self._child_default(conds[0].table, self._inner_alias(conds[0], self.spec.base)))
        return out

    def _child_default(self, table: str, alias: str) -> list[exp.Expr]:
        """The default rows of a table tested for existence (``defaults_exists.py``): a sale the model counts."""
        f = default_filter(self.lex, table) if table in self.spec.default_filters and table != self.spec.base \
            else None
        return [self.model_sql(f.sql, table, (), alias=alias)] if f is not None else []

    def _exists_group(self, conds: list[Condition]) -> exp.Expr:
        first = conds[0]
        path = self.path_to(first.table, first.col.via if first.col else None)
        k = next((i for i, e in enumerate(path) if not e.up), None)
        if k is None:
            raise NotUnderstood(f"I could not tell how {first.table} relates to {self.spec.base}.", (first.text,))
        outer_alias = self.spec.base if k == 0 else self.alias_for(path[k - 1].dst)
        child = path[k]
        sub = type(self)(QuerySpec(child.dst), self.lex, self.graph, self.dialect)
        sub.used_names |= self.used_names
        sub_alias = sub._new_alias(child.dst)
        sub.aliases = {(): sub_alias}
        sub.spec = QuerySpec(child.dst)
        inner_conds: list[exp.Expr] = [
            exp.EQ(this=exp.column(dc, table=sub_alias), expression=exp.column(sc, table=outer_alias))
            for sc, dc in zip(child.src_cols, child.dst_cols)
        ]
        # "students who do not have a cat": no child row with the condition, rather than a child without it
        negated = any(c.negated for c in conds)
        # "channels that do not have any cartoon directed by Ben Jones": the negation is of the rows' existence,
        # so it covers the conditions on them too (no cartoon by him); a negated value beside a positive one
        # ("pets that are not cats" of students with a dog) could be either
        of_existence = {c.kind for c in conds if c.negated} == {"exists"}
        if negated and not of_existence and not all(c.negated or c.kind == "exists" for c in conds):
            raise NotUnderstood("I could not tell which part of the question the negation covers.", (first.text,))
        for c in conds:
            if c.kind == "exists":
                if c.table != child.dst:     # "policyholders who never made a claim": down to the claims
                    sub._inner_alias(c, sub_alias)
                continue
            alias = sub._inner_alias(c, sub_alias)
            inner_conds.append(sub.condition(replace(c, negated=False), alias))
        inner_conds.extend(self._child_default(child.dst, sub_alias))
        q = exp.select(exp.Literal.number(1)).from_(sub.table_expr(child.dst, sub_alias))
        for table, on in sub.joins:
            q = q.join(table, on=on)
        q = q.where(exp.and_(*inner_conds))
        self.used_names |= sub.used_names
        node = exp.Exists(this=q)
        return exp.not_(node) if negated else node
