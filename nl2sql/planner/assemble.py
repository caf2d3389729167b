"""From a reading of the question to a query spec: the base table, what is shown, what is grouped,
which date column a period applies to, and the checks that keep measures from double counting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlglot
from sqlglot import exp

from catalog_semantics.text import STOPWORDS, stem
from nl2sql.planner.clarify import Ambiguity, path_qualifiers
from nl2sql.planner.intent import NotUnderstood, Reading
from nl2sql.planner.joins import Ambiguous, JoinGraph, Path, all_up
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import (
    ColRef,
    Condition,
    Dim,
    Measure,
    Order,
    QuerySpec,
)
from nl2sql.planner.vocabulary import cue_index
from nl2sql.planner.words import word_list


class Assembler:
    def __init__(self, reading: Reading, lex: Lexicon, graph: JoinGraph) -> None:
        self.r = reading
        self.lex = lex
        self.graph = graph
        self.notes: list[str] = []          # assumptions, shown in the interpretation
        self.moved: list[ColRef] = []       # columns a named filter was moved onto (see _filter_on)

    def path(self, start: str, ref_table: str, via: str | None = None) -> Path | None:
        try:
            return self.graph.path(start, ref_table, via)
        except Ambiguous:
            raise Ambiguity(f"There is more than one way to relate {start} to {ref_table}; "
                            "say which one you mean.", (ref_table,), target=ref_table,
                            tables=path_qualifiers(self.graph, start, ref_table)) from None

    def up(self, start: str, table: str, via: str | None = None) -> bool:
        p = self.path(start, table, via)
        return p is not None and all_up(p)

    # ------------------------------------------------------------------------------------------
    def assemble(self) -> QuerySpec:
        r = self.r
        if r.when:
            return self._when()
        if r.date_cols and not r.periods and not r.unit_dims:
            # "the arriving date and the departing date of the dogs": dates to show, not to filter on
            r.projections = sorted(r.projections + r.date_cols, key=lambda p: p[1])
            r.date_cols = []
        if r.share:
            return self._share()
        if (r.dims or r.unit_dims) and r.extremes and all(t[1][0] == "column" for t in r.extremes):  # type: ignore[index]
            # "the maximum weight for each type of pet": per group, not the single heaviest row
            for desc, (_kind, obj), _pos in r.extremes:  # type: ignore[misc]
                m = Measure("agg", obj.table, "max" if desc else "min", col=obj)
                if m not in r.measures:          # "... List the maximum weight and pet type": named twice
                    r.measures.append(m)
            r.extremes = []
        if not r.measures and not r.extremes and (r.dims or r.unit_dims) and (r.entities or r.conditions) \
                and not r.projections and all(d.col.column or d.col.table not in {e[0] for e in r.entities}
                                              for d in r.dims):
            # "open orders by priority", "customers per segment", "suppliers per nation": how many rows in
            # each group (a group that is a table is counted by its rows, named by its label)
            table = r.entities[0][0] if r.entities else next(
                (c.table for c in r.conditions if c.kind == "filter"), None)
            if any(not d.col.column and (d.col.table == table or len(r.entities) > 1) for d in r.dims):
                table = None                     # a table grouping needs one other thing counted
            if table is not None:
                r.measures.append(Measure("rows", table, "count"))
                r.entities = [e for e in r.entities if e[0] != table]
        if r.extremes and not (r.measures or r.projections or r.limit or r.orders or r.dims) \
                and len(r.entities) == 1 and (r.words[:1] == ("what",) or min(p for _d, _t, p in r.extremes) == 0) \
                and all(t[0] == "column" and t[1].table == r.entities[0][0] and r.entities[0][1] > pos  # type: ignore[index,union-attr]
                        for _desc, t, pos in r.extremes):
            # "What is the minimum retail price of a product?": the value asked for, not the product
            r.entities = []
            return self._scalar_extreme()
        if r.measures or any(t[1][0] in ("metric", "table", "measure") for t in r.extremes):  # type: ignore[index]
            return self._aggregate()
        if r.extremes and not self._subject() and not r.projections:
            return self._scalar_extreme()
        if (r.dims or r.unit_dims) and not (r.entities or r.projections or r.conditions or r.extremes or r.orders
                                            or r.periods or r.limit) and _starts_with_grouping(r.words):
            # "by ship mode" alone: a grouping of nothing (usually a follow-up asked without its question)
            raise NotUnderstood("Grouped by what it names, but nothing is counted or measured.", ())
        return self._listing()

    def _subject(self) -> str | None:
        return r.entities[0][0] if (r := self.r).entities else None

    def _labels(self, table: str, via: str | None = None) -> tuple[ColRef, ...]:
        info = self.lex.tables[table]
        return tuple(ColRef(table, c, via) for c in info.labels)

    def _entity_dim(self, table: str, via: str | None = None) -> Dim:
        info = self.lex.tables[table]
        labels = self._labels(table, via)
        if not labels:
            raise NotUnderstood(f"I do not know how to show a {table}.", (table,))
        keys = tuple(ColRef(table, k, via) for k in info.pk if k not in info.labels)
        return Dim(labels[0], keys=keys + labels[1:], name=table)

    def _resolve_dim(self, d: Dim) -> Dim:
        if d.col.column == "":
            return self._entity_dim(d.col.table, d.col.via)
        info = self.lex.tables[d.col.table]
        # a foreign key shown as its parent's name ("supplier country" -> the nation's name)
        if d.col.column in info.keys and (d.col.column not in info.pk or len(info.pk) > 1) \
                and d.col not in self.r.as_named:
            for e in self.graph.edges.get(d.col.table, ()):
                if e.up and e.src_cols == (d.col.column,):
                    parent = self._entity_dim(e.dst, via=d.col.table)
                    return replace(parent, name=d.col.column)
        return d

    def _time_conditions(self, base: str) -> list[Condition]:
        out = []
        for m in self.r.months:
            col = self._date_column(base)
            if col is None or len(self.r.months) > 1:
                raise NotUnderstood("I could not tell which date the month applies to.", ())
            out.append(Condition("month", col.table, col, "=", (m,), text=f"month {m}"))
        if len(self.r.periods) > 1:
            raise NotUnderstood("The question names more than one period; ask about one at a time.",
                                tuple(p.text for p in self.r.periods))
        for p in self.r.periods:
            col = self._date_column(base)
            if col is None:
                year_col = self._year_column(base)
                cmp = _year_comparison(p.start, p.end)
                if year_col is None or cmp is None:
                    raise Ambiguity("I could not tell which date the period applies to.", (p.text,), phrase=p.text,
                                    readings=tuple(f"{d} {p.text}" for d in self._date_choices(base)))
                out.append(Condition("compare", year_col.table, year_col, cmp[0], (cmp[1],), text=p.text))
                self.r.projections = [pr for pr in self.r.projections if pr[0].column != year_col.column]
                continue
            out.append(Condition("range", col.table, col, "range", (p.start, p.end), text=p.text))
        return out

    def _year_column(self, base: str) -> ColRef | None:
        for t in self._by_distance(base):
            cols = [c for c, w in self.lex.tables[t].column_words.items() if w == ("year",)]
            if len(cols) == 1:
                return ColRef(t, cols[0])
        return None

    def _by_distance(self, base: str) -> list[str]:
        ranked = []
        for t in self.lex.tables:
            try:
                p = self.graph.path(base, t)
            except Ambiguous:
                continue
            if p is not None:
                ranked.append((sum(not e.up for e in p), len(p), t))
        return [t for _, _, t in sorted(ranked)]

    def _date_column(self, base: str) -> ColRef | None:
        r = self.r
        if r.date_cols:
            return r.date_cols[0][0]
        if r.date_hints:
            hinted = sorted(set(r.date_hints))
            if len(hinted) == 1:
                return ColRef(*hinted[0])
            near = [h for h in hinted if self.path(base, h[0]) is not None]
            if len({h for h in near}) == 1:
                return ColRef(*near[0])
            raise NotUnderstood("The question names more than one date.", tuple(c for _, c in hinted))
        named = {h for stem in self.r.free_words if stem not in STOPWORDS     # "in" of "in_service_since"
                 for h in self.lex.date_names.get(_verb_of(stem), ())}
        if len(named) == 1:                       # "late deliveries per year": the delivery (receipt) date
            return ColRef(*next(iter(named)))
        sibling = self._sibling_dates()
        if len(sibling) == 1:
            return sibling[0]
        plain = self._plain_date(base)
        if plain is not None:
            return plain
        levels: dict[tuple[int, int], list[str]] = {}
        for t in self._by_distance(base):
            if self.lex.tables[t].dates:
                p = self.path(base, t) or ()
                levels.setdefault((sum(not e.up for e in p), len(p)), []).append(t)
        for key in sorted(levels):
            tables = levels[key]
            if len(tables) == 1 and len(self.lex.tables[tables[0]].dates) == 1:
                t = tables[0]
                note = f"dates by {self._col_words(ColRef(t, self.lex.tables[t].dates[0]))}"
                if key != (0, 0) and note not in self.notes:
                    self.notes.append(note)
                return ColRef(t, self.lex.tables[t].dates[0])
            if len(tables) > 1:
                return None
        return None

    def _plain_date(self, base: str) -> ColRef | None:
        """Of the nearest table with several dates, its overlay ``default_date``, else the one the model
        calls just "date" (an overlay synonym): the date its rows are dated by when the question names none."""
        plain = {(c.table, c.column) for c in self.lex.names.get(("date",), ())
                 if c.kind == "column" and c.strength >= 3}     # named so, not only ending in "date"
        for t in self._by_distance(base):
            dates = self.lex.tables[t].dates
            default = self.lex.tables[t].table.default_date           # the overlay's default_date
            if default is not None and default in dates and not self._child_conditions(t):
                return ColRef(t, default)
            if dates:
                hits = [d for d in dates if (t, d) in plain]
                return ColRef(t, hits[0]) if len(dates) > 1 and len(hits) == 1 else None
        return None

    def _child_conditions(self, table: str) -> bool:
        """Whether the question filters a table reached from ``table`` one-to-many ("employees rated 5 in
        2024"): the period may be that table's events, so no default date settles it."""
        for c in self.r.conditions:
            if c.table != table:
                try:
                    p = self.graph.path(table, c.table)
                except Ambiguous:
                    return True
                if p is None or any(not e.up for e in p):
                    return True
        return False

    def _date_choices(self, base: str) -> list[str]:
        """The dates of the nearest table that has some, in words, when there are two or three."""
        for t in self._by_distance(base):
            dates = self.lex.tables[t].dates
            if dates:
                return [self._col_words(ColRef(t, d)) for d in dates] if 2 <= len(dates) <= 3 else []
        return []

    def _sibling_dates(self) -> list[ColRef]:
        """'went by truck in 1995' names the ship mode, so the year is the ship date's: a date column
        whose name starts like a column the question filters on. A grouping does not say so ("revenue by
        ship mode in 1997" is dated like any revenue)."""
        plain = [c.col for c in self.r.conditions if c.col]
        mentioned = list(plain)
        for c in self.r.conditions:              # "resignations per year": the filter's termination_reason
            if c.kind == "filter" and c.filter_name in self.lex.filters:
                f = self.lex.filters[c.filter_name]
                mentioned += [ColRef(f.table.lower(), n) for n in _filter_columns(f.sql, self.lex)]
        found: list[ColRef] = []
        for ref in mentioned[len(plain):]:       # "leavers per year": a date the filter itself reads
            if ref.column in self.lex.tables[ref.table].dates and ref not in found:
                found.append(ref)
        for ref in mentioned:
            info = self.lex.tables[ref.table]
            head = info.column_words.get(ref.column, ())[:1]
            for d in info.dates:
                if head and info.column_words.get(d, ())[:1] == head and d != ref.column \
                        and ColRef(ref.table, d) not in found:
                    found.append(ColRef(ref.table, d))
        return found

    def _col_words(self, ref: ColRef) -> str:
        return " ".join(self.lex.tables[ref.table].column_words.get(ref.column, (ref.column,)))

    def _grain_dims(self, base: str) -> list[Dim]:
        dims = []
        for unit in self.r.unit_dims:
            col = self._date_column(base)
            if col is None:
                raise Ambiguity(f"I could not tell which date to group by {unit}.", (unit,), phrase=unit,
                                readings=tuple(f"{unit} of {d}" for d in self._date_choices(base)))
            if unit == "quarter" and not self._within_one_year():
                unit = "quarter_start"
            dims.append(Dim(col, grain=unit, name=unit.replace("_start", "")))
        return dims

    def _within_one_year(self) -> bool:
        return any(p.start and p.end and (p.end - p.start).days <= 366 for p in self.r.periods)

    # ------------------------------------------------------------------------------------------
    def _aggregate(self) -> QuerySpec:
        r = self.r
        if r.per_value:
            listed = [c.col for c in r.conditions if c.kind == "in" and len(c.values) > 1 and c.col]
            if len(listed) != 1:
                raise NotUnderstood("“Each separately” needs one list of values to split by.", ())
            r.dims.append(Dim(listed[0]))
            r.per_value = False
        measures = list(r.measures)
        subject = self._subject()
        for i, m in enumerate(measures):
            if m.kind == "rows" and m.table == "":
                if subject is None and not r.dims:
                    raise NotUnderstood("I could not tell what to count.", ())
                table = subject or r.dims[0].col.table
                measures[i] = replace(m, table=table)
        for _desc, target, _pos in r.extremes:
            if target[0] in ("metric", "table"):  # type: ignore[index]
                self._measure_index(target, measures)
        base = self._base(measures)
        base = self._bridge_base(base, measures)
        if r.periods:
            self._time_conditions(base)      # a year column compared with a year is not also shown
        # "average quantity per line item": grouping by the rows being measured groups nothing
        dims = [self._resolve_dim(d) for d in r.dims
                if not (d.col.column == "" and d.col.table == base and d.col.via is None)]
        used_tables = {m.table for m in measures} | {d.col.table for d in dims}
        # the subject becomes a grouping when the question ranks or filters its members
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
                r.existence.append((table, False, _pos))
            else:
                raise NotUnderstood(f"I could not tell what {self._describe_table(table)} has to do with the "
                                    "question.", (self._describe_table(table),))
        for ref, _pos in r.projections:
            info = self.lex.tables[ref.table]
            if ref.column in info.numeric and not (r.limit or r.extremes):
                raise NotUnderstood("I could not tell what to do with a number column.",
                                    (self._col_words(ref),))
            dims.append(self._resolve_dim(Dim(ref)))
        dims = self._named_columns_replace_labels(dims) + self._grain_dims(base)
        seen: list[ColRef] = []
        unique = []
        for d in dims:
            if d.col in seen and d.grain is None:
                continue
            seen.append(d.col)
            unique.append(d)
        dims = unique
        for d in dims:
            for ref in (d.col, *d.keys):
                if not self.up(base, ref.table, ref.via):
                    raise NotUnderstood(f"Grouping {self._describe_table(base)} by {self._col_words(ref)} "
                                        "would count some of them more than once.", (self._col_words(ref),))
        if r.having and not dims:
            raise NotUnderstood("I could not tell what the number is compared with.", ())
        base_key = set(self.lex.tables[base].pk)
        if any(d.col.table == base and d.col.column in base_key and len(base_key) == 1 for d in dims) \
                and any(m.kind == "rows" and m.table == base for m in measures):
            raise NotUnderstood("Counting rows per row identifier counts one each; group by something else.",
                                ())
        orders = list(r.orders)
        limit = r.limit
        for desc, target, _pos in r.extremes:
            idx = self._measure_index(target, measures)
            orders.append(Order(desc, measure=idx))
            if limit is None:
                # "which suppliers ..." asks for a few, "which nation ..." for one
                # ("which segment's customers ...": the customers are not what is grouped, the segment is)
                grouped = [p for t, _, p in r.entities if any(d.name == t or self._names_row(d, t) for d in dims)]
                limit = 10 if grouped and grouped[0] else 1
        orders = [self._fill_order(o, measures, dims) for o in orders]
        if not dims and (orders or limit) and r.extremes and all(o.measure is not None for o in orders):
            raise NotUnderstood("Highest or lowest among what? Name what to compare.", ())
        if not orders and dims:
            if any(d.grain or self._is_year(d.col) for d in dims):
                # a series over time, a grain or a year column ("average rating per review year"), reads in time order
                orders = [Order(False, dim=i) for i, d in enumerate(dims) if d.grain or self._is_year(d.col)]
            else:
                orders = [Order(True, measure=0)]
        conditions = self._conditions(base)
        return QuerySpec(base, tuple(measures), tuple(dims), (), tuple(conditions), tuple(r.having),
                         tuple(orders), limit, False)

    def _named(self, ref: ColRef) -> bool:
        """Whether the question spells every word of the column's name."""
        said = set(self.r.words)
        return all(stem(w) in said for w in self.lex.tables[ref.table].column_words.get(ref.column, ("?",)))

    def _is_year(self, ref: ColRef) -> bool:
        """A number column named as a year ("review_year", "Year"): its groups are periods."""
        info = self.lex.tables.get(ref.table)
        return info is not None and ref.column in info.numeric and info.column_words.get(ref.column, ())[-1:] == ("year",)

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

    def _measure_index(self, target: object, measures: list[Measure]) -> int:
        kind, obj = target  # type: ignore[misc]
        if kind == "measure":
            return obj  # type: ignore[return-value]
        if kind == "metric":
            m = Measure("metric", obj.table, metric=obj.name, hidden=True)  # type: ignore[attr-defined]
        elif kind == "table":
            m = Measure("rows", obj, "count", hidden=True)  # type: ignore[arg-type]
        else:
            m = Measure("agg", obj.table, "sum", col=obj)  # type: ignore[attr-defined]
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

    def _describe_table(self, table: str) -> str:
        return " ".join(self.lex.tables[table].words)

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
        wanted = [self._resolve_dim(d).col for d in self.r.dims]
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
        ops = {exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">=", exp.EQ: "="}
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

    # ------------------------------------------------------------------------------------------
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
                                tuple(c.text for c in r.share_conditions + plain))
        if not r.share_conditions:
            # "share of orders that are urgent": plain conditions are what the share is of
            r.share_conditions = [c for c in r.conditions if c.kind in ("in", "filter", "contains", "compare")]
            r.conditions = [c for c in r.conditions if c not in r.share_conditions]
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

    def _when(self) -> QuerySpec:
        """'When was the first order placed and when was the last one?': earliest and latest dates."""
        r = self.r
        subject = self._subject()
        hinted = {h[0] for h in r.date_hints} | {c.table for c, _ in r.date_cols}
        if subject is None and len(hinted) == 1:
            subject = next(iter(hinted))          # "when did the last shipment go out": the ship date's table
        if subject is None or r.measures or r.dims or r.extremes or len(r.entities) > 1:
            raise NotUnderstood("I could not tell which date is asked for.", ())
        own = self.lex.tables[subject].dates
        # "the last shipment": a word built on a date's name ("ship") picks that date
        named = {h for w in r.words for k, hs in self.lex.date_names.items()
                 if len(k) >= 4 and w.startswith(k) for h in hs if h[0] == subject}
        if r.date_cols or r.date_hints:
            col = self._date_column(subject)
        elif len(named) == 1:
            col = ColRef(*next(iter(named)))
        else:
            col = ColRef(subject, own[0]) if len(own) == 1 else None   # the subject's own date, no guess
        if col is None:
            raise NotUnderstood("I could not tell which date to report.", ())
        r.measures = [Measure("agg", col.table, "max" if latest else "min", col=col) for latest in r.when]
        r.when, r.entities, r.orders = [], [], []
        return self._aggregate()

    def _share_of_total(self) -> QuerySpec:
        """'what share of revenue does each region contribute': each group's part of the whole."""
        r = self.r
        metric = next(m for m in r.measures if m.kind == "metric")
        r.share = False
        r.measures = [Measure("share", metric.table, metric=metric.metric, fn="total_percent" if r.percent
                              else "total")]
        spec = self._aggregate()
        return spec

    def _scalar_extreme(self) -> QuerySpec:
        r = self.r
        measures = []
        for desc, target, _pos in r.extremes:
            kind, obj = target  # type: ignore[misc]
            if kind != "column":
                raise NotUnderstood("Highest or lowest among what? Name what to compare.", ())
            measures.append(Measure("agg", obj.table, "max" if desc else "min", col=obj))
        r.extremes = []
        r.measures = measures
        return self._aggregate()

    def _listing(self) -> QuerySpec:
        r = self.r
        if r.unit_dims:
            raise NotUnderstood("A list cannot be grouped by a period; ask for a count or a total.", ())
        if not (r.projections or r.dims or r.orders or r.limit or r.extremes or r.star or r.distinct) \
                and r.entities and r.entities[0][1] == 0 and r.entities[0][2] \
                and all(any(c.table == t for c in r.conditions) for t, _, _ in r.entities[1:]) \
                and r.periods and r.words and (r.words[0],) not in cue_index() \
                and set(self.lex.tables[r.entities[0][0]].labels) <= set(self.lex.tables[r.entities[0][0]].pk):
            # "shipments created in March 2025", "orders placed by BUILDING customers in Q1 1995": a bare noun
            # phrase (no "list", "show", "which") for a period, about rows with no name to list (other tables
            # named only to filter): how many, not a page of keys ("depots in the NORTH region" lists)
            r.measures.append(Measure("rows", r.entities[0][0], "count"))
            r.entities = []
            return self._aggregate()
        # "each teacher's name": in a list, 'each' only names what is listed
        first_entity = not r.entities
        for d in r.dims:
            if d.col.column == "" and first_entity:
                r.entities.append((d.col.table, -1, True))
                first_entity = False
            elif d.col.column == "":             # "each teacher and course": the second is listed too
                r.projections.extend((label, 10_000) for label in self._labels(d.col.table))
            else:
                r.projections.append((d.col, -1 if d.col in [p for p, _ in r.projections] else 0))
        r.dims = []
        # "the names of conductors and the orchestras": a second table named after "and" is listed too
        and_tables = [t for t, pos, _ in r.entities if pos in self.r.after_and
                      and (len(r.entities) > 1 or r.projections)]
        for t in and_tables:
            r.entities = [e for e in r.entities if e[0] != t]
            r.projections.extend((label, 10_000) for label in self._labels(t))
        subject = self._subject()
        projections = [p for p, _ in r.projections]
        if subject is None and not projections:
            # "list fulfilled orders": the rows a named filter is about
            subject = next((c.table for c in r.conditions if c.kind == "filter"), None)
        if subject is None and not projections:
            raise NotUnderstood("I could not tell what to list or count.", ())
        base = subject or projections[0].table
        if r.periods:
            self._time_conditions(base)      # a year column compared with a year is not also shown
            projections = [p for p, _ in r.projections]
        if r.star:
            projections = [ColRef(base, c.name) for c in self.lex.tables[base].table.columns]
        explicit = [p for p, pos in r.projections if pos >= 0] or projections if r.star else \
            [p for p, pos in r.projections if pos >= 0]
        helpers: list[ColRef] = [p for p, pos in r.projections if pos < 0]
        ranked_by = [p for p, pos in r.projections if pos == -2]
        projections = [p for p in projections if p not in helpers or p in explicit]
        if not explicit:
            projections = list(self._labels(base)) + [p for p in projections if p not in self._labels(base)
                                                      and p not in helpers]
        projections += [p for p in ranked_by if p not in projections]
        for c in r.conditions:
            if c.kind == "compare" and c.col is not None and c.col.table == base and c.col not in projections:
                helpers.append(c.col)
        if not all(self.up(base, p.table, p.via) for p in projections):
            # "suppliers of part 100 and the cost": list at the level where both meet
            bridge = self._common_base([p.table for p in projections] + [base])
            if bridge is None or any(p.via for p in projections):
                raise NotUnderstood("Those columns live at different levels of detail.",
                                    tuple(self._col_words(p) for p in projections))
            first_projection = min((pos for _, pos in r.projections if pos >= 0), default=10**6)
            if subject is not None and not any(p.table == subject for p in projections) \
                    and r.entities[0][1] < first_projection:
                projections = list(self._labels(subject)) + projections    # "which suppliers ... and cost"
            base = bridge
        for table, _pos, _plural in r.entities[1:]:
            if not self.up(base, table) and self.path(base, table) is not None:
                r.existence.append((table, False, _pos))
        orders = list(r.orders)
        limit = r.limit
        asked_at = min([pos for _, pos in r.projections if pos >= 0] + [pos for _, pos, _ in r.entities],
                       default=10**6)
        for desc, target, _pos in r.extremes:
            kind, obj = target  # type: ignore[misc]
            if kind != "column" or not self.up(base, obj.table, obj.via):
                raise NotUnderstood("Ranking a list by a total is not something I can do yet.", ())
            orders.append(Order(desc, col=obj))
            if _pos < asked_at and obj not in projections and self._named(obj):
                # "the smallest version number and its type code": the column is asked for first, so shown
                # (not "the 10 most expensive parts", where the adjective only ranks them)
                projections.insert(0, obj)
            if limit is None:
                # "for the cars with 4 cylinders, which model has the largest ...": one, as the verb says
                singular_verb = any(w in ("has", "is", "was", "doe") for w in r.words) and \
                    not any(w in ("have", "are", "were", "do") for w in r.words)
                plural = bool(r.entities) and r.entities[0][2] and not singular_verb
                limit = 10 if plural else 1
        texts = [p for p in dict.fromkeys(projections) if p.column not in self.lex.tables[p.table].numeric]
        if len(orders) == 1 and orders[0].col is None and orders[0].measure is None and len(texts) == 1 \
                and "alphabet" in " ".join(r.words):
            # "the titles of the cartoons sorted alphabetically": by the one text column shown
            orders = [Order(orders[0].desc, col=texts[0])]
        if any(o.col is None for o in orders):
            raise NotUnderstood("Sorted by what?", ())
        for o in orders:                     # what a list is ranked by is shown beside it
            if o.col is not None and o.col not in projections:
                helpers.append(o.col)
        distinct = r.distinct or subject is None
        if subject is None and not r.distinct and not (orders or limit) and "all" in r.words and projections and all(
                p.column in self.lex.tables[p.table].numeric and p.column not in self.lex.tables[p.table].keys
                for p in projections):
            # "the declared value of all lost parcels": the different amounts, or their total? Never a guess
            # ("the weight of the youngest dog", "the rank of the episode 'X'" name one row: answered)
            raise NotUnderstood("Each amount, or their total? Say “total”, “average” or “list each”.",
                                tuple(self._col_words(p) for p in projections))
        conditions = self._conditions(base)
        projections = list(dict.fromkeys(projections))     # a column named twice is shown once
        info = self.lex.tables[base]
        if projections and all(p.table == base and p.column not in info.pk and p.column not in info.labels
                               for p in projections) \
                and any(c.negated and not self.up(base, c.table, c.col.via if c.col else None) for c in conditions):
            # "type codes not used by any document": values no row has is a set difference, not a row test
            raise NotUnderstood("Values that no related row has need a set difference I cannot write yet.", ())
        helpers += [ref for ref in self.moved if ref not in projections]   # what a moved filter compares
        helpers = [h for h in dict.fromkeys(helpers) if h not in projections]
        return QuerySpec(base, (), (), tuple(projections), tuple(conditions), (), tuple(orders), limit, distinct,
                         tuple(helpers))


