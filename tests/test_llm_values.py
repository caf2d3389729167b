"""The value index is cached on disk with the catalog: a new process reads a file, a changed catalog reads again."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from catalog_semantics.overlay import apply_overlay
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.llm.value_index import CachedValueIndex, catalog_version
from tests.test_llm_defects import school  # noqa: F401  (the school database fixture)


def test_value_index_is_cached_on_disk_with_the_catalog(school: Path, tmp_path: Path) -> None:
    copy = tmp_path / "school.sqlite"
    shutil.copy(school, copy)
    warehouse = SqlAlchemyWarehouse.sqlite_file(copy)
    model = apply_overlay(warehouse.read_catalog(), None)
    first = CachedValueIndex(model, warehouse, tmp_path / "data")
    assert any(h.value == "Paris" for h in first.get().match("students in Paris")) and not first.from_disk
    files = list((tmp_path / "data" / "value_index").glob("*.json"))
    assert [f.stem for f in files] == [catalog_version(model, warehouse)]
    again = CachedValueIndex(model, warehouse, tmp_path / "data")          # a new process: read from the file
    assert [h.value for h in again.get().match("students in Pariss")] == ["Paris"] and again.from_disk
    with sqlite3.connect(copy) as con:                                       # the data changed: read again
        con.execute("UPDATE students SET city = 'Lyon' WHERE city = 'Paris'")
    con.close()
    moved = SqlAlchemyWarehouse.sqlite_file(copy)
    changed = CachedValueIndex(apply_overlay(moved.read_catalog(), None), moved, tmp_path / "data")
    assert not any(h.value == "Paris" for h in changed.get().match("students in Paris")) and not changed.from_disk
    assert any(h.value == "Lyon" for h in changed.get().match("students in Lyon"))


def test_an_unreadable_cache_file_is_read_again(school: Path, tmp_path: Path) -> None:
    warehouse = SqlAlchemyWarehouse.sqlite_file(school)
    model = apply_overlay(warehouse.read_catalog(), None)
    file = tmp_path / "value_index" / f"{catalog_version(model, warehouse)}.json"
    file.parent.mkdir(parents=True)
    file.write_text("{not json")
    index = CachedValueIndex(model, warehouse, tmp_path)
    assert any(h.value == "Paris" for h in index.get().match("students in Paris")) and not index.from_disk
    assert CachedValueIndex(model, warehouse, tmp_path).get().match("Paris")      # repaired on disk
