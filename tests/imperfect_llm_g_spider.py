"""Stub "g", its knowledge of Spider: the dev questions with their gold SQL, each database's tables and columns
(from ``tables.json``), and each question's hardness, computed here from the gold SQL in the manner of Spider's
evaluator (counts of clauses, joins, nesting and "others"), since it sets how often the model gets it right.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlglot
from sqlglot import exp

Hardness = Literal["easy", "medium", "hard", "extra"]
Kind = Literal["text", "number", "other"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


@dataclass(frozen=True)
class Record:
    """One dev question: its text, database, gold SQL and hardness; ``tables`` maps lower-case table names to
    their columns as the schema spells them."""

    question: str
    db_id: str
    gold: str
    hardness: Hardness
    tables: dict[str, tuple[Column, ...]]

    def columns_of(self, table: str) -> tuple[Column, ...]:
        return self.tables.get(table.lower(), ())


def _kind(column_type: str) -> Kind:
    return "text" if column_type == "text" else "number" if column_type == "number" else "other"


def _schemas(tables_json: Path) -> dict[str, dict[str, tuple[Column, ...]]]:
    out: dict[str, dict[str, tuple[Column, ...]]] = {}
    for db in json.loads(tables_json.read_text(encoding="utf-8")):
        columns: dict[str, list[Column]] = {t.lower(): [] for t in db["table_names_original"]}
        names = db["table_names_original"]
        for (table, name), kind in zip(db["column_names_original"], db["column_types"]):
            if table >= 0:
                columns[names[table].lower()].append(Column(name, _kind(kind)))
        out[db["db_id"]] = {t: tuple(c) for t, c in columns.items()}
    return out


def _conditions(node: exp.Expr | None) -> int:
    if node is None:
        return 0
    return len([c for c in node.find_all(exp.Predicate) if not isinstance(c, exp.And | exp.Or)])


def _one_select(select: exp.Select) -> tuple[int, int]:
    """(component-1 count, others count) of one SELECT, nested queries not looked into."""
    where, group = select.args.get("where"), select.args.get("group")
    comp1 = sum(1 for key in ("where", "group", "order", "limit") if select.args.get(key))
    comp1 += len(select.args.get("joins") or [])
    comp1 += len(list(where.find_all(exp.Or))) if where else 0
    comp1 += len(list(select.find_all(exp.Like)))
    aggregates = len(list(select.find_all(exp.AggFunc)))
    others = sum((aggregates > 1, len(select.expressions) > 1, _conditions(where) > 1,
                  len(group.expressions) > 1 if group else False))
    return comp1, others


def hardness(gold: str) -> Hardness:
    """Spider's four levels, from the gold query's counts (an approximation of the evaluator's rules)."""
    try:
        tree = sqlglot.parse_one(gold, read="sqlite")
    except sqlglot.errors.SqlglotError:
        return "extra"
    nested = len(list(tree.find_all(exp.Subquery))) + len(list(tree.find_all(exp.SetOperation)))
    nested += sum(1 for s in tree.find_all(exp.Select) if s is not tree and s.parent_select is not None
                  and not isinstance(s.parent, exp.Subquery | exp.SetOperation))
    first = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    comp1, others = _one_select(first) if isinstance(first, exp.Select) else (3, 3)
    if comp1 <= 1 and others == 0 and nested == 0:
        return "easy"
    if nested == 0 and ((others <= 2 and comp1 <= 1) or (comp1 <= 2 and others < 2)):
        return "medium"
    if (nested == 0 and ((others > 2 and comp1 <= 2) or (2 < comp1 <= 3 and others <= 2))) or (
            comp1 <= 1 and others == 0 and nested <= 1):
        return "hard"
    return "extra"


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


class Spider:
    """The dev questions, found by the text of a question as a prompt carries it."""

    def __init__(self, dev_json: Path) -> None:
        schemas = _schemas(dev_json.parent / "tables.json")
        rows = json.loads(dev_json.read_text(encoding="utf-8"))
        self.records = {_fold(r["question"]): Record(r["question"], r["db_id"], r["query"], hardness(r["query"]),
                                                     schemas.get(r["db_id"], {})) for r in rows}
        self._by_length = sorted(self.records, key=len, reverse=True)

    def find(self, asked: str) -> Record | None:
        """The question asked: the same words (case and spacing aside), else the longest one the text holds."""
        folded = _fold(asked)
        if folded in self.records:
            return self.records[folded]
        return next((self.records[q] for q in self._by_length if len(q) > 12 and q in folded), None)
