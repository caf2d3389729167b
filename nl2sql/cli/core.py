"""Core verbs: ``ask``, ``guard``, ``catalog`` and ``demo build``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from nl2sql.cli.exit_codes import EXIT_ABSTAINED, EXIT_CONFIG, EXIT_ERROR, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, shows_help
from nl2sql.errors import ConfigError, GuardRejected, UserFacingError
from nl2sql.settings import Settings

# "clarify" (the question has several readings; the choices are in the output) is not an answer: it
# exits like an abstention so scripts that test for 0 never take a question back as an answer.
STATUS_EXIT = {"answered": EXIT_OK, "refused": EXIT_REFUSED, "abstained": EXIT_ABSTAINED, "error": EXIT_ERROR,
               "clarify": EXIT_ABSTAINED}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ask = subparsers.add_parser("ask", help="answer a question", description="Answer a question with guarded SQL.")
    ask.add_argument("question", help="the question, in plain words")
    add_warehouse_flags(ask)
    ask.add_argument("--generator", choices=("auto", "offline", "llm"), help="who writes the SQL (default: auto)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--max-rows", type=int, help="row cap (default 1000)")
    ask.set_defaults(handler=run_ask)

    guard = subparsers.add_parser(
        "guard",
        help="check SQL with the guard",
        description="Check SQL: exit 0 and print the checked SQL when allowed, exit 3 and the reasons when refused.",
    )
    guard.add_argument("sql", nargs="?", help="the SQL to check")
    guard.add_argument("--dialect", default="duckdb", help="any sqlglot dialect name (default duckdb)")
    guard.add_argument("--allow", help="comma-separated allowlist of tables (default: any non-system table)")
    guard.add_argument("--max-rows", type=int, default=1000, help="LIMIT added or lowered to this (default 1000)")
    guard.add_argument("--jsonl", metavar="FILE",
                       help="check many: one JSON object a line in ({sql, dialect?, allow?}), one out "
                       "({allowed, sql, issues}); '-' = stdin; exit 0 once all lines are checked")
    guard.set_defaults(handler=run_guard)

    catalog = subparsers.add_parser(
        "catalog", help="show the semantic model", description="Show the semantic model as the assistant sees it."
    )
    add_warehouse_flags(catalog)
    catalog.add_argument("--json", action="store_true", help="print JSON")
    catalog.set_defaults(handler=run_catalog)

    demo = subparsers.add_parser("demo", help="the demo warehouse", description="The embedded TPC-H demo warehouse.")
    demo_verbs = demo.add_subparsers(dest="demo_verb", metavar="VERB")
    build = demo_verbs.add_parser("build", help="write the demo DuckDB file", description="Write the demo warehouse to PATH.")
    build.add_argument("path", help="the DuckDB file to write")
    build.add_argument("--scale", type=float, default=0.01, help="TPC-H scale factor (default 0.01)")
    build.set_defaults(handler=run_demo_build)
    demo.set_defaults(handler=shows_help(demo))


def add_warehouse_flags(parser: argparse.ArgumentParser) -> None:
    """--db | --url, and --overlay: where the questions go, shared by every verb that asks."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="DUCKDB_FILE", help="a DuckDB file (default: the demo warehouse)")
    where.add_argument("--url", metavar="SQLALCHEMY_URL", help="a SQLAlchemy URL, e.g. sqlite:///x.sqlite")
    parser.add_argument("--overlay", metavar="YAML", help="semantic overlay (default: the demo's, for the demo)")
    parser.add_argument("--scope", metavar="ENTRIES",
                        help="catalogs, schemas or tables to ask across, comma-separated: "
                        "'sales.*,samples.tpch.orders' (default: NL2SQL_SCOPE, else the whole warehouse)")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_overrides(
        db_path=getattr(args, "db", None),
        db_url=getattr(args, "url", None),
        overlay_path=getattr(args, "overlay", None),
        generator=getattr(args, "generator", None),
        max_rows=getattr(args, "max_rows", None),
        scope=getattr(args, "scope", None),
    )


def _quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from nl2sql.redact import RedactingFilter

    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())


# ---------------------------------------------------------------- ask
def run_ask(args: argparse.Namespace) -> int:
    _quiet_logs()
    from nl2sql.pipeline import Assistant

    try:
        assistant = Assistant.from_settings(_settings(args))
    except UserFacingError as e:
        return _print_setup_error(e, as_json=args.json)
    answer = assistant.ask(args.question)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, default=str))
    else:
        _print_answer(answer, sys.stdout)
    return STATUS_EXIT[answer.status]


def _print_setup_error(error: UserFacingError, *, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"status": "error", "sql": None, "columns": [], "rows": [], "generator": "none",
                          "message": error.message, "hint": error.hint, "error_code": error.code}))
    else:
        print(f"error: {error}", file=sys.stderr)
    return EXIT_CONFIG if isinstance(error, ConfigError) else EXIT_ERROR


