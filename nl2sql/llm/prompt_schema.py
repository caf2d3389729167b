"""What of the semantic model the language model reads: a schema that is the same for every question (so it
can sit in the cached prompt prefix) and, beside the question, the few things the question matched.

Synonyms are the linker's vocabulary ("vendor" for supplier): useful for finding tables, costly in every
prompt and meaningless to a model once the question is matched. So the schema carries none; the synonyms the
question actually uses come back as hints ('"vendor" means table supplier'). Sample values of free-text
columns (remarks, descriptions) are random sentences that cost tokens and carry nothing; categorical values
stay. The values the question names (from the linker's value matches) are hinted beside their columns, unless
``NL2SQL_SEND_DATA_TO_LLM=false``, which keeps every value out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from catalog_semantics.linking import LinkedSchema
from catalog_semantics.model import Column, SemanticModel
from catalog_semantics.render import render_context
from catalog_semantics.values import ValueHit

MAX_HINTS = 24
FREE_TEXT_WORDS = 4                             # a sample value of this many words is prose, not a category
FREE_TEXT_CHARS = 40


_NUMBERED = re.compile(r"^(.*?\D)?\d+$")          # "Clerk#000000007" -> prefix "Clerk#"


def is_free_text(column: Column) -> bool:
    """Do the column's sample values carry nothing a query needs: prose (remarks, descriptions), or names that
    differ only by a running number (``Clerk#000000001``, ``Clerk#000000002``, ...)?

    >>> is_free_text(Column("c_comment", "VARCHAR", sample_values=("ironic deposits sleep quickly above the",)))
    True
    >>> is_free_text(Column("o_clerk", "VARCHAR", sample_values=("Clerk#000000001", "Clerk#000000002")))
    True
    >>> is_free_text(Column("r_name", "VARCHAR", sample_values=("AFRICA", "MIDDLE EAST")))
    False
    """
    values = column.sample_values
    if not values:
        return False
    prose = sum(len(v.split()) >= FREE_TEXT_WORDS or len(v) > FREE_TEXT_CHARS for v in values) * 2 >= len(values)
    prefixes = {m.group(1) if (m := _NUMBERED.match(v)) else None for v in values}
    numbered = len(values) > 1 and len(prefixes) == 1 and None not in prefixes
    return prose or numbered


def llm_view(model: SemanticModel) -> SemanticModel:
    """``model`` as the language model's schema: no synonyms, no sample values of free-text columns."""
    tables = tuple(
        replace(t, synonyms=(), columns=tuple(
            replace(c, synonyms=(), sample_values=() if is_free_text(c) else c.sample_values) for c in t.columns))
        for t in model.tables
    )
    return replace(model, tables=tables, instructions=(),
                   metrics=tuple(replace(m, synonyms=()) for m in model.metrics),
                   filters=tuple(replace(f, synonyms=()) for f in model.filters))


def names_text(model: SemanticModel) -> str:
    """Every table and column name of the model, for checking which business rules may be sent."""
    return " ".join(f"{t.name} " + " ".join(f"{t.name}.{c.name} {c.name}" for c in t.columns) for t in model.tables)


def schema_context(view: SemanticModel, linked: LinkedSchema, *, budget_tokens: int, include_values: bool) -> str:
    """The whole schema in the model's own order when the linker kept every table (the same text for every
    question: cacheable); the linked tables, best first, when the catalog is too big to send whole."""
    return render_context(view, None if linked.complete else linked, budget_tokens=budget_tokens,
                          include_values=include_values)


def question_hints(model: SemanticModel, question: str, linked: LinkedSchema, *, include_values: bool,
                   value_hits: Sequence[ValueHit] = ()) -> str:
    """The synonyms the question uses and the values it names, one line each, for beside the question.

    >>> from catalog_semantics.model import Table
    >>> m = SemanticModel(tables=(Table("supplier", (Column("s_name", "VARCHAR"),), synonyms=("vendor",)),))
    >>> question_hints(m, "Top vendors by balance", LinkedSchema("q", ()), include_values=True)
    '"vendors" means table supplier'
    """
    lowered = question.lower()
    lines: list[str] = []

    def found(phrase: str) -> str | None:
        match = re.search(r"(?<![a-z0-9])" + re.escape(phrase.lower()) + r"(?:e?s)?(?![a-z0-9])", lowered)
        return match.group(0) if match and len(phrase) >= 3 else None

    for table in model.tables:
        for word in table.synonyms:
            if (hit := found(word)) and table.name.lower() not in hit:
                lines.append(f'"{hit}" means table {table.name}')
        for column in table.columns:
            for word in column.synonyms:
                if (hit := found(word)) and column.name.lower() != hit:
                    lines.append(f'"{hit}" means column {table.name}.{column.name}')
    for named, kind in [(m, "metric") for m in model.metrics] + [(f, "filter") for f in model.filters]:
        for word in named.synonyms:
            if (hit := found(word)) and named.name.lower() != hit:
                lines.append(f'"{hit}" means the {kind} {named.name}')
    if include_values:
        for v in linked.values:
            lines.append(f"'{v.value}' is a value of {v.table}.{v.column}")
        for h in value_hits:                    # from the value index (value_index.py): any text column
            if h.exact:
                lines.append(f"'{h.value}' is a value of {h.table}.{h.column}")
            else:
                lines.append(f"'{h.phrase}' may mean '{h.value}', a value of {h.table}.{h.column}")
    return "\n".join(list(dict.fromkeys(lines))[:MAX_HINTS])
