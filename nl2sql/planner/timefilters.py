"""Time in questions: years, months of a year, quarters, dates, ranges ("between 1994 and 1996",
"before 1995", "since March 1996") become half-open date ranges; the caller picks the date column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from nl2sql.planner.matching import Item
from nl2sql.planner.timefilters_years import said as _said
from nl2sql.planner.unread import NotUnderstood
from nl2sql.planner.vocabulary import CueKind
from nl2sql.planner.words import word_list

_DURING_OR_UNTIL = frozenset({"through", "thru", "throughout"})   # opening a period: during it, or until its end

# "1996 and 1997", "1996 vs 1997": two periods to put side by side, never one sum (vocabulary.yaml)
_PAIRS = frozenset(word_list("period_pairs"))
_COMPARING = frozenset(word_list("period_pairs_compared", "verbs"))
_COMPARED = frozenset(word_list("period_pairs_compared", "pairs"))


@dataclass(frozen=True)
class Period:
    start: date | None              # inclusive
    end: date | None                # exclusive
    text: str
    span: tuple[int, ...]           # item indexes used
    each: str | None = None         # "1996 and 1997": two periods side by side, one row each ("year"; "June 2024
                                    # vs June 2025": "month_of_year"), or "pair" when they are neither


def is_year(item: Item) -> bool:
    n = item.number
    return item.kind == "number" and n is not None and n == int(n) and 1900 <= n <= 2100 and "," not in item.text


def _point(items: list[Item], i: int) -> tuple[date, date, int] | None:
    """A period starting at item i: [month|quarter] year, or a date; returns (start, end, next index)."""
    it = items[i]
    day = _day_month_year(items, i)
    if day is not None:
        return day[0], day[0] + timedelta(days=1), day[1]
    if it.kind == "date":
        try:
            d = date.fromisoformat(it.text)
        except ValueError:
            return None
        return d, d + timedelta(days=1), i + 1
    month = it.cue("month")
    quarter = it.cue("quarter")
    half = it.cue("half")
    if half and i + 1 < len(items) and is_year(items[i + 1]):
        y = int(items[i + 1].number or 0)
        first = 1 if half.arg == "1" else 7
        return date(y, first, 1), _add_months(date(y, first, 1), 6), i + 2
    if (month or quarter) and i + 1 < len(items) and is_year(items[i + 1]):
        y = int(items[i + 1].number or 0)
        if month:
            m = int(month.arg)
            return date(y, m, 1), _add_months(date(y, m, 1), 1), i + 2
        if quarter:
            q = int(quarter.arg)
            return date(y, 3 * q - 2, 1), _add_months(date(y, 3 * q - 2, 1), 3), i + 2
    if is_year(it):
        y = int(it.number or 0)
        if i + 1 < len(items) and (items[i + 1].cue("month") or items[i + 1].cue("quarter")) \
                and not (i + 2 < len(items) and is_year(items[i + 2])):
            nxt = items[i + 1]
            if nxt.cue("month"):
                m = int(nxt.arg("month"))
                return date(y, m, 1), _add_months(date(y, m, 1), 1), i + 2
            q = int(nxt.arg("quarter"))
            return date(y, 3 * q - 2, 1), _add_months(date(y, 3 * q - 2, 1), 3), i + 2
        return date(y, 1, 1), date(y + 1, 1, 1), i + 1
    return None


def _day_month_year(items: list[Item], i: int) -> tuple[date, int] | None:
    """'15 June 2025', 'June 15 2025', or '1 May' before "and"/"to" and a day with its year ('between 1 May and
    15 June 2025'): the day and the index after it."""
    def day_month(k: int) -> tuple[int, int, int] | None:
        a, b = (items[k], items[k + 1]) if k + 1 < len(items) else (None, None)
        if a is None or b is None:
            return None
        for num, mon in ((a, b), (b, a)):
            n = num.number
            if num.kind == "number" and n is not None and n == int(n) and 1 <= n <= 31 and mon.cue("month"):
                return int(n), int(mon.arg("month")), k + 2
        return None

    first = day_month(i)
    if first is None:
        return None
    d, m, nxt = first
    year_at = nxt if nxt < len(items) and is_year(items[nxt]) else None
    if year_at is None and nxt + 1 < len(items) and (items[nxt].has("and") or items[nxt].text.lower() == "to"):
        second = day_month(nxt + 1)        # the year said once, after the second day
        year_at = second[2] if second is not None and second[2] < len(items) and is_year(items[second[2]]) else None
        if year_at is None:
            return None
        return _valid(int(items[year_at].number or 0), m, d), nxt
    if year_at is None:
        return None
    return _valid(int(items[year_at].number or 0), m, d), year_at + 1


def _valid(y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise NotUnderstood("That day does not exist.", (f"{d}/{m}/{y}",)) from None


def _pair_grain(start: date, end: date, second_start: date, second_end: date) -> str:
    """The grain that gives two periods one row each: two whole years one after the other.

    >>> _pair_grain(date(1996, 1, 1), date(1997, 1, 1), date(1997, 1, 1), date(1998, 1, 1))
    'year'
    >>> _pair_grain(date(1993, 1, 1), date(1994, 1, 1), date(1997, 1, 1), date(1998, 1, 1))
    'pair'
    >>> _pair_grain(date(1996, 1, 1), date(1997, 1, 1), date(1995, 1, 1), date(1996, 1, 1))
    'year'
    >>> _pair_grain(date(2025, 6, 1), date(2025, 7, 1), date(2024, 6, 1), date(2024, 7, 1))
    'month_of_year'
    """
    def whole_year(a: date, b: date) -> bool:
        return (a.month, a.day, b.month, b.day, b.year - a.year) == (1, 1, 1, 1, 1)

    def whole_month(a: date, b: date) -> bool:
        return a.day == 1 and b == _add_months(a, 1)

    if whole_year(start, end) and whole_year(second_start, second_end) and abs(second_start.year - start.year) == 1:
        return "year"               # "1996 vs 1997", or the later year first ("1996 compared with 1995")
    if whole_month(start, end) and whole_month(second_start, second_end) and start.month == second_start.month \
            and abs(start.year - second_start.year) == 1:
        return "month_of_year"      # "June 2025 vs June 2024": that month of the two years, one row each
    return "pair"


def find_periods(items: list[Item], raw: list[str] | None = None) -> tuple[list[Period], set[int]]:
    """Every time expression among the (stop-word-free) items, with the indexes it used (``raw``: ``_paired_at``).

    Unanchored months ("in March") are left alone: the caller abstains on them.
    """
    periods: list[Period] = []
    used: set[int] = set()
    i = 0
    while i < len(items):
        lead = items[i]
        start_i = i
        op = _opening(lead)
        if op is not None:
            i += 1
        if i >= len(items):
            break
        point = (_unanchored_range(items, i) if op in (None, "between") else None) or _point(items, i)
        if point is None or _compared_number(items, i):
            i = start_i + 1
            continue
        start, end, nxt = point
        if op == "<=" and lead.text.lower() in _DURING_OR_UNTIL:
            # "revenue month by month through 1995": during 1995, or everything up to its end? Not a guess.
            raise NotUnderstood("“through” a period may mean during it or up to its end; say “in” or “up to the "
                                "end of”.", (lead.text,))
        each = None
        if op == "between" or op is None:
            op, start, end, nxt, each = _second_point(items, op, start, end, nxt, raw)
        unit = items[start_i - 1].cue("unit") if start_i > 0 and (start_i - 1) not in used else None
        if unit is not None and unit.arg == "year" and is_year(items[start_i]) and items[start_i - 1].kind == "cue":
            start_i -= 1                           # "in the year 1995": the word names the period
        text = _said(items, range(start_i, nxt), raw)
        period = _bounded(op, start, end, Period(start, end, text, tuple(range(start_i, nxt)), each))
        if period is not None:
            periods.append(period)
        used.update(range(start_i, nxt))
        i = nxt
    return periods, used


def _opening(lead: Item) -> str | None:
    """The comparison a word opens a period with ("before", "since", "between", "from"), or None."""
    if not (lead.has("date_cmp") or (lead.has("cmp") and lead.arg("cmp") == "between")):
        return None
    if lead.has("date_cmp") and lead.has("cmp") and lead.arg("cmp") == "between":
        return "between"                           # "from 1994 to 1996" (or "from 1994" alone)
    return lead.arg("date_cmp") if lead.has("date_cmp") and not lead.cue("cmp") else "between"


def _second_point(items: list[Item], op: str | None, start: date, end: date, nxt: int,
                  raw: list[str] | None) -> tuple[str | None, date, date, int, str | None]:
    """After a period opened by nothing or "between": its second end ("1994 to 1996", "between 1994 and 1996",
    "1994-1996"; without "between", "1996 and 1997" is a pair) or an open end ("2014 or after").
    Returns (op, start, end, next index, each)."""
    each = None
    j = nxt
    paired = _paired_at(items, nxt, raw) if op is None else None
    if paired is not None or j < len(items) and (items[j].has("and", "date_cmp") or items[j].text.lower() in ("to", "-")):
        at = paired if paired is not None else j + 1
        second = _point(items, at) if at < len(items) else None
        if second is not None:
            each = _pair_grain(start, end, second[0], second[1]) if paired else None
            start, end = (min(start, second[0]), max(end, second[1])) if paired else (start, second[1])
            nxt = second[2]
            op = "range"
    if op == "between":
        op = None                                  # "orders from 1995" alone: those of 1995
    either = _point(items, nxt + 1) if op is None and nxt + 1 < len(items) and items[nxt].has("or") else None
    if either is not None and _pair_grain(start, end, either[0], either[1]) == "year":
        end, nxt = either[1], either[2]            # "in 2014 or 2015": either year, the two of them
    if op is None and nxt < len(items) and items[nxt].text.lower() in word_list("open_after"):
        op, nxt = ">=", nxt + 1                    # "from 1995 onwards"
    elif op is None and nxt > 0 and raw and (k := items[nxt - 1].end) == len(raw) - 1 \
            and raw[k].strip(",.;?!").lower() in word_list("open_after_last"):
        op = ">="                                  # "only from 1995 on", said last (a stop word: from the words)
        nxt += nxt < len(items) and items[nxt].text.lower() in word_list("open_after_last")
    after = items[nxt + 1] if op is None and nxt + 1 < len(items) and items[nxt].has("or") else None
    if after is not None and after.has("date_cmp") and after.arg("date_cmp") in (">", "<"):
        op = ">=" if after.arg("date_cmp") == ">" else "<="   # "2014 or after"
        nxt += 2
    return op, start, end, nxt, each


def _paired_at(items: list[Item], nxt: int, raw: list[str] | None) -> int | None:
    """Where the second of two periods side by side starts ("1996 vs 1997", "1996 compared with 1997")."""
    if raw is None:
        return nxt + 1 if nxt < len(items) and items[nxt].text.lower() in _PAIRS else None
    end = items[nxt - 1].end
    pairs = _PAIRS | (_COMPARED if _COMPARING & set(raw) else frozenset())    # "compare revenue in 1997 with 1996"
    for k in range(nxt, nxt + 3):                  # "1995 next to 1996": the words between may be items
        if k < len(items) and " ".join(w for w in raw[end:items[k].start] if w) in pairs \
                and _point(items, k) is not None:
            return k
    return None


def _bounded(op: str | None, start: date, end: date, whole: Period) -> Period | None:
    """The period a comparison leaves of [start, end): all of it, or what lies after or before it."""
    if op in (None, "range"):
        return whole
    if op == ">":
        return Period(end, None, whole.text, whole.span)
    if op == ">=":
        return Period(start, None, whole.text, whole.span)
    if op == "<":
        return Period(None, start, whole.text, whole.span)
    if op == "<=":
        return Period(None, end, whole.text, whole.span)
    return None


def _unanchored_range(items: list[Item], i: int) -> tuple[date, date, int] | None:
    """'March to June 1996', 'between Q1 and Q3 1995': the first month or quarter takes the year of
    the second; a range that would run backwards is not read."""
    first = items[i]
    unit: CueKind | None = "month" if first.cue("month") else "quarter" if first.cue("quarter") else None
    if unit is None or i + 3 >= len(items) or not is_year(items[i + 3]):
        return None
    link = items[i + 1]
    if not (link.has("and") or link.has("date_cmp") or link.text.lower() in ("to", "-")):
        return None
    if not items[i + 2].cue(unit):
        return None
    second = _point(items, i + 2)
    if second is None:
        return None
    arg = int(first.arg(unit))
    start = date(second[0].year, arg if unit == "month" else 3 * arg - 2, 1)
    if start >= second[0]:
        return None
    return start, second[1], second[2]


def _compared_number(items: list[Item], i: int) -> bool:
    """'between 1000 and 2000', 'above 1999': a number in a comparison is not a year."""
    prev = items[i - 1] if i > 0 else None
    if prev is None or items[i].kind != "number":
        return False
    if prev.has("cmp") and not prev.has("date_cmp") and prev.arg("cmp") != "between":
        return True
    before = items[i - 2] if i > 1 else None
    return prev.has("and") and before is not None and before.kind == "number" and not is_year(before)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def describe_period(p: Period) -> str:
    if p.start and p.end:
        if p.start.month == 1 and p.start.day == 1 and p.end.month == 1 and p.end.day == 1:
            if p.end.year - p.start.year == 1:
                return f"in {p.start.year}"
            return f"from {p.start.year} to {p.end.year - 1}"
        return f"from {p.start.isoformat()} to before {p.end.isoformat()}"
    if p.start:
        return f"on or after {p.start.isoformat()}"
    return f"before {p.end.isoformat() if p.end else ''}"

