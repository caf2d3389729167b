"""The ``nl2sql`` command line: ``main`` (the console script), one module per group of verbs.

``core`` (ask, guard, catalog, demo), ``semantics`` (export-comments), ``app`` (the Streamlit app); the eval
verbs live with the harness in ``nl2sql.eval.cli``.
"""

from nl2sql.cli.exit_codes import EXIT_ABSTAINED, EXIT_CONFIG, EXIT_ERROR, EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from nl2sql.cli.main import VERB_MODULES, build_parser, main

__all__ = ["EXIT_ABSTAINED", "EXIT_CONFIG", "EXIT_ERROR", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE",
           "VERB_MODULES", "build_parser", "main"]
