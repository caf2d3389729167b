"""The evaluation harness: datasets, generators, Spider-exact execution scoring, runs and reports.

>>> from nl2sql.eval import EvalRequest, evaluate            # doctest: +SKIP
>>> report = evaluate(EvalRequest("spider:../shared/benchmarks/spider", "gold", Path("out")))  # doctest: +SKIP
"""

from __future__ import annotations

from nl2sql.eval.api import GENERATORS, EvalRequest, evaluate
from nl2sql.eval.score import official_sql, relaxed_eq, result_eq

__all__ = ["EvalRequest", "GENERATORS", "evaluate", "official_sql", "relaxed_eq", "result_eq"]