def _print_answer(answer: Any, out: TextIO) -> None:
    if answer.status != "answered":
        print(f"[{answer.status}] {answer.message}", file=out)
        for issue in answer.issues:
            print(f"  - {issue.code}: {issue.message}", file=out)
        for number, choice in enumerate(answer.choices, 1):
            print(f"  {number}. {choice.label}  (ask: {choice.question})", file=out)
        if answer.hint:
            print(answer.hint, file=out)
        if answer.admin_hint:
            print(f"(for whoever runs the assistant: {answer.admin_hint})", file=out)
        return
    label = {"verified": "trusted verified query", "offline": "offline engine", "llm": "LLM"}.get(answer.generator, "")
    print(f"-- {answer.message}", file=out)
    print(f"-- answered by: {label}", file=out)
    print(answer.sql.rstrip(), file=out)
    print(file=out)
    print(format_table(answer.columns, answer.rows), file=out)
    print(f"({len(answer.rows):,} row{'s' if len(answer.rows) != 1 else ''}{', truncated' if answer.truncated else ''})", file=out)
    for note in answer.notes:
        print(f"note: {note}", file=out)


def format_table(columns: tuple[str, ...], rows: tuple[tuple[Any, ...], ...], max_rows: int = 50) -> str:
    """A plain-text table for the terminal.

    >>> print(format_table(("a", "b"), ((1, "x"),)))
    a | b
    --+--
    1 | x
    """
    shown = [tuple("NULL" if v is None else str(v) for v in row) for row in rows[:max_rows]]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in shown]
    if len(rows) > max_rows:
        lines.append(f"… {len(rows) - max_rows:,} more rows")
    return "\n".join(lines)


# ---------------------------------------------------------------- guard
def run_guard(args: argparse.Namespace) -> int:
    if args.jsonl:
        return _guard_many(args)
    if args.sql is None:
        print("error: give SQL to check, or --jsonl FILE", file=sys.stderr)
        return EXIT_USAGE
    if not _known_dialect(args.dialect):
        print(f"error: unknown SQL dialect {args.dialect!r} (any sqlglot dialect: duckdb, databricks, sqlite, "
              "postgres, snowflake, bigquery, ...)", file=sys.stderr)
        return EXIT_USAGE
    allow = [t.strip() for t in args.allow.split(",") if t.strip()] if args.allow else None
    result = guard_one(args.sql, dialect=args.dialect, allow=allow, max_rows=args.max_rows)
    if result["allowed"]:
        print(result["sql"])
        return EXIT_OK
    for issue in result["issues"]:
        print(f"refused: {issue['code']}: {issue['message']}", file=sys.stderr)
    return EXIT_REFUSED


def _known_dialect(name: str) -> bool:
    import sqlglot

    try:
        sqlglot.Dialect.get_or_raise(name)
    except ValueError:
        return False
    return True


def guard_one(sql: str, *, dialect: str = "duckdb", allow: list[str] | None = None, max_rows: int | None = 1000) -> dict[str, Any]:
    """Check one SQL text; a JSON-ready verdict. ``allow=None`` allows any non-system table."""
    from nl2sql.guard import GuardPolicy, check

    policy = GuardPolicy(
        dialect=dialect,
        allowed_tables=None if allow is None else frozenset(t.lower() for t in allow),
        allow_any_table=allow is None,
        max_rows=max_rows,
    )
    try:
        checked = check(sql, policy)
    except GuardRejected as e:
        return {"allowed": False, "sql": None, "issues": [i.as_dict() for i in e.issues]}
    return {"allowed": True, "sql": checked.sql, "issues": [i.as_dict() for i in checked.warnings]}


def _guard_many(args: argparse.Namespace) -> int:
    try:
        source = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")
    except OSError as e:
        print(f"error: cannot read {args.jsonl}: {e.strerror}", file=sys.stderr)
        return EXIT_USAGE
    with source:
        for number, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                sql = item["sql"]
                if not isinstance(sql, str):
                    raise TypeError("sql must be a string")
                allow = item.get("allow")
                if isinstance(allow, str):
                    allow = [t.strip() for t in allow.split(",") if t.strip()]
                dialect = item.get("dialect") or args.dialect
                if not _known_dialect(dialect):
                    raise ValueError(f"unknown SQL dialect {dialect!r}")
                verdict = guard_one(sql, dialect=dialect, allow=allow, max_rows=args.max_rows)
            except (ValueError, KeyError, TypeError) as e:
                verdict = {"allowed": False, "sql": None,
                           "issues": [{"code": "bad_input", "message": f"line {number}: {e}", "detail": None}]}
            print(json.dumps(verdict, ensure_ascii=False), flush=True)
    return EXIT_OK  # every line was checked; the verdicts are in the output


# ---------------------------------------------------------------- catalog
def run_catalog(args: argparse.Namespace) -> int:
    _quiet_logs()
    from catalog_semantics.scope import within
    from nl2sql.wiring import build_model, open_warehouse

    try:
        settings = _settings(args)
        warehouse, default_overlay = open_warehouse(settings)
        model = within(build_model(warehouse, settings.overlay_path or default_overlay), settings.scope_patterns())
    except UserFacingError as e:
        return _print_setup_error(e, as_json=args.json)
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(model), ensure_ascii=False, default=str, indent=1))
    else:
        from catalog_semantics.render import render_context

        print(render_context(model, None, budget_tokens=1_000_000))
    return EXIT_OK


# ---------------------------------------------------------------- demo build
def run_demo_build(args: argparse.Namespace) -> int:
    from nl2sql.demo.build import build_demo_warehouse

    try:
        path = build_demo_warehouse(Path(args.path), scale=args.scale)
    except UserFacingError as e:
        return _print_setup_error(e, as_json=False)
    print(f"wrote the demo warehouse to {path}")
    return EXIT_OK
