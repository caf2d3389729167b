"""A conversation's frames: each turn's ``QuerySpec``, a follow-up applied as an edit of the one before.

``history`` stays what ``Assistant.ask`` takes, (question, sql) pairs. The previous frame is recovered by
reading the earlier questions again, turn by turn, and kept only when it compiles to the SQL the user
was shown (ignoring the row cap the guard adds): an answer that came from elsewhere (a verified query,
the LLM) has no frame to edit, and the follow-up is then read on its own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlglot
from sqlglot import exp

from nl2sql.planner.assemble import Assembler
from nl2sql.planner.conversation_rows import ROW_EDITS, _same_named, reaches
from nl2sql.planner.followup import Edit, GroupEdit, ValueEdit
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.reading import NotUnderstood, Reading, _stem
from nl2sql.planner.spec import (
    ColRef,
    Condition,
    Dim,
    Having,
    Measure,
    Order,
    QuerySpec,
)
from nl2sql.planner.timefilters import Period

MAX_TURNS = 6          # earlier turns than this are not read again (a conversation rarely leans further back)


def _apply(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph, question: str) -> QuerySpec:
    if edit.fn == "count" and edit.anaphora and edit.values and not spec.measures:
        # "how many of them are contractors": the listed rows narrowed by the value, then counted
        spec, edit = _edit_values(spec, edit.values, lex), replace(edit, values=())
    for about_rows in ROW_EDITS:         # "list them", "which of those ...", "same for suppliers"
        found = about_rows(spec, edit, lex, graph)
        if found is not None:
            return found
    if edit.empty:
        raise NotUnderstood("The follow-up does not say what to change.", ())
    for table in edit.scope:        # "only orders from 1997": the rows named must be the frame's own
        if not _reaches_all(replace(spec, conditions=(), dims=(Dim(ColRef(table, "")),)), spec.base, graph) \
                and not any(m.table == table for m in spec.measures):
            raise NotUnderstood("The follow-up names rows the previous question was not about.", (table,))
    if edit.ungroup and spec.dims and edit.window is None and not (edit.groups or edit.grains):
        # "and overall?" after a breakdown: the one number, not the groups (the period stays)
        spec = replace(spec, dims=(), order=(), limit=None, having=())
        edit = replace(edit, widen=False)
    spec = _edit_window(spec, edit, lex, graph, question)
    spec = _edit_values(spec, edit.values, lex)
    for concept, number in edit.compares:
        ref = ColRef(concept.table, concept.column or "")
        kept = tuple(c for c in spec.conditions if c.col != ref)
        spec = replace(spec, conditions=kept + (Condition("compare", ref.table, ref, "=", (number,),
                                                          text=f"{concept.column} {number:g}"),))
    for f in edit.filters:
        if not _reaches_all(replace(spec, conditions=(Condition("filter", f.table),), dims=()), spec.base, graph):
            raise NotUnderstood("The follow-up's condition is about rows the previous question was not about.",
                                (f.name,))
        if edit.replacing:       # "and late items?" after returned items: the new filter instead
            columns = _filter_columns(lex, f.name)
            spec = replace(spec, conditions=tuple(c for c in spec.conditions if not (
                (c.kind == "filter" and not c.negated and c.table == f.table) or
                (c.kind in ("in", "compare") and not c.negated and c.col is not None and c.table == f.table
                 and c.col.column.lower() in columns))))
        if not any(c.kind == "filter" and c.filter_name == f.name for c in spec.conditions):
            spec = replace(spec, conditions=spec.conditions + (Condition("filter", f.table, filter_name=f.name,
                                                                         text=f.name),))
    spec = _edit_groups(spec, edit, lex, graph, question)
    if edit.having is not None:
        op, number = edit.having
        # "only orders above 1000" may compare each order, not the measure: only "those above ..." is read
        if len(spec.measures) != 1 or not spec.dims or spec.limit is not None or edit.scope:
            raise NotUnderstood("I can only compare the measure of a breakdown, group by group.", (f"{number:g}",))
        spec = replace(spec, having=spec.having + (Having(0, op, (number,)),))
    spec = _edit_measure(spec, edit, lex, graph)
    if edit.limit is not None:
        if not spec.order:
            raise NotUnderstood("The previous answer is not a ranking, so there is no N to change.",
                                (str(edit.limit),))
        spec = replace(spec, limit=edit.limit)
        if edit.direction is not None and spec.order[0].measure is not None:
            spec = replace(spec, order=(replace(spec.order[0], desc=edit.direction),) + spec.order[1:])
    return spec


def apply_edit(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph, question: str) -> QuerySpec:
    """The previous frame with the follow-up's changes; raises ``NotUnderstood`` when they do not fit, or
    when nothing changed (an edit no step could apply must not answer the previous question again)."""
    new = _apply(spec, edit, lex, graph, question)
    if new == spec and edit.direction is None and not edit.order_by:     # "sort it highest first" may re-say
        raise NotUnderstood("I could not tell how this changes the previous question.", ())
    return new


def _edit_window(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph, question: str) -> QuerySpec:
    ranges = [c for c in spec.conditions if c.kind == "range"]
    if edit.widen:
        spec = replace(spec, conditions=tuple(c for c in spec.conditions if c.kind != "range"))
    if edit.window is None and edit.quarter is not None:
        edit = replace(edit, window=_quarter_of(ranges, edit.quarter))
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
    else:
        col = _date_column(spec, lex, graph, question)
    if col is None:
        raise NotUnderstood("I could not find a date to apply the period to.", (p.text,))
    new = Condition("range", col.table, col, "range", (p.start, p.end), text=p.text)
    kept = tuple(c for c in spec.conditions if c.kind != "range")
    return replace(spec, conditions=kept + (new,))


def _quarter_of(ranges: list[Condition], quarter: int) -> Period:
    """The quarter of the one year the previous period lies in ("Q1 1995", then "Q2?")."""
    start = ranges[0].values[0] if len(ranges) == 1 and ranges[0].values else None
    if not isinstance(start, date) or _days(ranges[0]) > 366 or \
            not isinstance(ranges[0].values[1], date) or ranges[0].values[1] > date(start.year + 1, 1, 1):
        raise NotUnderstood("A quarter without a year needs the previous question to be about one year.",
                            (f"Q{quarter}",))
    first = date(start.year, 3 * quarter - 2, 1)
    end = date(start.year + 1, 1, 1) if quarter == 4 else date(start.year, 3 * quarter + 1, 1)
    return Period(first, end, f"Q{quarter} {start.year}", ())


def _date_column(spec: QuerySpec, lex: Lexicon, graph: JoinGraph, question: str) -> ColRef:
    from catalog_semantics.text import words

    stems = tuple(_stem(w) for w in words(question))
    reading = Reading(words=stems, free_words=stems)
    col = Assembler(reading, lex, graph)._date_column(spec.base)
    if col is None:
        raise NotUnderstood("I could not find a date to apply the period to.", ())
    return col


def _edit_values(spec: QuerySpec, values: tuple[ValueEdit, ...], lex: Lexicon) -> QuerySpec:
    """Values of one column replace the previous frame's filter on that column (or add one); a negated
    value is taken out of the previous list, or excluded."""
    groups: dict[tuple[str, str, bool], list[Concept]] = {}
    texts: dict[tuple[str, str, bool], list[str]] = {}
    vias: dict[tuple[str, str, bool], str] = {}
    for v in values:
        concept = _settle(v.concepts, spec)
        key = (concept.table, concept.column or "", v.negated)
        groups.setdefault(key, []).append(concept)
        if v.via:
            vias[key] = v.via
        texts.setdefault(key, []).append(v.text)
    for (table, column, negated), concepts in groups.items():
        same = [c for c in spec.conditions if c.col is not None and (c.col.table, c.col.column) == (table, column)
                and c.kind in ("in", "compare")]
        via = vias.get((table, column, negated)) or next((c.col.via for c in same if c.col), None) \
            or _via_of(spec, table, column)
        picked = tuple(dict.fromkeys(c.value for c in concepts))
        text = " and ".join(texts[(table, column, negated)])
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
            c.kind == "filter" and not c.negated and _filter_columns(lex, c.filter_name) == {column.lower()}))
        new = Condition("in", table, ColRef(table, column, via), "in", picked, negated=negated, text=text)
        spec = replace(spec, conditions=kept + (new,))
    return spec


def _filter_columns(lex: Lexicon, name: str) -> set[str]:
    try:
        node = sqlglot.parse_one(lex.filters[name].sql, read=lex.dialect)
    except (sqlglot.errors.SqlglotError, KeyError):
        return set()
    return {c.name.lower() for c in node.find_all(exp.Column)}


def _settle(concepts: tuple[Concept, ...], spec: QuerySpec) -> Concept:
    """The value's column: the only one, or the one the previous frame filters or groups on."""
    if len({(c.table, c.column) for c in concepts}) == 1:
        return concepts[0]
    used = {(c.col.table, c.col.column) for c in spec.conditions if c.col} | \
        {(d.col.table, d.col.column) for d in spec.dims}
    hits = [c for c in concepts if (c.table, c.column) in used]
    if len({(c.table, c.column) for c in hits}) == 1:
        return hits[0]
    raise NotUnderstood("A value of the follow-up could belong to more than one column.",
                        (concepts[0].value or "",))


