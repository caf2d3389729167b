"""``python -m nl2sql.cli``: the same as the ``nl2sql`` console script."""

import sys

from nl2sql.cli.main import main

sys.exit(main())
