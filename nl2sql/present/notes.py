"""Notes a business user needs beside a result: ties cut by a limit, partial first/last periods, why a
result is empty, and a reached row cap.

Some need one more look at the data (the row after the limit, the date range of the data, counts without
each filter). Those go through ``probe``: a callable that runs a read-only query through the same guard
and warehouse as the answer (the app passes one); every probe query is built on the syntax tree.
At most ``MAX_PROBES`` queries per answer keep the cost bounded.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from collections.abc import Callable, Sequence

import sqlglot
from sqlglot import exp

from nl2sql.present.formats import Unit, format_value, is_number
from nl2sql.present.reading import ResultReading, display_text

log = logging.getLogger(__name__)
Probe = Callable[[str], Sequence[Sequence[Any]]]
MAX_PROBES = 6


def result_notes(reading: ResultReading, rows: Sequence[Sequence[Any]], *, truncated: bool, max_rows: int | None) -> tuple[str, ...]:
    """Notes read from the rows alone.

    >>> from nl2sql.present.reading import ResultReading
    >>> result_notes(ResultReading(()), [(1,)] * 3, truncated=True, max_rows=3)
    ('Only the first 3 rows are shown: the row cap was reached (setting NL2SQL_MAX_ROWS).',)
    """
    if truncated:
        return (f"Only the first {len(rows):,} rows are shown: the row cap was reached (setting NL2SQL_MAX_ROWS).",)
    return ()


def data_notes(reading: ResultReading, sql: str, dialect: str, rows: Sequence[Sequence[Any]], probe: Probe) -> tuple[str, ...]:
    """Notes that need a look at the data: ties past the limit, partial periods, what emptied a result."""
    notes: list[str] = []
    for rule in (_tie_at_limit, _partial_periods, _empty_because):
        try:
            notes.extend(rule(reading, sql, dialect, rows, probe))
        except Exception:                          # a note is a courtesy: never fail the answer for it
            log.exception("could not compute a note")
    return tuple(n[:1].upper() + n[1:] for n in notes)


def _tie_at_limit(reading: ResultReading, sql: str, dialect: str, rows: Sequence[Sequence[Any]], probe: Probe) -> list[str]:
    if not reading.limit or len(rows) != reading.limit or reading.order_by is None:
        return []
    names = [c.name for c in reading.columns]
    at = names.index(reading.order_by)
    tree = sqlglot.parse_one(sql, read=dialect)
    if not isinstance(tree, exp.Query):             # a result without a query shape has no "next rows"
        return []
    more = probe(tree.limit(reading.limit + 5).sql(dialect=dialect))
    last = rows[-1][at]
    tied = [r for r in more[len(rows):] if r[at] == last]
    if not tied:
        return []
    col = reading.columns[at]
    keys = [i for i, c in enumerate(reading.columns) if c.role == "dimension"]
    who = ", ".join(" / ".join(_show(r[i]) for i in keys) for r in tied) if keys else f"{len(tied)} more rows"
    value = format_value(last, col.unit, compact=True)
    return [f"Tie at the cut-off: {who} {'has' if len(tied) == 1 else 'have'} the same {col.label} ({value}) as the "
            f"last row shown; ask for a longer list to see {'it' if len(tied) == 1 else 'them'}."]


def _partial_periods(reading: ResultReading, sql: str, dialect: str, rows: Sequence[Sequence[Any]], probe: Probe) -> list[str]:
    times = [c for c in reading.columns if c.role == "time" and c.unit in ("year", "quarter", "month", "week")
             and c.source is not None]
    if len(times) != 1 or len(rows) < 2:
        return []
    time = times[0]
    if time.source is None:
        return []
    table, column = time.source
    bounds = probe(exp.select(exp.func("MIN", exp.column(column)), exp.func("MAX", exp.column(column)))
                   .from_(table).sql(dialect=dialect))
    low, high = (_as_date(v) for v in bounds[0]) if bounds else (None, None)
    period = reading.period
    if period is not None and period.source == time.source:    # the question's own window bounds it too
        if period.start and low:
            low = max(low, period.start)
        if period.end and high:
            high = min(high, period.end - dt.timedelta(days=1))
    at = [c.name for c in reading.columns].index(time.name)
    periods = sorted({d for r in rows if r[at] is not None and (d := _start(r[at], time.unit)) is not None})
    if not periods or low is None or high is None:
        return []
    notes = []
    first, last = periods[0], periods[-1]
    if _end(last, time.unit) - dt.timedelta(days=1) > high:
        notes.append(f"{format_value(last, time.unit)} is incomplete: the data {_ends(reading, high)} on "
                     f"{high.isoformat()}, so it is not comparable with full {time.unit}s.")
    if first < low and first != last:
        notes.append(f"{format_value(first, time.unit)} is incomplete: the data {_starts(reading, low)} on "
                     f"{low.isoformat()}.")
    return notes


def _nothing(reading: ResultReading, rows: Sequence[Sequence[Any]]) -> bool:
    """No rows, or one row of totals that are all zero or null (COUNT over nothing is 0, SUM is null)."""
    if not rows:
        return True
    measures = [i for i, c in enumerate(reading.columns) if c.role == "measure"]
    return (len(rows) == 1 and len(measures) == len(reading.columns)
            and all(rows[0][i] is None or (is_number(rows[0][i]) and float(rows[0][i]) == 0) for i in measures))


def _ends(reading: ResultReading, high: dt.date) -> str:
    window = reading.period
    return "asked for ends" if window and window.end and high == window.end - dt.timedelta(days=1) else "ends"


def _starts(reading: ResultReading, low: dt.date) -> str:
    window = reading.period
    return "asked for starts" if window and window.start == low else "starts"


def _empty_because(reading: ResultReading, sql: str, dialect: str, rows: Sequence[Sequence[Any]], probe: Probe) -> list[str]:
    if not reading.conditions or not _nothing(reading, rows):
        return []
    tree = sqlglot.parse_one(sql, read=dialect)
    where = tree.args.get("where")
    if where is None or not isinstance(tree, exp.Select):     # only a SELECT's WHERE can be relaxed
        return []
    totals = bool(rows)                              # one row of zero totals, not an empty list
    notes = []
    for i, condition in enumerate(reading.conditions[:MAX_PROBES - 1]):
        others = [c.sql for j, c in enumerate(reading.conditions) if j != i and c.sql]
        relaxed = tree.copy()
        relaxed.set("where", None)
        if others:
            relaxed = relaxed.where(" AND ".join(f"({o})" for o in others), dialect=dialect)
        what = condition.phrase or (reading.period.phrase if reading.period else "the period")
        if what == "another condition":
            what = condition.sql
        if totals:
            again = probe(relaxed.sql(dialect=dialect))
            if again and not _nothing(reading, again):
                first = reading.columns[0]
                notes.append(f"Nothing matches all the conditions; without “{what}” the {first.label} would be "
                             f"{format_value(again[0][0], first.unit, compact=True)}.")
            continue
        relaxed.set("limit", None)
        relaxed.set("order", None)
        count_sql = exp.select("COUNT(*)").from_(relaxed.subquery("relaxed")).sql(dialect=dialect)
        n = probe(count_sql)[0][0]
        if n:
            notes.append(f"No rows match all the conditions; without “{what}” there would be {int(n):,}.")
    return notes or ["Nothing matches, even without any one of the conditions; the data may not hold what was asked."]


def _show(value: Any) -> str:
    return display_text(value) if isinstance(value, str) else str(value)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _start(value: Any, unit: Unit) -> dt.date | None:
    if unit == "year" and is_number(value):
        return dt.date(int(value), 1, 1)
    return _as_date(value) if not isinstance(value, str) else _as_date(dt.datetime.fromisoformat(value))


def _end(start: dt.date, unit: Unit) -> dt.date:
    """The first day after the period that begins at ``start``."""
    if unit == "year":
        return dt.date(start.year + 1, 1, 1)
    if unit == "week":
        return start + dt.timedelta(days=7)
    months = 3 if unit == "quarter" else 1
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)