def _via_of(spec: QuerySpec, table: str, column: str) -> str | None:
    """A grouping on the same column already says whose it is ('customer region')."""
    return next((d.col.via for d in spec.dims if (d.col.table, d.col.column) == (table, column)), None)


def _edit_groups(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph, question: str) -> QuerySpec:
    if not (edit.groups or edit.grains):
        return spec
    if not spec.measures:
        raise NotUnderstood("The previous answer is a list; there is no measure to break down.",
                            tuple(g.text for g in edit.groups) + edit.grains)
    assembler = Assembler(Reading(), lex, graph)
    dims = [] if edit.regroup else list(spec.dims)
    for g in edit.groups:
        dim = assembler._resolve_dim(Dim(_group_ref(g)))
        if dim not in dims:
            dims.append(dim)
    for grain in edit.grains:
        ranges = [c.col for c in spec.conditions if c.kind == "range" and c.col]
        col = ranges[0] if ranges else _date_column(spec, lex, graph, question)
        if edit.dated and ranges and _date_column(spec, lex, graph, question) != col:
            # "by year shipped" when the period is on another date: the period and the grain disagree
            raise NotUnderstood("The period is on another date than the one named.", (grain,))
        one_year = any(_days(c) <= 366 for c in spec.conditions if c.kind == "range")
        if grain == "quarter" and not one_year:
            grain = "quarter_start"                     # quarters of several years stay apart
        dims.append(Dim(col, grain=grain, name=grain.replace("_start", "")))
    if edit.grains and spec.limit is None and dims and all(d.grain for d in dims):
        # a series over time reads in time order, whatever the previous grouping was ranked by
        return replace(spec, dims=tuple(dims), order=tuple(Order(False, dim=i) for i in range(len(dims))))
    return replace(spec, dims=tuple(dims))


