"""The ``semantics`` verb: ``nl2sql semantics export-comments`` prints the overlay's descriptions as SQL.

The statements are printed for review and never executed: a data team reads them, then runs them in a
SQL editor (or pipes them to their own tooling) so that curated semantics flow back into Unity Catalog.
With ``--db``/``--url`` the warehouse's catalog is read first: overlay names are checked against it,
names are qualified from it, and descriptions it already holds are left out.
"""

from __future__ import annotations

import argparse
import sys

from nl2sql.cli.exit_codes import EXIT_CONFIG, EXIT_ERROR, EXIT_OK, shows_help
from nl2sql.errors import ConfigError, UserFacingError
from nl2sql.settings import DEMO_OVERLAY, Settings

DIALECTS = ("databricks", "spark", "duckdb", "postgres", "snowflake")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    semantics = subparsers.add_parser("semantics", help="work with the semantic overlay",
                                      description="Work with the semantic overlay.")
    verbs = semantics.add_subparsers(dest="semantics_verb", metavar="VERB")
    export = verbs.add_parser(
        "export-comments",
        help="print the overlay's descriptions as COMMENT statements (not executed)",
        description="Print the overlay's table and column descriptions as COMMENT ON / ALTER TABLE … ALTER COLUMN … "
                    "COMMENT statements, for review. Nothing is executed.",
    )
    where = export.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="DUCKDB_FILE", help="check names against this DuckDB file's catalog")
    where.add_argument("--url", metavar="URL", help="check names against this warehouse (databricks://…, sqlite:///…)")
    export.add_argument("--overlay", metavar="YAML", help="the overlay (default: NL2SQL_OVERLAY, else the demo's)")
    export.add_argument("--dialect", default="databricks", choices=DIALECTS, help="SQL dialect (default databricks)")
    export.add_argument("--catalog", metavar="C", help="catalog to qualify table names with (needs --schema)")
    export.add_argument("--schema", metavar="S", help="schema to qualify table names with")
    export.add_argument("--output", "-o", metavar="FILE", help="write the script here instead of printing it")
    export.set_defaults(handler=run_export_comments)
    semantics.set_defaults(handler=shows_help(semantics))


def run_export_comments(args: argparse.Namespace) -> int:
    from catalog_semantics.export_comments import CommentTarget, export_comment_statements, render_script
    from catalog_semantics.overlay import load_overlay

    try:
        if args.catalog and not args.schema:
            raise ConfigError("--catalog needs --schema too.")
        settings = Settings.from_env().with_overrides(db_path=args.db, db_url=args.url, overlay_path=args.overlay)
        overlay_path = settings.overlay_path or str(DEMO_OVERLAY)
        overlay = load_overlay(overlay_path)
        catalog = None
        if args.db or args.url:
            from nl2sql.wiring import open_warehouse

            warehouse, _ = open_warehouse(settings)
            catalog = warehouse.read_catalog()
        target = CommentTarget(dialect=args.dialect, catalog=args.catalog, schema=args.schema)
        statements = export_comment_statements(overlay, catalog, target)
    except UserFacingError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_CONFIG if isinstance(e, ConfigError) else EXIT_ERROR
    header = (f"Descriptions from {overlay_path}, as {args.dialect} statements ({len(statements)}).\n"
              "Review them, then run them in a SQL editor: nl2sql does not execute them."
              + ("\nOnly descriptions that differ from the warehouse's comments are listed." if catalog else ""))
    script = render_script(statements, header=header)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(script)
        print(f"wrote {len(statements)} statement(s) to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(script)
    return EXIT_OK
