"""Chart choice on a table of result shapes; every spec must be valid Vega-Lite v5."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from nl2sql.chart import MAX_BARS, choose_chart

D = dt.date
REGIONS = ("AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST")

# (case id, columns, rows, expected kind or None, expected roles {x/y/color})
SHAPES: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]], str | None, dict[str, str]]] = [
    ("one number", ("revenue",), [(Decimal("12345.67"),)], "metric", {"y": "revenue"}),
    ("one count", ("count_star()",), [(42,)], "metric", {"y": "count_star()"}),
    ("one text value", ("name",), [("Customer#1",)], None, {}),
    ("one row two numbers", ("revenue", "orders"), [(1.0, 2)], None, {}),
    ("empty result", ("region", "revenue"), [], None, {}),
    ("date and measure", ("day", "revenue"), [(D(1996, 1, d), float(d)) for d in range(1, 10)], "line",
     {"x": "day", "y": "revenue"}),
    ("timestamp and measure", ("ts", "n"), [(dt.datetime(1996, 1, 1, h), h) for h in range(5)], "line",
     {"x": "ts", "y": "n"}),
    ("iso month text and measure", ("month", "revenue"), [(f"1996-{m:02d}", m * 1.5) for m in range(1, 13)],
     "line", {"x": "month", "y": "revenue"}),
    ("year integer and measure", ("order_year", "revenue"), [(y, y * 2.0) for y in range(1992, 1999)], "line",
     {"x": "order_year", "y": "revenue"}),
    ("year, category, measure", ("year", "region", "revenue"),
     [(y, r, 1.0) for y in range(1992, 1995) for r in REGIONS], "line",
     {"x": "year", "y": "revenue", "color": "region"}),
    ("category and measure", ("region", "revenue"), [(r, i * 10.0) for i, r in enumerate(REGIONS)], "bar",
     {"x": "region", "y": "revenue"}),
    ("category with nulls", ("segment", "n"), [("A", 1), (None, 2)], "bar", {"x": "segment", "y": "n"}),
    ("identifier and measure", ("c_custkey", "revenue"), [(i, i * 3.0) for i in range(1, 11)], "bar",
     {"x": "c_custkey", "y": "revenue"}),
    ("measure named paid is still a measure", ("status", "paid"), [("open", 3), ("closed", 4)], "bar",
     {"x": "status", "y": "paid"}),
    ("too many bars", ("name", "revenue"), [(f"n{i}", float(i)) for i in range(MAX_BARS + 1)], None, {}),
    ("repeated category", ("region", "revenue"), [("ASIA", 1.0), ("ASIA", 2.0)], None, {}),
    ("two categories, few groups", ("region", "shipmode", "revenue"),
     [(r, m, 1.0) for r in REGIONS for m in ("AIR", "MAIL", "SHIP")], "grouped_bar",
     {"x": "region", "y": "revenue", "color": "shipmode"}),
    ("two categories, many values", ("nation", "part_type", "qty"),
     [(f"N{a}", f"T{b}", a * b) for a in range(25) for b in range(20)], "heatmap",
     {"x": "nation", "y": "part_type", "color": "qty"}),
    ("three categories", ("a", "b", "c", "n"), [("x", "y", "z", 1)], None, {}),
    ("no measure", ("name", "phone"), [("a", "1"), ("b", "2")], None, {}),
    ("two measures", ("region", "revenue", "orders"), [("ASIA", 1.0, 2), ("EUROPE", 3.0, 4)], None, {}),
    ("booleans are categories", ("is_late", "n"), [(True, 3), (False, 4)], "bar", {"x": "is_late", "y": "n"}),
    ("all-null column", ("region", "revenue"), [("ASIA", None), ("EUROPE", None)], None, {}),
]


@pytest.mark.parametrize("columns,rows,kind,roles", [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_chart_follows_the_result_shape(
    columns: tuple[str, ...], rows: list[tuple[Any, ...]], kind: str | None, roles: dict[str, str]
) -> None:
    spec = choose_chart(columns, rows)
    if kind is None:
        assert spec is None
        return
    assert spec is not None
    meta = spec["usermeta"]["nl2sql"]
    assert meta["kind"] == kind
    assert {k: meta[k] for k in ("x", "y", "color") if k in meta} == roles
    assert len(spec["data"]["values"]) == len(rows)
    json.dumps(spec)                                     # inline data is JSON-ready
    _assert_valid_vega_lite(spec)


def test_metric_spec_carries_the_value_and_label() -> None:
    spec = choose_chart(["total revenue"], [(Decimal("10.5"),)], title="Revenue")
    assert spec is not None
    assert spec["usermeta"]["nl2sql"] == {"kind": "metric", "y": "total revenue", "label": "total revenue",
                                          "value": 10.5}
    assert spec["title"] == "Revenue"
    assert spec["mark"]["type"] == "text"


def test_values_become_json_and_fields_with_dots_are_escaped() -> None:
    spec = choose_chart(["r.name", "sum(x)"], [("ASIA", Decimal("1.25")), ("EUROPE", float("nan"))])
    assert spec is not None
    assert spec["data"]["values"] == [{"r.name": "ASIA", "sum(x)": 1.25}, {"r.name": "EUROPE", "sum(x)": None}]
    assert spec["encoding"]["x"]["field"] == "r\\.name"
    _assert_valid_vega_lite(spec)


def test_dates_are_iso_text_in_the_data() -> None:
    spec = choose_chart(["d", "n"], [(D(1996, 1, 2), 1), (D(1996, 1, 3), 2)])
    assert spec is not None
    assert [v["d"] for v in spec["data"]["values"]] == ["1996-01-02", "1996-01-03"]
    assert spec["encoding"]["x"]["type"] == "temporal"


def test_duplicate_column_names_stay_distinct() -> None:
    spec = choose_chart(["n", "n"], [("a", 1), ("b", 2)])
    assert spec is not None
    assert spec["usermeta"]["nl2sql"] == {"kind": "bar", "x": "n", "y": "n_2"}


def test_numpy_values_are_numbers() -> None:
    np = pytest.importorskip("numpy")
    spec = choose_chart(["region", "n"], [("ASIA", np.int64(3)), ("EUROPE", np.float64(2.5))])
    assert spec is not None and spec["usermeta"]["nl2sql"]["kind"] == "bar"
    assert spec["data"]["values"][0]["n"] == 3 and type(spec["data"]["values"][0]["n"]) is int


def _assert_valid_vega_lite(spec: dict[str, Any]) -> None:
    alt = pytest.importorskip("altair")                 # ships with streamlit; validates against the v5 schema
    alt.Chart.from_dict(spec, validate=True)
