"""Which date column a period or a time grain applies to, and the period conditions of a question."""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.text import STOPWORDS, stem, words
from nl2sql.planner.assemble_base import AssemblerBase
from nl2sql.planner.told_dates import table_of_period, told_date
from nl2sql.planner.filter_values import filter_columns
from nl2sql.planner.timefilters_years import year_comparison
from nl2sql.planner.clarify import Ambiguity
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.joins import Ambiguous
from nl2sql.planner.spec import ColRef, Condition, Dim
from nl2sql.planner.dates_learnt import learnt_date
from nl2sql.planner.event_dates import condition_words, status_event_date
from nl2sql.planner.words import phrases, vocabulary

# the events verbs name, each the first word of the date it has ("ship": 'went out', 'dispatched')
_DATE_VERBS = tuple(str(k) for k in dict(vocabulary().get("date_verbs") or {}))


class DatedAssembler(AssemblerBase):
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
            named = self._year_named_before(p.span)
            col = self._date_column(base) if named is None else None
            if col is None:
                year_col = named or self._year_column(base)
                if year_col is not None and self._dated_before(base, year_col.table):
                    year_col = None      # "trips in 2019": the trips' own dates, not the year their vessel was built
                cmp = year_comparison(p.start, p.end)
                if year_col is None or cmp is None:
                    raise Ambiguity("I could not tell which date the period applies to.", (p.text,), phrase=p.text,
                                    readings=tuple(f"{d} {p.text}" for d in self._date_choices(base)))
                out.append(Condition("compare", year_col.table, year_col, cmp[0], cmp[1], text=p.text))
                self.r = replace(self.r, projections=tuple(pr for pr in self.r.projections
                                                            if pr[0].column != year_col.column))
                continue
            out.append(Condition("range", col.table, col, "range", (p.start, p.end), text=p.text))
        return out

    def _year_column(self, base: str) -> ColRef | None:
        # no farther than the nearest dated table: "ticket revenue in 2024" is never the customers' birth year
        nearest = min((self._level(base, t) for t in self._by_distance(base) if self.lex.tables[t].dates),
                      default=None)
        for t in self._by_distance(base):
            if nearest is not None and self._level(base, t) > nearest and all(c.table != t for c in self.r.conditions):
                continue                          # (a table the question filters may hold it: "rated 5 in 2024")
            info = self.lex.tables[t]
            # "Year", or a number named as the year of something ("review_year", "fiscal_year")
            cols = [c for c, w in info.column_words.items() if w == ("year",)] or \
                [c for c, w in info.column_words.items() if w[-1:] == ("year",) and c in info.numeric]
            if len(cols) == 1:
                return ColRef(t, cols[0])
        return None

    def _date_column(self, base: str) -> ColRef | None:
        r = self.r
        if r.date_cols:
            return r.date_cols[0][0]
        hinted_here = sorted(h for h in set(r.date_hints) if h[0] == base)
        if r.date_hints and self._declares_date(base) and not hinted_here:
            # a word of another table's date comment ("hosting" of closed_date) never moves a declared date
            r = self.r = replace(r, date_hints=())
        if r.date_hints:
            hinted = sorted(set(r.date_hints))
            if len(hinted) == 1 or len(hinted_here) == 1:    # "accounts opened": the account's, not the branch's
                return ColRef(*(hinted_here or hinted)[0])
            near = [h for h in hinted if self.path(base, h[0]) is not None]
            if len({h for h in near}) == 1:
                return ColRef(*near[0])
            raise NotUnderstood("The question names more than one date.", tuple(c for _, c in hinted))
        if (event := status_event_date(r.conditions, self.lex)) is not None:   # "leases that expired in 2025"
            return event
        self._tested_rows_undated(base)
        named = self._named_dates(base)
        if len(named) == 1:                       # "late deliveries per year": the delivery (receipt) date
            said = table_of_period([p.span for p in r.periods], r.entities, self.lex, self.graph)   # "orders from"
            return said or ColRef(*next(iter(named)))
        if not any(m.kind == "metric" for m in r.measures) and (learnt := learnt_date(list(r.conditions), self.lex)):
            return learnt        # as verified queries date rows counted ("returns by year"); a metric keeps its own
        sibling = self._sibling_dates()
        if len(sibling) == 1:
            return sibling[0]
        if (owned := self._owned_date(base)) is not None:
            return owned
        plain = self._plain_date(base)
        if plain is not None:
            return plain
        levels: dict[tuple[int, int], list[str]] = {}
        for t in self._by_distance(base):
            if self.lex.tables[t].dates:
                p = self.path(base, t) or ()
                levels.setdefault((sum(not e.up for e in p), len(p)), []).append(t)
        passed: str | None = None            # the nearer table with several dates, passed over
        for key in sorted(levels):
            tables = levels[key]
            if len(tables) == 1 and len(self.lex.tables[tables[0]].dates) == 1:
                t = tables[0]
                if passed is not None and not self._header(passed, t) or key[0] and self._dates_unread(base):
                    return None      # "loans in 2022": one of the loan's dates, not the date its patron registered
                return self._noted(base, ColRef(t, self.lex.tables[t].dates[0]))
            if len(tables) > 1:
                return None
            passed = tables[0]
        return None

    def _named_dates(self, base: str) -> set[tuple[str, str]]:
        """The dates the question's words name ("shipped", "delivery"), else its verbs (``date_verbs``); of
        several, those named beside a metric's name ("late delivery rate by year of shipment": the ship date)."""
        named = {h for stem in self.r.free_words if stem not in STOPWORDS     # "in" of "in_service_since"
                 for h in self.lex.date_names.get(_verb_of(stem), ()) if not self._names_other_table(stem, h[0], base)
                 and not (stem in self._metric_words(base) and (h[0] != base or self._declares_date(h[0])))
                 and not (h[0] != base and stem in self._metric_words(base, own=True))     # "fine payments"
                 and h[0] in condition_words(self.r.conditions).get(stem, {h[0]})   # "joining fees": a payment
                 } or self._verb_dates()
        if len(named) > 1:
            named = {h for h in named if any(h in self.lex.date_names.get(_verb_of(w), ()) for w in self.r.free_words
                                             if w not in self._metric_words(base) and w not in STOPWORDS)} or named
        return named

    def _owned_date(self, base: str) -> ColRef | None:
        """The date the instructions give the rows, else that of the related rows tested for ("no events in 2025")."""
        owned = told_date(self.lex, self.graph, base)
        return self._noted(base, owned) if owned is not None else self._related_rows_date(base)

    def _noted(self, base: str, col: ColRef) -> ColRef:
        if col.table != base and (note := f"dates by {self._col_words(col)}") not in self.notes:
            self.notes.append(note)
        return col

    def _metric_words(self, base: str, own: bool = False) -> frozenset[str]:
        """Stems of the asked metrics' names (``own``: of the measured table's, "fine payments", never the fines' paid
        date): "rent" of "rent collected" names the payments' metric, not the rent invoices' billing month; such a word
        names a date of its own table only ("late delivery rate": receipt date), when the overlay declares none."""
        named = [x.metric for x in self.r.measures] + [t[1].name for _, t, _ in self.r.extremes if t[0] == "metric"]
        ms = [m for m in (self.lex.metrics.get(n) for n in named) if m]      # ranked by one: "the best fill rate"
        said = [base, *self.lex.tables[base].table.synonyms] if own else [p for m in ms for p in (m.name, *m.synonyms)]
        return frozenset(stem(w) for p in said for w in words(p))

    def _declares_date(self, table: str) -> bool:
        """The overlay dates the table's rows (``default_date``): a metric's name is a name, not a date's."""
        return self.lex.tables[table].table.default_date is not None

    def _names_other_table(self, stem: str, table: str, base: str) -> bool:
        """'top members by ticket revenue in 2024': 'member' names the members (grouped by), not the date
        "member since" of theirs; the period goes with the measure's rows. The rows' own noun ("reservations in
        2025", a date also called "reservation date") is their declared default date's (overlay default_date)."""
        return (table != base or self._declares_date(table)) and any(
            c.kind == "table" and c.table == table and c.strength >= 2 for c in self.lex.names.get((stem,), ()))

    def _verb_dates(self) -> set[tuple[str, str]]:
        """'units that went out in 1998': a verb of ``date_verbs`` names its event's date (the ship date)."""
        said = self.r.free_words
        out: set[tuple[str, str]] = set()
        for event in _DATE_VERBS:
            if any(said[n:n + len(p)] == p for p in phrases("date_verbs", event) for n in range(len(said))):
                out |= self.lex.date_names.get(stem(event), set())
        return out

    def _plain_date(self, base: str) -> ColRef | None:
        """Of the nearest table with several dates, its ``default_date``, else the one the overlay calls "date"."""
        plain = {(c.table, c.column) for c in self.lex.names.get(("date",), ())
                 if c.kind == "column" and c.strength >= 3}     # named so, not only ending in "date"
        ranked = self._by_distance(base)
        for n, t in enumerate(ranked):
            dates = self.lex.tables[t].dates
            tied = [u for u in ranked[n:] if self.lex.tables[u].dates and self._level(base, u) == self._level(base, t)]
            if dates and len(tied) > 1:      # tickets under bookings and flights: which date is not ours to pick
                return self._described_date(base, tied)
            default = self.lex.tables[t].table.default_date           # the overlay's default_date
            if default is not None and default in dates and not self._child_conditions(t):
                return ColRef(t, default)
            if dates:
                hits = [d for d in dates if (t, d) in plain]
                return ColRef(t, hits[0]) if len(dates) > 1 and len(hits) == 1 else None
        return None

    def _tested_rows_undated(self, base: str) -> None:
        """'instructors who taught no section in 2025': the sections' period, whose date cannot be read there."""
        if self._tested_rows(base) and self.lex.tables[base].dates and self._related_rows_date(base) is None:
            raise NotUnderstood("Is the period of the rows listed or of those tested for? Name the date.", ())

    def _tested_rows(self, base: str) -> set[str]:     # the tables below the base the question tests for
        return {t for t, _negated, _pos in self.r.existence if any(not e.up for e in self.path(base, t) or ())}

    def _related_rows_date(self, base: str) -> ColRef | None:
        """'machines with no stoppages in March 2025': the period of the one table tested for, by its own date."""
        tables = self._tested_rows(base)
        info = self.lex.tables[next(iter(tables))] if len(tables) == 1 else None
        dates = () if info is None else (d for d in info.dates if d == info.table.default_date or len(info.dates) == 1)
        return next((ColRef(next(iter(tables)), d) for d in dates), None)

    def _level(self, base: str, table: str) -> tuple[int, int]:
        p = self.path(base, table) or ()
        return sum(not e.up for e in p), len(p)

    def _described_date(self, base: str, tables: list[str]) -> ColRef | None:
        """The date of the one table the base table's description says its rows are dated by ("Tickets ...
        Dated by the flight."), that table's default date or only date; else None (the question must say)."""
        said = tuple(stem(w) for w in words(self.lex.tables[base].table.comment or ""))
        cues = [p for p in phrases("dated_by") if p]
        after = {said[i + len(p)] for p in cues for i in range(len(said) - len(p)) if said[i:i + len(p)] == p}
        after |= {said[i + len(p) + 1] for p in cues for i in range(len(said) - len(p) - 1)
                  if said[i:i + len(p)] == p and said[i + len(p)] in STOPWORDS}     # "dated by the flight"
        hits = [t for t in tables if any(c.kind == "table" and c.table == t and c.strength >= 2
                                         for w in after for c in self.lex.names.get((w,), ()))]
        if len(hits) != 1:
            return None
        info = self.lex.tables[hits[0]]
        default = info.table.default_date
        col = default if default in info.dates else (info.dates[0] if len(info.dates) == 1 else None)
        return None if col is None else self._noted(base, ColRef(hits[0], col))

    def _child_conditions(self, table: str) -> bool:
        """Whether a table below ``table`` is filtered ("employees rated 5 in 2024"): the period may be its."""
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
                mentioned += [ColRef(f.table.lower(), n) for n in filter_columns(f.sql, self.lex)]
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

    def _grain_dims(self, base: str) -> list[Dim]:
        dims = []
        for unit in dict.fromkeys(self.r.unit_dims):   # "quarter by quarter" is one grouping
            col = self._date_column(base)
            year_col = self._year_column(base) if col is None and unit == "year" else None
            if year_col is not None and year_col.table == base:
                dims.append(Dim(year_col))   # "reviews per year": the rows' own year column
                continue
            if col is None:
                raise Ambiguity(f"I could not tell which date to group by {unit}.", (unit,), phrase=unit,
                                readings=tuple(f"{unit} of {d}" for d in self._date_choices(base)))
            if unit == "quarter":
                # a quarter is its first day (DATE_TRUNC), the convention of independently written SQL,
                # and the same as follow-ups use; its number alone would merge years
                unit = "quarter_start"
            dims.append(Dim(col, grain=unit, name=unit.replace("_start", "")))
        return dims


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

