"""Edits of the previous frame's conditions: the period ("and in 1997?", "Q2?") and the values of a column
("only for ASIA", "and MACHINERY?", "not BRAZIL"). Pure functions of the frame and the ``Edit``, used by
``conversation.apply_edit``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlglot
from sqlglot import exp

from nl2sql.planner.assemble import Assembler
from nl2sql.planner.assemble_sides import spec_years_side_by_side
from nl2sql.planner.edit_buckets import one_bucket
from nl2sql.planner.edit_dates import date_column
from nl2sql.planner.edit_years import one_year, same_part_of_year, year_column_window, year_condition, year_of
from nl2sql.planner.edits import Edit, ValueEdit
from nl2sql.planner.filter_values import filter_value
from nl2sql.planner.joins import JoinGraph, up_from
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.resolve import label_value_first
from nl2sql.planner.frame import Frame
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, Condition, Dim, Order, QuerySpec, grain_date
from nl2sql.planner.timefilters import Period


def edit_window(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph, question: str) -> QuerySpec:
    ranges = [c for c in spec.conditions if c.kind == "range"]
    if edit.widen:
        spec = replace(spec, conditions=tuple(c for c in spec.conditions if c.kind != "range"))
    edit = replace(edit, window=same_part_of_year(edit.window, ranges, question)) if edit.window else edit
    if edit.window is None and edit.quarter is not None:
        edit = replace(edit, window=_quarter_of(ranges, edit.quarter))
    if edit.window is None and edit.whole_year:
        edit = replace(edit, window=year_of(ranges))
    if edit.window is None:
        return spec
    p = edit.window
    named = edit.window_col
    if named is not None:
        if named.column not in lex.tables[named.table].dates:
            raise NotUnderstood("A year needs a date to apply to.", (p.text,))
        col: ColRef | None = ColRef(named.table, named.column or "")
    elif ranges:
        col = ranges[0].col
    elif year_condition(spec, lex):
        col = None          # "and 2024?" after "review year is 2023": that number column's year replaced
    else:       # the previous period's date, else its time grouping's ("by year of shipment", then "for 1995")
        col = (None if edit.dated else grain_date(spec)) or date_column(spec, lex, graph, question)
    if col is None:
        return year_column_window(spec, p, lex)
    new = Condition("range", col.table, col, "range", (p.start, p.end), text=p.text)
    kept = tuple(c for c in spec.conditions if c.kind != "range")
    spec = replace(spec, conditions=kept + (new,))
    if p.each and not any(d.grain == p.each for d in spec.dims):   # "and for 1997 and 1998?": one row each
        dims = spec.dims + (Dim(col, grain=p.each, name=p.each),)
        spec = replace(spec, dims=dims, order=spec.order + (Order(False, dim=len(dims) - 1),))
    return one_bucket(spec, p.start, p.end)      # "how many failed in Q3?" after a series by quarter: one number


_YEAR_BEARING = ("day", "week", "month", "quarter_start")


def edit_versus(spec: QuerySpec, edit: Edit) -> QuerySpec:
    """'compare with the previous year' / 'compare with 1996' after a question about one year: both years,
    side by side as a grouping by year (only a year next to it: a gap would need two periods)."""
    if edit.versus_year is None and edit.versus_shift is None:
        return spec
    ranges = [c for c in spec.conditions if c.kind == "range"]
    year = one_year(ranges, ("compare",))
    if ranges[0].values[0] != date(year, 1, 1) or ranges[0].values[1] != date(year + 1, 1, 1) or spec.limit:
        raise NotUnderstood("I can only compare a whole year, without a top N, with another.", ("compare",))
    other = edit.versus_year if edit.versus_year is not None else year + (edit.versus_shift or 0)
    if abs(other - year) != 1:
        raise NotUnderstood("I can only put a year beside the one just before or after it.", (str(other),))
    first, last = min(year, other), max(year, other)
    col = ranges[0].col
    assert col is not None                   # a range condition always names its date
    new = replace(ranges[0], values=(date(first, 1, 1), date(last + 1, 1, 1)), text=f"{first} and {last}")
    conditions = tuple(new if c is ranges[0] else c for c in spec.conditions)
    if (wide := spec_years_side_by_side(replace(spec, conditions=conditions), col, first, last)) is not None:
        return wide
    # a grain that keeps years apart (a quarter by its first day, a month) on that date already shows the year
    dated = any(d.col == col and d.grain in _YEAR_BEARING for d in spec.dims)
    dims = spec.dims if dated else spec.dims + (Dim(col, grain="year", name="year"),)
    return replace(spec, conditions=conditions, dims=dims, order=tuple(Order(False, dim=i) for i in range(len(dims))))


def edit_beside(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, Edit]:
    """'vs ASIA' after revenue in EUROPE: both values, side by side as a grouping by their column; the
    value edits are spent (the previous filter on that column is widened, not replaced)."""
    if not edit.side_by_side:
        return spec, edit
    if not edit.values or any(v.negated for v in edit.values) or spec.limit is not None:
        raise NotUnderstood("I can only put a value beside the one the previous question was about.", ("vs",))
    for v in edit.values:
        concept = _settle(v.concepts, spec, lex)
        key = (concept.table, concept.column or "")
        same = [c for c in spec.conditions if c.kind == "in" and not c.negated and c.col is not None
                and (c.col.table, c.col.column) == key]
        if len(same) != 1:
            raise NotUnderstood("I can only compare a value with the one the previous question filtered on.",
                                (v.text,))
        old = same[0]
        assert old.col is not None            # checked just above
        new = replace(old, values=tuple(dict.fromkeys(old.values + (concept.value,))), text=f"{old.text} and {v.text}")
        spec = replace(spec, conditions=tuple(new if c is old else c for c in spec.conditions))
        if not any((d.col.table, d.col.column) == key for d in spec.dims):
            dim = Assembler(Frame(), lex, graph)._resolve_dim(Dim(old.col))
            spec = replace(spec, dims=spec.dims + (dim,))
    return spec, replace(edit, values=(), side_by_side=False)


def _quarter_of(ranges: list[Condition], quarter: int) -> Period:
    """The quarter of the one year the previous period lies in ("Q1 1995", then "Q2?")."""
    start = ranges[0].values[0] if len(ranges) == 1 and ranges[0].values else None
    if not isinstance(start, date) or days_of(ranges[0]) > 366 or \
            not isinstance(ranges[0].values[1], date) or ranges[0].values[1] > date(start.year + 1, 1, 1):
        raise NotUnderstood("A quarter without a year needs the previous question to be about one year.",
                            (f"Q{quarter}",))
    first = date(start.year, 3 * quarter - 2, 1)
    end = date(start.year + 1, 1, 1) if quarter == 4 else date(start.year, 3 * quarter + 1, 1)
    return Period(first, end, f"Q{quarter} {start.year}", ())


def edit_values(spec: QuerySpec, values: tuple[ValueEdit, ...], lex: Lexicon,
                graph: JoinGraph | None = None) -> QuerySpec:
    """Values of one column replace the previous frame's filter on that column (or add one); a negated
    value is taken out of the previous list, or excluded."""
    words = tuple(v for v in values if all(c.kind == "valueword" for c in v.concepts))
    spec, values = _edit_words(spec, words), tuple(v for v in values if v not in words)
    groups: dict[tuple[str, str, bool], list[Concept]] = {}
    texts: dict[tuple[str, str, bool], list[str]] = {}
    vias: dict[tuple[str, str, bool], str] = {}
    for v in values:
        concept = _settle(v.concepts, spec, lex)
        key = (concept.table, concept.column or "", v.negated)
        groups.setdefault(key, []).append(concept)
        if v.via:
            vias[key] = v.via
        texts.setdefault(key, []).append(v.text)
    for (table, column, negated), concepts in groups.items():
        same = [c for c in spec.conditions if c.col is not None and (c.col.table, c.col.column) == (table, column)
                and c.kind in ("in", "compare")]
        via = vias.get((table, column, negated)) or next((c.col.via for c in same if c.col), None) \
            or _via_of(spec, table, column, graph)
        picked: tuple[object, ...] = tuple(dict.fromkeys(c.value for c in concepts))
        text = " and ".join(texts[(table, column, negated)])
        if not negated and any(v.kept for v in values):      # "and MACHINERY too": either segment
            picked, text = _kept_beside(spec, same, table, column, lex, picked, text)
        if not negated and not same and _shares_on(spec, table, column):
            # "and from ASIA?" after the share from EUROPE: the share's part moves, the rows stay all
            spec = _move_share(spec, table, column, picked, text)
            continue
        if negated:
            positive = [c for c in same if not c.negated and c.kind == "in" and set(picked) & set(c.values)]
            if positive:
                c = positive[0]
                rest = tuple(v for v in c.values if v not in picked)
                conds = tuple(x for x in spec.conditions if x is not c)
                spec = replace(spec, conditions=conds + ((replace(c, values=rest),) if rest else ()))
                continue
            same = []
        # a named filter on the same column ("urgent orders", then "and high priority?") is replaced too
        kept = tuple(c for c in spec.conditions if c not in same and not (
            c.kind == "filter" and not c.negated and filter_columns(lex, c.filter_name) == {column.lower()}))
        new = Condition("in", table, ColRef(table, column, via), "in", picked, negated=negated, text=text)
        spec = replace(spec, conditions=kept + (new,))
    return spec


def _kept_beside(spec: QuerySpec, same: list[Condition], table: str, column: str, lex: Lexicon,
                 picked: tuple[object, ...], text: str) -> tuple[tuple[object, ...], str]:
    """The values already filtered on that column with the new ones; a named filter on it is declined (its
    values are not a list to add to)."""
    named = [c for c in spec.conditions if c.kind == "filter" and not c.negated
             and filter_columns(lex, c.filter_name) == {column.lower()}]
    values = [filter_value(Concept("filter", c.table, name=c.filter_name or ""), lex) for c in named]
    if any(v is None for v in values):
        raise NotUnderstood("I could not tell how to keep the previous filter beside the new value.", (text,))
    before = [c for c in same if c.kind == "in" and not c.negated] + [   # "cancelled", one value: that value
        Condition("in", table, ColRef(table, column), "in", (v.value,), text=c.text or c.filter_name or "")
        for c, v in zip(named, values) if v is not None]
    if not before and _default_tests(spec, table, column, lex):
        # "including the retired ones" where the table's default rows leave them out: all rows, or those only?
        raise NotUnderstood("I could not tell which rows to keep beside those.", (text,))
    if not before:      # "and Nantes too?": a value on another column narrows, beside the other filters
        return picked, text
    return tuple(dict.fromkeys((*before[0].values, *picked))), f"{before[0].text} or {text}".strip()


def _default_tests(spec: QuerySpec, table: str, column: str, lex: Lexicon) -> bool:
    """Whether the overlay's default rows of the table (applied to this frame) test that column."""
    from nl2sql.planner.defaults import default_filter

    f = default_filter(lex, table) if table in spec.default_filters else None
    try:
        node = sqlglot.parse_one(f.sql, read=lex.dialect) if f is not None else None
    except sqlglot.errors.SqlglotError:
        return True
    return node is not None and column.lower() in {c.name.lower() for c in node.find_all(exp.Column)}


