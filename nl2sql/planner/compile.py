"""A query spec compiled to SQL with sqlglot's expression builder (never by pasting strings).

Tables reached from the base table by many-to-one steps are joined; a condition on a table reached
through a one-to-many step becomes an EXISTS, so no measure is ever multiplied by a join.
"""

from __future__ import annotations

import re
from dataclasses import replace

import sqlglot
from sqlglot import exp

from nl2sql.planner.defaults import default_filter
from nl2sql.planner.describe import business_name
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.joins import Edge, JoinGraph, Path
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef, Condition, Measure, QuerySpec

_CMP = {"=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}
_AGG = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max, "median": exp.Median}


class Compiler:
    def __init__(self, spec: QuerySpec, lex: Lexicon, graph: JoinGraph, dialect: str,
                 helpful: bool = True) -> None:
        self.helpful = helpful                  # also show ranking measures and the columns a list is filtered on
        self.spec = spec
        self.lex = lex
        self.graph = graph
        self.dialect = dialect
        self.aliases: dict[tuple[tuple[str, str, tuple[str, ...]], ...], str] = {(): spec.base}
        self.used_names: set[str] = {spec.base}
        self.joins: list[tuple[exp.Expression, exp.Expression]] = []
        self.joined_down = False                # a child table is joined (see _join_instead)

    # ---- tables and joins -----------------------------------------------------------------------
    def table_expr(self, table: str, alias: str) -> exp.Table:
        t = self.lex.tables[table].table
        node = exp.table_(t.name, db=t.schema, catalog=t.catalog, quoted=_needs_quotes(t.name))
        if alias != t.name:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        return node

    def _new_alias(self, table: str) -> str:
        name, n = table, 2
        while name in self.used_names:
            name, n = f"{table}_{n}", n + 1
        self.used_names.add(name)
        return name

    def path_to(self, table: str, via: str | None = None) -> Path:
        path = self.graph.path(self.spec.base, table, via)
        if path is None:
            raise NotUnderstood(f"I could not relate {table} to {self.spec.base}.", (table,))
        return path

    def alias_for(self, table: str, via: str | None = None) -> str:
        """Join the path up to ``table`` (many-to-one steps only) and return the table's alias."""
        path = self.path_to(table, via)
        key: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
        alias = self.spec.base
        for edge in path:
            if not edge.up:
                raise NotUnderstood("That would count some rows more than once.", (table,))
            key = key + ((edge.src, edge.dst, edge.src_cols),)
            if key not in self.aliases:
                new = self._new_alias(edge.dst)
                on = _join_on(edge, alias, new)
                self.joins.append((self.table_expr(edge.dst, new), on))
                self.aliases[key] = new
            alias = self.aliases[key]
        return alias

    def column(self, ref: ColRef, alias: str | None = None) -> exp.Column:
        a = alias or self.alias_for(ref.table, ref.via)
        return exp.column(ref.column, table=a, quoted=_needs_quotes(ref.column))

    # ---- expressions ----------------------------------------------------------------------------
    def literal(self, ref: ColRef | None, value: object) -> exp.Expression:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if ref is not None and ref.column not in self.lex.tables[ref.table].numeric and \
                    ref.column not in self.lex.tables[ref.table].keys:
                text = str(int(value)) if value == int(value) else str(value)
                return exp.Literal.string(text)
            return exp.Literal.number(int(value) if value == int(value) else value)
        return exp.Literal.string(str(value))

    def date_literal(self, d: object) -> exp.Expression:
        text = exp.Literal.string(d.isoformat())  # type: ignore[attr-defined]
        if self.dialect in ("sqlite", "mysql"):
            return text
        return exp.cast(text, "DATE")

    def condition(self, c: Condition, alias: str | None = None) -> exp.Expression:
        if c.kind == "filter":
            f = self.lex.filters[c.filter_name]
            node = self.model_sql(f.sql, f.table, (), alias)
        elif c.kind == "exists":
            node = exp.true()
        else:
            col = self.column(c.col, alias) if c.col else None  # type: ignore[arg-type]
            node = self._column_condition(c, col)
        return exp.not_(node) if c.negated and c.kind not in ("in", "exists") else node

    def _column_condition(self, c: Condition, col: exp.Column | None) -> exp.Expression:
        assert col is not None
        if c.kind == "in":
            values = [self.literal(c.col, v) for v in c.values]
            if len(values) == 1:
                return exp.NEQ(this=col, expression=values[0]) if c.negated else exp.EQ(this=col, expression=values[0])
            node = exp.In(this=col, expressions=values)
            return exp.not_(node) if c.negated else node
        if c.kind == "range":
            start, end = c.values
            parts = []
            if start is not None:
                parts.append(exp.GTE(this=col.copy(), expression=self.date_literal(start)))
            if end is not None:
                parts.append(exp.LT(this=col.copy(), expression=self.date_literal(end)))
            return exp.and_(*parts)
        if c.kind == "month":
            return exp.EQ(this=self._grain(col, "month_of_year"), expression=exp.Literal.number(c.values[0]))
        if c.kind == "contains":
            text = str(c.values[0]).lower().replace("%", "").replace("_", "")
            pattern = {"contains": f"%{text}%", "starts": f"{text}%", "ends": f"%{text}"}[c.op]
            return exp.Like(this=exp.Lower(this=col), expression=exp.Literal.string(pattern))
        if c.op == "between":
            low, high = c.values
            return exp.Between(this=col, low=self.literal(c.col, low), high=self.literal(c.col, high))
        return _CMP[c.op](this=col, expression=self.literal(c.col, c.values[0]))

    def model_sql(self, sql: str, table: str, joins: tuple[str, ...], alias: str | None = None) -> exp.Expression:
        """A metric's or filter's SQL, with each bare column bound to the table that has it."""
        try:
            node = sqlglot.parse_one(sql, read=self.lex.dialect)
        except sqlglot.errors.ParseError as e:
            raise NotUnderstood(f"The definition of a metric or filter could not be read ({e}).", ()) from e
        for col in node.find_all(exp.Column):
            if col.table:
                # "plans.price_per_seat" in a metric that joins plans: qualified by table name, bound to
                # the alias this query gives that table (else the table is never joined)
                owner = next((t for t in (table, *joins) if t.lower() == col.table.lower()), None)
                if owner is None:
                    raise NotUnderstood(f"A metric uses a table it does not join: {col.table}.", (col.table,))
                a = alias if (alias and owner.lower() == table.lower()) else self.alias_for(owner.lower())
                col.set("table", exp.to_identifier(a))
                continue
            owner = next((t for t in (table, *joins) if self.lex.tables[t.lower()].table.column(col.name)), None)
            if owner is None:
                raise NotUnderstood(f"A metric uses a column no table has: {col.name}.", (col.name,))
            a = alias if (alias and owner.lower() == table.lower()) else self.alias_for(owner.lower())
            col.set("table", exp.to_identifier(a))
        return node

    def measure(self, m: Measure) -> exp.Expression:
        if m.kind == "metric":
            metric = self.lex.metrics[m.metric]
            return self.model_sql(metric.sql, metric.table.lower(), tuple(j.lower() for j in metric.joins))
        if m.kind == "rows":
            if m.table == self.spec.base and self.joined_down:     # each base row once across the join
                key = exp.column(self.lex.tables[m.table].pk[0], table=self.spec.base)
                return exp.Count(this=exp.Distinct(expressions=[key]))
            if m.table == self.spec.base:
                return exp.Count(this=exp.Star())
            info = self.lex.tables[m.table]
            alias = self.alias_for(m.table)
            return exp.Count(this=exp.Distinct(expressions=[exp.column(info.pk[0], table=alias)]))
        if m.kind == "rows_per":
            info = self.lex.tables[m.metric]
            if len(info.pk) != 1:
                raise NotUnderstood(f"I cannot count each {m.metric} by a single key.", (m.metric,))
            per = exp.Count(this=exp.Distinct(expressions=[exp.column(info.pk[0], table=self.alias_for(m.metric))]))
            rows: exp.Expression = exp.Mul(this=exp.Count(this=exp.Star()), expression=exp.Literal.number("1.0"))
            if self.dialect != "sqlite":     # 1.0 is a DECIMAL there: the ratio would come back as one
                rows = exp.cast(exp.Count(this=exp.Star()), "DOUBLE")
            return exp.Div(this=rows, expression=per)
        if m.kind == "share" and m.fn in ("total", "total_percent"):
            part = self.measure(Measure("metric", m.table, metric=m.metric))
            whole = exp.Window(this=exp.Sum(this=part.copy()), over="OVER")
            share = exp.Div(this=exp.Mul(this=part, expression=exp.Literal.number("1.0")), expression=whole)
            return exp.Mul(this=exp.Literal.number(100), expression=share) if m.fn == "total_percent" else share
        if m.kind == "share":
            share = self._share(m)
            return exp.Mul(this=exp.Literal.number("100.0"), expression=share) if m.fn == "percent" else share
        return self._aggregate(m)

    def _share(self, m: Measure) -> exp.Expression:
        if True:
            cond = exp.and_(*[self.condition(c) for c in m.share_of])
            if not m.metric:
                case = exp.Case(ifs=[exp.If(this=cond, true=exp.Literal.number("1.0"))],
                                default=exp.Literal.number("0.0"))
                return exp.Avg(this=case)
            total = self.measure(Measure("metric", m.table, metric=m.metric))
            if not isinstance(total, exp.Sum):
                raise NotUnderstood("A share of that measure is not something I can compute.", (m.metric,))
            inner = total.this
            part = exp.Sum(this=exp.Case(ifs=[exp.If(this=cond, true=inner.copy())],
                                         default=exp.Literal.number(0)))
            return exp.Div(this=exp.Mul(this=part, expression=exp.Literal.number("1.0")), expression=total)
        raise AssertionError("unreachable")

    def _aggregate(self, m: Measure) -> exp.Expression:
        col = self.column(m.col)  # type: ignore[arg-type]
        if m.fn == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[col]))
        if m.fn == "count":
            return exp.Count(this=col)
        if m.fn == "median" and self.dialect == "sqlite":
            raise NotUnderstood("This database cannot compute a median.", ("median",))
        return _AGG[m.fn](this=col)

    # ---- the query ------------------------------------------------------------------------------
    def compile(self) -> exp.Select:
        s = self.spec
        # conditions first: whether a child table is joined decides how rows are counted
        where = [self._where(c) for c in self._main_conditions()] + self._exists()
        for table in s.default_filters:          # the overlay's default rows of the base table
            f = default_filter(self.lex, table)
            if f is not None and table == s.base:
                where.append(self.model_sql(f.sql, table, (), alias=s.base))
        names: set[str] = set()
        select: list[exp.Expression] = []
        group: list[exp.Expression] = []
        dim_exprs: list[exp.Expression] = []
        for d in s.dims:
            e = self._grain(self.column(d.col), d.grain)
            dim_exprs.append(e)
            label = d.name or business_name(self.lex.tables[d.col.table], d.col.column)
            select.append(exp.alias_(e, _name(label, names), quoted=False))
            # keys first: rows tied on a ranking then come out in key order, as most databases group them
            group.extend(self.column(k) for k in d.keys)
            group.append(e.copy())
        measure_exprs = [self.measure(m) for m in s.measures]
        measure_names: list[str | None] = []
        for m, e in zip(s.measures, measure_exprs):
            if m.hidden and not self.helpful:
                measure_names.append(None)
                continue
            label = _name(self._measure_label(m), names)
            measure_names.append(label)
            select.append(exp.alias_(e, label, quoted=False))
        for p in s.projections + (s.helpers if self.helpful else ()):
            select.append(self.column(p))
        query = exp.select(*select)
        if s.distinct or (self.joined_down and not s.measures):
            query = query.distinct()
        query = query.from_(self.table_expr(s.base, s.base))
        for table, on in self.joins:
            query = query.join(table, on=on)
        if where:
            query = query.where(exp.and_(*where))
        if group and s.measures:
            query = query.group_by(*group)
        for h in s.having:
            e = measure_exprs[h.measure].copy()
            if len(h.values) == 2:
                cond: exp.Expression = exp.Between(this=e, low=exp.Literal.number(h.values[0]),
                                                   high=exp.Literal.number(h.values[1]))
            else:
                cond = _CMP[h.op if h.op in _CMP else ">"](this=e, expression=exp.Literal.number(h.values[0]))
            query = query.having(cond)
        for o in s.order:
            if o.measure is not None:
                name = measure_names[o.measure]
                key: exp.Expression = exp.column(name) if name else measure_exprs[o.measure].copy()
            elif o.dim is not None:
                key = dim_exprs[o.dim].copy()
            else:
                key = self.column(o.col)  # type: ignore[arg-type]
            query = query.order_by(exp.Ordered(this=key, desc=o.desc))
        if s.limit is not None:
            query = query.limit(s.limit)
        # joins may have been added while building ORDER BY / HAVING: rebuild FROM and joins
        query.set("joins", None)
        for table, on in self.joins:
            query = query.join(table, on=on)
        return query

    def _grain(self, col: exp.Expression, grain: str | None) -> exp.Expression:
        if grain is None or grain == "day":
            return col
        if self.dialect == "sqlite":
            return _sqlite_grain(col, grain)
        if grain == "quarter" and self.dialect in ("postgres", "redshift"):
            return exp.Extract(this=exp.var("QUARTER"), expression=col)
        if grain == "year":
            return exp.Year(this=col)
        if grain == "quarter":
            return exp.Quarter(this=col)
        if grain == "quarter_start":
            return exp.DateTrunc(this=col, unit=exp.Literal.string("quarter"))
        if grain == "month_of_year":
            return exp.Month(this=col)
        return exp.DateTrunc(this=col, unit=exp.Literal.string(grain))

    def _measure_label(self, m: Measure) -> str:
        if m.kind == "metric":
            return m.metric
        if m.kind == "rows":
            return f"{m.table} count"
        if m.kind == "share":
            return "share"
        if m.kind == "rows_per":
            return f"{m.table} per {m.metric}"
        words = business_name(self.lex.tables[m.col.table], m.col.column)  # type: ignore[union-attr]
        return f"{m.fn.replace('_', ' ')} {words}"

    def _is_down(self, c: Condition) -> bool:
        path = self.path_to(c.table, c.col.via if c.col else None)
        return any(not e.up for e in path)

    def _main_conditions(self) -> list[Condition]:
        return [c for c in self.spec.conditions if not self._is_down(c) and c.kind != "exists"]

    def _where(self, c: Condition) -> exp.Expression:
        return self.condition(c)

    def _exists(self) -> list[exp.Expression]:
        """Conditions across a one-to-many step: one EXISTS per child table, all its conditions inside."""
        groups: dict[tuple, list[Condition]] = {}
        order: list[tuple] = []
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
        if any(c.kind == "exists" and c.op == ">=" for g in positive for c in g):
            return None          # "with at least one X" reads as a test of each row, as written
        if len(positive) != 1:
            return None
        if not s.measures and not s.dims:
            shown = set(s.projections) | (set(s.helpers) if self.helpful else set())
            # DISTINCT needs every sort key among the columns shown
            return positive[0] if all(o.col in shown for o in s.order) else None
        info = self.lex.tables[s.base]
        if not s.dims and not s.having and len(s.measures) == 1 and s.measures[0].kind == "rows" \
                and s.measures[0].table == s.base and len(info.pk) == 1:
            return positive[0]
        return None

    def _joined_group(self, conds: list[Condition]) -> list[exp.Expression]:
        self.joined_down = True
        out = []
        for c in conds:
            alias = self._inner_alias(c, self.spec.base)
            if c.kind != "exists":
                out.append(self.condition(c, alias))
        return out

    def _exists_group(self, conds: list[Condition]) -> exp.Expression:
        first = conds[0]
        path = self.path_to(first.table, first.col.via if first.col else None)
        k = next((i for i, e in enumerate(path) if not e.up), None)
        if k is None:
            raise NotUnderstood(f"I could not tell how {first.table} relates to {self.spec.base}.", (first.text,))
        outer_alias = self.spec.base if k == 0 else self.alias_for(path[k - 1].dst)
        child = path[k]
        sub = Compiler(QuerySpec(child.dst), self.lex, self.graph, self.dialect)
        sub.used_names |= self.used_names
        sub_alias = sub._new_alias(child.dst)
        sub.aliases = {(): sub_alias}
        sub.spec = QuerySpec(child.dst)
        inner_conds: list[exp.Expression] = [
            exp.EQ(this=exp.column(dc, table=sub_alias), expression=exp.column(sc, table=outer_alias))
            for sc, dc in zip(child.src_cols, child.dst_cols)
        ]
        # "students who do not have a cat": no child row with the condition, rather than a child without it
        negated = any(c.negated for c in conds)
        if negated and not all(c.negated or c.kind == "exists" for c in conds):
            raise NotUnderstood("I could not tell which part of the question the negation covers.", (first.text,))
        for c in conds:
            if c.kind == "exists":
                continue
            alias = sub._inner_alias(c, sub_alias)
            inner_conds.append(sub.condition(replace(c, negated=False), alias))
        q = exp.select(exp.Literal.number(1)).from_(sub.table_expr(child.dst, sub_alias))
        for table, on in sub.joins:
            q = q.join(table, on=on)
        q = q.where(exp.and_(*inner_conds))
        self.used_names |= sub.used_names
        node = exp.Exists(this=q)
        return exp.not_(node) if negated else node

    def _inner_alias(self, c: Condition, base_alias: str) -> str:
        """Inside an EXISTS any direction is fine (it only asks whether a row exists)."""
        path = self.graph.path(self.spec.base, c.table, c.col.via if c.col and c.col.via != self.spec.base else None)
        if path is None:
            raise NotUnderstood(f"I could not relate {c.table}.", (c.text,))
        alias = base_alias
        key: tuple = ()
        for edge in path:
            key = key + ((edge.src, edge.dst, edge.src_cols),)
            if key not in self.aliases:
                new = self._new_alias(edge.dst)
                self.joins.append((self.table_expr(edge.dst, new), _join_on(edge, alias, new)))
                self.aliases[key] = new
            alias = self.aliases[key]
        return alias


