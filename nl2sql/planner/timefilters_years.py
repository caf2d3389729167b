"""Whole years on a column that stores the year as a number, and the words a period was said with (timefilters.py
reads the period itself)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nl2sql.planner.matching import Item


def year_comparison(start: date | None, end: date | None) -> tuple[str, tuple[int, ...]] | None:
    """A period of whole years on a year column: 'in 2014' (=), '2014 or 2015' and 'from 2014 to 2016'
    (between, both ends in), '2014 or after' (>=), 'before 2014' (<).

    >>> year_comparison(date(2014, 1, 1), date(2016, 1, 1)), year_comparison(None, date(2014, 1, 1))
    (('between', (2014, 2015)), ('<', (2014,)))
    """
    whole = all(d is None or (d.month, d.day) == (1, 1) for d in (start, end))
    if not whole or (start is None and end is None):
        return None
    if start is not None and end is not None:
        return ("=", (start.year,)) if end.year - start.year == 1 else ("between", (start.year, end.year - 1))
    if start is not None:
        return (">=", (start.year,))
    return ("<", (end.year,)) if end is not None else None


def said(items: Sequence[Item], span: range, raw: list[str] | None) -> str:
    """A period's words as said, with the words between its items ("June 2024 vs June 2023")."""
    words: list[str] = []
    for k in span:
        if raw is not None and words and items[k].start > items[k - 1].end:
            words.extend(w for w in raw[items[k - 1].end:items[k].start] if w)
        words.append(items[k].text)
    return " ".join(words)
