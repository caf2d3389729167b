"""Follow-ups about the previous answer's rows rather than its conditions: "list them", "which of those has
the most parts?", "how many customers in each?", "same for suppliers", "sort it highest first".

Each function takes the previous frame and the edit and returns the new frame, or None when the edit is
not of its kind; ``NotUnderstood`` when it is but does not fit the previous frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from nl2sql.planner.edit_conditions import unpinned
from nl2sql.planner.followup import Edit
from nl2sql.planner.frame_amounts import _counts_rows as counts_rows_sql
from nl2sql.planner.joins import Ambiguous, JoinGraph, all_up
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, Condition, Dim, Measure, Order, QuerySpec
from nl2sql.planner.words import phrases


def rows_of(spec: QuerySpec, lex: Lexicon | None = None) -> str | None:
    """The table whose rows the previous answer counted (a count, or a metric that is COUNT(*)) or listed."""
    if len(spec.measures) == 1 and spec.measures[0].kind == "rows":
        return spec.measures[0].table
    if len(spec.measures) == 1 and spec.measures[0].kind == "metric" and lex is not None \
            and spec.measures[0].metric in lex.metrics and counts_rows_sql(lex.metrics[spec.measures[0].metric].sql):
        return spec.measures[0].table
    tables = {p.table for p in spec.projections} | {d.col.table for d in spec.dims if not spec.measures}
    return next(iter(tables)) if len(tables) == 1 and not spec.measures else None


def list_them(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'list them' after 'how many suppliers are in the middle east': those rows, by their label."""
    if not (edit.listing and edit.anaphora and replace(edit, listing=False, values=()).empty):
        return None
    spec = _narrowed(spec, edit, lex)
    table = rows_of(spec, lex)
    if table is None or spec.dims and not _counted(spec):
        raise NotUnderstood("I could not tell which rows to list.", ())
    labels = tuple(ColRef(table, c) for c in lex.tables[table].labels[:1])
    dated = tuple(c.col for c in spec.conditions if c.kind == "range" and c.col is not None and c.col.table == table)
    return QuerySpec(table, projections=labels, conditions=spec.conditions, helpers=dated,   # shown when helpful
                     default_filters=spec.default_filters if table == spec.base else ())


