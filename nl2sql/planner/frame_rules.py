"""The rules that settle a frame after the walk: small pure functions ``(Frame, Lexicon) -> Frame``, run in order.

Modelled on sqlglot's optimizer (``RULES``): each rule looks at the whole frame, returns it unchanged when it
does not apply, or a new frame (``dataclasses.replace``); a rule may decline the question (``NotUnderstood``)
when what it would settle is a guess. The order matters: a later rule sees what an earlier one settled. Each
rule has question -> frame fixture pairs in tests/test_planner_frame.py.

What stays in the assembler depends on the base table it chooses (which year column a period compares,
which named tables become groupings or EXISTS tests, the labels a list shows), docs/offline_engine.md "Frame".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from catalog_semantics.text import stem
from nl2sql.planner.frame import Extreme, Frame, column_targets
from nl2sql.planner.frame_amounts import one_count_of_rows, rows_or_own_amount
from nl2sql.planner.frame_told_dates import filter_verb_date, metric_told_date
from nl2sql.planner.frame_when import when_said_last
from nl2sql.planner.filter_values import condition_as_value
from nl2sql.planner.frame_shares import share_sides
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.reading import _plural
from nl2sql.planner.spec import ColRef, Condition, Measure
from nl2sql.planner.unread import NotUnderstood
from nl2sql.planner.vocabulary import cue_index
from nl2sql.planner.words import word_list

FrameRule = Callable[[Frame, Lexicon], Frame]


def _settled(f: Frame) -> bool:
    """A question about when something happened, or about a share: its own assembly, left to it."""
    return bool(f.when or f.share or any(m.kind == "share" for m in f.measures))


def _grouped(f: Frame) -> bool:
    return bool(f.dims or f.unit_dims)


def _by_columns(f: Frame) -> bool:
    return all(t[1][0] == "column" for t in f.extremes)


def trend_over_years(f: Frame, lex: Lexicon) -> Frame:
    """'did the cancellation rate go up from 2024 to 2025?', 'how did revenue change between 1995 and 1997': a
    change asked over a range of whole years compares the years, one row each, rather than one figure over the
    range (which cannot show a change); with no period at all ("the revenue trend"), every year."""
    if not f.trend:
        return f
    if f.percent or f.share or any(m.kind == "share" for m in f.measures):
        raise NotUnderstood("I can show each period's figure, not the change between them as a percentage.",
                            ("percent",))
    if f.unit_dims or any(p.each for p in f.periods):
        return f                          # a series ("revenue trend by month") or years side by side already
    if not f.periods:                     # "the revenue trend", "how has revenue changed": one row a year
        return replace(f, unit_dims=("year",), notes=f.notes + ("a change over time read as one row a year",))
    p = f.periods[0] if len(f.periods) == 1 else None
    if p is None or p.start is None or p.end is None or (p.start.month, p.start.day) != (1, 1) \
            or (p.end.month, p.end.day) != (1, 1) or p.end.year - p.start.year < 2:
        raise NotUnderstood("A change over time needs a series (by month, by year) or a range of years "
                            "(from 2024 to 2025) to compare.", ("change",))
    return replace(f, periods=(replace(p, each="year"),))


def compared_values_apart(f: Frame, lex: Lexicon) -> Frame:
    """'compare revenue of the AUTOMOBILE and MACHINERY segments': values listed to be compared are each a row
    (as "each separately" says), not one total over both (vocabulary ``compare_words``)."""
    if f.when or f.per_value or f.share or not set(f.words) & {stem(w) for w in word_list("compare_words")}:
        return f
    valued = replace(f, conditions=tuple(condition_as_value(c, lex) for c in f.conditions))  # "urgent vs low priority"
    ones = [c for c in valued.conditions if c.kind == "in" and len(c.values) == 1 and not c.negated and c.col]
    a, b = (ones[0].col, ones[1].col) if len(ones) == 2 else (None, None)
    if a is not None and b is not None and (a.table, a.column) == (b.table, b.column) \
            and (a.via == b.via or None in (a.via, b.via)):     # "united states vs canada customers"
        f = valued           # "revenue in Europe compared with revenue in Asia": two values of one column
        both = replace(ones[0], col=a if a.via else b, values=ones[0].values + ones[1].values,
                       text=f"{ones[0].text}, {ones[1].text}")
        f = replace(f, conditions=tuple(both if c is ones[0] else c for c in f.conditions if c is not ones[1]))
    lists = [c for c in f.conditions if c.kind == "in" and len(c.values) > 1 and not c.negated]
    return replace(f, per_value=True) if len(lists) == 1 else f


def period_grains(f: Frame, lex: Lexicon) -> Frame:
    """'revenue in 1996 and 1997', 'each year since 1995': a period said per year is a grain, one row each
    (the periods come first, as the question's own grains follow them); 'June 2024 vs June 2025' is that month of
    the year in the years they span, one row per month."""
    each = tuple("month" if p.each == "month_of_year" else p.each for p in f.periods if p.each)
    months = tuple(p.start.month for p in f.periods if p.each == "month_of_year" and p.start is not None)
    return replace(f, unit_dims=each + f.unit_dims, months=f.months + months) if each else f


def dates_shown(f: Frame, lex: Lexicon) -> Frame:
    """'the arriving date and the departing date of the dogs': dates with no period or grain are shown, not
    filtered on (in the order they were named among the other columns)."""
    if f.when or not f.date_cols or f.periods or f.unit_dims:
        return f
    return replace(f, projections=tuple(sorted(f.projections + f.date_cols, key=lambda p: p[1])), date_cols=())


def share_of_total(f: Frame, lex: Lexicon) -> Frame:
    """'what share of revenue does each region contribute': with no condition, each group's part of the whole
    metric (a measure of its own, assembled like any other)."""
    if f.when or not f.share or f.share_conditions or not _grouped(f):
        return f
    metric = next((m for m in f.measures if m.kind == "metric"), None)
    if metric is None:
        return f
    total = Measure("share", metric.table, metric=metric.metric, fn="total_percent" if f.percent else "total")
    return replace(f, share=False, measures=(total,))


def groups_ranked_by_total(f: Frame, lex: Lexicon) -> Frame:
    """'Which month had the highest consumption?': the group whose total is highest, not every group's
    largest single row; ranked by the one metric that adds the column up, else declined naming the word."""
    if _settled(f) or f.words[:1] != ("which",) or not _grouped(f) or not f.extremes or f.measures \
            or not _by_columns(f):
        return f
    targets: list[Extreme] = []
    for desc, col, pos in column_targets(f.extremes):
        names = [m.name for m in lex.metrics.values()
                 if m.table.lower() == col.table and _sums_column(m.sql, col.column, lex.dialect)]
        if len(names) != 1:
            raise NotUnderstood("This asks which group is highest or lowest, but I do not know which total "
                                "to rank the groups by.", ("highest" if desc else "lowest",))
        targets.append((desc, ("metric", Concept("metric", col.table, name=names[0])), pos))
    return replace(f, extremes=tuple(targets))


def extremes_per_group(f: Frame, lex: Lexicon) -> Frame:
    """'the maximum weight for each type of pet': per group, not the single heaviest row."""
    if _settled(f) or not _grouped(f) or not f.extremes or not _by_columns(f):
        return f
    measures = list(f.measures)
    for desc, obj, _pos in column_targets(f.extremes):
        m = Measure("agg", obj.table, "max" if desc else "min", col=obj)
        if m not in measures:            # "... List the maximum weight and pet type": named twice
            measures.append(m)
    return replace(f, measures=tuple(measures), extremes=())


def rows_per_group(f: Frame, lex: Lexicon) -> Frame:
    """'open orders by priority', 'customers per segment', 'suppliers per nation': how many rows in each
    group (a group that is a table is counted by its rows, named by its label)."""
    if _settled(f) or f.measures or f.extremes or not _grouped(f) or not (f.entities or f.conditions) \
            or f.projections or not all(d.col.column or d.col.table not in {e[0] for e in f.entities}
                                        for d in f.dims):
        return f
    table = f.entities[0][0] if f.entities else next((c.table for c in f.conditions if c.kind == "filter"), None)
    if table is None or any(not d.col.column and (d.col.table == table or len(f.entities) > 1) for d in f.dims):
        return f                         # a table grouping needs one other thing counted
    measure, note = rows_or_own_amount(f, lex.tables[table], table)
    return replace(f, measures=f.measures + (measure,), entities=tuple(e for e in f.entities if e[0] != table),
                   notes=f.notes + note)


def events_per_group(f: Frame, lex: Lexicon) -> Frame:
    """'departures per month', 'dogs departed by zone': a date named as the rows (the event it dates), grouped,
    asks how many events in each group: the rows whose date is set, dated and grouped by it."""
    if _settled(f) or f.measures or f.extremes or not _grouped(f) or len(f.date_cols) != 1 or f.projections \
            or f.entities:
        return f
    col = f.date_cols[0][0]
    happened = Condition("compare", col.table, col, "is_set", text=col.column)
    return replace(f, measures=(Measure("rows", col.table, "count"),), conditions=f.conditions + (happened,))


def events_of_a_verb(f: Frame, lex: Lexicon) -> Frame:
    """'employees who left, by year': rows counted per period of the one date a verb names, with no period to
    bound it, are the rows the event happened to (its date set), not also a group of rows it never did."""
    if _settled(f) or len(set(f.date_hints)) != 1 or not f.unit_dims or f.periods or f.date_cols or f.dims:
        return f
    table, column = f.date_hints[0]
    if not f.measures or not all(m.kind == "rows" and m.table == table for m in f.measures):
        return f
    happened = Condition("compare", table, ColRef(table, column), "is_set", text=column)
    return replace(f, conditions=f.conditions + (happened,))


def extreme_of_entity(f: Frame, lex: Lexicon) -> Frame:
    """'What is the minimum retail price of a product?': the value asked for, not the product ("Who is the oldest
    singer?", which names no column, asks for the singer)."""
    if _settled(f) or not f.extremes or f.measures or f.projections or f.limit or f.orders or f.dims \
            or len(f.entities) != 1 or not (f.words[:1] == ("what",) or min(p for _d, _t, p in f.extremes) == 0) \
            or not all(t[0] == "column" and t[1].table == f.entities[0][0] and f.entities[0][1] > pos
                       and set(map(stem, lex.tables[t[1].table].column_words.get(t[1].column, ()))) & set(f.words)
                       for _desc, t, pos in f.extremes):
        return f
    return _extremes_as_values(replace(f, entities=()))


def extreme_value(f: Frame, lex: Lexicon) -> Frame:
    """'the highest salary': an extreme of a column with no rows named to rank is the one value asked for."""
    if _settled(f) or f.measures or not f.extremes or not _by_columns(f) or f.entities or f.projections:
        return f
    return _extremes_as_values(f)


def counted_noun_phrase(f: Frame, lex: Lexicon) -> Frame:
    """'shipments created in March 2025', 'orders placed by BUILDING customers in Q1 1995', 'cancelled flights in
    2024': a bare noun phrase (no "list", "show", "which"; before the rows' noun only words that filter them, or
    a named filter said with the rows' plural noun) for a period or kept by stored values and named filters only
    ("appointments still scheduled at Riverside"), about rows with no name to list (other tables named only to
    filter), asks how many, not a page of keys ("depots in the NORTH region" lists)."""
    entities = f.entities or filter_nouns(f, lex)
    if _settled(f) or f.measures or f.extremes or f.unit_dims or f.projections or f.dims or f.orders \
            or f.limit or f.star or f.distinct or not entities or not entities[0][2] \
            or entities[0][1] > sum(c.table == entities[0][0] and c.kind != "exists" for c in f.conditions) \
            or not all(any(c.table == t for c in f.conditions) for t, _, _ in entities[1:]) \
            or not (f.periods or _stated(f)) or not f.words or (f.words[0],) in cue_index():
        return f
    info = lex.tables[entities[0][0]]
    if not set(info.labels) <= set(info.pk):
        return f
    return replace(f, measures=(Measure("rows", entities[0][0], "count"),), entities=())


def _stated(f: Frame) -> bool:
    """'appointments still scheduled at Riverside': rows kept by stored values or named filters only (a state, a
    place), no comparison ("orders with a total price between 1000 and 2000" lists them)."""
    return bool(f.conditions) and all(c.kind in ("in", "filter") and not c.negated for c in f.conditions)


def filter_nouns(f: Frame, lex: Lexicon) -> tuple[tuple[str, int, bool], ...]:
    """'cancelled flights', 'retired aircraft': the one named filter said ending with a noun naming its own table,
    as the rows' entity (plural as the noun is)."""
    filters = [c for c in f.conditions if c.kind == "filter"]
    if not filters and (value := _plural_value(f, lex)):
        return ((value, 0, True),)
    if len(filters) != 1 or not filters[0].text.split():
        return ()
    last = stem(filters[0].text.lower().split()[-1])
    named = any(c.kind == "table" and c.table == filters[0].table for c in lex.names.get((last,), ()))
    return ((filters[0].table, 0, _plural(filters[0].text)),) if named else ()


def _plural_value(f: Frame, lex: Lexicon) -> str | None:
    """'the national seashores and their states': one category value said in the plural names rows of its
    own table (the kind of unit a code column holds), when every column asked is that table's own."""
    values = [c for c in f.conditions if c.kind == "in" and c.col is not None and not c.negated]
    if len(values) != 1 or len(f.conditions) != 1 or not _plural(values[0].text) or not f.projections:
        return None
    col, info = values[0].col, lex.tables[values[0].table]
    if col is None or col.via or col.column in info.labels or col.column in info.keys:
        return None
    return col.table if all(p.table == col.table and p.via is None for p, _ in f.projections) else None


FRAME_RULES: tuple[FrameRule, ...] = (     # in order: each sees what the ones before it settled (docs: "Frame")
    metric_told_date,
    filter_verb_date,
    trend_over_years,
    compared_values_apart,
    period_grains,
    dates_shown,
    when_said_last,
    share_sides,
    share_of_total,
    groups_ranked_by_total,
    extremes_per_group,
    events_per_group,
    rows_per_group,
    events_of_a_verb,
    extreme_of_entity,
    extreme_value,
    counted_noun_phrase,
    one_count_of_rows,
)


def settle(frame: Frame, lex: Lexicon, rules: tuple[FrameRule, ...] = FRAME_RULES) -> Frame:
    """The frame after every rule, in order."""
    for rule in rules:
        frame = rule(frame, lex)
    return frame


def _extremes_as_values(f: Frame) -> Frame:
    """Each extreme of a column as the value asked for: its MAX or MIN (the caller checked they rank columns)."""
    measures = tuple(Measure("agg", obj.table, "max" if desc else "min", col=obj)
                     for desc, obj, _pos in column_targets(f.extremes))
    return replace(f, extremes=(), measures=measures)


def _sums_column(sql: str, column: str, dialect: str) -> bool:
    """Whether a metric is ``SUM(column)``.

    >>> _sums_column("SUM(kwh_used)", "kwh_used", "duckdb"), _sums_column("AVG(amt)", "amt", "duckdb")
    (True, False)
    """
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:  # an unreadable metric is reported by the compiler
        return False
    return isinstance(tree, exp.Sum) and isinstance(tree.this, exp.Column) and tree.this.name.lower() == column.lower()
