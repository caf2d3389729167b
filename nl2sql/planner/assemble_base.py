"""The assembler's shared state and helpers: the reading, the lexicon, the join graph, and how a table
or a grouping is shown (its labels and keys)."""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from nl2sql.planner.clarify import Ambiguity, path_qualifiers, path_through
from nl2sql.planner.frame import Frame
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.joins import Ambiguous, JoinGraph, Path, all_up, role_of
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.lexicon_names import text_code
from nl2sql.planner.roles import noun
from nl2sql.planner.words import phrases
from nl2sql.planner.spec import (
    ColRef,
    Condition,
    Dim,
)


class AssemblerBase:
    def __init__(self, frame: Frame, lex: Lexicon, graph: JoinGraph) -> None:
        # the frame as this assembly has adjusted it so far (a new frozen value per step, never mutated)
        self.r = frame
        self.lex = lex
        self.graph = graph
        self.notes: list[str] = list(frame.notes)  # assumptions, shown in the interpretation
        self.moved: list[ColRef] = []       # columns a named filter was moved onto (see _filter_on)

    def path(self, start: str, ref_table: str, via: str | None = None) -> Path | None:
        try:
            return self.graph.path(start, ref_table, via)
        except Ambiguous:
            named = {c.table for c in self.r.conditions} | {m.table for m in self.r.measures}
            through = path_through(self.graph, start, ref_table, named) if via is None else None
            if through is not None:      # "spin class bookings by club": the club of the class, said in the notes
                if (note := f"{ref_table} through {', '.join(e.dst for e in through[:-1])}") not in self.notes:
                    self.notes.append(note)
                return through
            raise Ambiguity(f"There is more than one way to relate {start} to {ref_table}; "
                            "say which one you mean.", (ref_table,), target=ref_table,
                            tables=path_qualifiers(self.graph, start, ref_table)) from None

    def up(self, start: str, table: str, via: str | None = None) -> bool:
        p = self.path(start, table, via)
        return p is not None and all_up(p)

    def _subject(self) -> str | None:
        return r.entities[0][0] if (r := self.r).entities else None

    # ---- dates: which table dates the rows (assemble_dates.py) ----------------------------------------
    def _header(self, base: str, table: str) -> bool:
        p = self.path(base, table) or ()    # the rows are parts of one ``table`` row: an order's lines
        pk = self.lex.tables[base].pk       # (no declared key, as on most lakehouse tables: not told, so yes)
        return len(p) == 1 and p[0].up and (not pk or set(p[0].src_cols) <= set(pk))

    def _dates_unread(self, table: str) -> bool:
        """The table has a date the planner cannot read (text in an order other than ISO: 'MM/DD/YYYY'): its rows
        are dated by it, never by the dates of rows under them ("permits issued in 2022" is no permit inspected
        then), so a period is not placed on those."""
        info = self.lex.tables[table]
        return any("date" in info.column_words[c.name] and c.name not in info.dates for c in info.table.columns)

    def _year_named_before(self, span: tuple[int, ...]) -> ColRef | None:
        """'built year before 2000': a number column named as a year right before the period is what it compares."""
        return next((ref for ref, pos in self.r.projections if span and pos == min(span) - 1 and ref.column in
                     (info := self.lex.tables[ref.table]).numeric and info.column_words[ref.column][-1:] == ("year",)),
                    None)

    def _dated_before(self, base: str, table: str) -> bool:
        ranked = self._by_distance(base)    # ``table`` is a parent, and one nearer the rows (theirs too) has dates
        return self.up(base, table) and any(self.lex.tables[t].dates for t in ranked[:ranked.index(table)] if t != table)

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

    def _labels(self, table: str, via: str | None = None) -> tuple[ColRef, ...]:
        info = self.lex.tables[table]
        if info.label_doubt:
            names = " or ".join(" ".join(info.column_words.get(c, (c,))) for c in info.label_doubt)
            raise NotUnderstood(f"I could not tell which name to show for each {' '.join(info.words)}: {names}.",
                                (" ".join(info.words),))
        return tuple(ColRef(table, c, via) for c in info.labels)

    def _entity_dim(self, table: str, via: str | None = None) -> Dim:
        info = self.lex.tables[table]
        labels = self._labels(table, via)
        if not labels:
            raise NotUnderstood(f"I do not know how to show a {table}.", (table,))
        keys = tuple(ColRef(table, k, via) for k in info.pk if k not in info.labels)
        if len(info.pk) == 1 and ColRef(table, info.pk[0]) in self.r.as_named:     # "top 5 promo codes": the codes
            return Dim(ColRef(table, info.pk[0], via), name=table)
        return Dim(labels[0], keys=keys + labels[1:], name=table)

    def _resolve_dim(self, d: Dim) -> Dim:
        if d.col.column == "":
            return self._entity_dim(d.col.table, d.col.via)
        info = self.lex.tables[d.col.table]
        # a foreign key shown as its parent's name ("supplier country" -> the nation's name); a text code
        # ("by origin airport" -> the IATA code) is shown as it is: readers know the rows by it
        if d.col.column in info.keys and (d.col.column not in info.pk or len(info.pk) > 1) \
                and d.col not in self.r.as_named and not text_code(info, d.col.column):
            for e in self.graph.edges.get(d.col.table, ()):
                if e.up and e.src_cols == (d.col.column,):
                    if role_of(e) in self.graph.secondary:
                        # the parent is reached by its default role's key: showing this key's parent by
                        # name needs a join this frame cannot say yet (the return branch of a rental)
                        raise NotUnderstood(f"I cannot yet show the {self._col_words(d.col)} by its "
                                            f"{noun(self.lex, e.dst)}'s name, only the default one.",
                                            (self._col_words(d.col),))
                    parent = self._entity_dim(e.dst, via=d.col.table)
                    # named as the overlay calls the key ("salesperson"), never as a key column for names
                    col = info.table.column(d.col.column)
                    return replace(parent, name=col.synonyms[0] if col is not None and col.synonyms
                                   else d.col.column)
        return d

    def _col_words(self, ref: ColRef) -> str:
        return " ".join(self.lex.tables[ref.table].column_words.get(ref.column, (ref.column,)))

    def _describe_table(self, table: str) -> str:
        return " ".join(self.lex.tables[table].words)

    def _compared(self, c: Condition) -> tuple[ColRef, ...]:
        """The number column a condition compares with a number, shown beside a list filtered on it: 'with a
        balance below 0', or a named filter that says so when a list is asked for ('list the customers with a
        negative balance': c_acctbal < 0)."""
        if c.kind == "compare" and c.col is not None:
            return (c.col,)
        if c.kind != "filter" or c.negated or c.filter_name not in self.lex.filters \
                or self.r.words[:1] not in phrases("followup", "list_verbs"):      # "list ... in debt" only
            return ()
        try:
            node = sqlglot.parse_one(self.lex.filters[c.filter_name].sql, read=self.lex.dialect)
        except sqlglot.errors.SqlglotError:
            return ()
        if not isinstance(node, (exp.GT, exp.GTE, exp.LT, exp.LTE)) or not isinstance(node.this, exp.Column) \
                or not (isinstance(node.expression, exp.Literal) and node.expression.is_number):
            return ()
        info = self.lex.tables[c.table]
        return tuple(ColRef(c.table, n) for n in info.numeric if n.lower() == node.this.name.lower())
