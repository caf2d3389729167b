"""Zero false refusals: every runnable Spider dev gold query passes the guard (SQLite dialect).

The allowlist is the database's tables and the schema its columns (tables.json); ``wta_1`` is skipped
because its SQLite file is not in the pack. Each accepted query must also pass again as rendered.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nl2sql.errors import GuardRejected
from nl2sql.guard import GuardPolicy, check

pytestmark = pytest.mark.spider


def spider_policies(spider: Path) -> dict[str, GuardPolicy]:
    policies = {}
    for db in json.loads((spider / "tables.json").read_text()):
        names = db["table_names_original"]
        schema: dict[str, dict[str, str]] = {n.lower(): {} for n in names}
        for (index, column), kind in zip(db["column_names_original"], db["column_types"]):
            if index >= 0:
                schema[names[index].lower()][column] = kind.upper()
        policies[db["db_id"]] = GuardPolicy(dialect="sqlite", allowed_tables=frozenset(schema), schema=schema,
                                            max_rows=None)
    return policies


def test_every_runnable_gold_query_passes(spider: Path) -> None:
    policies = spider_policies(spider)
    examples = [e for e in json.loads((spider / "dev.json").read_text())
                if (spider / "database" / e["db_id"] / f"{e['db_id']}.sqlite").exists()]
    refused, warned = [], 0
    for e in examples:
        try:
            checked = check(e["query"], policies[e["db_id"]])
            assert check(checked.sql, policies[e["db_id"]]).sql == checked.sql
            warned += bool(checked.warnings)
        except GuardRejected as error:
            refused.append((e["db_id"], e["query"], [i.code for i in error.issues]))
    print(f"\nSpider dev gold: {len(examples) - len(refused)}/{len(examples)} passed, {warned} with warnings")
    assert len(examples) >= 900
    assert refused == []


def test_gold_queries_with_a_misspelt_column_are_refused(spider: Path) -> None:
    """The same queries are not waved through: renaming one column of the schema makes them fail."""
    policies = spider_policies(spider)
    e = next(e for e in json.loads((spider / "dev.json").read_text()) if e["query"].startswith("SELECT count(*) FROM singer"))
    policy = policies[e["db_id"]]
    assert check(e["query"], policy)
    with pytest.raises(GuardRejected):
        check(e["query"].replace("FROM singer", "FROM singers"), policy)
    with pytest.raises(GuardRejected) as info:
        check("SELECT nme FROM singer", policy)
    assert [i.code for i in info.value.issues] == ["unknown_column"]


def test_rendered_gold_gives_the_same_rows_on_sqlite(spider: Path) -> None:
    """The guard's rendering does not change what a query means: each gold query, as written and as rendered,
    gives the same rows (same order) on its SQLite database, or both fail. A quoted name turned into a string
    (``[x]`` read as ``'x'``) or a string into a name would show here as different rows."""
    import sqlite3

    policies = spider_policies(spider)
    examples = [e for e in json.loads((spider / "dev.json").read_text())
                if (spider / "database" / e["db_id"] / f"{e['db_id']}.sqlite").exists()]
    changed = []
    for e in examples:
        path = spider / "database" / e["db_id"] / f"{e['db_id']}.sqlite"
        rendered = check(e["query"], policies[e["db_id"]]).sql
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            con.text_factory = lambda b: b.decode(errors="replace")
            results = []
            for sql in (e["query"], rendered):
                try:
                    results.append(con.execute(sql).fetchall())
                except sqlite3.Error as error:
                    results.append([("error", type(error).__name__)])
        if results[0] != results[1]:
            changed.append((e["db_id"], e["query"], rendered))
    assert changed == []
