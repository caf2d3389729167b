"""Names the data implies rather than states: a table's own key of codes people type ("HSG-220") is read as
values, a BOOLEAN column named as a state is a named filter ("is_active":
active users), and a word every name of a table's rows ends with is the noun for those rows ("... Campground")."""

from __future__ import annotations

from catalog_semantics.model import Column, NamedFilter, SemanticModel
from catalog_semantics.text import words
from nl2sql.planner.lexicon_names import TableInfo, _is_texty
from nl2sql.planner.tokens import singular
from nl2sql.planner.words import word_list


def flag_filters(model: SemanticModel) -> list[NamedFilter]:
    """A BOOLEAN column named as a state ('is_active', 'has_discount') is a condition its rows meet:
    'active users' is ``users.is_active``, like a named filter of the model (which wins on a name clash)."""
    named = {f.name for f in model.filters}
    out: list[NamedFilter] = []
    for t in model.tables:
        for c in t.columns:
            parts = words(c.name)
            if c.type.upper() not in ("BOOLEAN", "BOOL"):
                continue
            if len(parts) >= 2 and parts[0] in word_list("flag_prefixes"):
                state = " ".join(parts[1:])
            elif len(parts) == 1 and parts[0].endswith("ed"):
                state = parts[0]        # a participle names the state too: 'completed' enrolments
            else:
                continue
            name = f"{state} {' '.join(words(t.name))}"
            if name not in named:
                out.append(NamedFilter(name=name, sql=f"{t.name}.{c.name}", table=t.name,
                                       synonyms=(state, *c.synonyms)))
    return out


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
