"""A year said relative to another the question names: "revenue in 1997 compared to last year" is 1997 against
1996. With no year to anchor it, "last year" stays relative to today, which the data does not know, and is declined
(``checks.check_relative_period``). The phrases and their offsets are vocabulary data (``anchored_years``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from catalog_semantics.question import QuestionWords
from nl2sql.planner.tokens import question_words
from nl2sql.planner.words import vocabulary

_YEAR = re.compile(r"\b(1[89]\d\d|2[01]\d\d)\b")


def anchored_years(question: str) -> str:
    """The question with a relative year spelled as the year it means, when exactly one year is named.

    >>> anchored_years("regional revenue in 1997 compared to last year")
    'regional revenue in 1997 compared to 1996'
    >>> anchored_years("revenue last year")
    'revenue last year'
    """
    question = _said_as_year(question)
    years = {int(y) for y in _YEAR.findall(question)}
    if len(years) != 1:
        return question
    year = years.pop()
    for phrase, offset in dict(vocabulary().get("anchored_years") or {}).items():
        question = re.sub(rf"\b{re.escape(str(phrase))}\b", str(year + int(offset)), question, flags=re.IGNORECASE)
    return question


def _said_as_year(question: str) -> str:
    """A relative year with the year it means beside it ("checkouts last year (2025)", "this past year, i.e. 2025"):
    that year, said once (vocabulary ``relative_periods.deictic`` before "year").

    >>> _said_as_year("top 3 authors by checkouts last year (2025)")
    'top 3 authors by checkouts 2025'
    >>> _said_as_year("turnout this past year - 2025, by branch")
    'turnout 2025, by branch'
    >>> _said_as_year("revenue last year and 2025")
    'revenue last year and 2025'
    """
    return _APPOSED.sub(lambda m: m.group("year") or m.group("y2"), question)


_DEICTIC = "|".join(re.escape(str(w)) for w in vocabulary().get("relative_periods", {}).get("deictic", ()))
_YEAR_TEXT = r"(?:1[89]|2[01])\d\d"
_APPOSED = re.compile(rf"\b(?:the\s+)?(?:{_DEICTIC})(?:\s+(?:{_DEICTIC}))?\s+year\s*"
                      rf"(?:\(\s*(?P<year>{_YEAR_TEXT})\s*\)|(?:,|-|–|—)\s*(?:i\.e\.,?\s*)?(?P<y2>{_YEAR_TEXT})\b)",
                      re.IGNORECASE)


# "and 98", "what about '96?", "same for 95": a follow-up that is only a two-digit year after its lead words
_SHORT = re.compile(r"^(\s*(?:(?:and|what about|how about|same for|same thing for|now|then|ok|okay)\s+)?(?:(?:in|for)\s+)?)"
                    r"'?(\d\d)(\s*[?.!]?\s*)$", re.IGNORECASE)


def short_years(question: str, before: str) -> str:
    """A follow-up that is only a two-digit year ("and 98", "what about '96?") as the year it shortens, when the
    question before names one year (within five years of it); else it is left as said.

    >>> short_years("and 98", "bookings by quarter 1997")
    'and 1998'
    >>> short_years("top 98", "bookings by quarter 1997"), short_years("and 98", "bookings by quarter")
    ('top 98', 'and 98')
    """
    years = {int(y) for y in _YEAR.findall(before)}
    m = _SHORT.match(question)
    if len(years) != 1 or m is None:
        return question
    year = years.pop()
    full = year - year % 100 + int(m.group(2))
    return f"{m.group(1)}{full}{m.group(3)}" if abs(full - year) <= 5 else question


def with_short_years(words: QuestionWords, history: Sequence[tuple[str, str | None]]) -> QuestionWords:
    """A follow-up's words with its two-digit year spelled out against the question before (``short_years``)."""
    spelled = short_years(words.text, history[-1][0]) if history else words.text
    return words if spelled == words.text else question_words(spelled)
