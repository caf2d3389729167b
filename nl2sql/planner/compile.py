"""A query spec compiled to SQL with sqlglot's expression builder (never by pasting strings).

Tables reached from the base table by many-to-one steps are joined; a condition on a table reached
through a one-to-many step becomes an EXISTS, so no measure is ever multiplied by a join.
"""

from __future__ import annotations

from sqlglot import exp

from nl2sql.planner.defaults import default_filter
from nl2sql.planner.describe import business_name
from nl2sql.planner.compile_base import _CMP, _name, _needs_quotes
from nl2sql.planner.compile_exists import ExistsCompiler
from nl2sql.planner.spec import ColRef, Having, Order, QuerySpec, column_of
from nl2sql.planner.text_numbers import TEXT_NUMBER


class Compiler(ExistsCompiler):
    """A query spec compiled to one SELECT (the steps are the parent classes, one module each)."""

    # ---- the query ------------------------------------------------------------------------------
    def compile(self) -> exp.Select:
        s = self.spec
        # conditions first: whether a child table is joined decides how rows are counted
        where = self._where_all()
        select, group, dim_exprs = self._dimensions()
        measure_exprs = [self.measure(m) for m in s.measures]
        measure_names = self._measures_shown(measure_exprs, select)
        listed = not s.measures and not s.dims
        for p in s.projections + (s.helpers if self.helpful else ()):
            if listed and p.table == s.base and p in s.projections:
                select.extend(self._shown(k) for k in self._label_keys(p, shown=True) if k not in s.projections)
            shown = self.column(p) if not self._as_stored(p) else exp.column(p.column, table=self.alias_for(
                p.table, p.via), quoted=_needs_quotes(p.column))
            select.append(shown if isinstance(shown, exp.Column) else exp.alias_(shown, p.column, quoted=False))
        query = exp.select(*select)
        if s.distinct or (self.joined_down and not s.measures):
            query = query.distinct()
        query = query.from_(self.table_expr(s.base, s.base))
        if where:
            query = query.where(exp.and_(*where))
        if group and s.measures:
            query = query.group_by(*group)
        for h in s.having:
            query = query.having(self._having(h, measure_exprs[h.measure].copy()))
        for o in s.order:
            query = query.order_by(exp.Ordered(this=self._order_key(o, measure_names, measure_exprs, dim_exprs),
                                               desc=o.desc))
        if s.limit is not None:
            query = query.limit(s.limit)
        # joins may have been added while building ORDER BY / HAVING: add FROM's joins last
        for table, on in self.joins:
            query = query.join(table, on=on)
        return self._groups_counted(query) if s.count_groups else query

    def _groups_counted(self, grouped: exp.Select) -> exp.Select:
        """'how many customers placed more than 20 orders': the number of groups the grouped query keeps."""
        name = f"{self.spec.dims[0].name or self.spec.dims[0].col.table}_count"
        return exp.select(exp.alias_(exp.Count(this=exp.Star()), name, quoted=False)).from_(
            grouped.subquery("kept", copy=False))

    def _as_stored(self, ref: ColRef) -> bool:
        """A number the engine found stored as text is shown as stored ('85.5'): only comparing or adding needs it cast."""
        col = self.lex.tables[ref.table].table.column(ref.column) if ref.table in self.lex.tables else None
        return col is not None and TEXT_NUMBER in col.tags

    def compile_other(self, spec: QuerySpec) -> exp.Select:
        return Compiler(spec, self.lex, self.graph, self.dialect, helpful=False).compile()

    def _where_all(self) -> list[exp.Expr]:
        """The WHERE conditions: the spec's own, EXISTS for child tables, the base table's default rows."""
        s = self.spec
        where = [self._where(c) for c in self._main_conditions()] + self._exists()
        for table in s.default_filters:          # the overlay's default rows of the base table
            f = default_filter(self.lex, table)
            if f is not None and table == s.base:
                where.append(self.model_sql(f.sql, table, (), alias=s.base))
        return where

    def _dimensions(self) -> tuple[list[exp.Expr], list[exp.Expr], list[exp.Expr]]:
        """The groupings: their SELECT items (named), GROUP BY keys, and expressions (for ORDER BY)."""
        self._names: set[str] = set()
        select: list[exp.Expr] = []
        group: list[exp.Expr] = []
        dim_exprs: list[exp.Expr] = []
        for d in self.spec.dims:
            e = self._grain(self.column(d.col), d.grain)
            dim_exprs.append(e)
            label = d.name or business_name(self.lex.tables[d.col.table], d.col.column)
            keys = tuple(dict.fromkeys((*self._label_keys(d.col, shown=False), *self._label_keys(d.col, shown=True)))
                         ) if d.grain is None else ()     # a code shown beside the name is grouped by too
            select.extend(self._shown(k) for k in (self._label_keys(d.col, shown=True) if d.grain is None else ()))
            select.append(exp.alias_(e, _name(label, self._names), quoted=False))
            group.extend(self.column(k) for k in keys if k not in d.keys)
            for k in d.keys:            # a person named by first and last name shows both
                if d.grain is None and k.column in self.lex.tables[k.table].labels:
                    select.append(exp.alias_(self.column(k), _name(business_name(self.lex.tables[k.table], k.column),
                                                                   self._names), quoted=False))
            # keys first: rows tied on a ranking then come out in key order, as most databases group them
            group.extend(self.column(k) for k in d.keys)
            group.append(e.copy())
        return select, group, dim_exprs

    def _label_keys(self, ref: ColRef, shown: bool) -> tuple[ColRef, ...]:
        """The key beside a name that repeats: grouped by (``TableInfo.told_key``), so two people of one name are
        never merged, and shown before it only when the overlay's instructions ask (``TableInfo.shown_key``,
        planner/lexicon_keys.py): golds written for business models split on showing it. Only with helpful
        columns: as asked (Spider's convention) "by member name" groups by the name, as Spider's golds do."""
        info = self.lex.tables.get(ref.table)
        if not self.helpful or info is None or ref.column not in info.labels:
            return ()
        return tuple(ColRef(ref.table, k, ref.via) for k in (info.shown_key if shown else info.told_key))

    def _shown(self, key: ColRef) -> exp.Expr:
        name = business_name(self.lex.tables[key.table], key.column)
        return exp.alias_(self.column(key), _name(name, self._names), quoted=False)

    def _measures_shown(self, measure_exprs: list[exp.Expr], select: list[exp.Expr]) -> list[str | None]:
        """Adds the shown measures to SELECT; their names (None for a hidden one)."""
        names: list[str | None] = []
        for m, e in zip(self.spec.measures, measure_exprs):
            if m.hidden and not self.helpful:
                names.append(None)
                continue
            label = _name(self._measure_label(m), self._names)
            names.append(label)
            select.append(exp.alias_(e, label, quoted=False))
        return names

    @staticmethod
    def _having(h: Having, e: exp.Expr) -> exp.Expr:
        if len(h.values) == 2:
            return exp.Between(this=e, low=exp.Literal.number(h.values[0]), high=exp.Literal.number(h.values[1]))
        return _CMP[h.op if h.op in _CMP else ">"](this=e, expression=exp.Literal.number(h.values[0]))

    def _order_key(self, o: Order, measure_names: list[str | None], measure_exprs: list[exp.Expr],
                   dim_exprs: list[exp.Expr]) -> exp.Expr:
        if o.measure is not None:
            name = measure_names[o.measure]
            return exp.column(name) if name else measure_exprs[o.measure].copy()
        if o.dim is not None:
            return dim_exprs[o.dim].copy()
        return self.column(column_of(o))
