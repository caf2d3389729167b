"""BIRD's external knowledge ("Hint: juvenile cardholders refers to card_type = 'J'; fines refers to fine_amt"),
read as what a user's overlay would say: a phrase that refers to a condition on one table's columns is a named
filter, a phrase that refers to a column is a synonym of it. A clause of any other shape (a formula, a rule in
words) is not something the engine can use, and answering without it would be a guess: the question is declined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from catalog_semantics.model import NamedFilter, SemanticModel, Table
from nl2sql.planner.words import word_list

_HINT = re.compile(r"\s+Hint:\s*", re.IGNORECASE)
# "<phrase> refers to <meaning>" (vocabulary evidence_links: "refers to", "means", ...)
_LINK = re.compile(r"^(?P<phrase>.+?)\s+(?:" + "|".join(re.escape(w) for w in word_list("evidence_links"))
                   + r")\s+(?P<meaning>.+?)\.?$", re.IGNORECASE)
_NAME = r"(?:`[^`]+`|\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*)"
_COLUMN = re.compile(rf"^(?:(?P<table>{_NAME})\.)?(?P<column>{_NAME})$")
_LITERAL = r"(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?)"
# a value, a list of values ("IN ('A', 'B')"), two bounds ("BETWEEN 1 AND 5")
_VALUES = rf"{_LITERAL}|\(\s*{_LITERAL}(?:\s*,\s*{_LITERAL})*\s*\)|{_LITERAL}\s+AND\s+{_LITERAL}"
_CONDITION = re.compile(rf"^(?P<left>(?:{_NAME}\.)?{_NAME})\s*(?P<op><>|!=|>=|<=|=|>|<|NOT\s+LIKE|LIKE|NOT\s+IN|IN|"
                        rf"BETWEEN)\s*(?P<right>{_VALUES}|(?:{_NAME}\.)?{_NAME})$", re.IGNORECASE)
_SHAPES = {"IN": r"\(.*\)", "NOT IN": r"\(.*\)", "BETWEEN": rf"{_LITERAL}\s+AND\s+{_LITERAL}"}
_NULL = re.compile(rf"^(?P<left>(?:{_NAME}\.)?{_NAME})\s+IS\s+(?P<op>NOT\s+)?NULL$", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """A question with its hint taken off, the model the hint extends, or why the hint cannot be used."""
    question: str
    model: SemanticModel
    unusable: str = ""


def with_evidence(question: str, model: SemanticModel) -> Evidence:
    """The question and a model with the hint's filters and synonyms (no hint: both as given)."""
    parts = _HINT.split(question, maxsplit=1)
    if len(parts) == 1:
        return Evidence(question, model)
    asked, hint = parts[0].strip(), parts[1].strip()
    filters: list[NamedFilter] = []
    synonyms: dict[tuple[str, str], list[str]] = {}
    for clause in (c.strip() for c in hint.split(";")):
        if not clause:
            continue
        link = _LINK.match(clause)
        read = _clause(link.group("phrase").strip(" '\""), link.group("meaning").strip(), model) if link else None
        if read is None:
            return Evidence(asked, model, clause)
        if isinstance(read, NamedFilter):
            filters.append(read)
        else:
            synonyms.setdefault(read, []).append(link.group("phrase").strip(" '\"") if link else "")
    tables = tuple(_with_synonyms(t, synonyms) for t in model.tables)
    return Evidence(asked, replace(model, tables=tables, filters=(*model.filters, *filters)))


def _clause(phrase: str, meaning: str, model: SemanticModel) -> NamedFilter | tuple[str, str] | None:
    """A named filter, a (table, column) the phrase is a synonym of, or None when the meaning has another shape."""
    if (col := _COLUMN.match(meaning)) is not None:
        return _resolve(model, col.group("table"), col.group("column"))
    cond = _CONDITION.match(meaning) or _NULL.match(meaning)
    if cond is None:
        return None
    left = _split(cond.group("left"), model)
    if left is None:
        return None
    right = cond.groupdict().get("right")
    op = re.sub(r"\s+", " ", cond.group("op") or "").upper()
    if right is not None and op in _SHAPES:
        if not re.fullmatch(_SHAPES[op], right, re.IGNORECASE):
            return None                  # one value after "IN", one bound after "BETWEEN"
    elif right is not None and not re.fullmatch(_LITERAL, right):
        if re.fullmatch(_VALUES, right, re.IGNORECASE):
            return None                  # a list or two bounds after a comparison
        other = _split(right, model)
        if other is None or other[0] != left[0]:
            return None                  # a comparison across two tables is a join, not a filter of one
        right = f"{_quote(other[0])}.{_quote(other[1])}"
    rest = f"IS {op}NULL" if right is None else f"{op} {right}"
    return NamedFilter(name=phrase.lower(), sql=f"{_quote(left[0])}.{_quote(left[1])} {rest}", table=left[0],
                       description=f"{phrase} (the question's hint)")


def _split(ref: str, model: SemanticModel) -> tuple[str, str] | None:
    m = _COLUMN.match(ref)
    return _resolve(model, m.group("table"), m.group("column")) if m else None


def _resolve(model: SemanticModel, table: str | None, column: str) -> tuple[str, str] | None:
    """The one table holding the column (the named one, when the hint names it; else the one it is the key of)."""
    table, column = _bare(table) if table else None, _bare(column)
    found = [(t, c.name) for t in model.tables if table is None or t.name.lower() == table.lower()
             for c in t.columns if c.name.lower() == column.lower()]
    if len(found) > 1:         # "patron_id = 42": the table it keys, not those that refer to it
        found = [(t, c) for t, c in found if c in t.primary_key or (col := t.column(c)) and col.is_primary_key]
    return (found[0][0].name, found[0][1]) if len(found) == 1 else None


def _bare(name: str) -> str:
    return name.strip("`\"")


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else f'"{name}"'


def _with_synonyms(t: Table, synonyms: dict[tuple[str, str], list[str]]) -> Table:
    if not any(key[0] == t.name for key in synonyms):
        return t
    columns = tuple(replace(c, synonyms=(*c.synonyms, *synonyms.get((t.name, c.name), ()))) for c in t.columns)
    return replace(t, columns=columns)
