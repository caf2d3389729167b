"""The result in one sentence, from the rows and the reading of the SQL (``reading.read_result``).

"Middle East had the highest revenue in 1996: $139.5M, 4.0% above Europe." Every number in the
sentence is a cell of the result (formatted), a count of its rows, or a difference of two of its cells;
tests/test_sentence.py checks that on every golden question of the demo.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Sequence

from nl2sql.present.formats import format_value, is_number
from nl2sql.present.formats import plural as plural  # re-exported (moved to formats beside humanize)
from nl2sql.present.reading import ColumnInfo, ResultReading, display_text


def result_sentence(reading: ResultReading, rows: Sequence[Sequence[Any]], *, truncated: bool = False) -> str:
    """One sentence saying what the rows show.

    >>> from nl2sql.present.reading import ColumnInfo, ResultReading
    >>> r = ResultReading((ColumnInfo("region", "region", "text", "dimension"),
    ...                    ColumnInfo("revenue", "revenue", "currency", "measure")), order_by="revenue", descending=True)
    >>> result_sentence(r, [("MIDDLE EAST", 139_512_345.6), ("EUROPE", 134_100_000.0)])
    'Middle East had the highest revenue: $139.5M, 4.0% above Europe.'
    """
    columns = reading.columns
    index = {c.name: i for i, c in enumerate(columns)}
    measures = reading.of_role("measure")
    times = reading.of_role("time")
    dims = reading.of_role("dimension")
    q = reading.qualifier
    if not rows:
        return f"No results{q}."
    if not measures:
        noun = reading.subject if reading.subject and len(rows) != 1 else ("row" if len(rows) == 1 else "rows")
        return f"{_count(len(rows), truncated)} {noun}{q}."
    if len(rows) == 1 and not dims and not times:
        parts = [f"{_cap(m.label) if i == 0 else m.label}{q if i == 0 else ''}: {_v(rows[0][index[m.name]], m)}"
                 for i, m in enumerate(measures)]
        return "; ".join(parts) + "."
    measure = _ranked_measure(reading, measures)
    at = index[measure.name]
    if times and len(times) == 1 and len(dims) <= 1:
        return _trend(reading, rows, times[0], measure, dims, index, truncated)
    keys = dims or times
    if not keys:
        return f"{_count(len(rows), truncated)} rows{q}."

    def label(row: Sequence[Any]) -> str:
        return " / ".join(_text(row[index[k.name]], k) for k in keys)

    numeric = [r for r in rows if is_number(r[at])]
    if not numeric:
        return f"{_count(len(rows), truncated)} rows{q}."
    ranked = reading.order_by == measure.name
    if ranked:
        first = numeric[0]
        word = "highest" if reading.descending else "lowest"
        text = f"{label(first)} had the {word} {measure.label}{q}: {_v(first[at], measure)}"
        tied = [r for r in numeric if float(r[at]) == float(first[at])]
        if len(tied) > 1:
            shown = tied if len(tied) <= 4 else tied[:3]
            names = [label(r) for r in shown] + ([f"{_words(len(tied) - 3)} others"] if len(tied) > 4 else [])
            text = (f"{', '.join(names[:-1])} and {names[-1]} tie for the {word} {measure.label}{q}: "
                    f"{_v(first[at], measure)}")
        elif len(numeric) > 1:
            text += _difference(first[at], numeric[1][at], label(numeric[1]))
        return text + (_shown(len(rows), keys[0], truncated) if len(rows) > 2 else "") + "."
    top = max(numeric, key=lambda r: float(r[at]))
    low = min(numeric, key=lambda r: float(r[at]))
    if len(numeric) > 1 and float(top[at]) == float(low[at]):
        return (f"{_cap(measure.label)} by {' and '.join(k.label for k in keys)}{q}: "
                f"{_v(top[at], measure)} for each of the {_count(len(rows), truncated)}.")
    text = f"{_cap(measure.label)} by {' and '.join(k.label for k in keys)}{q}: highest {label(top)} ({_v(top[at], measure)})"
    if len(numeric) > 1:
        text += f", lowest {label(low)} ({_v(low[at], measure)})"
    return text + _shown(len(rows), keys[0], truncated) + "."


def _trend(reading: ResultReading, rows: Sequence[Sequence[Any]], time: ColumnInfo, measure: ColumnInfo,
           dims: tuple[ColumnInfo, ...], index: dict[str, int], truncated: bool) -> str:
    t, m = index[time.name], index[measure.name]
    points = sorted((r for r in rows if r[t] is not None and is_number(r[m])), key=lambda r: r[t])
    if not points:
        return f"{_count(len(rows), truncated)} rows{reading.qualifier}."
    top = max(points, key=lambda r: float(r[m]))
    head = f"{_cap(measure.label)} by {time.unit if time.unit != 'timestamp' else 'date'}"
    if dims:
        d = index[dims[0].name]
        return (f"{head} and {dims[0].label}{reading.qualifier}: highest {_text(top[d], dims[0])} in "
                f"{_v(top[t], time)} ({_v(top[m], measure)}).")
    if len(points) == 1:
        return f"{head}{reading.qualifier}: {_v(points[0][m], measure)} in {_v(points[0][t], time)}."
    first, last = points[0], points[-1]
    return (f"{head}{reading.qualifier}: {_v(first[m], measure)} in {_v(first[t], time)}, "
            f"{_v(last[m], measure)} in {_v(last[t], time)}; highest in {_v(top[t], time)} ({_v(top[m], measure)}).")


def _ranked_measure(reading: ResultReading, measures: tuple[ColumnInfo, ...]) -> ColumnInfo:
    return next((m for m in measures if m.name == reading.order_by), measures[0])


def _difference(a: Any, b: Any, other: str) -> str:
    x, y = float(a), float(b)
    if y == 0:
        return f", ahead of {other}"
    pct = abs(x - y) / abs(y) * 100
    direction = "above" if x > y else "below"
    return f", just {direction} {other}" if pct < 0.05 else f", {pct:.1f}% {direction} {other}"


def _shown(n: int, key: ColumnInfo, truncated: bool) -> str:
    return f" ({_count(n, truncated)} {plural(key.label)} shown)"


def _words(n: int) -> str:
    """Small counts that are not figures of the result, in words (the sentence's figures are the rows')."""
    return ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")[n] if n < 10 else f"{n:,}"


def _count(n: int, truncated: bool) -> str:
    return f"{'the first ' if truncated else ''}{n:,}"


def _v(value: Any, column: ColumnInfo) -> str:
    return format_value(value, column.unit, compact=True)


def _text(value: Any, column: ColumnInfo) -> str:
    if isinstance(value, str):
        return display_text(value)
    if column.role == "dimension" and isinstance(value, int) and column.unit not in ("quarter_of_year", "month_of_year"):
        return str(value)                              # keys and codes: no thousands separator
    return format_value(value, column.unit)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
