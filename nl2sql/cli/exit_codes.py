"""Exit codes scripts rely on: 0 answered/allowed, 1 error, 2 usage, 3 refused by the guard,
4 abstained or clarify (no confident answer; a question with several readings lists them), 5 configuration error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REFUSED, EXIT_ABSTAINED, EXIT_CONFIG = 0, 1, 2, 3, 4, 5


def shows_help(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """The handler of a command group run without a subcommand: print the group's help, exit with usage."""
    def handler(args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_USAGE
    return handler
