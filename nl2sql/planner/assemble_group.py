"""A question that measures something: its groupings, rankings and the checks against double counting."""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.text import stem
from nl2sql.planner.assemble_sides import years_side_by_side
from nl2sql.planner.assemble_tables import TablesAssembler
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.reading import Target
from nl2sql.planner.filter_values import filter_value
from nl2sql.planner.lexicon_index import Concept
from nl2sql.planner.period_order import time_order, with_start_dates
from nl2sql.planner.spec import (
    ColRef,
    Dim,
    Measure,
    Order,
    QuerySpec,
)


class GroupingAssembler(TablesAssembler):
    # ------------------------------------------------------------------------------------------
    def _aggregate(self) -> QuerySpec:
        """A measured question: its measures, the base table they are counted on, groupings, ranking."""
        r = self.r
        measures = self._measures()
        base = self._base(measures)
        base = self._bridge_base(base, measures)
        if r.periods:
            self._time_conditions(base)      # a year column compared with a year is not also shown
        dims = self._groupings(base, measures)
        base, measures = self._counted_per_period_below(base, measures, dims)
        self._check_groupings(base, measures, dims)
        measures, dims = years_side_by_side(r, measures, dims)
        orders, limit = self._ranking(measures, dims)
        if any(o.col is not None for o in orders):
            dims = with_start_dates(dims, self.lex)     # a term's rows in time order: by its start date
        conditions = self._conditions(base)
        return QuerySpec(base, tuple(measures), tuple(dims), (), tuple(conditions), tuple(self.r.having),
                         tuple(orders), limit, False)

    def _measures(self) -> list[Measure]:
        """The reading's measures, counts given the rows they count ("how many" of the subject)."""
        r = self.r
        if r.per_value:
            listed = [c.col for c in r.conditions if c.kind == "in" and len(c.values) > 1 and c.col]
            if len(listed) != 1:
                raise NotUnderstood("“Each separately” needs one list of values to split by.", ())
            self.r = r = replace(r, dims=r.dims + (Dim(listed[0]),), per_value=False)
        measures = list(r.measures)
        subject = self._subject()
        for i, m in enumerate(measures):
            if m.kind == "rows" and m.table == "":
                if subject is None and not r.dims:
                    raise NotUnderstood("I could not tell what to count.", ())
                table = subject or r.dims[0].col.table
                measures[i] = replace(m, table=table)
        for _desc, target, _pos in r.extremes:
            if target[0] in ("metric", "table"):
                self._measure_index(target, measures)
        return measures

    def _groupings(self, base: str, measures: list[Measure]) -> list[Dim]:
        """What the measures are grouped by, each shown once; a grouping that would count a row twice
        is declined."""
        r = self.r
        # "average quantity per line item": grouping by the rows being measured groups nothing; but a total per
        # row ("how many rooms does each hotel have") is each row's own amount, one row each
        per_row = all(m.kind == "agg" and m.fn == "sum" and m.table == base for m in measures)
        dims = [self._resolve_dim(d) for d in r.dims
                if per_row or not (d.col.column == "" and d.col.table == base and d.col.via is None)]
        dims = self._subject_groupings(base, measures, dims)
        for ref, _pos in r.projections:
            info = self.lex.tables[ref.table]
            if ref.column in info.numeric and not (r.limit or r.extremes):
                raise NotUnderstood("I could not tell what to do with a number column.",
                                    (self._col_words(ref),))
            dim = self._resolve_dim(Dim(ref))
            if not self._pinned(dim.col):
                dims.append(dim)
        dims = self._named_columns_replace_labels(dims) + self._grain_dims(base)
        seen: list[ColRef] = []
        unique = []
        for d in dims:
            if d.col in seen and d.grain is None:
                continue
            seen.append(d.col)
            unique.append(d)
        return unique

    def _counted_per_period_below(self, base: str, measures: list[Measure], dims: list[Dim]) -> tuple[str, list[Measure]]:
        """'how many customers ordered in each quarter': customers have no date, so counted per quarter of their
        orders they are the distinct customers of each quarter's orders (one in two quarters counts in both, as
        asked), counted on the orders by the key that names the customer, rather than declined for counting a
        customer twice. Only a period of the rows one step below, and only a plain count of the base rows."""
        below = [d for d in dims if not self.up(base, d.col.table, d.col.via)]
        if len(measures) != 1 or measures[0].kind != "rows" or measures[0].table != base or not below \
                or any(d.grain is None for d in below) or len({d.col.table for d in below}) != 1 \
                or any(p.each for p in self.r.periods):   # "in both 1996 and 1997": the same ones in each
            return base, measures
        child = below[0].col.table
        path = self.path(base, child)
        if path is None or len(path) != 1 or path[0].up or len(path[0].dst_cols) != 1 \
                or not all(d.col.table == child or self.up(child, d.col.table, d.col.via) for d in dims):
            return base, measures
        said = [negated for t, negated, _pos in self.r.existence if t == child]
        named = any(t == child for t, _pos, _plural in self.r.entities)       # "ordered", "placed an order"
        if not (said or named) or any(said):
            # "customers per month" says nothing of orders (new customers? active ones?); "customers who never
            # ordered, per quarter" have no order to date them by
            return base, measures
        # "customers who ordered": every row counted now is an order
        self.r = replace(self.r, existence=tuple(x for x in self.r.existence if x[0] != child))
        return child, [Measure("agg", child, fn="count_distinct", col=ColRef(child, path[0].dst_cols[0]))]

    def _pinned(self, col: ColRef) -> bool:
        """'patrons with home branch Westgate Branch': a column named beside the one value a condition holds it
        to is that condition said in full, not a grouping (one group, shown beside the count)."""
        pinned: set[tuple[str, str | None]] = {(c.col.table, c.col.column) for c in self.r.conditions
                  if c.kind == "in" and not c.negated and c.col is not None and len(c.values) == 1}
        pinned |= {(v.table, v.column) for c in self.r.conditions if c.kind == "filter" and not c.negated
                   and (v := filter_value(Concept("filter", c.table, name=c.filter_name), self.lex)) is not None}
        return (col.table, col.column) in pinned

    def _subject_groupings(self, base: str, measures: list[Measure], dims: list[Dim]) -> list[Dim]:
        """The tables the question names become groupings when it ranks or filters their members."""
        r = self.r
        used_tables = {m.table for m in measures} | {d.col.table for d in dims}
        ranks = bool(r.having or r.extremes or r.limit or r.orders)
        for table, _pos, _plural in r.entities:
            if table in used_tables or any(self.up(base, table) and table == d.col.via for d in dims):
                continue
            if ranks and not r.mode and table != base and dims and self._on_path(base, table, dims) \
                    and any(d.name != table and d.col.table != table for d in dims):
                continue        # "which country's customers placed the most orders": the way to the country
            if ranks and not r.mode and table != base:
                dims.append(self._entity_dim(table))
                used_tables.add(table)
            elif table == base or self._on_path(base, table, dims) or self._leads_to_condition(base, table):
                continue
            elif self.path(base, table) is not None and not self.up(base, table):
                self.r = r = replace(r, existence=r.existence + ((table, False, _pos),))
            else:
                raise NotUnderstood(f"I could not tell what {self._describe_table(table)} has to do with the "
                                    "question.", (self._describe_table(table),))
        return dims

    def _check_groupings(self, base: str, measures: list[Measure], dims: list[Dim]) -> None:
        for d in dims:
            for ref in (d.col, *d.keys):
                if not self.up(base, ref.table, ref.via):
                    raise NotUnderstood(f"Grouping {self._describe_table(base)} by {self._col_words(ref)} "
                                        "would count some of them more than once.", (self._col_words(ref),))
        if self.r.having and not dims:
            raise NotUnderstood("I could not tell what the number is compared with.", ())
        base_key = set(self.lex.tables[base].pk)
        if any(d.col.table == base and d.col.column in base_key and len(base_key) == 1 for d in dims) \
                and any(m.kind == "rows" and m.table == base for m in measures):
            raise NotUnderstood("Counting rows per row identifier counts one each; group by something else.",
                                ())

    def _ranking(self, measures: list[Measure], dims: list[Dim]) -> tuple[list[Order], int | None]:
        """The order and the number of groups shown: by the extreme asked for, else time order for a
        series, else the first measure highest first."""
        r = self.r
        orders = list(r.orders)
        limit = r.limit
        for desc, target, _pos in r.extremes:
            idx = self._measure_index(target, measures)
            orders.append(Order(desc, measure=idx))
            if limit is None:
                # "which suppliers ..." asks for a few, "which nation ..." for one
                # ("which segment's customers ...": the customers are not what is grouped, the segment is)
                grouped = [p for t, _, p in r.entities if any(d.name == t or self._names_row(d, t) for d in dims)]
                limit = 10 if grouped and all(grouped) else 1      # "the contestant who ...": one
        orders = [self._fill_order(o, measures, dims) for o in orders]
        if not dims and (orders or limit) and r.extremes and all(o.measure is not None for o in orders):
            raise NotUnderstood("Highest or lowest among what? Name what to compare.", ())
        if r.time_desc is not None:          # "most recent first": the periods' order, and nothing else asked
            timed = time_order(dims, self.lex)
            if not timed or orders:
                raise NotUnderstood("I could not tell which dates to put in that order.", ())
            orders = [replace(timed[0], desc=r.time_desc), *timed[1:]]
        if not orders and dims:
            # a series over periods reads in time order (then by the other groupings, so each period's rows come
            # in one order, not the database's); other groupings are ranked by their first measure
            orders = time_order(dims, self.lex) or [Order(True, measure=0)]
        return orders, limit

    def _named(self, ref: ColRef) -> bool:
        """Whether the question spells every word of the column's name."""
        said = set(self.r.words)
        return all(stem(w) in said for w in self.lex.tables[ref.table].column_words.get(ref.column, ("?",)))

    def _names_row(self, d: Dim, table: str) -> bool:
        """Whether a grouping shows the rows of ``table`` themselves (their label or key), not a category."""
        info = self.lex.tables[table]
        return d.col.table == table and d.col.column in (*info.labels, *info.pk)

    def _named_columns_replace_labels(self, dims: list[Dim]) -> list[Dim]:
        """'document ids and the number of paragraphs in each document': the columns the question names
        for an entity are shown instead of its label; its keys stay in the grouping."""
        out = list(dims)
        for d in dims:
            if not d.name or d.name != d.col.table or d.grain:
                continue
            named = [i for i, o in enumerate(out) if o is not d and not o.name and o.grain is None
                     and o.col.table == d.col.table and o.col.via == d.col.via]
            if not named:
                continue
            first = out[named[0]]
            keys = tuple(k for k in (d.col, *d.keys) if k != first.col and k in
                         [ColRef(d.col.table, pk, d.col.via) for pk in self.lex.tables[d.col.table].pk])
            if self._is_category(first.col):
                keys = ()           # "which route zone ...": the zone, one row per zone, not per route
            out[named[0]] = replace(first, keys=tuple(dict.fromkeys(first.keys + keys)))
            out.remove(d)
        return out

    def _is_category(self, ref: ColRef) -> bool:
        """A column whose values the model lists (a few categories shared by many rows), not a name."""
        if ref.column in self.lex.tables[ref.table].labels:
            return False
        return any(c.kind == "value" and c.table == ref.table and c.column == ref.column
                   for cs in self.lex.values.values() for c in cs)

    def _measure_index(self, target: Target, measures: list[Measure]) -> int:
        if target[0] == "measure":
            return target[1]
        if target[0] == "metric":
            m = Measure("metric", target[1].table, metric=target[1].name, hidden=True)
        elif target[0] == "table":
            m = Measure("rows", target[1], "count", hidden=True)
        else:
            m = Measure("agg", target[1].table, "sum", col=target[1])
            raise NotUnderstood("Highest or lowest of a column needs a grouping or a list.", ())
        for i, old in enumerate(measures):
            if replace(old, hidden=True) == m:
                return i
        measures.append(m)
        return len(measures) - 1

    def _fill_order(self, o: Order, measures: list[Measure], dims: list[Dim]) -> Order:
        if o.measure is None and o.col is None and o.dim is None:
            if not measures:
                raise NotUnderstood("Top or bottom by what?", ())
            return replace(o, measure=next(i for i, m in enumerate(measures)))
        if o.col is not None and measures and dims and all(o.col not in (d.col, *d.keys) for d in dims):
            # groups sort by one of their own columns: "ordered by id" names the grouping's id
            words = self.lex.tables[o.col.table].column_words.get(o.col.column, ())[-1:]
            same = [i for i, d in enumerate(dims)
                    if self.lex.tables[d.col.table].column_words.get(d.col.column, ())[-1:] == words]
            if len(same) != 1:
                raise NotUnderstood("The groups cannot be sorted by a column that is not one of them.",
                                    (self._col_words(o.col),))
            return replace(o, col=None, dim=same[0])
        return o
