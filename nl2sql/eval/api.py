"""The Python API: ``evaluate(EvalRequest(...)) -> report`` picks the generator and databases, runs, and
writes ``report.json`` and ``report.md``. The CLI is a thin layer over this."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from nl2sql.errors import ConfigError, UsageError
from nl2sql.eval.cache import reply_cache_request
from nl2sql.eval.databases import assistant_factory, database_opener
from nl2sql.eval.dataset import DEFAULT_DB, DatabaseSource, Dataset, load_dataset
from nl2sql.eval.execute import SCORING_ROW_CAP
from nl2sql.eval.generators import (
    AssistantGenerator,
    Generator,
    GoldGenerator,
    PredictionsFile,
)
from nl2sql.eval.report import write_reports
from nl2sql.eval.request import GENERATORS as GENERATORS  # re-exported
from nl2sql.eval.request import EvalRequest as EvalRequest  # re-exported
from nl2sql.eval.runner import RunOptions, run_evaluation
from nl2sql.ports import LlmClient, Warehouse
from nl2sql.settings import Settings

if TYPE_CHECKING:
    from catalog_semantics.model import SemanticModel
    from nl2sql.eval.cache import CachedLlm

def evaluate(request: EvalRequest, *, settings: Settings | None = None, llm: LlmClient | None = None,
             progress_stream: TextIO | None = sys.stderr) -> dict[str, Any]:
    """Run one evaluation and write its reports; returns the report as a dict."""
    if request.generator not in GENERATORS:
        raise ConfigError(f"Unknown generator {request.generator!r}; choose one of {', '.join(GENERATORS)}.")
    settings = settings or Settings()
    is_file = not request.dataset.startswith(("spider:", "bird:", "spider-catalog:"))
    database_dir = Path(request.db).expanduser() if (request.db and not is_file) else None
    if request.overlay and not Path(request.overlay).expanduser().exists():
        raise UsageError(f"The overlay {request.overlay} does not exist.", hint="Give an overlay YAML file (or, "
                         "for spider: and bird:, a folder of <db_id>.yaml files), or leave --overlay out.")
    full = load_dataset(request.dataset, database_dir=database_dir)
    if is_file:
        full = _file_databases(full, request)
    needs_default = is_file and DEFAULT_DB in full.databases
    default_warehouse, default_model = _configured_warehouse(request, settings) if needs_default else (None, None)
    # Generators see the whole dataset (a predictions file has a line for every question); --limit
    # only decides which questions are scored.
    generator, model_name, cached = _generator(request, full, settings, llm, default_warehouse, default_model)
    dataset = replace(full, examples=full.examples[: request.limit]) if request.limit is not None else full
    params = {
        "generator": request.generator,
        "model": model_name,
        "dataset": dataset.name,
        "questions": len(dataset.examples),
        "predictions_sha256": _sha256(request.predictions) if request.predictions else None,
    }
    if request.generator == "llm":
        params["llm_candidates"] = settings.llm_candidates
        params["examples"] = request.examples
    options = RunOptions(workers=request.workers, timeout_s=request.timeout_s,
                         keep_distinct=keeps_distinct(request.keep_distinct, dataset.kind),
                         resume=request.resume, params=params)
    opener = database_opener(timeout_s=request.timeout_s, default=default_warehouse)
    try:
        run = run_evaluation(dataset, generator, opener, out_dir=request.out_dir, options=options,
                             progress_stream=progress_stream)
    finally:
        if cached is not None:
            cached.close()
    report = write_reports(run, request.out_dir)
    if cached is not None:
        report["llm_cache"] = {"hits": cached.hits, "misses": cached.misses}
    return report


def keeps_distinct(asked: bool | None, kind: str) -> bool:
    """Whether DISTINCT stays in both queries. Spider's evaluator drops it (its published figures do), so a
    spider dataset does too unless asked; BIRD's evaluator and our own ``file:`` sets run the SQL as written,
    where "how many different customers" depends on it (dropped, COUNT(DISTINCT x) would count every row)."""
    return asked if asked is not None else kind != "spider"


def _generator(request: EvalRequest, dataset: Dataset, settings: Settings, llm: LlmClient | None,
               warehouse: Warehouse | None,
               model: SemanticModel | None) -> tuple[Generator, str | None, CachedLlm | None]:
    if request.generator == "gold":
        return GoldGenerator(), None, None
    if request.generator == "predictions":
        if request.predictions is None:
            raise ConfigError("The predictions generator needs --predictions FILE (one SQL per line).")
        return PredictionsFile(request.predictions, dataset), None, None
    # The assistant's row cap would cut results before scoring: lift it to the scoring cap. Scoring reads
    # the SQL and rows only, so the notes' extra queries (ties, periods, empty results) are not run.
    eval_settings = replace(settings, max_rows=SCORING_ROW_CAP, query_timeout_s=request.timeout_s,
                            answer_notes=False)
    cached = None
    if request.generator == "llm":
        llm = llm or _configured_llm(settings)
        from nl2sql.eval.cache import CachedLlm

        cache_path = request.llm_cache or request.out_dir / "llm_cache.sqlite"
        cached = CachedLlm(llm, cache_path, request=reply_cache_request(settings))
        llm = cached
    if request.dataset.startswith("spider-catalog:"):
        from nl2sql.eval.catalog_mode import catalog_generator

        return catalog_generator(request, settings, llm), getattr(llm, "model", None), cached
    overlay = Path(request.overlay).expanduser() if request.overlay else None
    # Few-shot pool: the train split's pairs; examples.select_examples never picks the question being asked.
    pairs = tuple((e.question, e.gold_sql) for e in load_dataset(request.examples).examples if e.gold_sql) \
        if request.examples and request.generator == "llm" else ()
    factory = assistant_factory(eval_settings, llm=llm, default=warehouse, default_model=model, overlay=overlay,
                                examples=pairs)
    model_name = llm.model if (llm is not None and request.generator == "llm") else None
    generator = AssistantGenerator(request.generator, dataset, factory, row_cap=SCORING_ROW_CAP)
    return generator, model_name, cached


def _file_databases(dataset: Dataset, request: EvalRequest) -> Dataset:
    """Where a benchmark file's questions run when its rows name a ``db_id``.

    ``--db`` a folder: ``<folder>/<db_id>/<db_id>.sqlite`` (Spider's layout) or ``<folder>/<db_id>.sqlite``;
    otherwise a file whose rows all name one database run on the configured warehouse (``--db`` or the
    settings). Rows naming several databases with no folder to find them in are a usage error, not a run
    that skips every question."""
    named = [d for d in dataset.databases if d != DEFAULT_DB]
    if not named:
        return dataset
    folder = Path(request.db).expanduser() if request.db and Path(request.db).expanduser().is_dir() else None
    if folder is not None:
        databases = dict(dataset.databases)
        for db_id in named:
            files = [p for p in (folder / db_id / f"{db_id}.sqlite", folder / f"{db_id}.sqlite",
                                 folder / f"{db_id}.sqlite3") if p.is_file()]
            if not files:
                raise UsageError(f"The questions name the database {db_id!r}, which {folder} does not hold.",
                                 hint="Give --db the folder holding <db_id>/<db_id>.sqlite or <db_id>.sqlite.")
            databases[db_id] = DatabaseSource(db_id, (files[0],))
        return replace(dataset, databases=databases)
    if len(named) == 1:
        examples = tuple(replace(e, db_id=DEFAULT_DB) for e in dataset.examples)
        return replace(dataset, examples=examples, databases={DEFAULT_DB: DatabaseSource(DEFAULT_DB)})
    raise UsageError(f"The questions name {len(named)} databases ({', '.join(named[:5])}), and --db is not a "
                     "folder holding them.", hint="Give --db the folder holding <db_id>/<db_id>.sqlite.")


def _configured_llm(settings: Settings) -> LlmClient:
    from nl2sql.wiring import build_llm

    llm = build_llm(replace(settings, generator="llm"))
    if llm is None:
        raise ConfigError("The llm generator needs a language model.",
                          hint="Set OPENAI_API_KEY (and OPENAI_BASE_URL for other OpenAI-compatible servers).")
    return llm


def _configured_warehouse(request: EvalRequest, settings: Settings) -> tuple[Warehouse, SemanticModel]:
    """The warehouse a benchmark file runs on: ``--db`` (DuckDB file, SQLite file or URL) or the settings."""
    from nl2sql.wiring import build_model, open_warehouse

    if request.db:
        db = request.db
        if "://" in db:
            settings = replace(settings, db_url=db, db_path=None)
        elif db.lower().endswith((".sqlite", ".sqlite3")):
            settings = replace(settings, db_url=f"sqlite:///{Path(db).expanduser().resolve()}", db_path=None)
        else:
            settings = replace(settings, db_path=db, db_url=None)
    warehouse, default_overlay = open_warehouse(settings)
    overlay = request.overlay or settings.overlay_path or default_overlay
    return warehouse, build_model(warehouse, overlay)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


__all__ = ["DEFAULT_DB", "GENERATORS", "EvalRequest", "evaluate"]
