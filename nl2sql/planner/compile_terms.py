"""Conditions and measures as sqlglot expressions: a model's SQL bound to the tables that have its columns,
aggregates, shares, and the names the answer's columns get."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from nl2sql.planner.describe import business_name
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.compile_base import _AGG, _CMP, CompilerBase
from nl2sql.planner.spec import ColRef, Condition, Measure, QuerySpec, column_of, is_average, range_bounds


class TermCompiler(CompilerBase):
    def condition(self, c: Condition, alias: str | None = None) -> exp.Expr:
        if c.kind == "filter":
            f = self.lex.filters[c.filter_name]
            node = self.model_sql(f.sql, f.table, (), alias)
        elif c.kind == "exists":
            node = exp.true()
        elif c.kind == "among":          # the keys a previous top N kept (conversation_among)
            node = exp.In(this=self.column(column_of(c), alias), query=self._ranked_keys(c))
        else:
            col = self.column(c.col, alias) if c.col else None
            node = self._column_condition(c, col)
        return exp.not_(node) if c.negated and c.kind not in ("in", "exists") else node

    def _ranked_keys(self, c: Condition) -> exp.Expr:
        """The subquery of the keys a previous top N kept: its frame compiled by the whole compiler."""
        ranked = c.values[0]
        if not isinstance(ranked, QuerySpec):
            raise TypeError(f"an among condition holds the ranked frame: {c}")
        keys = self.compile_other(ranked)
        # only the key: a grouping may also show what names it (its label), which IN (...) cannot take
        keys.set("expressions", keys.expressions[:1])
        return exp.Subquery(this=keys)

    def compile_other(self, spec: QuerySpec) -> exp.Select:
        """Another frame compiled as a whole query: given by the whole compiler (``compile.Compiler``)."""
        raise NotImplementedError

    def _column_condition(self, c: Condition, col: exp.Expr | None) -> exp.Expr:
        assert col is not None
        if c.kind == "in":
            values = [self.literal(c.col, v) for v in c.values]
            if len(values) == 1:
                return exp.NEQ(this=col, expression=values[0]) if c.negated else exp.EQ(this=col, expression=values[0])
            node = exp.In(this=col, expressions=values)
            return exp.not_(node) if c.negated else node
        if c.kind == "range":
            start, end = range_bounds(c)
            parts: list[exp.Expr] = []
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
        if c.op == "is_set":                     # an event's date recorded: it happened
            return exp.not_(exp.Is(this=col, expression=exp.Null()))
        if c.op == "between":
            low, high = c.values
            return exp.Between(this=col, low=self.literal(c.col, low), high=self.literal(c.col, high))
        if isinstance(c.values[0], ColRef) and isinstance(col, exp.Column):   # two dates of one row compared
            return _CMP[c.op](this=col, expression=exp.column(c.values[0].column, table=col.table))
        if is_average(c.values[0]):              # "above the average age": over all the table's rows
            average = c.values[0]
            assert isinstance(average, QuerySpec)
            return _CMP[c.op](this=col, expression=exp.Subquery(this=self.compile_other(average)))
        return _CMP[c.op](this=col, expression=self.literal(c.col, c.values[0]))

    def model_sql(self, sql: str, table: str, joins: tuple[str, ...], alias: str | None = None) -> exp.Expr:
        """A metric's or filter's SQL, with each bare column bound to the table that has it."""
        try:
            node = sqlglot.parse_one(sql, read=self.lex.dialect)
        except sqlglot.errors.ParseError as e:
            raise NotUnderstood(f"The definition of a metric or filter could not be read ({e}).", ()) from e
        for col in node.find_all(exp.Column):
            if col.find_ancestor(exp.Select) is not None:
                continue        # "mbr_id IN (SELECT mbr_id FROM mshp ...)": a subquery's columns are its own tables'
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

    def measure(self, m: Measure) -> exp.Expr:
        node = self._measure(m)
        return self._only(node, m.only) if m.only else node

    def _only(self, node: exp.Expr, only: tuple[Condition, ...]) -> exp.Expr:
        """The measure over only the rows meeting ``only``: each aggregate takes a CASE of its argument
        ('SUM(CASE WHEN <1995> THEN x END)'), so a metric made of several aggregates keeps its shape."""
        if node.find(exp.Window):
            raise NotUnderstood("I cannot put that measure side by side by period.", ())
        cond = exp.and_(*[self.condition(c) for c in only])

        def case(arg: exp.Expr) -> exp.Expr:
            return exp.Case(ifs=[exp.If(this=cond.copy(), true=arg)])

        for agg in list(node.find_all(exp.AggFunc)):
            arg = agg.this
            if isinstance(arg, exp.Star):
                agg.set("this", case(exp.Literal.number(1)))
            elif isinstance(arg, exp.Distinct):
                arg.set("expressions", [case(e) for e in arg.expressions])
            else:
                agg.set("this", case(arg))
        return node

    def _measure(self, m: Measure) -> exp.Expr:
        if m.kind == "metric":
            metric = self.lex.metrics[m.metric]
            node = self.model_sql(metric.sql, metric.table.lower(), tuple(j.lower() for j in metric.joins))
            # a rate "as a percentage": the same rate on 0..100 (conversation_share.as_share)
            return exp.Mul(this=exp.Literal.number("100.0"), expression=node) if m.fn == "percent" else node
        if m.kind == "rows":
            if m.table == self.spec.base and (self.joined_down or m.fn == "count_distinct") \
                    and len(self.lex.tables[m.table].pk) == 1:     # each base row once (across the join)
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
            rows: exp.Expr = exp.Mul(this=exp.Count(this=exp.Star()), expression=exp.Literal.number("1.0"))
            if self.dialect != "sqlite":     # 1.0 is a DECIMAL there: the ratio would come back as one
                rows = exp.cast(exp.Count(this=exp.Star()), "DOUBLE")
            return exp.Div(this=rows, expression=per)
        if m.kind == "share" and m.fn in ("total", "total_percent"):
            part = self.measure(Measure("metric", m.table, metric=m.metric))
            whole = exp.Window(this=exp.Sum(this=part.copy()), over="OVER")
            share: exp.Expr = exp.Div(this=exp.Mul(this=part, expression=exp.Literal.number("1.0")), expression=whole)
            return exp.Mul(this=exp.Literal.number(100), expression=share) if m.fn == "total_percent" else share
        if m.kind == "share":
            share = self._share(m)
            return exp.Mul(this=exp.Literal.number("100.0"), expression=share) if m.fn == "percent" else share
        return self._aggregate(m)

    def _share(self, m: Measure) -> exp.Expr:
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

    def _aggregate(self, m: Measure) -> exp.Expr:
        col = self.column(column_of(m))
        if m.since is not None:          # the days from one date to the other
            col = exp.DateDiff(this=col, expression=self.column(m.since), unit=exp.var("DAY"))
        if m.fn == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[col]))
        if m.fn == "count":
            return exp.Count(this=col)
        if m.fn == "median" and self.dialect == "sqlite":
            raise NotUnderstood("This database cannot compute a median.", ("median",))
        if m.since is None and (unit := self.lex.told_units.get((column_of(m).table, column_of(m).column))):
            op, number = unit        # "answer distances in kilometres (dist_m / 1000.0)", as instructions say:
            # outside the aggregate (a total, mean or extreme scales with its values), as people write it
            return (exp.Div if op == "/" else exp.Mul)(this=_AGG[m.fn](this=col), expression=exp.Literal.number(number))
        return _AGG[m.fn](this=col)

    def _measure_label(self, m: Measure) -> str:
        label = self._label(m)
        return f"{label} {m.suffix}" if m.suffix else label

    def _label(self, m: Measure) -> str:
        if m.kind == "metric":
            return m.metric
        if m.kind == "rows":
            return f"{m.table} count"
        if m.kind == "share":
            return "share"
        if m.kind == "rows_per":
            return f"{m.table} per {m.metric}"
        col = column_of(m)
        words = business_name(self.lex.tables[col.table], col.column)
        parent = self.graph.parent_of(col.table, col.column) if m.fn == "count_distinct" else None
        if parent is not None:               # the distinct customers of the orders: a count of customers
            return f"{' '.join(self.lex.tables[parent].words)} count"
        if m.since is not None:
            return f"{m.fn} days from {business_name(self.lex.tables[m.since.table], m.since.column)} to {words}"
        return f"{m.fn.replace('_', ' ')} {words}"
