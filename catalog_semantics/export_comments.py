"""Curated descriptions back into the catalog: the overlay rendered as ``COMMENT`` statements, for review.

A data team curates table and column descriptions in the YAML overlay; this renders them as
``COMMENT ON TABLE … IS …`` and ``ALTER TABLE … ALTER COLUMN … COMMENT …`` (Databricks; ``COMMENT ON
COLUMN`` elsewhere and for views) so that Unity Catalog, and every tool that reads it, gets the same
words. Statements are built as sqlglot trees and rendered in the target dialect, so names are quoted and
text is escaped by the dialect's own rules; nothing here executes anything.

With the warehouse's catalog at hand, names are checked and qualified from it, views are told from
tables, and a description the catalog already holds is left out (only differences are printed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from catalog_semantics.errors import OverlayError
from catalog_semantics.model import Catalog, Table
from catalog_semantics.overlay import Overlay


@dataclass(frozen=True)
class CommentTarget:
    """Where the statements point: catalog and schema override (or fill) the names the catalog gives."""

    dialect: str = "databricks"
    catalog: str | None = None
    schema: str | None = None


def export_comment_statements(overlay: Overlay, catalog: Catalog | None = None,
                              target: CommentTarget = CommentTarget()) -> tuple[str, ...]:
    """One statement per description in the overlay (without a trailing semicolon), in overlay order."""
    statements: list[str] = []
    for t_ov in overlay.tables:
        table = _find(catalog, t_ov.name, overlay.source)
        name = _table_expr(t_ov.name, table, target)
        is_view = table is not None and table.kind == "view"
        if t_ov.description and not _same(t_ov.description, table.comment if table else None):
            statements.append(exp.Comment(this=name.copy(), kind="TABLE" if target.dialect != "postgres" or not is_view
                                          else "VIEW", expression=exp.Literal.string(t_ov.description)
                                          ).sql(dialect=target.dialect))
        for c_ov in t_ov.columns:
            column = table.column(c_ov.name) if table is not None else None
            if table is not None and column is None:
                raise OverlayError(f"{overlay.source}: tables.{t_ov.name}.columns.{c_ov.name}: the table has no such column.")
            if not c_ov.description or _same(c_ov.description, column.comment if column else None):
                continue
            col_name = column.name if column else c_ov.name
            statements.append(_column_comment(name, col_name, c_ov.description, is_view, target.dialect))
    return tuple(statements)


def render_script(statements: tuple[str, ...], *, header: str) -> str:
    """The statements as a reviewable SQL script: a comment header, one statement a line."""
    lines = [f"-- {line}" if line else "--" for line in header.splitlines()]
    lines += [f"{s};" for s in statements] or ["-- (nothing to export: every description is already in the catalog)"]
    return "\n".join(lines) + "\n"


def _column_comment(table: exp.Table, column: str, text: str, is_view: bool, dialect: str) -> str:
    ident = exp.to_identifier(column, quoted=True)
    if dialect in ("databricks", "spark", "hive") and not is_view:
        alter = exp.Alter(this=table.copy(), kind="TABLE",
                          actions=[exp.AlterColumn(this=ident, comment=exp.Literal.string(text))])
        return alter.sql(dialect=dialect)
    qualified = exp.Column(this=ident, table=table.this.copy(), db=table.args.get("db") and table.args["db"].copy(),
                           catalog=table.args.get("catalog") and table.args["catalog"].copy())
    return exp.Comment(this=qualified, kind="COLUMN", expression=exp.Literal.string(text)).sql(dialect=dialect)


def _table_expr(name: str, table: Table | None, target: CommentTarget) -> exp.Table:
    bare = table.name if table is not None else name.rsplit(".", 1)[-1]
    schema = target.schema or (table.schema if table is not None else None)
    catalog = target.catalog or (table.catalog if table is not None and schema else None)
    if name.count(".") and table is None:                    # the overlay itself qualified the name
        parts = name.split(".")
        schema = target.schema or parts[-2]
        catalog = target.catalog or (parts[-3] if len(parts) > 2 else None)
    if catalog and not schema:
        raise OverlayError("A catalog was given without a schema; give both (--catalog C --schema S).")
    return exp.Table(this=exp.to_identifier(bare, quoted=True),
                     db=exp.to_identifier(schema, quoted=True) if schema else None,
                     catalog=exp.to_identifier(catalog, quoted=True) if catalog else None)


def _find(catalog: Catalog | None, name: str, source: str) -> Table | None:
    if catalog is None:
        return None
    table = catalog.table(name)
    if table is None:
        raise OverlayError(f"{source}: tables.{name}: the warehouse has no such table.",
                           hint="Check the name, or the --catalog/--schema the catalog was read from.")
    return table


def _same(description: str, comment: str | None) -> bool:
    """Whether the catalog already says this."""
    return comment is not None and description.strip() == comment.strip()
