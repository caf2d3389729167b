"""How to show each value: a unit per column (currency, percent, count, number, a date grain, text).

The unit comes from the overlay first (``format:`` on a metric or a column), then from the SQL that
computed the column (``COUNT`` is a count, ``DATE_TRUNC('month', …)`` a month, ``YEAR(…)`` a year),
then from the words of the column's name and comment (price, cost, revenue → currency; discount, rate,
share → percent when the values are fractions).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
import re
from typing import Any, Literal, TypeGuard

Unit = Literal["currency", "percent", "count", "number", "year", "quarter", "month", "week", "day",
               "timestamp", "text", "quarter_of_year", "month_of_year"]
UNITS: tuple[str, ...] = ("currency", "percent", "count", "number", "year", "quarter", "month", "week", "day",
                          "timestamp", "text")
# Parts of a date that repeat every year (QUARTER(d) = 1..4, MONTH(d) = 1..12): categories, not a timeline.
DATE_PARTS = ("quarter_of_year", "month_of_year")
TIME_UNITS = ("year", "quarter", "month", "week", "day", "timestamp")
NUMERIC_UNITS = ("currency", "percent", "count", "number")
CURRENCY_SYMBOL = "$"

# Words in a column's name or comment that mean money, or a fraction (checked against the values).
_MONEY = re.compile(r"(?i)(price|cost|revenue|sales|amount|value|balance|profit|spend|income|margin|"
                    r"salary|budget|fee|payment|total_?price|acctbal)")
_FRACTION = re.compile(r"(?i)(discount|tax|rate|share|ratio|fraction|pct|percent)")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_unit(text: object, among: tuple[str, ...] = UNITS) -> TypeGuard[Unit]:
    """Whether an overlay's ``format:`` (free text in YAML) names one of the units ``among``.

    >>> is_unit("currency", NUMERIC_UNITS), is_unit("month", NUMERIC_UNITS), is_unit(None)
    (True, False, False)
    """
    return text in among


def infer_unit(name: str, comment: str | None, values: list[Any]) -> Unit:
    """A unit from a column's words and values, when nothing declares one.

    >>> infer_unit("o_totalprice", None, [1.5]), infer_unit("l_discount", None, [0.05])
    ('currency', 'percent')
    >>> infer_unit("l_quantity", None, [3]), infer_unit("o_orderdate", None, [dt.date(1996, 1, 2)])
    ('number', 'day')
    """
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, dt.datetime) for v in present):
        return "day" if all(v.time() == dt.time() for v in present) else "timestamp"
    if present and all(isinstance(v, dt.date) for v in present):
        return "day"
    if not present or not all(is_number(v) for v in present):
        return "text"
    words = f"{name} {comment or ''}"
    if _FRACTION.search(words) and all(abs(float(v)) <= 1.0 for v in present):
        return "percent"
    if _MONEY.search(words):
        return "currency"
    return "number"


def is_number(v: Any) -> bool:
    """Ints, finite floats and decimals (numpy's too); never booleans."""
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, decimal.Decimal)):
        return False
    return bool(v.is_finite()) if isinstance(v, decimal.Decimal) else math.isfinite(float(v))


def format_value(value: Any, unit: str, *, compact: bool = False) -> str:
    """One value as a business user reads it; ``compact`` shortens large money ($139.5M).

    >>> format_value(decimal.Decimal("139512345.67"), "currency", compact=True)
    '$139.5M'
    >>> format_value(435569675.0059, "currency"), format_value(0.6331, "percent"), format_value(2345, "count")
    ('$435,569,675.01', '63.3%', '2,345')
    >>> format_value(dt.datetime(1996, 3, 1), "month"), format_value(1996, "year"), format_value(None, "number")
    ('Mar 1996', '1996', '—')
    >>> format_value(dt.datetime(1996, 4, 1), "quarter"), format_value(dt.datetime(1996, 4, 1, 0, 0), "day")
    ('Q2 1996', '1996-04-01')
    >>> format_value(3, "quarter_of_year"), format_value(12, "month_of_year")
    ('Q3', 'Dec')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit in TIME_UNITS:
        return _format_time(value, unit)
    if unit in DATE_PARTS and is_number(value) and 1 <= int(value) <= (4 if unit == "quarter_of_year" else 12):
        return f"Q{int(value)}" if unit == "quarter_of_year" else _MONTHS[int(value) - 1]
    if not is_number(value):
        return str(value)
    x = float(value)
    if unit == "currency":
        sign = "-" if x < 0 else ""
        return f"{sign}{CURRENCY_SYMBOL}{_compact(abs(x)) if compact else f'{abs(x):,.2f}'}"
    if unit == "percent":                      # small shares keep two decimals: 5.03% vs 4.97%
        return f"{x * 100:,.1f}%" if abs(x) >= 0.1 else f"{x * 100:.2f}%"
    if unit == "count":
        return f"{round(x):,}"
    if compact and abs(x) >= 1_000_000:
        return _compact(x)
    if x.is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}" if abs(x) >= 1 else f"{x:.3g}"


def _compact(x: float) -> str:
    """1.2B, 139.5M, 45.2K, 999.50: one decimal above a thousand."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= size:
            return f"{x / size:,.1f}{suffix}"
    return f"{x:,.2f}"


def _format_time(value: Any, unit: str) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if unit == "year" and is_number(value):
        return str(int(value))
    if not isinstance(value, dt.date):
        return str(value)
    if unit == "year":
        return str(value.year)
    if unit == "quarter":
        return f"Q{(value.month - 1) // 3 + 1} {value.year}"
    if unit == "month":
        return f"{_MONTHS[value.month - 1]} {value.year}"
    if unit == "week":
        return f"week of {value.strftime('%Y-%m-%d')}"
    if unit == "timestamp" and isinstance(value, dt.datetime) and value.time() != dt.time():
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def humanize(name: str) -> str:
    """A column name in words: ``number_of_orders`` → "number of orders", ``c_name`` → "name".

    >>> humanize("number_of_orders"), humanize("c_name"), humanize("totalRevenue")
    ('number of orders', 'name', 'total revenue')
    """
    name = re.sub(r"^[a-z]{1,2}_(?=[a-z])", "", name)       # TPC-H style table prefixes: c_name, ps_availqty
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return re.sub(r"[_\s]+", " ", name).strip().lower()


def plural(noun: str) -> str:
    """English plural of the last word of a label.

    >>> plural("region"), plural("country"), plural("ship mode"), plural("box"), plural("day")
    ('regions', 'countries', 'ship modes', 'boxes', 'days')
    """
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"
