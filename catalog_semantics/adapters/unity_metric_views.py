"""Unity Catalog metric views: recognised in the catalog, their measures marked, and queried with ``MEASURE()``.

A metric view (``CREATE VIEW … WITH METRICS LANGUAGE YAML AS $$ … $$``, Databricks Runtime 16.4+) is listed
by Unity Catalog with table type ``METRIC_VIEW`` (the Tables API's ``TableType``; ``DESCRIBE TABLE EXTENDED``
says ``Type: METRIC_VIEW`` and gives the YAML as ``View Text``). Its columns are its dimensions and its
measures; a measure must be read through the ``MEASURE(col)`` aggregate (never ``SUM(col)``, never bare), and
the dimensions are grouped by. Which columns are measures is in the YAML (``measures: - name: … expr: …``),
read from ``information_schema.views.view_definition`` (or the DESCRIBE ``View Text``).

Here: ``parse_definition`` reads the YAML; ``mark_metric_view`` tags the measure columns ``measure`` and says
in the table's description how to query it (what the LLM reads); ``metric_view_metrics`` turns each measure
into a model ``Metric`` whose SQL is ``MEASURE(`name`)`` over the view, so the offline planner aggregates it
with ``MEASURE`` too. Verified on recorded metadata only: open-source Spark has no metric views.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

import yaml

from catalog_semantics.model import Metric, Table

if TYPE_CHECKING:
    from catalog_semantics.model import SemanticModel

METRIC_VIEW: Final = "metric_view"             # Table.kind of a metric view
MEASURE_TAG = "measure"


@dataclass(frozen=True)
class Field:
    name: str
    expr: str
    comment: str | None = None


@dataclass(frozen=True)
class MetricViewSpec:
    source: str | None
    dimensions: tuple[Field, ...]
    measures: tuple[Field, ...]
    filter: str | None = None


def is_metric_view(table_type: Any) -> bool:
    """Whether a table type (information_schema, GetTables, DESCRIBE) names a metric view.

    >>> is_metric_view("METRIC_VIEW"), is_metric_view("VIEW"), is_metric_view(None)
    (True, False, False)
    """
    return str(table_type or "").upper().replace(" ", "_") == "METRIC_VIEW"


def parse_definition(text: str | None) -> MetricViewSpec | None:
    """The YAML body of a metric view (``$$`` delimiters tolerated); None when it is not one.

    >>> spec = parse_definition("version: 1.1\\nsource: s.o\\ndimensions:\\n- name: Status\\n  expr: o_status\\n"
    ...                         "measures:\\n- name: Total Revenue\\n  expr: SUM(o_price)\\n  comment: Sum of price")
    >>> [m.name for m in spec.measures], spec.measures[0].comment, [d.name for d in spec.dimensions]
    (['Total Revenue'], 'Sum of price', ['Status'])
    """
    if not text:
        return None
    body = text.strip().removeprefix("$$").removesuffix("$$")
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("measures"), list):
        return None

    def fields(key: str) -> tuple[Field, ...]:
        out = []
        for item in data.get(key) or ():
            if isinstance(item, dict) and item.get("name"):
                out.append(Field(str(item["name"]), str(item.get("expr", "")),
                                 str(item["comment"]) if item.get("comment") else None))
        return tuple(out)

    return MetricViewSpec(str(data["source"]) if data.get("source") else None, fields("dimensions"), fields("measures"),
                          str(data["filter"]) if data.get("filter") else None)


def mark_metric_view(table: Table, spec: MetricViewSpec | None) -> Table:
    """The table as a metric view: measure columns tagged (with their definition), the way to query it described."""
    measures = {m.name.lower(): m for m in (spec.measures if spec else ())}
    columns = tuple(
        replace(c, tags=(*c.tags, MEASURE_TAG), comment=c.comment or measures[c.name.lower()].comment
                or f"defined as {measures[c.name.lower()].expr}")
        if c.name.lower() in measures else c for c in table.columns)
    names = [c.name for c in columns if MEASURE_TAG in c.tags]
    how = ("Metric view: read each measure column only as MEASURE(column) (e.g. MEASURE(" + _quote(names[0]) + ")) "
           "and GROUP BY the other columns (its dimensions); never SUM/AVG a measure or select it bare."
           if names else "Metric view: its measures are read with MEASURE(column).")
    comment = f"{table.comment.rstrip('.')}. {how}" if table.comment else how
    return replace(table, kind=METRIC_VIEW, columns=columns, comment=comment)


def metric_view_metrics(tables: tuple[Table, ...]) -> tuple[Metric, ...]:
    """Each measure of each metric view as a model ``Metric``: ``MEASURE(`name`)`` over that view."""
    return tuple(
        Metric(name=c.name, sql=f"MEASURE({_quote(c.name)})", table=t.name, description=c.comment)
        for t in tables if t.kind == METRIC_VIEW for c in t.columns if MEASURE_TAG in c.tags)


def with_metric_views(model: "SemanticModel") -> "SemanticModel":
    """The model with its metric views' measures added as metrics (an overlay metric of the same name wins)."""
    known = {m.name.lower() for m in model.metrics}
    extra = tuple(m for m in metric_view_metrics(model.tables) if m.name.lower() not in known)
    return replace(model, metrics=model.metrics + extra) if extra else model


def _quote(name: str) -> str:
    """Backticks only where Databricks needs them.

    >>> _quote("total_revenue"), _quote("Total Revenue")
    ('total_revenue', '`Total Revenue`')
    """
    return name if name.isidentifier() and name.lower() == name else "`" + name.replace("`", "``") + "`"
