"""The plain-words reading of a query spec: "revenue = SUM(...) · by customer region · in 1996"."""

from __future__ import annotations

from collections.abc import Sequence

from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.lexicon_names import TableInfo
from nl2sql.planner.spec import ColRef, Condition, Measure, QuerySpec, column_of, is_average, range_bounds
from nl2sql.planner.timefilters import Period, describe_period

_FN = {"count": "number of", "count_distinct": "number of distinct", "sum": "total", "avg": "average",
       "min": "lowest", "max": "highest", "median": "median"}
_OP = {"=": "is", "!=": "is not", ">": "above", ">=": "at least", "<": "below", "<=": "at most"}


def describe(spec: QuerySpec, lex: Lexicon, notes: Sequence[str] = ()) -> str:
    parts: list[str] = []
    shown = list(spec.measures)
    if shown:
        # a measure of one year of years side by side names its year ("revenue in 1995, revenue in 1996")
        parts.append(", ".join(f"{_measure(m, lex, short=True)} in {m.suffix}" if m.only else _measure(m, lex)
                               for m in shown))
    elif spec.projections:
        cols = ", ".join(_col(p, lex) for p in spec.projections + spec.helpers)
        parts.append(f"list {'distinct ' if spec.distinct else ''}{cols}")
    if spec.dims:
        parts.append("by " + ", ".join(_dim_text(d.col, d.grain, lex) for d in spec.dims))
    for c in spec.conditions:
        parts.append(_condition(c, lex))
    for h in spec.having:
        m = spec.measures[h.measure]
        bound = " and ".join(f"{v:,.0f}" if v == int(v) else str(v) for v in h.values)
        parts.append(f"only where {_measure(m, lex, short=True)} {_OP.get(h.op, h.op)} {bound}")
    for o in spec.order:
        if o.measure is not None:
            key = _measure(spec.measures[o.measure], lex, short=True)
        elif o.dim is not None:
            key = _dim_text(spec.dims[o.dim].col, spec.dims[o.dim].grain, lex)
        else:
            key = _col(column_of(o), lex)
        parts.append(f"sorted by {key} {'highest first' if o.desc else 'lowest first'}")
    if spec.limit is not None:
        parts.append(f"first {spec.limit}")
    parts.extend(notes)
    return " · ".join(parts)


def _col(ref: ColRef, lex: Lexicon) -> str:
    info = lex.tables[ref.table]
    words = business_name(info, ref.column)
    owner = " ".join(info.words)
    via = f"{' '.join(lex.tables[ref.via].words)} " if ref.via else ""
    col = info.table.column(ref.column)
    if (col is not None and col.synonyms) or owner in words:   # a business name already says whose
        return f"{via}{words}"
    return f"{via}{owner} {words}"


def _dim_text(ref: ColRef, grain: str | None, lex: Lexicon) -> str:
    return f"{grain} of {_col(ref, lex)}" if grain and grain != "day" else _col(ref, lex)


def _measure(m: Measure, lex: Lexicon, short: bool = False) -> str:
    if m.kind == "metric":
        metric = lex.metrics[m.metric]
        return m.metric if short else f"{m.metric} = {metric.sql}"
    if m.kind == "rows_per":
        return f"average number of {' '.join(lex.tables[m.table].words)} rows per {' '.join(lex.tables[m.metric].words)}"
    if m.kind == "rows":
        return f"number of {_plural_words(lex.tables[m.table].words)}"
    if m.kind == "share" and m.fn.startswith("total"):
        return f"share of all {m.metric}"
    if m.kind == "share":
        what = m.metric or " ".join(lex.tables[m.table].words)
        return f"share of {what} where " + " and ".join(_condition(c, lex) for c in m.share_of)
    if m.since is not None:
        return f"{_FN[m.fn]} days from {_col(m.since, lex)} to {_col(column_of(m), lex)}"
    return f"{_FN[m.fn]} {_col(column_of(m), lex)}"


def _condition(c: Condition, lex: Lexicon) -> str:
    if c.kind == "filter":
        f = lex.filters[c.filter_name]
        return f"{'not ' if c.negated else ''}{f.name} ({f.sql})"
    if c.kind == "exists":
        return f"{'with no' if c.negated else 'with at least one'} {' '.join(lex.tables[c.table].words)}"
    if c.kind == "among":
        return f"among {c.text}"
    col = _col(column_of(c), lex)
    if c.kind == "in":
        vals = " or ".join(_num(v) for v in c.values)
        return f"{col} {'is not' if c.negated else 'is'} {vals}"
    if c.kind == "month":
        return f"{col} in month {c.values[0]} of any year"
    if c.kind == "range":
        start, end = range_bounds(c)
        return f"{col} {describe_period(Period(start, end, '', ()))}"
    if c.kind == "contains":
        verb = {"contains": "contains", "starts": "starts with", "ends": "ends with"}[c.op]
        return f"{col} {'does not ' + verb.split()[0].rstrip('s') if c.negated else verb} “{c.values[0]}”"
    if c.op == "is_set":
        return f"{col} is recorded"
    if c.op == "between":
        return f"{col} between {_num(c.values[0])} and {_num(c.values[1])}"
    if is_average(c.values[0]):
        return f"{col} {_OP.get(c.op, c.op)} its average over every {' '.join(lex.tables[c.table].words)}"
    return f"{col} {_OP.get(c.op, c.op)} {_num(c.values[0])}"


def _num(value: object) -> str:
    if isinstance(value, float) and value == int(value):
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return str(value)


def _plural_words(words: tuple[str, ...]) -> str:
    """'number of customers', 'number of orders' (names already plural stay as they are)."""
    text = " ".join(words)
    return text if text.endswith("s") else f"{text}s"


def business_name(info: TableInfo, column: str) -> str:
    """What a business user calls a column: its first synonym (overlay), else its name's words."""
    col = info.table.column(column)
    if col is not None and col.synonyms:
        return col.synonyms[0]
    return " ".join(info.column_words.get(column, (column,)))
