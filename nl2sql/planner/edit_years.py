"""A period said in a follow-up when the previous question's year was a number column ("average rating for 2023"
read as ``review_year = 2023``; then "and 2024?"): the new whole year replaces that number; and the one year the
previous period lies in ("and the whole year" after Q2 1995)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import Condition, QuerySpec
from nl2sql.planner.timefilters import Period


def year_column_window(spec: QuerySpec, p: Period, lex: Lexicon) -> QuerySpec:
    """The frame with its one "year column = N" condition set to the period's year; declined when the period is
    not one whole year or no (or more than one) such condition is there."""
    whole = p.start is not None and p.end == date(p.start.year + 1, 1, 1) and (p.start.month, p.start.day) == (1, 1)
    year = year_condition(spec, lex)
    if not whole or year is None or p.start is None:
        raise NotUnderstood("I could not find a date to apply the period to.", (p.text,))
    new = replace(year, values=(p.start.year,), text=str(p.start.year))
    return replace(spec, conditions=tuple(new if c is year else c for c in spec.conditions))


def year_condition(spec: QuerySpec, lex: Lexicon) -> Condition | None:
    """The frame's one condition setting a number column named as a year ("review year is 2023"), if any."""
    years = [c for c in spec.conditions if c.kind == "compare" and c.op == "=" and c.col is not None and not c.negated
             and lex.tables[c.col.table].column_words.get(c.col.column, ())[-1:] == ("year",)]
    return years[0] if len(years) == 1 else None


def one_year(ranges: list[Condition], words: tuple[str, ...]) -> int:
    """The year the previous question's one period lies in."""
    start, end = (ranges[0].values + (None, None))[:2] if len(ranges) == 1 else (None, None)
    if not isinstance(start, date) or not isinstance(end, date) or end > date(start.year + 1, 1, 1):
        raise NotUnderstood("This needs the previous question to be about one year.", words)
    return start.year


def year_of(ranges: list[Condition]) -> Period:
    """'and the whole year' after Q2 1995: all of 1995."""
    year = one_year(ranges, ("whole year",))
    return Period(date(year, 1, 1), date(year + 1, 1, 1), str(year), ())
