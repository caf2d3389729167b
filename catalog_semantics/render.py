"""The schema as prompt context: compact DDL-like blocks, keys, value hints, metrics, filters, instructions.

Deterministic (the same model and linked schema always give the same text, so golden files can pin it)
and bounded: when the text is over ``budget_tokens`` it sheds detail in a fixed order (descriptions of metrics
and filters the question does not name, value hints of unmatched columns, all value hints, comments of
unmatched columns, then whole low-scored tables), never
cutting a table in half; the values the question itself mentions stay to the end. With ``include_values=False`` no sampled data value appears at all (the overlay's
own text, such as filter SQL and instructions, is the data team's writing and is kept).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from catalog_semantics.linking import LinkedSchema
from catalog_semantics.model import Column, SemanticModel, Table

_DEFAULT_SCHEMAS = (None, "main", "public")
_MAX_VALUES_SHOWN = 25                          # for a column the question matched
_MAX_VALUES_UNMATCHED = 10


def estimate_tokens(text: str) -> int:
    """A cheap token estimate (about four characters per token for English and SQL).

    >>> estimate_tokens(""), estimate_tokens("SELECT 1"), estimate_tokens("x" * 401)
    (0, 2, 101)
    """
    return (len(text) + 3) // 4


@dataclass(frozen=True)
class _Detail:
    """How much to show; each step of budget fitting lowers one knob."""

    values: str = "all"                         # "all", "matched" (columns), "question" (matched values), "none"
    column_comments: str = "all"                # "all" or "matched"
    definitions: str = "all"                    # metric/filter descriptions: "all" or "matched" (others: SQL only)


_STEPS = (_Detail(), _Detail(definitions="matched"), _Detail("matched", "all", "matched"),
          _Detail("question", "all", "matched"), _Detail("question", "matched", "matched"))
_MATCHED = 0.5                                  # a column scoring this much is one the question is about


def render_context(model: SemanticModel, linked: LinkedSchema | None = None, *, budget_tokens: int = 3000,
                   include_values: bool = True) -> str:
    """Prompt context for ``linked``'s tables (all of the model's when None), fitted to ``budget_tokens``."""
    tables = _tables(model, linked)
    for detail in _STEPS:
        if not include_values:
            detail = replace(detail, values="none")
        text = _render(model, linked, tables, detail)
        if estimate_tokens(text) <= budget_tokens:
            return text
    detail = _STEPS[-1]
    # Still too long: drop whole tables, lowest priority first, keeping at least the best one.
    while len(tables) > 1:
        tables = tables[:-1]
        text = _render(model, linked, tables, detail)
        if estimate_tokens(text) <= budget_tokens:
            return text
    return _render(model, linked, tables, detail)


def _tables(model: SemanticModel, linked: LinkedSchema | None) -> list[Table]:
    """The tables to show, in priority order (best first; bridges rank with matches, unmatched last)."""
    if linked is None:
        return list(model.tables)
    rank = {"match": 0, "bridge": 1, "kept": 2}
    order = sorted(enumerate(linked.tables), key=lambda p: (rank.get(p[1].reason, 2), p[0]))
    return [t for _, lt in order if (t := model.table(lt.name)) is not None]


def _render(model: SemanticModel, linked: LinkedSchema | None, tables: list[Table], detail: _Detail) -> str:
    shown = {t.name.lower() for t in tables}
    header = [f"-- Dialect: {model.dialect}"]
    if model.description:
        header.insert(0, f"-- {model.name}: {_one_line(model.description)}")
    blocks = ["\n".join(header)]
    blocks += [_table_block(model, linked, t, shown, detail) for t in tables]
    matched = set(linked.metrics) | set(linked.filters) if linked is not None else set()

    def full(named: object) -> bool:        # a definition the question named keeps its description
        return detail.definitions == "all" or named in matched

    metrics = [m for m in model.metrics if m.table.lower() in shown and all(j.lower() in shown for j in m.joins)]
    if metrics:
        lines = ["-- Metrics (use these exact definitions):"]
        for m in metrics:
            where = m.table + (f" joined with {', '.join(m.joins)}" if m.joins else "")
            about = _describe(m.description, m.synonyms) if full(m) else ""
            lines.append(f"--   {m.name} = {_one_line(m.sql)}  [{where}]{about}")
        blocks.append("\n".join(lines))
    filters = [f for f in model.filters if f.table.lower() in shown]
    if filters:
        lines = ["-- Named filters (conditions on rows):"]
        lines += [f"--   {f.name}: {_one_line(f.sql)}  [{f.table}]"
                  + (_describe(f.description, f.synonyms) if full(f) else "") for f in filters]
        blocks.append("\n".join(lines))
    if model.instructions:
        blocks.append("\n".join(["-- Instructions:"] + [f"--   - {_one_line(i)}" for i in model.instructions]))
    return "\n\n".join(blocks) + "\n"


def _table_block(model: SemanticModel, linked: LinkedSchema | None, table: Table, shown: set[str],
                 detail: _Detail) -> str:
    kind = "VIEW" if table.kind == "view" else "TABLE"
    head = f"CREATE {kind} {_display_name(model, table)} ("
    about = _describe(table.comment, table.synonyms, lead="")
    lines = [head + (f"  --{about}" if about else "")]
    body: list[tuple[str, str]] = [(f"  {_ident(c.name)} {c.type or 'TEXT'}", _column_note(linked, table, c, detail))
                                   for c in table.columns]
    if table.primary_key:
        body.append((f"  PRIMARY KEY ({', '.join(_ident(c) for c in table.primary_key)})", ""))
    for r in model.relationships:
        if r.from_table.lower() == table.name.lower() and r.to_table.lower() in shown:
            target = model.table(r.to_table)
            body.append((f"  FOREIGN KEY ({', '.join(_ident(c) for c in r.from_columns)}) REFERENCES "
                         f"{_display_name(model, target) if target else r.to_table} "
                         f"({', '.join(_ident(c) for c in r.to_columns)})",
                         " join path" if r.source == "overlay" else ""))
    for i, (code, note) in enumerate(body):
        comma = "," if i < len(body) - 1 else ""
        lines.append(f"{code}{comma}" + (f"  --{note}" if note else ""))
    return "\n".join(lines + [");"])


def _column_note(linked: LinkedSchema | None, table: Table, column: Column, detail: _Detail) -> str:
    mentioned = tuple(v.value for v in linked.values if v.table == table.name and v.column == column.name) \
        if linked is not None else ()
    matched = bool(mentioned) or (linked is not None and linked.column_score(table.name, column.name) >= _MATCHED)
    note = ""
    if detail.column_comments == "all" or matched:
        note = _describe(column.comment, column.synonyms, lead="")
    if detail.values == "all" or (detail.values == "matched" and matched):
        shown = column.sample_values[:_MAX_VALUES_SHOWN if matched else _MAX_VALUES_UNMATCHED]
    elif detail.values in ("matched", "question"):
        shown = tuple(v for v in column.sample_values if v in mentioned)
    else:
        shown = ()
    if shown:
        more = ", ..." if len(column.sample_values) > len(shown) else ""
        note += " values: " + ", ".join(_literal(v) for v in shown) + more
    return note


def _describe(comment: str | None, synonyms: tuple[str, ...], lead: str = " --") -> str:
    parts = []
    if comment:
        parts.append(_one_line(comment))
    if synonyms:
        parts.append("also called: " + ", ".join(synonyms))
    return (lead + " " + " ".join(p if p.endswith(".") else p + "." for p in parts)) if parts else ""


def _display_name(model: SemanticModel, table: Table) -> str:
    """The bare name when it is unambiguous and in a default schema; the qualified name otherwise."""
    same = sum(1 for t in model.tables if t.name.lower() == table.name.lower())
    if same == 1 and table.catalog is None and table.schema in _DEFAULT_SCHEMAS:
        return _ident(table.name)
    return ".".join(_ident(p) for p in (table.catalog, table.schema, table.name) if p)


def _ident(name: str) -> str:
    """Quote a name only when SQL needs it (spaces, punctuation, leading digit)."""
    if name.replace("_", "a").isalnum() and not name[0].isdigit() and name.isascii():
        return name
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _one_line(text: str) -> str:
    return " ".join(text.split())
