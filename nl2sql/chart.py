"""Choose a chart from a result's shape: a pure function from columns and rows to a Vega-Lite v5 spec.

The spec carries its data inline (``data.values``), so a dashboard renders it with any Vega-Lite
renderer (vega-embed, Altair's ``alt.Chart.from_dict``, Streamlit's ``st.vega_lite_chart``) and no
Streamlit. Every spec is plain Vega-Lite; ``spec["usermeta"]["nl2sql"]`` says which shape was found:

- ``kind``: ``"metric"`` (one number), ``"line"`` (a time column and a measure, optionally one
  category as series), ``"bar"`` (a category and a measure), ``"grouped_bar"`` or ``"heatmap"``
  (two categories and a measure);
- ``x``, ``y``, ``color`` (the column names used); for ``"metric"`` also ``label`` and ``value``,
  so a UI can show a metric card instead of drawing the text mark.

Any other shape (no rows, several measures, no measure, too many categories, repeated keys) gets
``None``: the table alone says it best.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
import re
from typing import Any
from collections.abc import Sequence

from nl2sql.ports import _unique

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
MAX_BARS = 60                 # more categories than this make an unreadable bar chart
MAX_SERIES = 12               # colours a legend can still tell apart
MAX_GROUPED = 8               # bars per group before a heat map reads better
MAX_HEATMAP_CELLS = 2_500

# Names of integer columns that hold identifiers, not quantities: c_custkey, order_id, id, customerId.
_IDENTIFIER_NAME = re.compile(r"(?i:(^|_)(id|key|code)$|key$)|[a-z](Id|ID)$")
# Names of integer columns that hold calendar years: year, order_year, o_year, yr.
_YEAR_NAME = re.compile(r"(^|_)(year|yr)$|^year", re.IGNORECASE)
# ISO dates and months as text: 1996-01-02, 1996-01, 1996-01-02 10:00:00, 1996-01-02T10:00.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?)?$")


def choose_chart(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None
) -> dict[str, Any] | None:
    """Return a Vega-Lite v5 spec suited to the result's shape, or ``None`` for the table alone.

    >>> choose_chart(["revenue"], [(123.5,)])["usermeta"]["nl2sql"]["kind"]
    'metric'
    >>> choose_chart(["region", "revenue"], [("ASIA", 1.0), ("EUROPE", 2.0)])["mark"]["type"]
    'bar'
    >>> choose_chart(["name", "phone"], [("a", "1"), ("b", "2")]) is None
    True
    """
    if not columns or not rows:
        return None
    names = _unique(columns)
    data = [{n: _json_value(v) for n, v in zip(names, row)} for row in rows]
    roles = {n: _role(n, [row[i] for row in rows]) for i, n in enumerate(names)}
    measures = [n for n in names if roles[n] == "measure"]
    times = [n for n in names if roles[n] in ("temporal", "year")]
    categories = [n for n in names if roles[n] == "category"]

    if len(names) == 1 and len(rows) == 1 and roles[names[0]] in ("measure", "year"):
        return _metric(names[0], data[0][names[0]], title)
    if len(measures) != 1 or len(measures) + len(times) + len(categories) != len(names):
        return None
    y = measures[0]
    if len(times) == 1 and len(categories) <= 1:
        return _line(data, times[0], roles[times[0]], y, categories[0] if categories else None, title)
    if times:
        return None
    if len(categories) == 1:
        return _bar(data, categories[0], y, title)
    if len(categories) == 2:
        named = _named_beside_key(data, categories)
        if named is not None:                # bars only if the names are distinct, else the table alone
            return _bar(data, named, y, title)
        return _two_categories(data, categories[0], categories[1], y, title)
    return None


def _named_beside_key(data: list[dict[str, Any]], categories: list[str]) -> str | None:
    """The name of two categories that are a row's key and its name (a query that shows the key beside a name that
    repeats, as a model's or a verified query may): one category, the name; None for two categories of their own.

    >>> rows = [{"cust_id": 1, "customer": "Ann"}, {"cust_id": 2, "customer": "Ann"}]
    >>> _named_beside_key(rows, ["cust_id", "customer"]), _named_beside_key(rows, ["customer", "city"])
    ('customer', None)
    """
    keys = [c for c in categories if _IDENTIFIER_NAME.search(c) and len({row[c] for row in data}) == len(data)]
    if len(keys) != 1:
        return None
    return next(c for c in categories if c != keys[0])


def _metric(name: str, value: Any, title: str | None) -> dict[str, Any]:
    spec = _base(title or name, [{name: value}], "metric", y=name)
    spec["usermeta"]["nl2sql"].update(label=name, value=value)
    spec["mark"] = {"type": "text", "fontSize": 48, "fontWeight": "bold"}
    spec["encoding"] = {"text": {"field": _field(name), "type": "quantitative", "format": ",.2~f"}}
    return spec


def _line(
    data: list[dict[str, Any]], x: str, role: str, y: str, series: str | None, title: str | None
) -> dict[str, Any] | None:
    keys = [(row[x], row[series] if series else None) for row in data]
    if len(set(keys)) != len(keys):
        return None                     # repeated points: not one line per series
    if series and len({row[series] for row in data}) > MAX_SERIES:
        return None
    spec = _base(title, data, "line", x=x, y=y, color=series)
    spec["mark"] = {"type": "line", "point": True}
    x_type = "temporal" if role == "temporal" else "ordinal"
    spec["encoding"] = {
        "x": {"field": _field(x), "type": x_type, "title": x, "sort": "ascending"},
        "y": {"field": _field(y), "type": "quantitative", "title": y},
        "tooltip": _tooltip(x, y, series, x_type=x_type),
    }
    if series:
        spec["encoding"]["color"] = {"field": _field(series), "type": "nominal", "title": series}
    return spec


def _bar(data: list[dict[str, Any]], x: str, y: str, title: str | None) -> dict[str, Any] | None:
    keys = [row[x] for row in data]
    if len(set(keys)) != len(keys) or len(keys) > MAX_BARS:
        return None
    spec = _base(title, data, "bar", x=x, y=y)
    spec["mark"] = {"type": "bar"}
    # Keep the result's own order (it is usually ORDER BY something meaningful).
    spec["encoding"] = {
        "x": {"field": _field(x), "type": "nominal", "title": x, "sort": None},
        "y": {"field": _field(y), "type": "quantitative", "title": y},
        "tooltip": _tooltip(x, y, None),
    }
    return spec


def _two_categories(
    data: list[dict[str, Any]], a: str, b: str, y: str, title: str | None
) -> dict[str, Any] | None:
    keys = [(row[a], row[b]) for row in data]
    if len(set(keys)) != len(keys):
        return None
    na, nb = len({k[0] for k in keys}), len({k[1] for k in keys})
    if na < nb:                          # the category with more values goes on the x axis
        a, b, na, nb = b, a, nb, na
    if nb <= MAX_GROUPED and na * nb <= MAX_BARS * 2:
        spec = _base(title, data, "grouped_bar", x=a, y=y, color=b)
        spec["mark"] = {"type": "bar"}
        spec["encoding"] = {
            "x": {"field": _field(a), "type": "nominal", "title": a, "sort": None},
            "xOffset": {"field": _field(b), "type": "nominal"},
            "y": {"field": _field(y), "type": "quantitative", "title": y},
            "color": {"field": _field(b), "type": "nominal", "title": b},
            "tooltip": _tooltip(a, y, b),
        }
        return spec
    if na * nb > MAX_HEATMAP_CELLS:
        return None
    spec = _base(title, data, "heatmap", x=a, y=b, color=y)
    spec["mark"] = {"type": "rect"}
    spec["encoding"] = {
        "x": {"field": _field(a), "type": "nominal", "title": a},
        "y": {"field": _field(b), "type": "nominal", "title": b},
        "color": {"field": _field(y), "type": "quantitative", "title": y},
        "tooltip": _tooltip(a, y, b),
    }
    return spec


def _base(title: str | None, data: list[dict[str, Any]], kind: str, **roles: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"$schema": SCHEMA}
    if title:
        spec["title"] = title
    spec["data"] = {"values": data}
    spec["width"] = "container"
    spec["usermeta"] = {"nl2sql": {"kind": kind, **{k: v for k, v in roles.items() if v}}}
    return spec


def _tooltip(x: str, y: str, other: str | None, *, x_type: str = "nominal") -> list[dict[str, Any]]:
    tips = [{"field": _field(x), "type": x_type}]
    if other:
        tips.append({"field": _field(other), "type": "nominal"})
    tips.append({"field": _field(y), "type": "quantitative", "format": ",.2~f"})
    return tips


def _field(name: str) -> str:
    """Vega-Lite reads ``.`` and ``[]`` in a field as nested access; escape them to mean the column."""
    return re.sub(r"([.\[\]\\])", r"\\\1", name)


def _role(name: str, values: list[Any]) -> str:
    """Classify one column: ``measure``, ``temporal``, ``year``, ``category`` or ``empty``."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not present:
        return "empty"
    if all(isinstance(v, (dt.date, dt.datetime)) for v in present):
        return "temporal"
    if all(isinstance(v, str) and _ISO_DATE.match(v) for v in present):
        return "temporal"
    if all(_is_number(v) for v in present):
        integral = all(float(v).is_integer() for v in present)
        if integral and _YEAR_NAME.search(name) and all(1000 <= v <= 2999 for v in present):
            return "year"
        if integral and _IDENTIFIER_NAME.search(name):
            return "category"
        return "measure"
    return "category"


