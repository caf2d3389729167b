"""The ``nl2sql`` command line. Verbs register themselves; each handler returns the exit code.

Exit codes scripts rely on: 0 answered/allowed, 1 error, 2 usage, 3 refused by the guard,
4 abstained (no confident answer), 5 configuration error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REFUSED, EXIT_ABSTAINED, EXIT_CONFIG = 0, 1, 2, 3, 4, 5

# Each module exposes ``register(subparsers)``, adding verbs whose parsers ``set_defaults(handler=f)``
# with ``f(args) -> int``. A module that is not there yet (or whose extra is not installed) is skipped.
VERB_MODULES: tuple[str, ...] = (
    "nl2sql.cli_core",
    "nl2sql.eval.cli",
    "nl2sql.cli_semantics",
    "nl2sql.cli_app",
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
        register: Callable[[argparse._SubParsersAction], None] = module.register
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
