"""Spider dev as stub "f" sees it: questions by text, schemas from tables.json, and a difficulty per question.

The difficulty follows the shape of Spider's own hardness rule (components, nesting, "others") computed from the
gold SQL text, so the stub errs more on the questions a real model finds harder.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

AGGREGATES = ("count", "sum", "avg", "min", "max")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    primary: tuple[str, ...]


@dataclass(frozen=True)
class Schema:
    db_id: str
    tables: tuple[Table, ...]
    foreign_keys: tuple[tuple[str, str, str, str], ...]      # (table, column, referenced table, referenced column)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class Record:
    index: int
    db_id: str
    question: str
    gold: str
    hardness: str


@dataclass(frozen=True)
class Spider:
    records: tuple[Record, ...]
    schemas: dict[str, Schema]
    by_question: dict[str, Record]

    def find(self, question: str) -> Record | None:
        return self.by_question.get(normal_question(question))

    def same_db(self, record: Record) -> list[Record]:
        return [r for r in self.records if r.db_id == record.db_id and r.index != record.index]


def normal_question(text: str) -> str:
    return " ".join(text.split()).strip().lower()


def load(dev_path: str) -> Spider:
    with open(dev_path, encoding="utf-8") as f:
        dev = json.load(f)
    tables_path = os.path.join(os.path.dirname(os.path.abspath(dev_path)), "tables.json")
    with open(tables_path, encoding="utf-8") as f:
        schemas = {s.db_id: s for s in (_schema(entry) for entry in json.load(f))}
    records = tuple(Record(i, d["db_id"], d["question"], d["query"].strip().rstrip(";").strip(), hardness(d["query"]))
                    for i, d in enumerate(dev))
    return Spider(records, schemas, {normal_question(r.question): r for r in records})


def _schema(entry: dict[str, Any]) -> Schema:
    names: list[str] = entry["table_names_original"]
    columns: list[list[str]] = [[] for _ in names]
    types: list[list[str]] = [[] for _ in names]
    flat: list[tuple[str, str]] = [("", "*")]
    for (table_index, column), kind in zip(entry["column_names_original"], entry["column_types"], strict=True):
        if table_index < 0:
            continue
        columns[table_index].append(column)
        types[table_index].append(kind)
        flat.append((names[table_index], column))
    primary: list[list[str]] = [[] for _ in names]
    for key in entry["primary_keys"]:
        for k in key if isinstance(key, list) else [key]:
            table_name, column = flat[k]
            primary[names.index(table_name)].append(column)
    keys = tuple((*flat[a], *flat[b]) for a, b in entry["foreign_keys"])
    tables = tuple(Table(n, tuple(c), tuple(t), tuple(p)) for n, c, t, p in zip(names, columns, types, primary, strict=True))
    return Schema(entry["db_id"], tables, keys)


def hardness(sql: str) -> str:
    """Spider's easy/medium/hard/extra rule, with its counts read from the SQL text."""
    low = " " + re.sub(r"'[^']*'|\"[^\"]*\"", "''", sql.lower()) + " "
    words = re.findall(r"[a-z_]+", low)
    set_ops = sum(words.count(w) for w in ("intersect", "union", "except"))
    nested = max(0, words.count("select") - 1 - set_ops)
    component1 = (words.count("where") + low.count("group by") + low.count("order by") + words.count("limit")
                  + words.count("join") + words.count("or") + words.count("like"))
    component2 = set_ops + nested
    select_list = low.split(" from ", 1)[0]
    others = sum((
        sum(len(re.findall(rf"\b{a}\s*\(", low)) for a in AGGREGATES) > 1,
        select_list.count(",") > 0,
        words.count("and") - words.count("between") > 0 and "where" in words,
        bool(re.search(r"group by [^,]+,", low)),
    ))
    if component1 <= 1 and others == 0 and component2 == 0:
        return "easy"
    if (others <= 2 and component1 <= 1 and component2 == 0) or (component1 <= 2 and others < 2 and component2 == 0):
        return "medium"
    if ((others > 2 and component1 <= 2 and component2 == 0) or (2 < component1 <= 3 and others <= 2 and component2 == 0)
            or (component1 <= 1 and others == 0 and component2 <= 1)):
        return "hard"
    return "extra"