def _is_number(v: Any) -> bool:
    """Ints, finite floats and decimals, including numpy's; never booleans."""
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, decimal.Decimal)):
        return False
    return bool(v.is_finite()) if isinstance(v, decimal.Decimal) else math.isfinite(float(v))


def _json_value(v: Any) -> Any:
    """Make a cell JSON-ready: decimals as floats, dates as ISO text, NaN as null."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, decimal.Decimal):
        return float(v) if v.is_finite() else None
    if isinstance(v, numbers.Integral):                 # numpy integers
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    return str(v)


# d3-format per unit, for axes and tooltips (the table and the sentence use nl2sql.present.formats).
AXIS_FORMATS = {"currency": "$,.3~s", "percent": ".1%", "count": ",d", "number": ",.3~s"}
TOOLTIP_FORMATS = {"currency": "$,.2f", "percent": ".2%", "count": ",d", "number": ",.2~f"}


def retitle(spec: dict[str, Any] | None, labels: dict[str, str],
            units: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The same chart with axis, legend and card titles in business words (``labels``: column → words),
    and quantitative axes formatted by unit (``units``: column → currency, percent, count, number).

    >>> spec = choose_chart(["r_name", "revenue"], [("ASIA", 1.0), ("EUROPE", 2.0)])
    >>> retitle(spec, {"r_name": "region"})["encoding"]["x"]["title"]
    'Region'
    """
    if not spec or not labels:
        return spec
    words = {name: label[:1].upper() + label[1:] for name, label in labels.items() if label}
    out = dict(spec)
    encoding = {k: dict(v) if isinstance(v, dict) else v for k, v in spec.get("encoding", {}).items()}
    for channel in encoding.values():
        if isinstance(channel, dict) and "title" in channel:
            field = channel.get("field", "").replace("\\", "")
            channel["title"] = words.get(field, channel["title"])
            unit = (units or {}).get(field)
            if channel.get("type") == "quantitative" and unit in AXIS_FORMATS:
                channel["axis"] = {"format": AXIS_FORMATS[unit]}
    for tip in encoding.get("tooltip", []) if isinstance(encoding.get("tooltip"), list) else []:
        unit = (units or {}).get(str(tip.get("field", "")).replace("\\", ""))
        if tip.get("type") == "quantitative" and unit in TOOLTIP_FORMATS:
            tip["format"] = TOOLTIP_FORMATS[unit]
    out["encoding"] = encoding
    x = encoding.get("x")
    if isinstance(x, dict) and x.get("type") in ("nominal", "ordinal"):
        # Short names read horizontally; only long ones are slanted.
        x["axis"] = {"labelAngle": 0 if _max_label(spec, x.get("field", "")) <= 12 else -40, "labelLimit": 180}
    meta = dict(spec.get("usermeta", {}).get("nl2sql", {}))
    if meta.get("kind") == "metric" and meta.get("label") in words:
        meta["label"] = words[meta["label"]]
        out["usermeta"] = {"nl2sql": meta}
    return out


def _max_label(spec: dict[str, Any], field: str) -> int:
    name = field.replace("\\", "")
    return max((len(str(row.get(name, ""))) for row in spec.get("data", {}).get("values", [])), default=0)
