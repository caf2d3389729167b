"""The rules that read a follow-up's words into an ``Edit``: an ordered tuple of small functions, each
looking at item j and returning the edit extended and the next index, or None (sqlglot's optimizer
shape). Whatever no rule claims makes the follow-up not an edit.
"""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.edit_items import (
    _count,
    _kinds,
    _of_kind,
    _stems,
)
from nl2sql.planner.edit_condition_rules import (
    _compare_column,
    _column_compare,
    _column_number,
    _compare,
    _instead_of,
    _named,
    _scope,
    _show_column,
    _swap,
    _unpin,
    _value,
    _whole_year,
)
from nl2sql.planner.edits import Edit, GroupEdit
from nl2sql.planner.matching import Item
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
    # ... but a phrase left with one word ("all years" -> "year") is not said by that word: "that year" keeps it
    bare = {b for p in phrases("followup", "widen")
            if len(b := tuple(w for w in p if {c.kind for c in cue_index().get((w,), ())} != {"stop"})) > 1 or len(p) == 1}
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
        if grain is None and _stems(it) in phrases("per_group_leads"):
            return replace(edit, per_previous=True), j + 1      # "avg price for each too": each row shown
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
        edit = replace(edit, limit=_count(items[j + 1]), direction=top.arg == "desc" if top else None)
        named = _of_kind(items[j + 2], "column") if j + 2 < len(items) else ()
        if len(named) == 1 and not edit.groups:          # "top 2 cities", "top 3 supplier countries instead"
            return replace(edit, groups=(GroupEdit(named, None, items[j + 2].text),)), j + 3
        return edit, j + 2
    count = _count(it)
    extreme = items[j + 1].cue("extreme") if j + 1 < len(items) else None
    if count is not None and count > 1 and extreme is not None \
            and all(_stems(x) in phrases("followup", "plural_ends") for x in items[j + 2:]):
        return replace(edit, limit=count, direction=extreme.arg == "max"), len(items)   # "the 5 highest"
    if (it.kind == "number" or count is not None and count > 1) and count is not None and edit.marked:
        return replace(edit, limit=count), j + 1          # "3 instead", "show 10", "five instead"
    top = it.cue("top")
    if top is not None and all(_stems(x) in phrases("followup", "plural_ends") for x in items[j + 1:]):
        return replace(edit, end=top.arg == "desc"), len(items)    # "and the bottom ones?": the same N
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
    # "the number of distinct customers": rows of another table are each counted once anyway
    k = j + 2 if cue.arg == "count" and nxt.has("distinct") and not nxt.concepts and j + 2 < len(items) else j + 1
    if cue.arg == "count" and _kinds(items[k]) == {"table"}:
        return replace(edit, count_of=items[k].concepts[0].table), k + 1
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
    if j + 1 >= len(items):
        return None
    by = items[j].text.lower() == "by" and bool(_of_kind(items[j + 1], "metric"))
    if not (items[j].has("order") or by):
        return None
    if _of_kind(items[j + 1], "metric") or items[j + 1].cue("agg"):     # "what about by order value instead"
        return replace(edit, marked=True), j + 1       # "rank them by credit hours instead": the measure swapped
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


EDIT_RULES = (_widen, _swap, _compare, _whole_year, _instead_of, _which_group, _order_by, _compare_column, _having, _bare_quarter, _group, _grain, _top,
              _measure_column, _extreme, _direction, _aggregate, _value, _column_compare, _column_number, _show_column, _named, _unpin, _scope,
              _filler)