def _shares_on(spec: QuerySpec, table: str, column: str) -> bool:
    return any(p.col is not None and (p.col.table, p.col.column) == (table, column) and p.kind == "in"
               for m in spec.measures for p in m.share_of)


def _move_share(spec: QuerySpec, table: str, column: str, picked: tuple[object, ...], text: str) -> QuerySpec:
    """The shares' part on that column takes the new values."""
    def moved(p: Condition) -> Condition:
        on = p.col is not None and (p.col.table, p.col.column) == (table, column) and p.kind == "in"
        return replace(p, values=picked, text=text) if on else p

    measures = tuple(replace(m, share_of=tuple(moved(p) for p in m.share_of)) for m in spec.measures)
    return replace(spec, measures=measures)


def _edit_words(spec: QuerySpec, values: tuple[ValueEdit, ...]) -> QuerySpec:
    """A word found inside a column's values ("only green ones" of parts named with colours): that column
    contains it, instead of the word the previous question asked for."""
    seen: set[tuple[str, str]] = set()
    for v in values:
        concept = _settle(v.concepts, spec)
        key = (concept.table, concept.column or "")
        if key in seen:
            raise NotUnderstood("I can only look for one word in a column at a time.", (v.text,))
        seen.add(key)
        kept = tuple(c for c in spec.conditions if not (
            c.kind == "contains" and c.col is not None and (c.col.table, c.col.column) == key))
        ref = ColRef(concept.table, concept.column or "", v.via or _via_of(spec, *key, None))
        new = Condition("contains", concept.table, ref, "contains", (concept.value,), negated=v.negated, text=v.text)
        spec = replace(spec, conditions=kept + (new,))
    return spec


