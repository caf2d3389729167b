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
from catalog_semantics.model import Column, Metric, NamedFilter, Relationship, SemanticModel, Table

_DEFAULT_SCHEMAS = (None, "main", "public")
_MAX_VALUES_SHOWN = 20                          # the rest is elided with "..."


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
    ctx = _Context(model, linked)
    tables = ctx.tables_in_priority()
    steps = [s if include_values else replace(s, values="none") for s in _STEPS]
    for detail in steps:
        text = ctx.render(tables, detail)
        if estimate_tokens(text) <= budget_tokens:
            return text
    # Still too long: keep the longest prefix of tables (best first, at least one) whose blocks fit. Sizes
    # are measured with every table shown, an upper bound: fewer tables only means fewer FOREIGN KEY lines.
    detail = steps[-1]
    all_shown = {t.name.lower() for t in tables}
    fixed = estimate_tokens(ctx.render([], detail, shown=all_shown))
    kept, used = 1, fixed + estimate_tokens(ctx.table_block(tables[0], all_shown, detail)) if tables else fixed
    for table in tables[1:]:
        used += estimate_tokens(ctx.table_block(table, all_shown, detail)) + 1
        if used > budget_tokens:
            break
        kept += 1
    return ctx.render(tables[:kept], detail)


class _Context:
    """Look-ups built once per call, so rendering stays linear in the size of the schema."""

    def __init__(self, model: SemanticModel, linked: LinkedSchema | None) -> None:
        self.model, self.linked = model, linked
        self.by_name = {t.name.lower(): t for t in reversed(model.tables)}
        self.name_count: dict[str, int] = {}
        for t in model.tables:
            self.name_count[t.name.lower()] = self.name_count.get(t.name.lower(), 0) + 1
        self.joins_from: dict[str, list[Relationship]] = {}
        for r in model.relationships:
            self.joins_from.setdefault(r.from_table.lower(), []).append(r)
        self.column_scores = {(c.table.lower(), c.name.lower()): c.score for c in linked.columns} if linked else {}
        self.mentioned: dict[tuple[str, str], set[str]] = {}
        for v in linked.values if linked else ():
            self.mentioned.setdefault((v.table.lower(), v.column.lower()), set()).add(v.value)
        self.named = set(linked.metrics) | set(linked.filters) if linked else set()
        self.quote = _quote_char(model.dialect)

    def ident(self, name: str) -> str:
        return _ident(name, self.quote)

    def tables_in_priority(self) -> list[Table]:
        """Best first; bridges rank with matches, tables kept only because the schema is small come last."""
        if self.linked is None:
            return list(self.model.tables)
        rank = {"match": 0, "bridge": 1, "kept": 2}
        order = sorted(enumerate(self.linked.tables), key=lambda p: (rank.get(p[1].reason, 2), p[0]))
        return [t for _, lt in order if (t := self.by_name.get(lt.name.lower())) is not None]

    def render(self, tables: list[Table], detail: _Detail, shown: set[str] | None = None) -> str:
        model = self.model
        shown = shown if shown is not None else {t.name.lower() for t in tables}
        header = [f"-- Dialect: {model.dialect}"]
        if model.description:
            header.insert(0, f"-- {model.name}: {_one_line(model.description)}")
        blocks = ["\n".join(header)] + [self.table_block(t, shown, detail) for t in tables]

        def about(named: Metric | NamedFilter) -> str:     # a definition the question named keeps its description
            full = detail.definitions == "all" or named in self.named
            return _describe(named.description, named.synonyms) if full else ""

        metrics = [m for m in model.metrics if m.table.lower() in shown and all(j.lower() in shown for j in m.joins)]
        if metrics:
            lines = ["-- Metrics (use these exact definitions):"]
            for m in metrics:
                where = m.table + (f" joined with {', '.join(m.joins)}" if m.joins else "")
                lines.append(f"--   {m.name} = {_one_line(m.sql)}  [{where}]{about(m)}")
            blocks.append("\n".join(lines))
        filters = [f for f in model.filters if f.table.lower() in shown]
        if filters:
            lines = ["-- Named filters (conditions on rows):"]
            lines += [f"--   {f.name}: {_one_line(f.sql)}  [{f.table}]{about(f)}" for f in filters]
            blocks.append("\n".join(lines))
        rules = [*model.instructions, *(r for t in tables for r in _default_rules(t))]
        if rules:
            blocks.append("\n".join(["-- Instructions:"] + [f"--   - {_one_line(i)}" for i in rules]))
        return "\n\n".join(blocks) + "\n"

    def table_block(self, table: Table, shown: set[str], detail: _Detail) -> str:
        kind = "VIEW" if table.kind == "view" else "TABLE"
        about = _describe(table.comment, table.synonyms, lead="")
        lines = [f"CREATE {kind} {self.display_name(table)} (" + (f"  --{about}" if about else "")]
        body = [(f"  {self.ident(c.name)} {c.type or 'TEXT'}", self.column_note(table, c, detail)) for c in table.columns]
        if table.primary_key:
            body.append((f"  PRIMARY KEY ({', '.join(self.ident(c) for c in table.primary_key)})", ""))
        for r in self.joins_from.get(table.name.lower(), ()):
            if r.to_table.lower() in shown:
                target = self.by_name.get(r.to_table.lower())
                body.append((f"  FOREIGN KEY ({', '.join(self.ident(c) for c in r.from_columns)}) REFERENCES "
                             f"{self.display_name(target) if target else self.ident(r.to_table)} "
                             f"({', '.join(self.ident(c) for c in r.to_columns)})",
                             " join path" if r.source == "overlay" else ""))
        for i, (code, note) in enumerate(body):
            comma = "," if i < len(body) - 1 else ""
            lines.append(f"{code}{comma}" + (f"  --{note}" if note else ""))
        return "\n".join(lines + [");"])

    def column_note(self, table: Table, column: Column, detail: _Detail) -> str:
        key = (table.name.lower(), column.name.lower())
        mentioned = self.mentioned.get(key, set())
        matched = bool(mentioned) or self.column_scores.get(key, 0.0) >= _MATCHED
        note = ""
        if detail.column_comments == "all" or matched:
            note = _describe(column.comment, column.synonyms, lead="")
            if column.tags:  # tags describe the column too (pii, unit, domain)
                note += f" tags: {', '.join(column.tags)}."
        if detail.values == "all" or (detail.values == "matched" and matched):
            shown = column.sample_values[:_MAX_VALUES_SHOWN]
        elif detail.values in ("matched", "question"):
            shown = tuple(v for v in column.sample_values if v in mentioned)
        else:
            shown = ()
        if shown:
            more = ", ..." if len(column.sample_values) > len(shown) else ""
            note += " values: " + ", ".join(_literal(v) for v in shown) + more
        return note

    def display_name(self, table: Table) -> str:
        """The bare name when it is unambiguous and in a default schema; the qualified name otherwise."""
        if self.name_count.get(table.name.lower()) == 1 and table.catalog is None and table.schema in _DEFAULT_SCHEMAS:
            return self.ident(table.name)
        return ".".join(self.ident(p) for p in (table.catalog, table.schema, table.name) if p)


