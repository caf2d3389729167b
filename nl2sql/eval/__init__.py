"""The evaluation harness: datasets, generators, Spider-exact execution scoring, runs and reports.

>>> from nl2sql.eval import EvalRequest, evaluate            # doctest: +SKIP
>>> report = evaluate(EvalRequest("spider:../shared/benchmarks/spider", "gold", Path("out")))  # doctest: +SKIP

``EvalRequest``, ``GENERATORS`` and ``evaluate`` load on first use (PEP 562): the product imports a few leaf
modules of this package (``score`` to compare results, ``cache`` for the reply cache, ``mlflow_log`` for the
local store), and importing them must not load the harness, which imports the pipeline back
(tests/test_import_cycles.py counts a package's ``__init__`` as imported with each of its modules).
"""

from __future__ import annotations

import importlib
from typing import Any

from nl2sql.eval.score import official_sql, relaxed_eq, result_eq

_LAZY = {"EvalRequest": "nl2sql.eval.request", "GENERATORS": "nl2sql.eval.request", "evaluate": "nl2sql.eval.api"}

__all__ = ["EvalRequest", "GENERATORS", "evaluate", "official_sql", "relaxed_eq", "result_eq"]


def __getattr__(name: str) -> Any:   # Any: each lazy name has its own type (see nl2sql.eval.api for them)
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
