"""Days named in words: "June 1, 2024", "1 March 2025", and a range whose first day takes the year of the second
("between 1 March and 15 April 2025", "from November 25 to December 5, 2024"). Month words are the vocabulary's
``month`` cues; a day is a whole number from 1 to 31 beside one (a year is four digits and never a day).
"""

from __future__ import annotations

from datetime import date, timedelta

from nl2sql.planner.matching import Item


def _day_number(item: Item) -> int | None:
    n = item.number
    if item.kind != "number" or n is None or n != int(n) or not 1 <= n <= 31 or "," in item.text:
        return None
    return int(n)


def _year(item: Item) -> int | None:
    n = item.number
    return int(n) if item.kind == "number" and n is not None and n == int(n) and 1900 <= n <= 2100 else None


def month_day(items: list[Item], i: int) -> tuple[int, int, int] | None:
    """(month, day, next index) of "June 1" or "1 June" at item i."""
    if i + 1 >= len(items):
        return None
    first, second = items[i], items[i + 1]
    month = first.cue("month")
    if month is not None and (day := _day_number(second)) is not None:
        return int(month.arg), day, i + 2
    month = second.cue("month")
    if month is not None and (day := _day_number(first)) is not None:
        return int(month.arg), day, i + 2
    return None


def day_point(items: list[Item], i: int) -> tuple[date, date, int] | None:
    """A whole day said in words with its year: [start, next day, next index]."""
    found = month_day(items, i)
    if found is None or found[2] >= len(items) or (y := _year(items[found[2]])) is None:
        return None
    try:
        d = date(y, found[0], found[1])
    except ValueError:
        return None
    return d, d + timedelta(days=1), found[2] + 1


def day_range(items: list[Item], i: int) -> tuple[date, date, int] | None:
    """'1 March and 15 April 2025': a first day without a year, a link, then a day with one."""
    first = month_day(items, i)
    if first is None or first[2] + 1 >= len(items):
        return None
    link = items[first[2]]
    if not (link.has("and") or link.has("date_cmp") or link.text.lower() in ("to", "-")):
        return None
    second = day_point(items, first[2] + 1)
    if second is None:
        return None
    try:
        start = date(second[0].year, first[0], first[1])
    except ValueError:
        return None
    return (start, second[1], second[2]) if start < second[0] else None
