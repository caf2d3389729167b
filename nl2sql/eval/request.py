"""What one evaluation run is asked to do (``EvalRequest``), apart from the API that runs it, so generators
built for a run (``catalog_mode``) can take it without depending back on ``api``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nl2sql.eval.generators import GeneratorKind

GENERATORS: tuple[GeneratorKind, ...] = ("gold", "offline", "llm", "verified", "predictions")


@dataclass(frozen=True)
class EvalRequest:
    dataset: str                              # spider:PATH | bird:PATH | file:PATH
    generator: GeneratorKind
    out_dir: Path
    predictions: Path | None = None
    db: str | None = None                     # file datasets: the warehouse; spider/bird: the databases folder
    overlay: str | None = None                # the overlay: file datasets' warehouse, or every spider/bird database
                                              # (a folder: <db_id>.yaml each)
    workers: int = 2
    timeout_s: float = 60.0
    limit: int | None = None
    keep_distinct: bool | None = None         # None: the dataset's own evaluator (spider drops DISTINCT)
    resume: bool = True
    llm_cache: Path | None = None             # default: OUT/llm_cache.sqlite
    examples: str | None = None               # a train split (spider:|bird:|file:) for few-shot examples
