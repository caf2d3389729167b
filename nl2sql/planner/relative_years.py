"""A year said relative to another the question names: "revenue in 1997 compared to last year" is 1997 against
1996. With no year to anchor it, "last year" stays relative to today, which the data does not know, and is declined
(``checks.check_relative_period``). The phrases and their offsets are vocabulary data (``anchored_years``)."""

from __future__ import annotations

import re

from nl2sql.planner.words import vocabulary

_YEAR = re.compile(r"\b(1[89]\d\d|2[01]\d\d)\b")


def anchored_years(question: str) -> str:
    """The question with a relative year spelled as the year it means, when exactly one year is named.

    >>> anchored_years("regional revenue in 1997 compared to last year")
    'regional revenue in 1997 compared to 1996'
    >>> anchored_years("revenue last year")
    'revenue last year'
    """
    years = {int(y) for y in _YEAR.findall(question)}
    if len(years) != 1:
        return question
    year = years.pop()
    for phrase, offset in dict(vocabulary().get("anchored_years") or {}).items():
        question = re.sub(rf"\b{re.escape(str(phrase))}\b", str(year + int(offset)), question, flags=re.IGNORECASE)
    return question
