"""'as a share of all lines', 'as a rate instead', 'what share is that?': the previous answer as a share.

After a count of the rows meeting one condition ("returned line items per ship mode in 1994"), the share of
the rows that meet it among all the rows the rest of the question keeps (the period, the other filters, the
groups): ``AVG(CASE WHEN returned ...)`` per ship mode in 1994. After a total of a metric by groups ("sales by
segment in 1995"), "as a share of the total" is each group's part of the whole. The words after the share word
may only name what the whole already is (the rows' table, a group, a value the whole keeps: "of all RAIL lines",
the period's date: "everything shipped that year"); anything else, or a count with no condition or several,
leaves the follow-up to the other edits (which decline it).
"""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from nl2sql.planner.edit_items import _stems
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.matching import Item, matched
from nl2sql.planner.spec import Condition, Measure, QuerySpec
from nl2sql.planner.words import phrases

_PARTS = ("filter", "in", "compare", "contains")     # a condition a row meets or not: the part of a share
_PERIODS = ("range", "month")


def as_share(question: str, previous: QuerySpec, lex: Lexicon) -> QuerySpec | None:
    """The previous answer as a share when the follow-up asks for one and names nothing else; None otherwise."""
    items = matched(question, lex)
    shares = [it for it in items if it.has("share") or _stems(it) in phrases("followup", "share_words")]
    shown = [m for m in previous.measures if not m.hidden]
    if len(shares) != 1 or len(shown) != 1 or len(previous.measures) != 1 or previous.limit is not None \
            or previous.having or previous.setop is not None or previous.projections:
        return None
    m = shown[0]
    kept = _whole(items, shares[0], previous, lex, m.metric)
    if kept is None:
        return None
    percent = shares[0].cue("share") is not None and shares[0].arg("share") == "percent"
    parts = [c for c in previous.conditions if c.kind not in _PERIODS and c not in kept]
    # "as a share of the total" by groups with a condition: of each group's rows, or each group's part of the
    # total of those rows? Not a guess.
    total = previous.dims and any(it.cue("agg") is not None and it.arg("agg") == "sum" for it in items)
    if m.kind in ("rows", "metric") and len(parts) == 1 and parts[0].kind in _PARTS and not parts[0].negated \
            and not total:
        # a count: the share of its rows; a metric (a SUM): the share of its total from those rows
        share = Measure("share", m.table, metric=m.metric if m.kind == "metric" else "", share_of=(parts[0],),
                        fn="percent" if percent else "")
        rest = tuple(c for c in previous.conditions if c is not parts[0])
        return replace(previous, measures=(share,), conditions=rest)
    rate = m.kind == "metric" and _is_rate(lex.metrics[m.metric].sql, lex.dialect)
    if rate and percent and not parts and not kept and not m.fn:
        # "late delivery rate by ship mode" -> "as a percentage": the same rate on 0..100, never a share of the
        # rates' total (rates do not add up)
        return replace(previous, measures=(replace(m, fn="percent", suffix="percent"),))
    if m.kind == "metric" and previous.dims and not parts and not kept and not rate:
        # "sales by segment" -> "as a share of the total": each group's part of the whole metric
        share = Measure("share", m.table, metric=m.metric, fn="total_percent" if percent else "total")
        return replace(previous, measures=(share,))
    return None


def _is_rate(sql: str, dialect: str) -> bool:
    """Whether a metric's SQL is a mean or a ratio ("AVG(CASE WHEN late ...)", "SUM(a) / SUM(b)"): not a total."""
    try:
        node = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return False
    return isinstance(node, (exp.Avg, exp.Div))


def _whole(items: list[Item], share: Item, previous: QuerySpec, lex: Lexicon,
           metric: str) -> list[Condition] | None:
    """The conditions the follow-up names as kept in the whole ("of all RAIL lines"), when every other word is
    a filler or names what the whole already is (its rows, groups, period, or the metric measured: "of all
    revenue"); None when a word asks for something else."""
    tables = _tables(previous)
    grouped = {(d.col.table, d.col.column.lower()) for d in previous.dims}
    dates = {(c.col.table, c.col.column.lower()) for c in previous.conditions if c.kind in _PERIODS and c.col}
    kept: list[Condition] = []
    for it in items:
        if it is share or _filler(it):
            continue
        if it.kind == "unknown":
            named = _date_named(it, lex)
            if not named or not named & dates:
                return None
            continue
        values = [c for c in it.concepts if c.kind == "value"]
        if values:
            hit = [c for c in previous.conditions if c.kind == "in" and c.col is not None
                   and any(v.table == c.col.table and (v.column or "").lower() == c.col.column.lower()
                           and v.value in c.values for v in values)]
            if len(hit) != 1:
                return None
            kept.append(hit[0])
            continue
        if not any(c.kind == "table" and c.table in tables or c.kind == "column"
                   and (c.table, (c.column or "").lower()) in grouped or metric and c.kind == "metric"
                   and c.name == metric for c in it.concepts):
            return None
    return kept


def _filler(it: Item) -> bool:
    """A word that says nothing about the whole: fillers of a follow-up, stop words, "all", "each", "that year"."""
    if it.concepts:
        return False
    if _stems(it) in phrases("followup", "fillers") or _stems(it) in phrases("followup", "leading"):
        return True
    return bool(it.cues) and all(c.kind in ("stop", "list", "and", "star", "group") or c.kind == "unit" and c.arg == "year"
                                 or c.kind == "agg" and c.arg == "sum" for c in it.cues)


def _date_named(it: Item, lex: Lexicon) -> set[tuple[str, str]]:
    """The date columns a verb names ("shipped": the ship date), as (table, column) in lower case."""
    from nl2sql.planner.assemble import _verb_of

    stems = _stems(it)
    if len(stems) != 1:
        return set()
    return {(t, c.lower()) for t, c in lex.date_names.get(_verb_of(stems[0]), ())}


def _tables(spec: QuerySpec) -> set[str]:
    """The tables the previous answer reads rows of (its base, measures, groups and conditions)."""
    found = {spec.base} | {m.table for m in spec.measures}
    found |= {d.col.table for d in spec.dims} | {c.table for c in spec.conditions}
    return found
