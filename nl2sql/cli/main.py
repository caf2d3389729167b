"""The ``nl2sql`` command line. Verbs register themselves; each handler returns the exit code
(``nl2sql.cli.exit_codes``)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence

from nl2sql.cli.exit_codes import EXIT_USAGE

# Each module exposes ``register(subparsers)``, adding verbs whose parsers ``set_defaults(handler=f)``
# with ``f(args) -> int``. A module that is not there yet (or whose extra is not installed) is skipped.
VERB_MODULES: tuple[str, ...] = (
    "nl2sql.cli.core",
    "nl2sql.eval.cli",
    "nl2sql.cli.semantics",
    "nl2sql.cli.app",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nl2sql",
        description="Ask a lakehouse in plain words; get a guarded SQL answer.",
    )
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in VERB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        register: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] = module.register
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    return int(handler(args))