def _starts_with_grouping(stems: tuple[str, ...]) -> bool:
    """'by ship mode', 'per region': the question opens with a grouping word (not 'list each ...')."""
    from nl2sql.planner.vocabulary import cue_index

    cues = cue_index().get(stems[:1], ())
    return any(c.kind in ("group", "grain") for c in cues) and not any(c.kind == "list" for c in cues)


def _verb_of(stem: str) -> str:
    """'shipment' names the shipping date as 'shipped' does: a nominal suffix (vocabulary.yaml) comes off.

    >>> _verb_of("shipment"), _verb_of("ship")
    ('ship', 'ship')
    """
    from nl2sql.planner.words import word_list

    for suffix in word_list("nominal_suffixes"):
        if stem.endswith(suffix) and len(stem) > len(suffix) + 2:
            return stem[: -len(suffix)]
    return stem


def _year_comparison(start: date | None, end: date | None) -> tuple[str, int] | None:
    """A period of whole years on a year column: 'in 2014' (=), '2014 or after' (>=), 'before 2014' (<)."""
    whole = all(d is None or (d.month, d.day) == (1, 1) for d in (start, end))
    if not whole or (start is None and end is None):
        return None
    if start is not None and end is not None:
        return ("=", start.year) if end.year - start.year == 1 else None
    return (">=", start.year) if start is not None else ("<", end.year)  # type: ignore[union-attr]


def _unused(_: date) -> None:  # pragma: no cover - keeps the import for type readers
    return None


def _filter_columns(sql: str, lex: Lexicon) -> list[str]:
    """The columns of the filter's table a named filter reads, as the catalog spells them."""
    try:
        tree = sqlglot.parse_one(sql, read=lex.dialect)
    except sqlglot.errors.ParseError:
        return []
    return list(dict.fromkeys(c.name for c in tree.find_all(exp.Column) if c.name))