def rank_them(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'which of those has the most parts?' / '... the highest account balance?': the first of the rows."""
    if edit.rank is None or not edit.anaphora:
        return None
    desc, targets = edit.rank
    table = rows_of(spec)
    shown = [n for n, m in enumerate(spec.measures) if any(   # "... has the most parts", "... the lowest profit"
        c.kind == "table" and n == 0 and m.kind == "rows" and c.table == m.table
        or c.kind == "metric" and m.kind == "metric" and c.name == m.metric for c in targets)]
    if len(shown) == 1 and spec.dims:    # a metric named of several shown ("... the highest inventory value"): alone
        n, alone = shown[0], any(c.kind == "metric" for c in targets) and len(spec.measures) > 1
        measures = (spec.measures[n],) if alone else spec.measures
        return replace(spec, measures=measures, order=(Order(desc, measure=0 if alone else n),), limit=1)
    cols = [c for c in targets if c.kind == "column" and c.column]
    col = _same_named(lex, table, cols[0].table, cols[0].column or "") if len(cols) == 1 and table else None
    if col is not None and not spec.measures and not spec.dims:
        ref = ColRef(table or "", col)
        return replace(spec, order=(Order(desc, col=ref),), limit=1, helpers=spec.helpers + (ref,))
    raise NotUnderstood("I could not tell what to rank the previous rows by.", tuple(c.name or c.table for c in targets))


def _same_named(lex: Lexicon, table: str, other: str, column: str) -> str | None:
    """``column`` of ``other`` or, named the same way, of ``table`` ('account balance': s_acctbal on
    suppliers when the words first found the customers' c_acctbal)."""
    if other == table:
        return column
    words = lex.tables[other].column_words.get(column)
    same = [c for c, w in lex.tables[table].column_words.items() if w == words]
    return same[0] if len(same) == 1 else None


def count_in_each(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'how many customers in each?' after a list of countries: customers counted per listed row."""
    if not edit.per_previous or edit.count_of is None and spec.dims and spec.measures:
        return None     # "avg retail price for each too" after a breakdown: for each group, as it stands
    table = rows_of(spec)
    if edit.count_of is None or table is None or spec.measures:
        raise NotUnderstood("I could not tell what to count in each.", ())
    base = edit.count_of
    info = lex.tables[table]
    dim = Dim(ColRef(table, info.labels[0]), keys=tuple(ColRef(table, k) for k in info.pk), name=table) \
        if info.labels else None
    new = QuerySpec(base, measures=(Measure("rows", base, "count"),), dims=(dim,) if dim else (),
                    conditions=spec.conditions)
    if dim is None or not reaches(new, base, graph):
        raise NotUnderstood("Those rows do not lead to what is counted.", (base,))
    return new


def change_subject(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'same for suppliers', 'what about customers?' after a count of other rows: the same groupings and
    filters, on the new rows (a grouping reached through the old rows is reached through the new ones)."""
    if not edit.empty or len(edit.scope) != 1:
        return None
    new_table = edit.scope[0]
    if len(spec.measures) != 1 or spec.measures[0].kind != "rows" or spec.measures[0].table == new_table:
        return None
    old = spec.measures[0].table

    def moved(ref: ColRef) -> ColRef:
        if ref.table == old:
            raise NotUnderstood(f"The previous question filters or groups on {old} itself.", (new_table,))
        return replace(ref, via=new_table) if ref.via == old else ref

    dims = tuple(replace(d, col=moved(d.col), keys=tuple(moved(k) for k in d.keys)) for d in spec.dims)
    conditions = tuple(replace(c, col=moved(c.col)) if c.col else c for c in spec.conditions)
    if any(c.table == old for c in conditions):
        raise NotUnderstood(f"The previous question filters on {old} itself.", (new_table,))
    new = replace(spec, base=new_table, measures=(Measure("rows", new_table, "count"),), dims=dims,
                  conditions=conditions)
    if not reaches(new, new_table, graph):
        raise NotUnderstood(f"The previous groupings and filters do not apply to {new_table}.", (new_table,))
    return new


def sort_it(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'sort it highest first': the previous answer ordered by its measure."""
    if edit.direction is None or not replace(edit, direction=None).empty:
        return None
    if not spec.measures:
        raise NotUnderstood("I could not tell what to sort by.", ())
    return replace(spec, order=(Order(edit.direction, measure=0),))


def show_all(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'show all of them' / 'show all regions from lowest to highest' after a top N: every row, in the
    order asked (the ranking's own when none is)."""
    rest = replace(edit, all_rows=False, listing=False, anaphora=False, plural_ref=False, direction=None,
                   scope=(), unpin=())
    if not edit.all_rows or spec.limit is None or not rest.empty or not spec.order or unpinned(spec, edit.unpin):
        return None
    if edit.scope and not any(d.col.table in edit.scope for d in spec.dims):
        return None
    order = spec.order
    if edit.direction is not None and order[0].measure is not None:
        order = (replace(order[0], desc=edit.direction),) + order[1:]
    return replace(spec, limit=None, order=order)


def count_them(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'how many of them' / 'how many are there?' after a list: the listed rows counted, with the same
    conditions (a bare count after a list can only count what was listed)."""
    if edit.fn != "count" or not replace(edit, fn=None, ranked=False, anaphora=False).empty or \
            not (edit.anaphora or not spec.measures):
        return None
    table = rows_of(spec, lex) or (_summed_rows(spec, lex) if edit.anaphora else None)
    if table is None or (spec.measures and table != _summed_rows(spec, lex)) or spec.dims or spec.distinct \
            or spec.limit or spec.having:
        raise NotUnderstood("I can only count the rows of a plain list.", ("how many",))
    return QuerySpec(table, measures=(Measure("rows", table, "count"),), conditions=spec.conditions,
                     default_filters=spec.default_filters if table == spec.base else ())


def _summed_rows(spec: QuerySpec, lex: Lexicon) -> str | None:
    """The rows one measure adds up when it names them: a column of the question's rows ("total balance of
    customers in debt") or a metric named after them ("total order value"), so "how many of them" counts them."""
    from catalog_semantics.text import stem, words

    if len(spec.measures) != 1 or spec.measures[0].table != spec.base:
        return None
    m = spec.measures[0]
    if m.kind == "agg" and m.col is not None and m.col.table == spec.base:
        return spec.base
    said = {(stem(w),) for w in words(m.metric)}
    named = any(c.kind == "table" and c.table == spec.base for k in said for c in lex.names.get(k, ()))
    return spec.base if m.kind == "metric" and named else None


def sort_by_column(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'sort by name' / 'sort by brand': the previous answer ordered by one of its own columns."""
    if not edit.order_by or not replace(edit, order_by=(), direction=None, anaphora=False).empty:
        return None
    table = rows_of(spec, lex)
    if spec.measures and not spec.dims and table is not None:
        # "list them sorted by date" after a count: the rows counted, listed in that order
        col = next((_same_named(lex, table, c.table, c.column or "") for c in edit.order_by if c.table == table),
                   None)
        if col is None:
            raise NotUnderstood("I could not tell which column of those rows to sort by.",
                                tuple(c.column or "" for c in edit.order_by[:1]))
        ref = ColRef(table, col)
        return QuerySpec(table, projections=_label_of(lex, table), conditions=spec.conditions, helpers=(ref,),
                         order=(Order(bool(edit.direction), col=ref),))
    wanted = {(c.table, c.column) for c in edit.order_by}
    shown = [(i, p) for i, p in enumerate(spec.projections) if (p.table, p.column) in wanted]
    dims = [(i, d) for i, d in enumerate(spec.dims) if (d.col.table, d.col.column) in wanted and d.grain is None]
    if spec.limit is not None or len(shown) + len(dims) != 1:
        raise NotUnderstood("I could not tell which column of the previous answer to sort by.",
                            tuple(c.column or "" for c in edit.order_by[:1]))
    desc = bool(edit.direction)
    order = Order(desc, col=shown[0][1]) if shown else Order(desc, dim=dims[0][0])
    return replace(spec, order=(order,))


def drop_filter(spec: QuerySpec) -> QuerySpec:
    """'drop the filter': the previous question without its only filter (its period stays)."""
    conds = [c for c in spec.conditions if c.kind != "range"]
    if len(conds) != 1:
        raise NotUnderstood("The previous question has more than one filter (or none); say which to drop.", ())
    return replace(spec, conditions=tuple(c for c in spec.conditions if c is not conds[0]))


def drop_named_filter(spec: QuerySpec, named: tuple[str, ...], lex: Lexicon) -> QuerySpec:
    """'drop the segment filter': the previous question without the one filter whose column (or name) the
    words name; none or several named is declined naming the words."""
    from catalog_semantics.text import stem
    from nl2sql.planner.edit_conditions import filter_columns

    said = {stem(w) for w in named}

    def names_column(table: str, column: str) -> bool:
        # any phrase naming the column ("segment", "market segment" of c_mktsegment)
        return any(said <= {stem(w) for w in phrase} for phrase, concepts in lex.names.items()
                   if any(k.table == table and (k.column or "").lower() == column.lower() for k in concepts))

    def names(c: Condition) -> bool:
        if c.kind == "filter":        # its name ("gold member"), or a column it tests ("plan" of plan_cd)
            return said <= {stem(w) for w in c.filter_name.lower().split()} or any(
                names_column(c.table, col) for col in filter_columns(lex, c.filter_name))
        said_values = c.kind == "in" and said <= {stem(w) for v in c.values for w in str(v).lower().split()}
        return c.col is not None and (names_column(c.col.table, c.col.column) or said_values)   # "the card filter"

    hit = [c for c in spec.conditions if c.kind != "range" and names(c)]
    if not hit and tuple(stem(w) for w in named) in phrases("followup", "period_words"):  # "the year filter"
        hit = [c for c in spec.conditions if c.kind in ("range", "month")][:1]
    if not hit and all(w.isdigit() and len(w) == 4 for w in named):        # "the 1994 filter": that year's range
        hit = [c for c in spec.conditions if c.kind in ("range", "month") and all(w in (c.text or "") for w in named)]
    if len(hit) != 1:
        raise NotUnderstood("I could not tell which filter of the previous question that names.", named)
    return replace(spec, conditions=tuple(c for c in spec.conditions if c is not hit[0]))


def with_columns(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'add their account balance' to a list, 'what are their phone numbers' / 'list them with order date'
    after a count: the rows, by their label, with the columns named beside it (same conditions)."""
    if not edit.columns:
        return None
    rest = replace(edit, columns=(), adding=False, anaphora=False, listing=False, plural_ref=False, values=())
    spec = _narrowed(spec, edit, lex) if edit.anaphora else spec
    table = rows_of(spec, lex)
    labels_only = table is not None and all(ColRef(c.table, c.column or "") in _label_of(lex, table)
                                            for cs in edit.columns for c in cs[:1])
    if edit.values and not edit.anaphora or not rest.empty or table is None \
            or spec.dims and spec.measures and not (labels_only and _counted(spec)):
        raise NotUnderstood("I can only show more columns of a plain list of rows or of the rows counted.",
                            tuple(c[0].column or "" for c in edit.columns))
    picked = [next((c for c in cs if c.table == table), cs[0]) for cs in edit.columns]
    named = [_same_named(lex, table, c.table, c.column or "") for c in picked]
    if any(n is None for n in named):
        raise NotUnderstood("Those columns are not of the rows listed.", tuple(c[0].column or "" for c in edit.columns))
    if spec.measures:       # a count: its rows listed, by their label (else their key)
        spec = QuerySpec(table, projections=_label_of(lex, table), conditions=spec.conditions,
                         default_filters=spec.default_filters if table == spec.base else ())
    shown = spec.projections + tuple(ColRef(table, n) for n in named if n and ColRef(table, n) not in spec.projections)
    return replace(spec, projections=shown)


def _narrowed(spec: QuerySpec, edit: Edit, lex: Lexicon) -> QuerySpec:
    """'list those in Lakeside', 'only AFRICA, list their names': the values named narrow the rows listed."""
    from nl2sql.planner.edit_conditions import edit_values

    return edit_values(spec, edit.values, lex) if edit.values else spec


def _counted(spec: QuerySpec) -> bool:
    """Whether the frame counts its rows (by groups or not): listing them lists the rows, the groups go."""
    return len(spec.measures) == 1 and spec.measures[0].kind == "rows"


def _label_of(lex: Lexicon, table: str) -> tuple[ColRef, ...]:
    info = lex.tables[table]
    return tuple(ColRef(table, c) for c in (info.labels or info.pk)[:1])


RowEdit = Callable[[QuerySpec, Edit, Lexicon, JoinGraph], "QuerySpec | None"]
ROW_EDITS: tuple[RowEdit, ...] = (with_columns, show_all, list_them, count_them, sort_by_column, rank_them, sort_it, count_in_each, change_subject)


def reaches(spec: QuerySpec, base: str, graph: JoinGraph) -> bool:
    """Every filter and grouping of the frame is reached from ``base`` many-to-one (no double counting)."""
    refs = [(c.table, c.col.via if c.col else None) for c in spec.conditions] + \
        [(d.col.table, d.col.via) for d in spec.dims] + [(k.table, k.via) for d in spec.dims for k in d.keys]
    try:
        paths = [graph.path(base, t, via) for t, via in refs if t != base]
    except Ambiguous:
        return False
    return all(p is not None and all_up(p) for p in paths)
