"""From matched phrases to a query: measures, groupings, filters, ordering and limits.

The reader walks the question's phrases left to right; each function word claims the phrases it
governs ("average" + a column, "by" + a dimension, "above" + a number). Whatever no rule claims, and
is not a plain stop word, is reported so that the planner abstains rather than guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nl2sql.planner.joins import Ambiguous, JoinGraph, all_up
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.spec import ColRef, Condition, Dim, Having, Measure, Order
from nl2sql.planner.timefilters import Period, find_periods, is_year
from nl2sql.planner.vocabulary import ADJECTIVE_ATTRIBUTES, Cue

_IGNORABLE = frozenset({"stop", "list"})


class NotUnderstood(Exception):
    """A part of the question the planner cannot map; ``words`` are shown to the user."""

    def __init__(self, reason: str, words: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.words = words


@dataclass
class Reading:
    """What the walk over the question found, before the base table and joins are chosen."""

    measures: list[Measure] = field(default_factory=list)
    dims: list[Dim] = field(default_factory=list)
    unit_dims: list[str] = field(default_factory=list)           # grains whose date column is chosen later
    conditions: list[Condition] = field(default_factory=list)
    share_conditions: list[Condition] = field(default_factory=list)
    having: list[Having] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    extremes: list[tuple[bool, object, int]] = field(default_factory=list)  # (desc, target, position)
    limit: int | None = None
    entities: list[tuple[str, int, bool]] = field(default_factory=list)  # (table, position, plural)
    projections: list[tuple[ColRef, int]] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    date_hints: list[tuple[str, str]] = field(default_factory=list)
    date_cols: list[tuple[ColRef, int]] = field(default_factory=list)
    existence: list[tuple[str, bool, int]] = field(default_factory=list)  # (table, negated, position)
    share: bool = False
    when: list[bool] = field(default_factory=list)          # "when was the first/last ...": min/max date
    as_named: list[ColRef] = field(default_factory=list)
    months: list[int] = field(default_factory=list)          # "in December" of any year
    star: bool = False
    percent: bool = False
    share_table: str | None = None
    distinct: bool = False
    mode: bool = False
    weak: int = 0
    fuzzy: int = 0
    vias: dict[int, str] = field(default_factory=dict)


def significant(items: list[Item]) -> list[Item]:
    """Items that carry meaning: pure stop words and question openers dropped."""
    out = []
    for it in items:
        if it.kind == "cue" and not it.concepts and all(c.kind in _IGNORABLE for c in it.cues):
            continue
        out.append(it)
    return out


def _one(it: Item, kind: str) -> Concept | None:
    if it.kind in ("concept", "literal") and it.concepts:
        kinds = [c for c in it.concepts if c.kind == kind]
        others = {c.kind for c in it.concepts} - {kind}
        if len(kinds) == 1 and (len(it.concepts) == 1 or kind in ("table", "metric", "filter")
                                or others <= {"metric", "filter"}):
            return kinds[0]
    return None


def _ignorable(it: Item) -> bool:
    return it.kind == "cue" and any(c.kind in _IGNORABLE | {"and", "or", "group", "date_cmp", "cmp", "top",
                                                            "unit"} and c.kind != "cmp" or c.kind == "stop"
                                    for c in it.cues) and it.has("stop", "list", "and", "or")


class Reader:
    def __init__(self, items: list[Item], lex: Lexicon, graph: JoinGraph) -> None:
        self.seq = significant(items)
        self._raw_words = _raw_words(items)
        self.lex = lex
        self.graph = graph
        self.via_tables: set[int] = set()
        self.qualifiers: set[int] = set()
        self.owned: set[int] = set()            # a table named right after one of its columns
        self.aggregated: set[int] = set()       # items an aggregate consumed
        self.measure_items: set[int] = set()    # items that named a measure (metrics)
        self.last_measure = 0                   # index of the measure the last aggregate named
        self.new_measure = False
        self.r = Reading()
        self.used: set[int] = set()
        self.neg_at: int | None = None

    # ---- helpers -------------------------------------------------------------------------------
    def at(self, j: int) -> Item | None:
        return self.seq[j] if 0 <= j < len(self.seq) else None

    def col(self, j: int, current: bool = False) -> ColRef | None:
        it = self.at(j)
        if it is None or (j in self.used and not current):
            return None
        c = _one(it, "column")
        if c is None or c.column is None:
            return None
        if c.strength < 3:
            self.r.weak += 1
        return ColRef(c.table, c.column, self.r.vias.get(j))

    def table(self, j: int, current: bool = False) -> str | None:
        it = self.at(j)
        if it is None or (j in self.used and not current):
            return None
        c = _one(it, "table")
        return c.table if c else None

    def info(self, table: str):  # noqa: ANN201 - TableInfo
        return self.lex.tables[table]

    def is_numeric(self, ref: ColRef) -> bool:
        return ref.column in self.info(ref.table).numeric

    def take_neg(self) -> bool:
        if self.neg_at is not None:
            self.neg_at = None
            return True
        return False

    # ---- the walk ------------------------------------------------------------------------------
    def read(self) -> Reading:
        periods, used = find_periods(self.seq)
        self.r.periods = periods
        self.used |= used
        self._merge_adjacent()
        j = 0
        while j < len(self.seq):
            if j not in self.used:
                self._step(j)
            j += 1
        if self.neg_at is not None:
            raise NotUnderstood("I could not tell what the negation applies to.", (self.seq[self.neg_at].text,))
        leftovers = [self.seq[j].text for j in range(len(self.seq)) if j not in self.used]
        if leftovers:
            raise NotUnderstood("Some words did not map to anything in the data.", tuple(leftovers))
        return self.r

    def _merge_adjacent(self) -> None:
        """'customer region' and 'supplier country': a table right before another table (or a column
        of another table) that it reaches many-to-one names the join path."""
        for j in range(len(self.seq) - 1):
            c = _one(self.seq[j], "column")
            nxt_text = self.seq[j + 1].text.lower()
            if c is not None and nxt_text in ("name", "names") and self.seq[j].end == self.seq[j + 1].start \
                    and c.column not in self.info(c.table).numeric:
                self.used.add(j + 1)
                continue
            if c is not None and _one(self.seq[j + 1], "table") and _one(self.seq[j + 1], "table").table == c.table:  # type: ignore[union-attr]
                self.owned.add(j + 1)
            t = self.table(j)
            if t is None or self.seq[j].end != self.seq[j + 1].start:
                continue                 # only words written together: "customer region", "client segment"
            nxt = self.seq[j + 1]
            target = _one(nxt, "table") or _one(nxt, "column")
            if target is None or target.kind == "table" and target.table == t:
                continue
            if target.table == t:
                self.qualifiers.add(j)   # 'client segment': the table says whose column it is
                continue
            try:
                path = self.graph.path(t, target.table)
            except Ambiguous:
                continue
            if path and all_up(path):
                self.r.vias[j + 1] = t
                self.via_tables.add(j)

    def _step(self, j: int) -> None:
        it = self.seq[j]
        self.used.add(j)
        if it.kind == "unknown":
            hints = self.lex.date_hints.get(_stem(it.text))
            if hints:
                self.r.date_hints.extend(sorted(hints))
                return
            self.used.discard(j)
            return
        if it.kind == "number":
            return self._number(j)
        if it.kind == "date":
            self.used.discard(j)
            return
        if it.kind == "literal":
            return self._literal(j)
        if it.kind == "concept":
            return self._concept(j)
        cue = it.cues
        kinds = {c.kind for c in cue}
        if "neg" in kinds:
            self.neg_at = j
        elif "mode" in kinds:
            self._mode(j)
        elif "agg" in kinds:
            self._aggregate(j)
        elif "top" in kinds and self._top(j):
            pass
        elif "top" in kinds and "extreme" not in kinds:
            if self._raw_words[:1] == ["when"]:
                # "When was the first order placed": the earliest date
                self.r.when.append(it.cue("top").arg == "asc")   # type: ignore[union-attr]  # last = latest
                nxt = self.at(j + 1)
                if nxt is not None and nxt.has("numword") and nxt.text.lower() == "one":
                    self.used.add(j + 1)         # "... and when was the last one"
            else:
                self.used.discard(j)
        elif "extreme" in kinds:
            self._extreme(j)
        elif "share" in kinds:
            self.r.share = True
            self.r.percent = it.cue("share").arg == "percent"  # type: ignore[union-attr]
            t = self.table(j + 1)
            if t:
                self.used.add(j + 1)
                self.r.share_table = t
        elif "grain" in kinds:
            self.r.unit_dims.append(it.cue("grain").arg)  # type: ignore[union-attr]
        elif "group" in kinds:
            self._group(j)
        elif "order" in kinds:
            self._order(j)
        elif "dir" in kinds:
            desc = it.cue("dir").arg == "desc"  # type: ignore[union-attr]
            if self.r.orders:
                self.r.orders[-1] = Order(desc, self.r.orders[-1].measure, self.r.orders[-1].col,
                                          self.r.orders[-1].dim)
            else:
                self.r.orders.append(Order(desc))
        elif "cmp" in kinds or "cmp_post" in kinds:
            self._compare(j)
        elif "contains" in kinds:
            self._contains(j)
        elif "distinct" in kinds:
            self.r.distinct = True
        elif "star" in kinds:
            self.r.star = True
        elif "unit" in kinds:
            self.r.unit_dims.append(it.cue("unit").arg)  # type: ignore[union-attr]
        elif "month" in kinds:
            self.r.months.append(int(it.cue("month").arg))  # type: ignore[union-attr]
        elif "numword" in kinds:
            self._number(j, float(it.cue("numword").arg))  # type: ignore[union-attr]
        elif kinds & {"and", "or", "stop", "list", "date_cmp"}:
            return
        else:
            self.used.discard(j)

    # ---- concepts --------------------------------------------------------------------------------
    def _concept(self, j: int) -> None:
        it = self.seq[j]
        kinds = {c.kind for c in it.concepts}
        if kinds <= {"value", "valueword"}:
            return self._value(j)
        nxt = self.at(j + 1)
        compared = nxt is not None and (j + 1) not in self.used and (
            nxt.has("cmp") and not nxt.has("date_cmp") or nxt.kind in ("number", "literal"))
        f = _one(it, "filter")
        if f is not None and compared and not any(c.kind == "column" for c in it.concepts):
            # "with a discount between 5% and 7%": the discount column, not the 'discounted' filter
            last = self.lex.names.get((_stem(it.text.split()[-1]),), [])
            cols = [c for c in last if c.kind == "column" and c.table == f.table]
            if len(cols) == 1:
                self.r.projections.append((ColRef(cols[0].table, cols[0].column), j))
                self.seq[j] = type(it)(it.kind, it.start, it.end, it.text, concepts=(cols[0],))
                return
        if f is not None and not compared:
            cond = Condition("filter", f.table, filter_name=f.name, negated=self.take_neg(), text=it.text)
            (self.r.share_conditions if self.r.share else self.r.conditions).append(cond)
            return
        m = _one(it, "metric")
        if m is not None and not compared:
            measure = Measure("metric", m.table, metric=m.name)
            if self.r.measures and self.r.measures[-1] == measure and (j - 1) in self.used:
                raise NotUnderstood(f"“{self.seq[j - 1].text} {it.text}” is not a measure I know.",
                                    (self.seq[j - 1].text, it.text))
            self.r.measures.append(measure)
            self.measure_items.add(j)
            return
        if j in self.via_tables:
            return                       # 'customer' in 'customer region': the path, read by the next item
        t = self.table(j, current=True)
        if t is not None:
            self._entity(j, t)
            return
        c = self.col(j, current=True)
        if c is not None:
            if c.column in self.info(c.table).dates:
                self.r.date_cols.append((c, j))
            else:
                self.r.projections.append((c, j))
                if set(it.text.lower().split()) & {"id", "ids", "key", "code", "number", "no"}:
                    self.r.as_named.append(c)      # "owner id": the id itself, not the owner's name
            return
        self.used.discard(j)

    def _column_context(self, j: int) -> bool:
        return False

    def _entity(self, j: int, table: str) -> None:
        nxt = self.at(j + 1)
        pk = self.info(table).pk
        if nxt is not None and nxt.kind == "number" and (j + 1) not in self.used and len(pk) == 1 \
                and self.seq[j].end == nxt.start and nxt.number == int(nxt.number or 0):
            # "part 100", "order 42": the row with that key
            self.used.add(j + 1)
            key = ColRef(table, pk[0])
            self.r.conditions.append(Condition("in", table, key, "in", (int(nxt.number or 0),),
                                               text=f"{self.seq[j].text} {nxt.text}"))
        neg = self.take_neg()
        word = self.seq[j].text.lower().split()[-1]
        plural = word.endswith("s") and not word.endswith("ss") and not self._singular_verb_after(j)
        if neg:
            self.r.existence.append((table, True, j))
        else:
            self.r.entities.append((table, j, plural))

    def _singular_verb_after(self, j: int) -> bool:
        """'Which of the countries has the most ...' asks for one country."""
        end = self.seq[j].end
        return any(t in ("has", "is", "was", "does") for t in self._raw_words[end:end + 3])

    def _value(self, j: int) -> None:
        it = self.seq[j]
        concepts = it.concepts
        columns = {(c.table, c.column) for c in concepts}
        if len(columns) > 1:
            raise NotUnderstood("A value matches more than one column; say which one.", (it.text,))
        table, column = next(iter(columns))
        if concepts[0].kind == "valueword":
            self.r.conditions.append(Condition("contains", table, ColRef(table, column, self.r.vias.get(j)),
                                               "contains", (concepts[0].value,), negated=self.take_neg(),
                                               text=it.text))
            self.r.weak += 1
            return
        values = [concepts[0].value]
        neg = self.take_neg()
        k = j + 1
        while True:
            conj = self.at(k)
            nxt = self.at(k + 1)
            if conj is None or nxt is None or not conj.has("and", "or") or k + 1 in self.used:
                break
            cs = nxt.concepts if nxt.kind in ("concept", "literal") else ()
            if not cs or {(c.table, c.column) for c in cs if c.kind == "value"} != {(table, column)}:
                break
            if conj.has("and") and any(x.text.lower() == "both" for x in self.seq[:j]):
                raise NotUnderstood("“both … and …” asks for rows having each value; I can only match "
                                    "either value.", ("both",))
            values.append(cs[0].value)
            self.used |= {k, k + 1}
            k += 2
        # "building segment", "segment building", "ship mode air": the column named next to its value
        before = j - 2 if self.at(j - 1) is not None and self.at(j - 1).has("neg") else j - 1  # type: ignore[union-attr]
        for n in (before, k):
            other = self.at(n)
            if other is not None and _one(other, "column") and _one(other, "column").column == column \
                    and (n not in self.used or any(p[1] == n for p in self.r.projections)):  # type: ignore[union-attr]
                self.used.add(n)
                self.r.projections = [p for p in self.r.projections if p[1] != n]
        self.r.conditions.append(Condition("in", table, ColRef(table, column, self.r.vias.get(j)), "in",
                                           tuple(values), negated=neg, text=it.text))
        if it.fuzzy:
            self.r.fuzzy += 1

    def _literal(self, j: int) -> None:
        it = self.seq[j]
        if it.concepts and len({(c.table, c.column) for c in it.concepts}) == 1:
            return self._value(j)
        after = self.at(j + 1)
        after_col = _one(after, "column") if after is not None and after.kind == "concept" else None
        if after_col is not None and after_col.column not in self.info(after_col.table).numeric:
            # "'green' in the name": the name contains it
            if any(ch in it.text for ch in "%_\\"):
                raise NotUnderstood("I can only search for plain words inside text.", (it.text,))
            self.used.add(j + 1)
            ref = ColRef(after_col.table, after_col.column, self.r.vias.get(j + 1))
            self.r.conditions.append(Condition("contains", ref.table, ref, "contains", (it.text,),
                                               negated=self.take_neg(), text=it.text))
            return
        prev = self._previous_column(j)
        before = self.at(j - 1)
        if prev is None:
            self.used.discard(j)
            raise NotUnderstood("I could not tell which column the quoted value belongs to.", (it.text,))
        neg = self.take_neg()
        self.r.conditions.append(Condition("compare", prev.table, prev, "!=" if neg else "=", (it.text,),
                                           text=it.text))

    def _previous_column(self, j: int) -> ColRef | None:
        """The column right before position j, taken back from the projections if it was there."""
        for n in (j - 1, j - 2):
            it = self.at(n)
            if it is None:
                return None
            c = _one(it, "column") if it.kind == "concept" else None
            if c is not None and c.column is not None:
                self.used.add(n)
                before = len(self.r.projections)
                self.r.projections = [p for p in self.r.projections if p[1] != n]
                if len(self.r.projections) == before and n not in self.used:
                    pass
                return ColRef(c.table, c.column, self.r.vias.get(n))
            if not (it.kind == "cue" and it.has("neg")):
                return None
        return None

    # ---- function words --------------------------------------------------------------------------
    def _target(self, j: int, fn: str = "") -> tuple[str, object] | None:
        """What an aggregate or superlative at j-1 applies to: a metric, a table (rows), a column or
        the rows meeting a named filter."""
        it = self.at(j)
        if it is not None and (j in self.via_tables or j in self.qualifiers):
            if j in self.qualifiers and self.table(j) is not None:
                t = self.table(j)
                self.used.add(j)
                if fn == "count":        # "how many customers have a balance above ...": count rows
                    return ("table", t)
                self.r.entities.append((t, j, _plural(it.text)))  # type: ignore[arg-type]
            j += 1
            it = self.at(j)
        if it is None or j in self.used or it.kind != "concept":
            return None
        numeric = [c for c in it.concepts if c.kind == "column" and c.column in self.info(c.table).numeric]
        m = _one(it, "metric")
        if m is not None and not (fn in ("avg", "min", "max", "median") and numeric
                                  and _outer_function(self.lex, m) != fn):
            self.used.add(j)
            return ("metric", m)
        if fn not in ("", "count") and len(numeric) == 1:
            self.used.add(j)
            c = numeric[0]
            return ("column", ColRef(c.table, c.column, self.r.vias.get(j)))
        t = self.table(j)
        c = self.col(j)
        if t is not None and (c is None or c.table == t):
            self.used.add(j)
            return ("table", t)
        if c is not None:
            self.used.add(j)
            return ("column", c)
        f = _one(it, "filter")
        if f is not None:
            self.used.add(j)
            self.r.conditions.append(Condition("filter", f.table, filter_name=f.name, text=it.text))
            return ("table", f.table)
        return None

    def _aggregate(self, j: int) -> None:
        fns = [self.seq[j].cue("agg").arg]  # type: ignore[union-attr]
        k = j + 1
        while (it := self.at(k)) is not None and k not in self.used and (it.has("agg", "extreme", "and")):
            if it.has("agg"):
                fns.append(it.cue("agg").arg)  # type: ignore[union-attr]
            elif it.has("extreme"):
                fns.append(it.cue("extreme").arg)  # type: ignore[union-attr]
            self.used.add(k)
            k += 1
        fns = list(dict.fromkeys(fns))
        distinct = False
        if (it := self.at(k)) is not None and it.has("distinct"):
            distinct = True
            self.used.add(k)
            k += 1
        target = self._target(k, fns[0])
        if target is None and fns == ["count"] and self.r.entities and not self.r.measures:
            # "For orders placed in Q3 1993, how many had ...": the orders named before
            table = self.r.entities.pop(0)[0]
            target = ("table", table)
        if target is None:
            if fns == ["sum"] and (self.r.measures or self.at(k) is None or self.seq[j].has("stop")):
                return                   # "... in total": the measure already says it
            if fns == ["sum"] and self._next_is_measure(k):
                return                   # "total revenue", "total order value": the metric is a total
            raise NotUnderstood("I could not tell what to count or total.", (self.seq[j].text,))
        if fns == ["avg", "count"] and target[0] == "table":
            # "the average number of line items per order": rows per member of the group named next
            per = self._per_entity(k + 1)
            if per is None:
                raise NotUnderstood("Average number per what?", (self.seq[j].text,))
            self.r.measures.append(Measure("rows_per", target[1], "avg", metric=per))  # type: ignore[arg-type]
            return
        self.new_measure = False
        for fn in fns:
            m = self._measure(fn, distinct, target, self.seq[j].text)
            if m not in self.r.measures:
                self.r.measures.append(m)
                self.new_measure = True
            self.last_measure = self.r.measures.index(m)
        self.aggregated.add(max(n for n in self.used if n <= k + 1) if self.used else k)

    def _per_entity(self, k: int) -> str | None:
        """'... per order': the table after a grouping word, consumed."""
        while (it := self.at(k)) is not None and k in self.used:
            k += 1
        if it is None or not it.has("group"):
            return None
        t = self.table(k + 1)
        if t is None:
            return None
        self.used |= {k, k + 1}
        return t

    def _next_is_measure(self, k: int) -> bool:
        it = self.at(k)
        return it is not None and it.kind == "concept" and _one(it, "metric") is not None

    def _measure(self, fn: str, distinct: bool, target: tuple[str, object], word: str) -> Measure:
        kind, obj = target
        if kind == "metric":
            m: Concept = obj  # type: ignore[assignment]
            if fn not in ("sum", "count") and fn != _outer_function(self.lex, m):
                raise NotUnderstood(f"“{word} {m.name}” is not a measure I know how to compute.", (word,))
            return Measure("metric", m.table, metric=m.name)
        if kind == "table":
            t: str = obj  # type: ignore[assignment]
            if fn not in ("count", "sum"):
                raise NotUnderstood(f"I cannot take the {word} of a table.", (word,))
            return Measure("rows", t, "count")
        c: ColRef = obj  # type: ignore[assignment]
        info = self.info(c.table)
        if fn == "count" and c.column in info.numeric and not distinct:
            return Measure("agg", c.table, "sum", col=c)      # "how many units" adds the units up
        if fn == "count" or c.column in info.keys:
            if fn not in ("count",) and c.column in info.keys:
                raise NotUnderstood("Identifiers can be counted, not added up.", (word,))
            if c.column in info.pk and len(info.pk) == 1 and not distinct:
                return Measure("rows", c.table, "count")
            return Measure("agg", c.table, "count_distinct", col=c)
        if not self.is_numeric(c) and fn in ("sum", "avg", "median"):
            raise NotUnderstood(f"“{word}” needs a numeric column.", (word,))
        return Measure("agg", c.table, fn, col=c)

    def _extreme(self, j: int) -> None:
        desc = self.seq[j].cue("extreme").arg == "max"  # type: ignore[union-attr]
        k = j + 1
        it = self.at(k)
        if it is not None and k not in self.used and it.has("agg"):
            fn = it.cue("agg").arg  # type: ignore[union-attr]
            self.used.add(k)
            target = self._target(k + 1, fn)
            if target is None:
                raise NotUnderstood("I could not tell what to rank by.", (self.seq[j].text,))
            m = self._measure(fn, False, target, it.text)
            self.r.measures.append(Measure(m.kind, m.table, m.fn, m.col, m.metric, m.share_of, hidden=True))
            self.r.extremes.append((desc, ("measure", len(self.r.measures) - 1), j))
            return
        found = self._adjective_target(j)
        if found is not None:
            desc, target = found
            t = self.table(j + 1) if self.at(j + 1) is not None and self.at(j + 1).kind == "concept" else None  # type: ignore[union-attr]
            if t is None and (j + 2) < len(self.seq) and (j + 1) in self.used:
                t = self.table(j + 2)
            if t is not None:                    # "the cheapest part": the part is the subject
                n = j + 1 if self.table(j + 1) is not None else j + 2
                self.used.add(n)
                self.r.entities.append((t, n, _plural(self.seq[n].text)))
        else:
            target = self._target(k, "max" if desc else "min")
        if target is None:
            raise NotUnderstood("I could not tell what is highest or lowest.", (self.seq[j].text,))
        counting = self.seq[j].text.lower() in ("most", "fewest", "least", "the most", "the fewest")
        if target[0] == "table" and not counting:
            # "the 10 best-selling products by revenue": the products are ranked by a measure named later
            self.r.entities.append((target[1], k, _plural(self.seq[k].text)))  # type: ignore[arg-type]
            self.r.orders.append(Order(desc))
            if self.r.limit is None and not _plural(self.seq[k].text):
                self.r.limit = 1
            return
        self.r.extremes.append((desc, target, j))

    def _adjective_target(self, j: int) -> tuple[bool, tuple[str, object]] | None:
        """'the oldest singer', 'the 10 most expensive parts': the degree adjective names the column."""
        words = self.seq[j].text.lower().split()
        nxt = self.at(j + 1)
        k = None
        if nxt is not None and nxt.kind == "unknown" and nxt.text.lower() in ADJECTIVE_ATTRIBUTES:
            words, k = [nxt.text.lower()], j + 1
        adjective = next((w for w in words if w in ADJECTIVE_ATTRIBUTES), None)
        if adjective is None:
            return None
        desc, nouns = ADJECTIVE_ATTRIBUTES[adjective]
        if k is None and words[0] in ("least", "less"):
            desc = not desc
        elif k is not None and self.seq[j].cue("extreme") and self.seq[j].cue("extreme").arg == "min":  # type: ignore[union-attr]
            desc = not desc                      # "least expensive"
        tables = [t for t, _, _ in self.r.entities] + [t for n in (j + 1, j + 2, j + 3)
                                                        if (t := self.table(n)) is not None]
        for table in dict.fromkeys(tables):
            info = self.info(table)
            cols = [c for c in info.numeric if any(n in info.column_words.get(c, ()) for n in nouns)]
            if len(cols) == 1:
                if k is not None:
                    self.used.add(k)
                return desc, ("column", ColRef(table, cols[0]))
        return None

    def _top(self, j: int) -> bool:
        nxt = self.at(j + 1)
        n = None
        if nxt is not None and nxt.kind == "number" and nxt.number and nxt.number == int(nxt.number):
            n = int(nxt.number)
        elif nxt is not None and nxt.has("numword") and int(nxt.cue("numword").arg) > 1:  # type: ignore[union-attr]
            n = int(nxt.cue("numword").arg)  # type: ignore[union-attr]
        if n is None:
            return False
        self.used.add(j + 1)
        self.r.limit = n
        self.r.orders.append(Order(self.seq[j].cue("top").arg == "desc"))  # type: ignore[union-attr]
        return True

    def _mode(self, j: int) -> None:
        target = self._target(j + 1)
        if target is None or target[0] not in ("column", "table"):
            raise NotUnderstood("I could not tell what is most common.", (self.seq[j].text,))
        self.r.mode = True
        if target[0] == "column":
            self.r.dims.append(Dim(target[1]))  # type: ignore[arg-type]
        else:
            self.r.entities.append((target[1], j + 1, False))  # type: ignore[arg-type]
        self.r.measures.append(Measure("rows", "", "count", hidden=True))
        self.r.orders.append(Order(True, measure=len(self.r.measures) - 1))
        self.r.limit = 1

    def _group(self, j: int) -> None:
        k = j + 1
        found = False
        while True:
            it = self.at(k)
            if it is None or k in self.used:
                break
            if it.has("unit") and it.kind == "cue":
                self.r.unit_dims.append(it.cue("unit").arg)  # type: ignore[union-attr]
            elif it.kind == "concept" and {c.kind for c in it.concepts} == {"value"}:
                break                                  # "shipped by air": a connective, not a grouping
            elif it.kind == "concept" and (_one(it, "metric") or it.has("agg")):
                break                                  # "customers by revenue": ranks, read by the caller
            elif k in self.via_tables or k in self.qualifiers:
                self.used.add(k)
                k += 1
                continue
            elif (c := self.col(k)) is not None and not (self.table(k) and self.table(k) != c.table):
                if c.column in self.info(c.table).dates:
                    self.r.date_cols.append((c, k))
                    self.r.unit_dims.append("day")
                elif self._pending_order() or (self.r.limit is not None and self.is_numeric(c)
                                               and not self.r.measures):
                    self._order_by_column(c)
                else:
                    self.r.dims.append(Dim(c))
            elif (t := self.table(k)) is not None:
                self.r.dims.append(Dim(ColRef(t, "", self.r.vias.get(k))))
            else:
                break
            self.used.add(k)
            found = True
            nxt = self.at(k + 1)
            if nxt is not None and nxt.has("and") and k + 2 < len(self.seq):
                self.used.add(k + 1)
                k += 2
                continue
            break
        if not found and not self.seq[j].has("stop"):
            self.used.discard(j)

    def _pending_order(self) -> bool:
        return any(o.col is None and o.measure is None for o in self.r.orders) and not self.r.measures

    def _order_by_column(self, c: ColRef) -> None:
        """Fill a pending 'top 10' (which had no key yet) or add a new sort key."""
        pending = next((i for i, o in enumerate(self.r.orders) if o.col is None and o.measure is None), None)
        if pending is None:
            self.r.orders.append(Order(True, col=c))
        else:
            self.r.orders[pending] = Order(self.r.orders[pending].desc, col=c)
        self.r.projections.append((c, -1))

    def _order(self, j: int) -> None:
        words = self.seq[j].text.lower().split()
        if len(words) == 1:
            # "sort employee names by age": the key comes after "by"; what follows "sort" is shown
            self.r.orders.append(Order(False))
            return
        target = self._target(j + 1)
        if target is None:
            if self.seq[j].has("stop"):
                return
            raise NotUnderstood("I could not tell what to sort by.", (self.seq[j].text,))
        kind, obj = target
        if kind == "column":
            self.r.orders.append(Order(False, col=obj))  # type: ignore[arg-type]
        else:
            self.r.measures.append(self._measure("sum", False, target, self.seq[j].text))
            self.r.orders.append(Order(False, measure=len(self.r.measures) - 1))

    def _numbers_after(self, k: int, between: bool) -> tuple[tuple[float, ...], int] | None:
        it = self.at(k)
        if it is None or k in self.used:
            return None
        v = it.number if it.kind == "number" else (float(it.cue("numword").arg) if it.has("numword") else None)
        if v is None:
            return None
        if not between:
            return (v,), k + 1
        conj, second = self.at(k + 1), self.at(k + 2)
        if conj is not None and conj.has("and") and second is not None and second.kind == "number":
            return (v, second.number or 0.0), k + 3
        return None

    def _compare(self, j: int) -> None:
        it = self.seq[j]
        op = (it.cue("cmp") or it.cue("cmp_post")).arg  # type: ignore[union-attr]
        if it.has("cmp_post"):
            self.used.discard(j)
            return
        between = op == "between"
        k = j + 1
        col = self.col(k)
        if col is not None and self.is_numeric(col) and self._numbers_after(k + 1, between):
            self.used.add(k)
            k += 1
        else:
            col = None
        got = self._numbers_after(k, between)
        if got is None:
            if it.has("stop") or it.has("date_cmp"):
                return
            raise NotUnderstood("A comparison needs a number after it.", (it.text,))
        values, end = got
        if col is None and end < len(self.seq) and end not in self.used:
            after = self.col(end)
            if after is not None and self.is_numeric(after):     # "fewer than 24 units"
                col = after
                self.used.add(end)
                end += 1
        percent = any(self.seq[n].text.endswith("%") for n in range(j + 1, end))
        if self.take_neg():
            op = {">": "<=", "<": ">=", ">=": "<", "<=": ">", "=": "!="}.get(op, op)
        self.used |= set(range(j, end))
        post = self.at(end)
        if post is not None and post.has("cmp_post"):
            op = post.cue("cmp_post").arg  # type: ignore[union-attr]
            self.used.add(end)
        if col is None and (j - 1) in self.aggregated and self.r.measures:
            # "whose average life expectancy is above 72": the aggregate is compared (and, if the
            # question named it only here, it filters without being shown)
            idx = self.last_measure
            if self.new_measure:
                self.r.measures[idx] = replace(self.r.measures[idx], hidden=True)
            self.r.having.append(Having(idx, op, values))
            return
        if col is None:
            col = self._numeric_before(j)
        if col is not None:
            if percent and _is_fraction(self.info(col.table).table.column(col.column)):
                values = tuple(v / 100 for v in values)           # "8%" of a rate stored as 0.08
            self.r.conditions.append(Condition("compare", col.table, col, op, values, text=it.text))
            return
        nxt_item = self.at(end)
        f_next = _one(nxt_item, "filter") if nxt_item is not None and end not in self.used else None
        t_next = self.table(end)
        if op == ">=" and values == (1.0,) and (f_next is not None or t_next is not None):
            # "had at least one late item": some such row exists
            self.used.add(end)
            if f_next is not None:
                self.r.conditions.append(Condition("filter", f_next.table, filter_name=f_next.name,
                                                   text=nxt_item.text))  # type: ignore[union-attr]
            else:
                self.r.existence.append((t_next, False, end))  # type: ignore[arg-type]
            return
        if f_next is not None and op != ">=" or (f_next is not None and values != (1.0,)):
            # "customers with more than 10 open orders": count the rows meeting the filter
            self.used.add(end)
            self.r.conditions.append(Condition("filter", f_next.table, filter_name=f_next.name,
                                               text=nxt_item.text))  # type: ignore[union-attr]
            self.r.measures.append(Measure("rows", f_next.table, "count", hidden=True))
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        t = self.table(end)
        if t is not None:                         # "more than 5 orders"
            self.used.add(end)
            self.r.measures.append(Measure("rows", t, "count", hidden=True))
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        nxt = self.at(end)
        m = _one(nxt, "metric") if nxt is not None and end not in self.used else None
        if m is not None:                         # "more than 1000 in revenue"
            self.used.add(end)
            self.r.measures.append(Measure("metric", m.table, metric=m.name, hidden=True))
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        adj = self._comparative_column(j)
        if adj is not None:                       # "students older than 20": their age
            self.r.conditions.append(Condition("compare", adj.table, adj, op, values, text=it.text))
            return
        if self.r.measures and (j - 1) in self.aggregated | self.measure_items:
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        raise NotUnderstood("I could not tell what the number is compared with.", (it.text,))

    def _comparative_column(self, j: int) -> ColRef | None:
        """'older than', 'heavier than', 'more expensive than': the column the adjective is about,
        on the table named just before."""
        words = self.seq[j].text.lower().split()
        nouns: tuple[str, ...] = ()
        for w in words:
            base = w[:-2] if w.endswith("er") else w
            for adjective, (_desc, attrs) in ADJECTIVE_ATTRIBUTES.items():
                if adjective in (w, base, base + "e") or adjective.rstrip("est") == base:
                    nouns = attrs
        if not nouns:
            return None
        for n in range(j - 1, -1, -1):
            t = _one(self.seq[n], "table") if self.seq[n].kind == "concept" else None
            if t is not None:
                info = self.info(t.table)
                cols = [c for c in info.numeric if any(x in info.column_words.get(c, ()) for x in nouns)]
                return ColRef(t.table, cols[0]) if len(cols) == 1 else None
        return None

    def _numeric_before(self, j: int) -> ColRef | None:
        for n in (j - 1,):
            it = self.at(n)
            if it is None or it.kind != "concept" or n in self.aggregated:
                return None
            c = _one(it, "column")
            if c is not None and c.column in self.info(c.table).numeric:
                self.r.projections = [p for p in self.r.projections if p[1] != n]
                return ColRef(c.table, c.column, self.r.vias.get(n))
        return None

    def _number(self, j: int, value: float | None = None) -> None:
        it = self.seq[j]
        v = it.number if value is None else value
        post = self.at(j + 1)
        k = j + 2 if post is not None and post.has("cmp_post") else j + 1
        counted = self.table(k)
        if counted is not None and v is not None and (post is not None and post.has("cmp_post")):
            # "grades that have 4 or more high schoolers": a count per group
            self.used |= set(range(j, k + 1))
            self.r.measures.append(Measure("rows", counted, "count", hidden=True))
            self.r.having.append(Having(len(self.r.measures) - 1, post.cue("cmp_post").arg, (v,)))  # type: ignore[union-attr]
            return
        col = self._numeric_before(j)
        if col is not None:
            op = "="
            if post is not None and post.has("cmp_post"):
                op = post.cue("cmp_post").arg  # type: ignore[union-attr]
                self.used.add(j + 1)
            self.r.conditions.append(Condition("compare", col.table, col, op, (v,), text=it.text))
            return
        # "the 3 countries with the fewest people": a count before the subject is a limit
        nxt = self.at(j + 1)
        nxt_col = self.col(j + 1)
        if nxt_col is not None and self.is_numeric(nxt_col) and v is not None and not is_year(it):
            self.used.add(j + 1)              # "models with 3 cylinders"
            self.r.conditions.append(Condition("compare", nxt_col.table, nxt_col, "=", (v,), text=it.text))
            return
        names_next = nxt is not None and (self.table(j + 1) is not None or nxt_col is not None
                                          or (j + 1) in self.via_tables
                                          or (nxt.has("extreme") and (self.table(j + 2) is not None or (
                                              self.at(j + 2) is not None and self.at(j + 2).kind == "unknown"  # type: ignore[union-attr]
                                              and self.table(j + 3) is not None))))
        if names_next and v is not None and v == int(v) and v > 0 and self.r.limit is None and not is_year(it):
            self.r.limit = int(v)
            return
        if is_year(it):
            self.used.discard(j)
            return
        self.used.discard(j)

    def _contains(self, j: int) -> None:
        it = self.seq[j]
        how = it.cue("contains").arg  # type: ignore[union-attr]
        nxt = self.at(j + 1)
        if nxt is None:
            raise NotUnderstood("Contains what?", (it.text,))
        pattern = nxt.text
        if not pattern.strip() or any(ch in pattern for ch in "%_\\"):
            raise NotUnderstood("I can only search for plain words inside text.", (pattern,))
        self.used.add(j + 1)
        col = self._text_before(j)
        if col is None:
            raise NotUnderstood("I could not tell which text to search.", (it.text,))
        neg = self.take_neg()
        self.r.conditions.append(Condition("contains", col.table, col, how, (pattern,), negated=neg,
                                           text=f"{it.text} {pattern}"))

    def _text_before(self, j: int) -> ColRef | None:
        it = self.at(j - 1)
        if it is None or it.kind != "concept":
            return None
        c = _one(it, "column")
        if c is not None and c.column is not None:
            self.used.add(j - 1)
            self.r.projections = [p for p in self.r.projections if p[1] != j - 1]
            return ColRef(c.table, c.column, self.r.vias.get(j - 1))
        t = _one(it, "table")
        if t is not None:
            labels = self.info(t.table).labels
            if len(labels) == 1 and labels[0] not in self.info(t.table).keys:
                return ColRef(t.table, labels[0])
        return None


def _outer_function(lex: Lexicon, metric: Concept) -> str:
    """'avg' for AVG(...), so that "average order value" may name an AVG metric."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(lex.metrics[metric.name].sql, read=lex.dialect)
    except Exception:  # an unreadable metric is reported by the compiler
        return ""
    names = {exp.Avg: "avg", exp.Sum: "sum", exp.Count: "count", exp.Min: "min", exp.Max: "max"}
    return next((v for k, v in names.items() if isinstance(tree, k)), "")


def _stem(text: str) -> str:
    from catalog_semantics.text import stem

    return stem(text.lower())


def _plural(text: str) -> bool:
    word = text.lower().split()[-1] if text.split() else ""
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _is_fraction(column: object) -> bool:
    """A rate the catalog describes as a fraction (0.05 = 5%): percentages are divided by 100."""
    comment = (getattr(column, "comment", None) or "").lower()
    return "fraction" in comment or "0.05 = 5%" in comment or "as a ratio" in comment


def _raw_words(items: list[Item]) -> list[str]:
    """The question's words by token position (stop words included), for small look-aheads."""
    out: list[str] = []
    for it in items:
        parts = it.text.lower().split()
        span = it.end - it.start
        out.extend((parts + [""] * span)[:span])
    return out
