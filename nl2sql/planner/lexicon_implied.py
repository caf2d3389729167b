"""Names the data implies rather than states: a table's own key of codes people type ("HSG-220") is read as
values, and a word every name of a table's rows ends with is the noun for those rows ("... Campground")."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from catalog_semantics.model import Column, Metric
from catalog_semantics.text import words
from nl2sql.planner.lexicon_names import TableInfo, _free_text, _is_texty, comment_examples
from nl2sql.planner.tokens import singular


def values_head(info: TableInfo) -> str | None:
    """'Pine Flat Campground', 'Juniper Campground': a last word every name of the rows ends with is the noun
    for the rows (CMPGRND's campgrounds), not a word to search the names for."""
    label = info.table.column(info.labels[0]) if len(info.labels) == 1 and info.labels[0] not in info.pk else None
    values = label.sample_values if label is not None else ()
    heads = {singular(ws[-1]) for v in values if (ws := words(v))}
    if len(values) < 3 or len(heads) != 1:
        return None
    head = next(iter(heads))
    return head if len(head) >= 4 and not head.isdigit() and all(len(words(v)) > 1 for v in values) else None


def coded_key(info: TableInfo, c: Column) -> bool:
    """A table's own text key whose values are codes people type ("HSG-220", "NL01"; "PPT", "BK": letters and
    digits, or a few capitals), read as values of the key (a foreign key's copies of them are not, or every code
    would name two columns)."""
    return info.pk == (c.name,) and _is_texty(c) and bool(c.sample_values) and (all(
        any(ch.isalpha() for ch in v) and any(ch.isdigit() for ch in v) for v in c.sample_values)
        or all(v.isalpha() and v.isupper() and len(v) <= 4 for v in c.sample_values))


def stored_values(info: TableInfo, c: Column) -> tuple[str, ...]:
    """The values a column's rows are named by: sampled, else a comment's examples ('e.g. ECONOMY ANODIZED STEEL')."""
    if c.name in info.keys and not coded_key(info, c) or c.name in info.numeric and not _is_texty(c) \
            or _free_text(c.sample_values) and c.name not in info.labels:
        return ()           # (a row's name is matched whole however long: "Lone Star Toyota Austin" is no remark)
    return c.sample_values or (comment_examples(c.comment) if _is_texty(c) else ())


def metric_counts(m: Metric, dialect: str) -> bool:
    """A metric that counts rows (``format: count``, or a COUNT): "how many" asks for it. A sum of a
    quantity ("number of units") is not reached that way, where "how many units in stock" means another."""
    if m.format == "count":
        return True
    try:
        return isinstance(sqlglot.parse_one(m.sql, read=dialect), exp.Count)
    except sqlglot.errors.ParseError:
        return False
