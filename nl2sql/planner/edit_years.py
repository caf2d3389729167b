"""A period said in a follow-up when the previous question's year was a number column ("average rating for 2023"
read as ``review_year = 2023``; then "and 2024?"): the new whole year replaces that number; and the one year the
previous period lies in ("and the whole year" after Q2 1995)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from catalog_semantics.text import words

from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import Condition, QuerySpec
from nl2sql.planner.timefilters import Period
from nl2sql.planner.words import word_list

# "all of 1996", "the whole of 1996": the year itself, not the part of it the earlier question had
_WHOLE = frozenset(word_list("whole_period_words"))


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


def same_part_of_year(p: Period, ranges: list[Condition], question: str) -> Period:
    """'same for 1996' after 'the first half of 1997' (or a quarter, a month): that part of the year named, not
    all of it; a year said as a whole ("all of 1996", ``whole_period_words``) or a window over more than one
    year is replaced as said.

    >>> r = [Condition("range", "o", None, "range", (date(1997, 1, 1), date(1997, 7, 1)))]
    >>> same_part_of_year(Period(date(1996, 1, 1), date(1997, 1, 1), "1996", ()), r, "same for 1996").end
    datetime.date(1996, 7, 1)
    >>> same_part_of_year(Period(date(1996, 1, 1), date(1997, 1, 1), "1996", ()), r, "all of 1996").end
    datetime.date(1997, 1, 1)
    """
    if p.start is None or p.end is None or p.each or (p.start.month, p.start.day, p.end.month, p.end.day,
                                                      p.end.year - p.start.year) != (1, 1, 1, 1, 1):
        return p
    if len(ranges) != 1 or not isinstance(ranges[0].values[0], date) or not isinstance(ranges[0].values[1], date):
        return p
    start, end = ranges[0].values[0], ranges[0].values[1]
    last = end - timedelta(days=1)
    if start.year != last.year or (start.month, start.day, end.month, end.day) == (1, 1, 1, 1) \
            or set(words(question)) & _WHOLE:
        return p
    shift = p.start.year - start.year
    if shift == 0:
        return p                         # "in 1997" after its first half: the whole of it, as said
    return replace(p, start=start.replace(year=start.year + shift),
                   end=end.replace(year=end.year + shift), text=f"{p.text} ({start:%b %d} to {last:%b %d})")