def _group_ref(g: GroupEdit) -> ColRef:
    cols = [c for c in g.concepts if c.kind == "column"]
    tables = [c for c in g.concepts if c.kind == "table"]
    if len({(c.table, c.column) for c in cols}) == 1 and not tables:
        return ColRef(cols[0].table, cols[0].column or "", g.via)
    if len({c.table for c in tables}) == 1:
        return ColRef(tables[0].table, "", g.via)
    raise NotUnderstood("I could not tell what to break the answer down by.", (g.text,))


def _edit_measure(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec:
    new: Measure | None = None
    if edit.metric is not None:
        new = Measure("metric", edit.metric.table, metric=edit.metric.name)
    elif edit.measure_col is not None:
        concept, fn = edit.measure_col
        if concept.table != spec.base and not reaches(replace(spec, conditions=(), dims=(
                Dim(ColRef(concept.table, concept.column or "")),)), spec.base, graph):
            # "their average account balance" of suppliers, where the words first found the customers'
            same = _same_named(lex, spec.base, concept.table, concept.column or "")
            concept = replace(concept, table=spec.base, column=same) if same else concept
        info = lex.tables[concept.table]
        if fn in ("sum", "avg", "median") and (concept.column not in info.numeric or concept.column in info.keys):
            raise NotUnderstood("That aggregate needs a numeric column.", (concept.column or "",))
        new = Measure("agg", concept.table, fn, col=ColRef(concept.table, concept.column or ""))
    if new is not None:
        return _swap_measure(spec, new, edit.adding, graph)
    if edit.fn is None:
        return spec
    if edit.ranked and not edit.plural_ref and spec.dims and spec.measures and not spec.limit:
        # "which one is highest" after a breakdown: the first group by the measure ("which of those are
        # the biggest" may name an attribute of the rows instead: not read so)
        return replace(spec, order=(Order(edit.fn == "max", measure=0),), limit=1)
    if edit.fn in ("max", "min") and spec.order and spec.order[0].measure is not None and spec.limit:
        # "and the least?" after "which region had the most revenue": the other end of the ranking
        return replace(spec, order=(replace(spec.order[0], desc=edit.fn == "max"),) + spec.order[1:])
    aggs = [a for a in (_as_aggregate(m, lex) for m in spec.measures)
            if a is not None and a.kind == "agg" and a.col is not None]
    if len(spec.measures) != 1 or not aggs or edit.fn == "count" or aggs[0].col is None:
        raise NotUnderstood("I cannot apply that aggregate to the previous measure.", (edit.fn,))
    m, col = aggs[0], aggs[0].col
    info = lex.tables[col.table]
    if edit.fn in ("sum", "avg", "median") and (col.column not in info.numeric or col.column in info.keys):
        raise NotUnderstood("That aggregate needs a numeric measure.", (edit.fn,))
    return replace(spec, measures=(replace(m, fn=edit.fn),))


def _swap_measure(spec: QuerySpec, new: Measure, adding: bool, graph: JoinGraph) -> QuerySpec:
    """The new measure instead of the previous one (or beside it, for "next to it")."""
    if adding:
        if new.table != spec.base or not spec.measures:
            raise NotUnderstood("I can only put a measure of the same rows beside the previous one.", ())
        return replace(spec, measures=spec.measures + (new,))
    if len(spec.measures) != 1 or not _reaches_all(spec, new.table, graph):
        raise NotUnderstood("I can only swap one measure for another whose rows reach the same filters "
                            "and groupings.", (new.metric or new.table,))
    order = tuple(o for o in spec.order if o.measure is None) + tuple(o for o in spec.order if o.measure == 0)
    return replace(spec, base=new.table, measures=(new,), order=order)


def _days(c: Condition) -> int:
    """The length of a range condition in days (a large number when open-ended)."""
    start, end = (c.values + (None, None))[:2]
    if isinstance(start, date) and isinstance(end, date):
        return (end - start).days
    return 1 << 30


def _as_aggregate(m: Measure, lex: Lexicon) -> Measure | None:
    """A metric that is one aggregate of one column (SUM(l_quantity)) as that aggregate, so that another
    aggregate of the same column can replace it ("and the average?")."""
    if m.kind != "metric":
        return m
    try:
        node = sqlglot.parse_one(lex.metrics[m.metric].sql, read=lex.dialect)
    except (sqlglot.errors.SqlglotError, KeyError):
        return None
    fn = next((name for kind, name in ((exp.Sum, "sum"), (exp.Avg, "avg"), (exp.Min, "min"), (exp.Max, "max"))
               if isinstance(node, kind)), None)
    if fn is None or not isinstance(node.this, exp.Column) or m.table not in lex.tables:
        return None
    column = next((c.name for c in lex.tables[m.table].table.columns if c.name.lower() == node.this.name.lower()),
                  None)
    return Measure("agg", m.table, fn, col=ColRef(m.table, column)) if column else None


def _reaches_all(spec: QuerySpec, base: str, graph: JoinGraph) -> bool:
    return reaches(spec, base, graph)


def same_query(ours: str, shown: str, dialect: str) -> bool:
    """Whether the SQL shown to the user is the query the frame compiles to, the row cap a guard adds
    (or lowers) aside.

    >>> same_query("SELECT a FROM t ORDER BY a", "select a from t order by a LIMIT 1000", "duckdb")
    True
    >>> same_query("SELECT a FROM t ORDER BY a LIMIT 5", "SELECT a FROM t ORDER BY a LIMIT 3", "duckdb")
    True
    >>> same_query("SELECT a FROM t", "SELECT b FROM t", "duckdb")
    False
    """
    def norm(sql: str) -> tuple[str, int | None] | None:
        try:
            tree = sqlglot.parse_one(sql, read=dialect)
        except sqlglot.errors.SqlglotError:
            return None
        limit = tree.args.get("limit") if isinstance(tree, exp.Select) else None
        n = int(limit.expression.name) if limit is not None and limit.expression is not None \
            and limit.expression.is_int else None
        if limit is not None:
            tree.set("limit", None)
        return tree.sql(dialect=dialect, normalize=True), n

    a, b = norm(ours), norm(shown)
    if a is None or b is None or a[0] != b[0]:
        return False
    # the frame's own N may only have been lowered by the cap
    return a[1] is None or (b[1] is not None and b[1] <= a[1])
