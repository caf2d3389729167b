"""Edit rules about conditions: values, named filters, numbers, "instead of", swaps, comparisons, whole years,
columns shown, "for all X" and the rows named (the rest of the ordered tuple is in edit_rules.py, which runs them).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from nl2sql.planner.edit_items import (
    _kinds,
    _names_column,
    _of_kind,
    _preposition,
    _stems,
    _word_in_values,
)
from nl2sql.planner.edits import Edit, ValueEdit
from nl2sql.planner.matching import Item
from nl2sql.planner.timefilters import Period, is_year
from nl2sql.planner.vocabulary import cue_index
from nl2sql.planner.words import phrases

Found = tuple[Edit, int] | None


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
        owner = items[k + 1].concepts[0].table if k + 1 < len(items) and _kinds(items[k + 1]) == {"table"} else None
        if owner is not None and any(c.table == owner for c in concepts):
            concepts = tuple(c for c in concepts if c.table == owner)    # "FEE complaints": the complaints' FEE
        values.append(ValueEdit(concepts, negated, items[k].text, via))
        k += 1
        if k + 1 < len(items) and items[k].has("and", "or") and _of_kind(items[k + 1], "value"):
            k += 1
        # "the MACHINERY segment", "green in the name": the value's own column named after it
        some = all(c.kind == "valueword" for c in concepts)   # "green in the name": a word of one name column
        if k < len(items) and (_names_column(items[k], concepts, some=some) or _kinds(items[k]) == {"table"} and
                               items[k].concepts[0].table in {c.table for c in concepts}):
            k += 1
    if not values:
        return None
    return replace(edit, values=edit.values + tuple(values)), k


def _named(items: list[Item], j: int, edit: Edit) -> Found:
    """A named filter ('urgent orders', 'without urgent orders') or a metric ('revenue instead')."""
    it = items[j]
    if _stems(it) in phrases("followup", "value_leads") and not it.concepts and j + 1 < len(items) \
            and len(_of_kind(items[j + 1], "filter")) == 1:
        return _named(items, j + 1, edit)          # "only to premier customers": how the rows relate to them
    if it.has("neg") and not it.concepts and j + 1 < len(items) and len(_of_kind(items[j + 1], "filter")) == 1:
        found = _named(items, j + 1, edit)         # "without urgent orders", "items with no discount"
        if found is not None and found[0].filters != edit.filters:
            return replace(edit, negated_filters=edit.negated_filters + found[0].filters[-1:]), found[1]
    filters = _of_kind(it, "filter")
    metrics = _of_kind(it, "metric")
    if edit.adding and len(metrics) == 1 and edit.metric is None:
        # "add the number of visits": what is put beside the measure is the metric, not a filter of its words
        return replace(edit, metric=metrics[0], fn=None if edit.fn == "count" else edit.fn), j + 1
    if len(filters) == 1:
        k = j + 1
        if k < len(items) and _kinds(items[k]) == {"table"} and items[k].concepts[0].table == filters[0].table:
            k += 1                                   # "urgent orders": the filter's own table named after it
        return replace(edit, filters=edit.filters + filters), k
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
    return replace(edit, compares=edit.compares + ((cols[0], float(number), "="),)), j + 2


def _column_compare(items: list[Item], j: int, edit: Edit) -> Found:
    """'size above 40', 'sizes of at least 45', 'size 40 or more': a numeric column compared with a number."""
    cols = _of_kind(items[j], "column")
    said = items[j + 1].number if j + 2 < len(items) and items[j + 1].kind == "number" else None
    if len(cols) == 1 and said is not None and not is_year(items[j + 1]) \
            and (post := items[j + 2].cue("cmp_post")) is not None:
        return replace(edit, compares=edit.compares + ((cols[0], float(said), post.arg),)), j + 3
    cue = items[j + 1].cue("cmp") if j + 2 < len(items) and not items[j + 1].concepts else None
    number = items[j + 2].number if cue is not None and items[j + 2].kind == "number" else None
    if len(cols) != 1 or cue is None or cue.arg not in (">", ">=", "<", "<=") or number is None \
            or is_year(items[j + 2]):
        return None
    return replace(edit, compares=edit.compares + ((cols[0], float(number), cue.arg),)), j + 3


def _compare_column(items: list[Item], j: int, edit: Edit) -> Found:
    """'bigger than size 40', 'above size 40': the comparison said before the numeric column."""
    cue = items[j].cue("cmp") if j + 2 < len(items) and not items[j].concepts else None
    cols = _of_kind(items[j + 1], "column") if cue is not None else ()
    number = items[j + 2].number if cols and items[j + 2].kind == "number" else None
    if cue is None or cue.arg not in (">", ">=", "<", "<=") or len(cols) != 1 or number is None \
            or is_year(items[j + 2]):
        return None
    return replace(edit, compares=edit.compares + ((cols[0], float(number), cue.arg),)), j + 3


def _instead_of(items: list[Item], j: int, edit: Edit) -> Found:
    """'per region instead of segment': the grouping named after it is the one replaced; 'max instead of
    average': the aggregate named after it is the one the new aggregate replaces."""
    for n in (3, 2, 1):
        span = tuple(w for x in items[j:j + n] for w in _stems(x))
        # "of" is a stop word, so "instead of segment" may reach here as "instead" + "segment"
        if len(items[j:j + n]) != n or j + n >= len(items) or not _said_instead_of(span):
            continue
        by = int(items[j + n].kind == "cue" and items[j + n].has("group") and j + n + 1 < len(items))
        n += by                    # "rather than by region": the grouping word before what is replaced
        nxt = items[j + n]
        valued = "value" in _kinds(nxt) and _kinds(nxt) <= {"value", "filter"}     # a value, maybe a filter's too
        if nxt.cue("agg") is not None or nxt.cue("extreme") is not None or valued or _kinds(nxt) == {"metric"}:
            # "max instead of average", "ASIA instead of EUROPE", "units sold instead of revenue": the new one
            # replaces it, as a measure, value or aggregate named alone in a follow-up does
            return edit, j + n + 1
        if (unit := nxt.cue("unit") or nxt.cue("grain")) is not None and nxt.kind == "cue":   # "instead of month"
            return replace(edit, instead_of_grains=edit.instead_of_grains + (unit.arg,)), j + n + 1
        if _kinds(nxt) == {"filter"}:    # "returned items instead of late ones": that named filter goes
            return replace(edit, replaced_filters=edit.replaced_filters + _of_kind(nxt, "filter")), j + n + 1
        named = _of_kind(nxt, "column", "table")
        return (replace(edit, instead_of=edit.instead_of + named), j + n + 1) if named else None
    return None