def _describe(comment: str | None, synonyms: tuple[str, ...], lead: str = " --") -> str:
    parts = []
    if comment:
        parts.append(_one_line(comment))
    if synonyms:
        parts.append("also called: " + ", ".join(synonyms))
    return (lead + " " + " ".join(p if p.endswith(".") else p + "." for p in parts)) if parts else ""


# Dialects whose identifiers are delimited by backticks: there "Order Date" is a string literal, so a name
# rendered with double quotes would be copied by the model and silently select a constant.
_BACKTICK_DIALECTS = frozenset({"databricks", "spark", "spark2", "hive", "mysql", "bigquery", "doris", "starrocks"})


def _quote_char(dialect: str | None) -> str:
    """The identifier delimiter of ``dialect``.

    >>> _quote_char("databricks"), _quote_char("duckdb"), _quote_char(None)
    ('`', '"', '"')
    """
    return "`" if (dialect or "").lower() in _BACKTICK_DIALECTS else '"'


def _ident(name: str, quote: str = '"') -> str:
    """Quote a name only when SQL needs it (spaces, punctuation, leading digit), with the dialect's delimiter.

    >>> _ident("o_orderdate"), _ident("Order Date"), _ident("Order Date", "`"), _ident("a`b", "`")
    ('o_orderdate', '"Order Date"', '`Order Date`', '`a``b`')
    """
    if name.replace("_", "a").isalnum() and not name[0].isdigit() and name.isascii():
        return name
    return quote + name.replace(quote, quote * 2) + quote


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _default_rules(table: Table) -> list[str]:
    """The overlay's ``default_filter`` and ``default_date`` of a table, as rules for whoever writes SQL."""
    rules = []
    if (f := table.default_filter) is not None:
        named = f" ('{f.name}')" if not f.name.startswith("default ") else ""
        rules.append(f"Questions about {table.name} count or list only rows where {_one_line(f.sql)}{named}, the "
                     f"table's default filter, unless the question asks for all or former rows, 'ever', or the "
                     f"whole history, or names another condition on the same columns.")
    if table.default_date:
        rules.append(f"A period such as 'in 2024' on {table.name} filters {table.default_date} unless the "
                     f"question names another date.")
    return rules


def _one_line(text: str) -> str:
    return " ".join(text.split())
