"""A rule only a description states (``checks.CHECKS``): "voided records ... are excluded from every count and
total", "reported but not counted in the facility total". The planner cannot tell which rows the rule leaves
out, so a count or total over that table would include them and be wrong; it is declined, naming the column
whose description says so, unless the question itself filters on that column."""

from __future__ import annotations

from functools import cache

from nl2sql.planner.defaults import default_filter
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.words import word_list


@cache
def _phrases() -> tuple[str, ...]:
    return tuple(word_list("excluded_from_totals"))


def no_unapplied_exclusion(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """Counts and totals over rows a description says to leave out of them."""
    if not spec.measures:
        return spec, ()
    filtered = {(c.col.table, c.col.column.lower()) for c in spec.conditions if c.col is not None}
    for table in dict.fromkeys((spec.base, *(m.table for m in spec.measures))):
        info = lex.tables.get(table)
        if info is None:
            continue
        for col in info.table.columns:
            said = (col.comment or "").lower()
            if any(p in said for p in _phrases()) and (table, col.name.lower()) not in filtered:
                raise NotUnderstood(f"The description of {table}.{col.name} says some rows are left out of counts "
                                    "and totals, and I cannot tell which; ask with that column's condition.",
                                    (" ".join(info.column_words.get(col.name, (col.name,))),))
    return spec, ()


def no_count_past_a_default(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """'add the number of orders' to revenue of order lines: the orders counted beside the lines are every order,
    cancelled ones too, while the orders' default filter ("not cancelled") keeps a question about orders to the others
    (it applies to the rows a question is about, the base). Declined, as two measures at two grains are, unless the
    question filters that table itself."""
    said = {c.table for c in spec.conditions if c.kind != "range"}     # a state said of them (never a period)
    for m in spec.measures:
        f = default_filter(lex, m.table) if m.kind in ("rows", "agg") and m.table != spec.base else None
        if f is not None and m.table not in spec.default_filters and m.table not in said:
            raise NotUnderstood(f"Counting {m.table} beside {spec.base} would include the rows its default filter "
                                f"'{f.name}' leaves out; ask for it separately.", (m.table,))
    return spec, ()
