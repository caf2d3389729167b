"""The rules that read a follow-up's words into an ``Edit``: an ordered tuple of small functions, each
looking at item j and returning the edit extended and the next index, or None (sqlglot's optimizer
shape). Whatever no rule claims makes the follow-up not an edit.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from nl2sql.planner.edit_items import (
    _count,
    _kinds,
    _names_column,
    _of_kind,
    _preposition,
    _stems,
    _word_in_values,
)
from nl2sql.planner.edits import Edit, GroupEdit, ValueEdit
from nl2sql.planner.matching import Item
from nl2sql.planner.timefilters import Period, is_year
from nl2sql.planner.vocabulary import cue_index
from nl2sql.planner.words import phrases

_AGGS = frozenset({"avg", "sum", "min", "max", "median", "count"})

Found = tuple[Edit, int] | None


def _filler(items: list[Item], j: int, edit: Edit) -> Found:
    it = items[j]
    for n in (3, 2):          # "next to it", "how about": fillers of several items
        span = tuple(w for x in items[j:j + n] for w in _stems(x))
        if len(items[j:j + n]) == n and span in phrases("followup", "fillers"):
            return edit, j + n
    if _stems(it) in phrases("followup", "fillers") or (
            it.kind == "cue" and not it.concepts and all(c.kind in ("and", "or", "stop", "list") for c in it.cues)):
        return edit, j + 1
    return None


def _widen(items: list[Item], j: int, edit: Edit) -> Found:
    # "drop the year" reaches here as "drop" + "year": the phrases' stop words are left out of the items
    bare = {tuple(w for w in p if {c.kind for c in cue_index().get((w,), ())} != {"stop"}) for p in
            phrases("followup", "widen")}
    for n in (3, 2, 1):
        span = tuple(w for it in items[j:j + n] for w in _stems(it))
        if len(items[j:j + n]) == n and (span in phrases("followup", "widen") or span in bare):
            return replace(edit, widen=True), j + n
    return None


def _group(items: list[Item], j: int, edit: Edit) -> Found:
    """'by ship mode', 'per customer region', 'split by supplier country'."""
    it = items[j]
    if not it.has("group"):
        return None
    if j + 1 >= len(items):
        return replace(edit, per_previous=True), j + 1        # "... in each?": each row of the previous list
    nxt = items[j + 1]
    if nxt.kind != "concept":
        grain = nxt.cue("unit")
        return (replace(edit, grains=edit.grains + (grain.arg,)), j + 2) if grain else None
    if j + 2 < len(items) and items[j + 2].kind == "concept" and _kinds(nxt) == {"table"} \
            and _kinds(items[j + 2]) & {"column", "table"}:
        # "per supplier country", "by customer region": the second names the group, the first the path
        via = nxt.concepts[0].table
        group = GroupEdit(_of_kind(items[j + 2], "column", "table"), via, f"{nxt.text} {items[j + 2].text}")
        return replace(edit, groups=edit.groups + (group,)), j + 3
    concepts = _of_kind(nxt, "column", "table")
    if not concepts:
        return None
    return replace(edit, groups=edit.groups + (GroupEdit(concepts, None, nxt.text),)), j + 2


def _grain(items: list[Item], j: int, edit: Edit) -> Found:
    grain = items[j].cue("grain")
    if grain is None:
        return None
    return replace(edit, grains=edit.grains + (grain.arg,)), j + 1


def _top(items: list[Item], j: int, edit: Edit) -> Found:
    """'top 3', 'the first 10', or a bare '3 instead' (N of the previous ranking)."""
    it = items[j]
    if it.has("top") and j + 1 < len(items) and _count(items[j + 1]) is not None:
        top = it.cue("top")                 # "bottom 3" after "top 3": the other end, same N
        return replace(edit, limit=_count(items[j + 1]), direction=top.arg == "desc" if top else None), j + 2
    if it.kind == "number" and _count(it) is not None and edit.marked:
        return replace(edit, limit=_count(it)), j + 1
    return None


def _extreme(items: list[Item], j: int, edit: Edit) -> Found:
    """'the most parts', 'the highest account balance': what the previous rows are ranked by."""
    cue = items[j].cue("extreme")
    if cue is None or j + 1 >= len(items) or items[j + 1].kind != "concept" or edit.rank is not None:
        return None
    target = _of_kind(items[j + 1], "column", "table", "metric")
    return (replace(edit, rank=(cue.arg == "max", target)), j + 2) if target else None


def _direction(items: list[Item], j: int, edit: Edit) -> Found:
    cue = items[j].cue("dir")
    return (replace(edit, direction=cue.arg == "desc"), j + 1) if cue is not None else None


def _measure_column(items: list[Item], j: int, edit: Edit) -> Found:
    """'their total account balance', 'the average quantity', 'max salary': an aggregate of a column."""
    cue = items[j].cue("agg")
    if cue is None and _stems(items[j]) in phrases("followup", "aggregate_extremes"):
        cue = items[j].cue("extreme")          # "max salary instead": the aggregate, not a ranking
    if cue is None or cue.arg not in _AGGS or j + 1 >= len(items):
        return None
    nxt = items[j + 1]
    if cue.arg == "count" and _kinds(nxt) == {"table"}:
        return replace(edit, count_of=nxt.concepts[0].table), j + 2
    cols = _of_kind(nxt, "column")
    if len(cols) != 1 or cue.arg == "count":
        return None
    return replace(edit, measure_col=(cols[0], cue.arg)), j + 2


def _aggregate(items: list[Item], j: int, edit: Edit) -> Found:
    """'average instead', 'the total': the previous measure with another aggregate."""
    cue = items[j].cue("agg")
    extreme = items[j].cue("extreme")
    if cue is None and extreme is not None and (j + 1 == len(items) or items[j + 1].kind != "concept"):
        cue = extreme                      # "the maximum instead": nothing after it to rank
    if cue is None or cue.arg not in _AGGS or edit.fn is not None:
        return None
    # "which one is highest" ranks the previous groups; "the maximum instead" changes the aggregate
    ranked = cue is extreme and _stems(items[j]) not in phrases("followup", "aggregate_extremes")
    return replace(edit, fn=cue.arg, ranked=ranked), j + 1


def _which_group(items: list[Item], j: int, edit: Edit) -> Found:
    """'which segment is highest?': a grouping named, then an extreme with nothing after it to rank by; the
    first group by the measure (the grouping is checked against the previous answer's)."""
    named = _of_kind(items[j], "column", "table")
    cue = items[j + 1].cue("extreme") if j + 1 < len(items) else None
    unit = items[j].cue("unit") or items[j].cue("grain")
    if unit is not None and not items[j].concepts:     # "which month was best?" after a monthly series
        named = ()
    if not (named or unit) or named and len(named) != len(items[j].concepts) or cue is None \
            or cue.arg not in ("max", "min") \
            or j + 2 < len(items) and items[j + 2].kind == "concept" or edit.fn is not None:
        return None
    if _stems(items[j + 1]) in phrases("followup", "aggregate_extremes"):
        return None                       # "balance max": an aggregate, not a ranking
    return replace(edit, fn=cue.arg, ranked=True, rank_of=named, rank_grain=unit.arg if unit and not named else None), \
        j + 2


def _order_by(items: list[Item], j: int, edit: Edit) -> Found:
    """'sort by name', 'sorted by brand': a column the previous answer is ordered by."""
    if not items[j].has("order") or j + 1 >= len(items):
        return None
    cols = _of_kind(items[j + 1], "column")
    return (replace(edit, order_by=edit.order_by + cols), j + 2) if cols else None


def _having(items: list[Item], j: int, edit: Edit) -> Found:
    """'only those above 14M', 'with more than 100': the previous measure compared, group by group."""
    cue = items[j].cue("cmp")
    number = items[j + 1].number if j + 1 < len(items) and items[j + 1].kind == "number" else None
    if cue is None or cue.arg not in (">", ">=", "<", "<=") or items[j].concepts or number is None \
            or edit.having is not None:
        return None
    return replace(edit, having=(cue.arg, float(number))), j + 2


def _bare_quarter(items: list[Item], j: int, edit: Edit) -> Found:
    """'Q2?' without a year: that quarter of the year the previous question was about."""
    cue = items[j].cue("quarter")
    if cue is None or edit.window is not None or edit.quarter is not None:
        return None
    return replace(edit, quarter=int(cue.arg)), j + 1


def _value(items: list[Item], j: int, edit: Edit) -> Found:
    """'ASIA', 'not BRAZIL', 'excluding the MACHINERY segment', 'MACHINERY customers', 'suppliers from
    JAPAN' (whose country: the suppliers'); several values joined by and/or."""
    via = None
    if _kinds(items[j]) == {"table"} and j + 1 < len(items):
        k = j + 2 if _preposition(items[j + 1]) else j + 1
        if k < len(items) and _of_kind(items[k], "value"):
            via, j = items[j].concepts[0].table, k
    if _stems(items[j]) in phrases("followup", "value_leads") and not items[j].concepts and j + 1 < len(items) \
            and _kinds(items[j + 1]) == {"value"}:
        j += 1                                   # "only by AIR", "and for MACHINERY?": the value itself
    negated = items[j].has("neg") and not items[j].concepts
    k = j + 1 if negated else j
    values: list[ValueEdit] = []
    while k < len(items):
        concepts = _of_kind(items[k], "value") or _word_in_values(items[k])   # 'ASIA'; 'green' in part names
        if not concepts:
            break
        values.append(ValueEdit(concepts, negated, items[k].text, via))
        k += 1
        if k + 1 < len(items) and items[k].has("and", "or") and _of_kind(items[k + 1], "value"):
            k += 1
        # "the MACHINERY segment": the value's own column named after it
        if k < len(items) and (_names_column(items[k], concepts) or _kinds(items[k]) == {"table"} and
                               items[k].concepts[0].table in {c.table for c in concepts}):
            k += 1
    if not values:
        return None
    return replace(edit, values=edit.values + tuple(values)), k


def _named(items: list[Item], j: int, edit: Edit) -> Found:
    """A named filter ('urgent orders', 'without urgent orders') or a metric ('revenue instead')."""
    it = items[j]
    if it.has("neg") and not it.concepts and j + 1 < len(items) and len(_of_kind(items[j + 1], "filter")) == 1:
        found = _named(items, j + 1, edit)         # "without urgent orders", "items with no discount"
        if found is not None and found[0].filters != edit.filters:
            return replace(edit, negated_filters=edit.negated_filters + found[0].filters[-1:]), found[1]
    filters = _of_kind(it, "filter")
    if len(filters) == 1:
        k = j + 1
        if k < len(items) and _kinds(items[k]) == {"table"} and items[k].concepts[0].table == filters[0].table:
            k += 1                                   # "urgent orders": the filter's own table named after it
        return replace(edit, filters=edit.filters + filters), k
    metrics = _of_kind(it, "metric")
    if len(metrics) == 1 and edit.metric is None:
        return replace(edit, metric=metrics[0]), j + 1
    return None


def _column_number(items: list[Item], j: int, edit: Edit) -> Found:
    """'size 50', 'of size 50': a numeric column and the number it should equal; 'opened in 2024': a date
    column and its year."""
    cols = _of_kind(items[j], "column")
    number = items[j + 1].number if j + 1 < len(items) and items[j + 1].kind == "number" else None
    if len(cols) != 1 or number is None:
        return None
    if is_year(items[j + 1]) and edit.window is not None and (j + 1) in edit.window.span:
        return replace(edit, window_col=cols[0]), j + 2     # the period found already: its date
    if is_year(items[j + 1]) and edit.window is None:
        year = int(number)
        window = Period(date(year, 1, 1), date(year + 1, 1, 1), items[j + 1].text, (j + 1,))
        return replace(edit, window=window, window_col=cols[0]), j + 2
    return replace(edit, compares=edit.compares + ((cols[0], float(number)),)), j + 2


def _instead_of(items: list[Item], j: int, edit: Edit) -> Found:
    """'per region instead of segment': the grouping named after it is the one replaced; 'max instead of
    average': the aggregate named after it is the one the new aggregate replaces."""
    for n in (3, 2, 1):
        span = tuple(w for x in items[j:j + n] for w in _stems(x))
        # "of" is a stop word, so "instead of segment" may reach here as "instead" + "segment"
        if len(items[j:j + n]) != n or j + n >= len(items) or not (
                span in phrases("followup", "instead_of") or (span + ("of",)) in phrases("followup", "instead_of")):
            continue
        nxt = items[j + n]
        if nxt.cue("agg") is not None or nxt.cue("extreme") is not None or _kinds(nxt) == {"value"}:
            return edit, j + n + 1       # "max instead of average", "ASIA instead of EUROPE": the new one replaces it
        named = _of_kind(nxt, "column", "table")
        return (replace(edit, instead_of=edit.instead_of + named), j + n + 1) if named else None
    return None


def _swap(items: list[Item], j: int, edit: Edit) -> Found:
    """'swap FRANCE for GERMANY', 'change 1-URGENT to 2-HIGH': two values of one column, the second in place
    of the first (as "GERMANY instead of FRANCE"); the words between them ("for", "to") are stop words."""
    if _stems(items[j]) not in phrases("followup", "swap") or j + 2 >= len(items):
        return None
    old, new = _of_kind(items[j + 1], "value"), _of_kind(items[j + 2], "value")
    cols = {(c.table, c.column) for c in old} & {(c.table, c.column) for c in new}
    if len(cols) != 1:
        return None
    picked = tuple(c for c in new if (c.table, c.column) in cols)
    return replace(edit, values=edit.values + (ValueEdit(picked, False, items[j + 2].text),)), j + 3


def _compare(items: list[Item], j: int, edit: Edit) -> Found:
    """'compare with ...': the comparison word, and 'the previous year' it names (read by
    ``followup._versus``, which sets ``versus_year`` / ``versus_shift``)."""
    if edit.versus_year is None and edit.versus_shift is None and not edit.side_by_side:
        return None
    keys = ("compare", "earlier_year", "later_year")
    for n in (3, 2, 1):
        span = tuple(w for x in items[j:j + n] for w in _stems(x))
        if len(items[j:j + n]) == n and any(span in phrases("followup", k) for k in keys):
            return edit, j + n
    return None


def _whole_year(items: list[Item], j: int, edit: Edit) -> Found:
    """'and the whole year': the calendar year of the previous period (``followup.read_edit`` sets
    ``whole_year`` from the words, "whole" being a stop word); this claims the words left of it."""
    said = {w for p in phrases("followup", "whole_year") for w in p}
    return (edit, j + 1) if edit.whole_year and len(_stems(items[j])) == 1 and _stems(items[j])[0] in said else None


def _show_column(items: list[Item], j: int, edit: Edit) -> Found:
    """'add their account balance', 'what are their phone numbers', 'list them with order date': columns
    shown beside the previous rows (only when the words point at those rows or add to them)."""
    cols = _of_kind(items[j], "column")
    others = {c.kind for c in items[j].concepts} - {"column", "metric"}
    if not cols or others or not (edit.adding or edit.anaphora or edit.listing):
        return None
    metrics = _of_kind(items[j], "metric")       # "units in stock": a column and a metric; the frame decides
    metric = metrics[0] if len(metrics) == 1 and edit.metric is None else edit.metric
    return replace(edit, columns=edit.columns + (cols,), metric=metric), j + 1


def _unpin(items: list[Item], j: int, edit: Edit) -> Found:
    """'for all regions': the words after 'all' (``followup._all_of``) name the filter dropped, not the rows."""
    return (edit, j + 1) if edit.unpin and set(items[j].concepts) & set(edit.unpin) else None


def _scope(items: list[Item], j: int, edit: Edit) -> Found:
    """A table named as what the rows are ('only orders from 1997', 'for parts'); checked against the frame."""
    if _kinds(items[j]) != {"table"}:
        return None
    return replace(edit, scope=edit.scope + (items[j].concepts[0].table,)), j + 1


EDIT_RULES = (_widen, _swap, _compare, _whole_year, _instead_of, _which_group, _order_by, _having, _bare_quarter, _group, _grain, _top,
              _measure_column, _extreme, _direction, _aggregate, _value, _column_number, _show_column, _named, _unpin, _scope,
              _filler)
