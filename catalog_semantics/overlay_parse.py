"""An overlay YAML document (docs/overlay.md) checked and turned into frozen values.

Strict on purpose: an unknown key (a typo like ``synonym:``), a wrong type or a missing required value
is an ``OverlayError`` that names the file and the dotted key, because a silently ignored overlay line is
a wrong answer later. Names are kept as written here; ``overlay.apply_overlay`` checks them against the
catalog.

Why not a JSON Schema validator (``jsonschema``; issue 15 asked): it is not a dependency of the core package
(only of Streamlit's altair, the ``app`` extra), and it would not make this shorter or clearer. The reader
converts as it checks (tuples, stripped text, a number as text, one string as a list of one), which a
schema cannot do, so the code below would stay; and the validator's messages say less than ours: an unknown
key is "Additional properties are not allowed ('synonym' was unexpected)" without the keys that are
allowed, and a value that may be a string or a list fails as "is not valid under any of the given schemas".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog_semantics.errors import OverlayError
from catalog_semantics.model import Metric, NamedFilter, Relationship, VerifiedQuery


@dataclass(frozen=True)
class ColumnOverlay:
    name: str
    description: str | None = None
    synonyms: tuple[str, ...] = ()
    values: tuple[str, ...] | None = None       # None: keep the values read from the data
    format: str | None = None                   # how to show values: one of FORMATS
    type: str | None = None                     # the type the values really have: one of COLUMN_TYPES


@dataclass(frozen=True)
class TableOverlay:
    name: str
    description: str | None = None
    synonyms: tuple[str, ...] = ()
    columns: tuple[ColumnOverlay, ...] = ()
    default_filter: str | None = None           # a named filter's name, or SQL over this table
    default_date: str | None = None             # the column a period filters when the question names no date


@dataclass(frozen=True)
class Overlay:
    """One overlay file as values; names are as written (checked against the catalog when applied)."""

    source: str = "<overlay>"                   # the file it came from, for error messages
    name: str | None = None
    description: str | None = None
    instructions: tuple[str, ...] = ()
    example_questions: tuple[str, ...] = ()
    tables: tuple[TableOverlay, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    metrics: tuple[Metric, ...] = ()
    filters: tuple[NamedFilter, ...] = ()
    verified_queries: tuple[VerifiedQuery, ...] = ()
    answer_columns: str | None = None           # "asked" or "helpful" (see SemanticModel.answer_columns)


_TOP_KEYS = {"name", "description", "instructions", "example_questions", "tables", "relationships", "metrics",
             "filters", "verified_queries", "answer_columns"}
ANSWER_COLUMNS = ("asked", "helpful")
# Units a metric or a column can declare (``format:``); nl2sql.present.formats shows values by them.
METRIC_FORMATS = ("currency", "percent", "count", "number")
FORMATS = (*METRIC_FORMATS, "year", "quarter", "month", "week", "day", "timestamp", "text")
# Types a column can be declared to have (``type:``) when the warehouse stores it as something else (numbers
# kept as text in SQLite, CSV imports): the engines compare and add up its values after a CAST.
COLUMN_TYPES = ("INTEGER", "BIGINT", "DOUBLE", "DECIMAL", "DATE", "TIMESTAMP", "BOOLEAN", "VARCHAR")


def parse_overlay(data: object, *, source: str = "<overlay>") -> Overlay:
    """Check an already-loaded YAML document and turn it into an ``Overlay``."""
    r = _Reader(source)
    top = r.mapping(data, "", _TOP_KEYS)
    answer_columns = r.text(top.get("answer_columns"), "answer_columns")
    if answer_columns is not None and answer_columns not in ANSWER_COLUMNS:
        raise overlay_error(source, "answer_columns", f"must be one of {', '.join(ANSWER_COLUMNS)}")
    return Overlay(
        answer_columns=answer_columns,
        source=source,
        name=r.text(top.get("name"), "name"),
        description=r.text(top.get("description"), "description"),
        instructions=r.texts(top.get("instructions"), "instructions"),
        example_questions=r.texts(top.get("example_questions"), "example_questions"),
        tables=tuple(r.table(name, body, f"tables.{name}")
                     for name, body in r.mapping(top.get("tables") or {}, "tables", None).items()),
        relationships=tuple(r.relationship(x, f"relationships[{i}]")
                            for i, x in enumerate(r.items(top.get("relationships"), "relationships"))),
        metrics=tuple(r.metric(x, f"metrics[{i}]") for i, x in enumerate(r.items(top.get("metrics"), "metrics"))),
        filters=tuple(r.filter(x, f"filters[{i}]") for i, x in enumerate(r.items(top.get("filters"), "filters"))),
        verified_queries=tuple(r.verified(x, f"verified_queries[{i}]")
                               for i, x in enumerate(r.items(top.get("verified_queries"), "verified_queries"))),
    )


class _Reader:
    """Typed access to the YAML tree; every failure names the file and the dotted key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> OverlayError:
        return overlay_error(self.source, key, problem)

    def mapping(self, value: object, key: str, allowed: set[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "expected a mapping of keys to values")
        for k in value:
            if not isinstance(k, str):
                raise self.fail(key, f"key {k!r} must be a name")
            if allowed is not None and k not in allowed:
                raise self.fail(f"{key}.{k}".lstrip("."), f"unknown key (expected one of {', '.join(sorted(allowed))})")
        return value

    def items(self, value: object, key: str) -> list[object]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return value

    def text(self, value: object, key: str, *, required: bool = False) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(key, "a value is required")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(key, "expected a text value")
        return str(value).strip()

    def choice(self, value: object, key: str, allowed: tuple[str, ...]) -> str | None:
        text = self.text(value, key)
        if text is not None and text not in allowed:
            raise self.fail(key, f"must be one of {', '.join(allowed)}")
        return text

    def texts(self, value: object, key: str) -> tuple[str, ...]:
        """A list of strings; a single string counts as a list of one (a common YAML slip)."""
        if value is None:
            return ()
        values = [value] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value
        if not isinstance(values, list):
            raise self.fail(key, "expected a list of text values")
        return tuple(t for i, v in enumerate(values) if (t := self.text(v, f"{key}[{i}]")) is not None)

    def table(self, name: str, body: object, key: str) -> TableOverlay:
        t = self.mapping(body or {}, key, {"description", "synonyms", "columns", "default_filter", "default_date"})
        columns = self.mapping(t.get("columns") or {}, f"{key}.columns", None)
        return TableOverlay(
            name=name,
            description=self.text(t.get("description"), f"{key}.description"),
            synonyms=self.texts(t.get("synonyms"), f"{key}.synonyms"),
            default_filter=self.text(t.get("default_filter"), f"{key}.default_filter"),
            default_date=self.text(t.get("default_date"), f"{key}.default_date"),
            columns=tuple(self.column(c, body, f"{key}.columns.{c}") for c, body in columns.items()),
        )

    def column(self, name: str, body: object, key: str) -> ColumnOverlay:
        c = self.mapping(body or {}, key, {"description", "synonyms", "values", "format", "type"})
        declared = c.get("type")
        return ColumnOverlay(
            format=self.choice(c.get("format"), f"{key}.format", FORMATS),
            type=self.choice(declared.upper() if isinstance(declared, str) else declared, f"{key}.type",
                             COLUMN_TYPES),
            name=name,
            description=self.text(c.get("description"), f"{key}.description"),
            synonyms=self.texts(c.get("synonyms"), f"{key}.synonyms"),
            values=self.texts(c.get("values"), f"{key}.values") if "values" in c else None,
        )

    def relationship(self, value: object, key: str) -> Relationship:
        r = self.mapping(value, key, {"from", "from_columns", "to", "to_columns"})
        rel = Relationship(
            from_table=self.text(r.get("from"), f"{key}.from", required=True) or "",
            from_columns=self.texts(r.get("from_columns"), f"{key}.from_columns"),
            to_table=self.text(r.get("to"), f"{key}.to", required=True) or "",
            to_columns=self.texts(r.get("to_columns"), f"{key}.to_columns"),
            source="overlay",
        )
        if not rel.from_columns or len(rel.from_columns) != len(rel.to_columns):
            raise self.fail(key, "from_columns and to_columns must be non-empty lists of the same length")
        return rel

    def metric(self, value: object, key: str) -> Metric:
        m = self.mapping(value, key, {"name", "sql", "table", "description", "synonyms", "joins", "format"})
        return Metric(
            name=self.text(m.get("name"), f"{key}.name", required=True) or "",
            sql=self.text(m.get("sql"), f"{key}.sql", required=True) or "",
            table=self.text(m.get("table"), f"{key}.table", required=True) or "",
            description=self.text(m.get("description"), f"{key}.description"),
            synonyms=self.texts(m.get("synonyms"), f"{key}.synonyms"),
            joins=self.texts(m.get("joins"), f"{key}.joins"),
            format=self.choice(m.get("format"), f"{key}.format", METRIC_FORMATS),
        )

    def filter(self, value: object, key: str) -> NamedFilter:
        f = self.mapping(value, key, {"name", "sql", "table", "description", "synonyms"})
        return NamedFilter(
            name=self.text(f.get("name"), f"{key}.name", required=True) or "",
            sql=self.text(f.get("sql"), f"{key}.sql", required=True) or "",
            table=self.text(f.get("table"), f"{key}.table", required=True) or "",
            description=self.text(f.get("description"), f"{key}.description"),
            synonyms=self.texts(f.get("synonyms"), f"{key}.synonyms"),
        )

    def verified(self, value: object, key: str) -> VerifiedQuery:
        q = self.mapping(value, key, {"question", "sql", "alternates", "description"})
        return VerifiedQuery(
            question=self.text(q.get("question"), f"{key}.question", required=True) or "",
            sql=self.text(q.get("sql"), f"{key}.sql", required=True) or "",
            alternates=self.texts(q.get("alternates"), f"{key}.alternates"),
            description=self.text(q.get("description"), f"{key}.description"),
        )


def overlay_error(source: str, key: str, problem: str) -> OverlayError:
    """The error for one bad overlay entry, naming the file and the dotted key.

    >>> overlay_error("sales.yaml", "tables.orders.synonym", "unknown key").message
    "The overlay file sales.yaml is invalid at 'tables.orders.synonym': unknown key."
    """
    where = f" at '{key}'" if key else ""
    return OverlayError(f"The overlay file {source} is invalid{where}: {problem}.",
                        hint="See docs/overlay.md for the expected keys.")