def _said_instead_of(span: tuple[str, ...]) -> bool:
    """Whether the words are a phrase of ``followup.instead_of``, its trailing stop words ("of", "than") left out
    of the items as the matcher leaves them."""
    return any(p[:len(span)] == span and len(p) - len(span) <= 1 and all(
        {c.kind for c in cue_index().get((w,), ())} == {"stop"} for w in p[len(span):])
        for p in phrases("followup", "instead_of"))


def _swap(items: list[Item], j: int, edit: Edit) -> Found:
    """'swap FRANCE for GERMANY', 'change 1-URGENT to 2-HIGH': two values of one column, the second in place
    of the first (as "GERMANY instead of FRANCE"); the words between them ("for", "to") are stop words."""
    if _stems(items[j]) not in phrases("followup", "swap") or j + 1 >= len(items):
        return None
    if j + 2 >= len(items) or not _of_kind(items[j + 2], "value"):
        # "swap that for net sales", "change it to GERMANY": what it was is not said; the one named replaces it,
        # as a measure or value named alone in a follow-up does
        named = _kinds(items[j + 1]) & {"metric", "value"} or items[j + 1].cue("agg") is not None \
            or is_year(items[j + 1])     # "avg distance"; "replace 1998 with 1992" (the period read apart)
        return (edit, j + 1) if named else None
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
    k = j + 1 if _preposition(items[j]) and j + 1 < len(items) else j    # "recovered from customers": whose
    if _kinds(items[k]) != {"table"}:
        return None
    tables = tuple(dict.fromkeys(c.table for c in items[k].concepts))
    if len(tables) > 1:      # "payments": the previous rows say which (conversation_scope.settle_scope)
        return replace(edit, scope_choices=edit.scope_choices + (tables,)), k + 1
    return replace(edit, scope=edit.scope + tables), k + 1