def _join_on(edge: Edge, left: str, right: str) -> exp.Expression:
    return exp.and_(*[
        exp.EQ(this=exp.column(sc, table=left, quoted=_needs_quotes(sc)),
               expression=exp.column(dc, table=right, quoted=_needs_quotes(dc)))
        for sc, dc in zip(edge.src_cols, edge.dst_cols)
    ])


def _needs_quotes(name: str) -> bool:
    return not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)


def _name(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "value"
    if base[0].isdigit():
        base = f"v_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _sqlite_grain(col: exp.Expression, grain: str) -> exp.Expression:
    """SQLite has no YEAR/MONTH/DATE_TRUNC: dates are ISO text, so STRFTIME cuts them."""
    def part(fmt: str) -> exp.Expression:
        return exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string(fmt), col.copy()])

    def number(fmt: str) -> exp.Expression:
        return exp.cast(part(fmt), "INTEGER")

    if grain == "year":
        return number("%Y")
    if grain == "month_of_year":
        return number("%m")
    if grain == "quarter":
        return exp.IntDiv(this=exp.Paren(this=exp.Add(this=number("%m"), expression=exp.Literal.number(2))),
                          expression=exp.Literal.number(3))
    if grain == "month":
        return part("%Y-%m-01")
    if grain == "week":
        return exp.Anonymous(this="DATE", expressions=[col.copy(), exp.Literal.string("weekday 0"),
                                                       exp.Literal.string("-6 days")])
    raise NotUnderstood(f"Grouping by {grain.replace('_', ' ')} is not available on this database.", (grain,))