def unpinned(spec: QuerySpec, concepts: tuple[Concept, ...]) -> tuple[Condition, ...]:
    """The previous frame's positive value conditions on what 'all' names ("for all regions": the filter
    on a region's column; "all segments": on that column)."""
    cols = {(c.table, c.column or "") for c in concepts if c.kind == "column"}
    tables = {c.table for c in concepts if c.kind == "table"}
    # a named filter on the table named ("at city hotels", then "back to all hotels") goes as its values would
    return tuple(c for c in spec.conditions if c.kind in ("in", "compare", "contains") and not c.negated
                 and c.col is not None and ((c.col.table, c.col.column) in cols or c.col.table in tables)
                 or c.kind == "filter" and not c.negated and c.table in tables)


def filter_columns(lex: Lexicon, name: str) -> set[str]:
    try:
        node = sqlglot.parse_one(lex.filters[name].sql, read=lex.dialect)
    except (sqlglot.errors.SqlglotError, KeyError):
        return set()
    return {c.name.lower() for c in node.find_all(exp.Column)}


def _settle(concepts: tuple[Concept, ...], spec: QuerySpec, lex: Lexicon | None = None) -> Concept:
    """The value's column: the only one, or the one the previous frame filters or groups on."""
    if len({(c.table, c.column) for c in concepts}) == 1:
        return concepts[0]
    if lex is not None and len(labelled := label_value_first(concepts, lex)) < len(concepts):   # "only in Brno"
        return _settle(labelled, spec, lex)
    used = {(c.col.table, c.col.column) for c in spec.conditions if c.col} | \
        {(d.col.table, d.col.column) for d in spec.dims}
    hits = [c for c in concepts if (c.table, c.column) in used]
    # else the one column of the rows measured ("plumbing ones" after work orders: theirs, not a vendor's trade)
    hits = hits or [c for c in concepts if c.table == spec.base]
    if len({(c.table, c.column) for c in hits}) == 1:
        return hits[0]
    raise NotUnderstood("A value of the follow-up could belong to more than one column.",
                        (concepts[0].value or "",))


def _via_of(spec: QuerySpec, table: str, column: str, graph: JoinGraph | None) -> str | None:
    """A grouping on the same column says whose it is ('customer region'), as does one through a single role above
    the value's table ('just europe' after revenue by supplier country: the suppliers' region)."""
    same = next((d.col.via for d in spec.dims if (d.col.table, d.col.column) == (table, column)), None)
    if same is not None or graph is None:
        return same
    roles = {d.col.via for d in spec.dims if d.col.via and (d.col.table == table or up_from(graph, d.col.table, table))}
    return roles.pop() if len(roles) == 1 else None


def days_of(c: Condition) -> int:
    """The length of a range condition in days (a large number when open-ended)."""
    start, end = (c.values + (None, None))[:2]
    if isinstance(start, date) and isinstance(end, date):
        return (end - start).days
    return 1 << 30
