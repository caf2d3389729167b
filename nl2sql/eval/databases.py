"""Open a dataset's databases for scoring and build the product's Assistant over them.

Spider and BIRD run on their SQLite files through the SQLAlchemy warehouse, in the SQLite dialect (gold
SQL is never transpiled: that changes results). A benchmark file runs on the configured warehouse.
BIRD's column descriptions become column comments of the semantic model the generators see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from nl2sql.eval.dataset import DEFAULT_DB, DatabaseSource
from nl2sql.eval.execute import ScoringDatabase
from nl2sql.ports import LlmClient, Warehouse

if TYPE_CHECKING:
    from catalog_semantics.model import Catalog, SemanticModel
    from nl2sql.eval.generators import AssistantFactory
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings


def warehouses_for(source: DatabaseSource, default: Warehouse | None = None) -> tuple[Warehouse, ...]:
    from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse

    if source.paths:
        return tuple(SqlAlchemyWarehouse.sqlite_file(p, name=source.db_id if i == 0 else p.stem)
                     for i, p in enumerate(source.paths))
    if source.url:
        return (SqlAlchemyWarehouse(source.url, name=source.db_id),)
    if source.db_id == DEFAULT_DB and default is not None:
        return (default,)
    raise FileNotFoundError(f"no database for {source.db_id!r}")


def database_opener(*, timeout_s: float, default: Warehouse | None = None) -> Callable[[DatabaseSource], ScoringDatabase]:
    def open_database(source: DatabaseSource) -> ScoringDatabase:
        return ScoringDatabase(warehouses_for(source, default), timeout_s=timeout_s)

    return open_database


def with_comments(catalog: Catalog, comments: dict[tuple[str, str], str]) -> Catalog:
    """The catalog with BIRD-style descriptions as column comments (existing comments are kept)."""
    if not comments:
        return catalog
    tables = []
    for table in catalog.tables:
        columns = tuple(
            replace(c, comment=c.comment or comments.get((table.name.lower(), c.name.lower())))
            for c in table.columns
        )
        tables.append(replace(table, columns=columns))
    return replace(catalog, tables=tuple(tables))


def model_for(source: DatabaseSource, warehouse: Warehouse, overlay: Path | None = None) -> SemanticModel:
    """The semantic model generators see: the catalog, the dataset's descriptions as comments, and the
    ``--overlay`` (a file for every database, or a folder holding ``<db_id>.yaml``) when one applies."""
    from catalog_semantics.overlay import apply_overlay, load_overlay

    path = overlay_for(overlay, source.db_id)
    model = apply_overlay(with_comments(warehouse.read_catalog(), dict(source.column_comments)),
                          load_overlay(path) if path is not None else None)
    return replace(model, name=source.db_id, description=model.description or source.description)


def overlay_for(overlay: Path | None, db_id: str) -> Path | None:
    """``overlay`` itself when it is a file; ``overlay/<db_id>.yaml`` (or ``.yml``) when it is a folder."""
    if overlay is None or overlay.is_file():
        return overlay
    return next((p for p in (overlay / f"{db_id}.yaml", overlay / f"{db_id}.yml") if p.is_file()), None)


def assistant_factory(settings: Settings, *, llm: LlmClient | None = None,
                      default: Warehouse | None = None,
                      default_model: SemanticModel | None = None,
                      overlay: Path | None = None,
                      examples: tuple[tuple[str, str], ...] = ()) -> AssistantFactory:
    """Build one Assistant per database; the benchmark file's database uses the configured model/overlay."""
    from nl2sql.pipeline import Assistant

    def build(source: DatabaseSource) -> Assistant:
        if source.db_id == DEFAULT_DB and default is not None and default_model is not None:
            return Assistant(default_model, default, settings, llm=llm, examples=examples)
        warehouse = warehouses_for(source, default)[0]
        return Assistant(model_for(source, warehouse, overlay), warehouse, settings, llm=llm, examples=examples)

    return build
