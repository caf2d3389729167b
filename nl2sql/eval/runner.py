"""Run an evaluation: parallel workers, resumable, with a progress line on stderr.

Each finished question is appended to ``OUT/results.jsonl`` with a fingerprint of the run's settings;
running again with the same ``--out`` and settings scores only the questions not done yet. Results come
back in the dataset's order whatever order the workers finish in.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from collections.abc import Callable, Mapping

from nl2sql.eval.dataset import DatabaseSource, Dataset, Example
from nl2sql.eval.execute import ScoringDatabase
from nl2sql.eval.generators import Generator
from nl2sql.eval.judge import QuestionResult, expected_abstention, judge, skipped
from nl2sql.eval.progress import Progress

RESULTS_FILE = "results.jsonl"
DatabaseOpener = Callable[[DatabaseSource], ScoringDatabase]


@dataclass(frozen=True)
class RunOptions:
    workers: int = 2
    timeout_s: float = 60.0
    keep_distinct: bool = False
    resume: bool = True
    params: Mapping[str, Any] = field(default_factory=dict)   # generator, model, dataset...: the fingerprint


@dataclass(frozen=True)
class RunResult:
    dataset: Dataset
    results: tuple[QuestionResult, ...]
    params: Mapping[str, Any]
    wall_s: float
    resumed: int = 0


def run_evaluation(dataset: Dataset, generator: Generator, open_database: DatabaseOpener, *,
                   out_dir: Path | None = None, options: RunOptions = RunOptions(),
                   progress_stream: TextIO | None = sys.stderr) -> RunResult:
    start = time.perf_counter()
    fingerprint = _fingerprint(options)
    done = _load_done(out_dir, fingerprint) if (out_dir and options.resume) else {}
    todo = [e for e in dataset.examples if e.id not in done]
    pool = _Databases(dataset, open_database)
    progress = Progress(len(dataset.examples), stream=progress_stream, done=len(done),
                        correct=sum(r.status == "correct" for r in done.values()))
    sink = _ResultSink(out_dir, fingerprint) if out_dir else None
    dialects: dict[str, str] = {}

    def one(example: Example) -> QuestionResult:
        result = _score_one(example, dataset, generator, pool, options, dialects)
        if sink is not None:
            sink.write(result)
        progress.advance(result.status)
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="eval") as executor:
            fresh = {r.id: r for r in executor.map(one, todo)}
    finally:
        progress.close()
        pool.close()
        if sink is not None:
            sink.close()
    merged = {**done, **fresh}
    ordered = tuple(merged[e.id] for e in dataset.examples)
    return RunResult(dataset, ordered, dict(options.params), time.perf_counter() - start, resumed=len(done))


def _score_one(example: Example, dataset: Dataset, generator: Generator, pool: "_Databases",
               options: RunOptions, dialects: dict[str, str]) -> QuestionResult:
    if not dataset.runnable(example):
        return skipped(example, f"The database {example.db_id!r} is not available.")
    try:
        db = pool.get(example.db_id)
    except Exception as e:
        return skipped(example, f"The database {example.db_id!r} could not be opened: {e}")
    prediction = generator.predict(example)
    if not example.gold_sql:
        return expected_abstention(example, prediction)
    return judge(example, prediction, db, keep_distinct=options.keep_distinct,
                 dialect=getattr(db.warehouses[0], "dialect", "sqlite"))


class _Databases:
    """One ScoringDatabase per db_id, opened on first use and shared by every worker."""

    def __init__(self, dataset: Dataset, open_database: DatabaseOpener) -> None:
        self._dataset = dataset
        self._open = open_database
        self._open_dbs: dict[str, ScoringDatabase] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, db_id: str) -> ScoringDatabase:
        with self._lock:
            lock = self._locks.setdefault(db_id, threading.Lock())
        with lock:
            if db_id not in self._open_dbs:
                self._open_dbs[db_id] = self._open(self._dataset.databases[db_id])
            return self._open_dbs[db_id]

    def close(self) -> None:
        for db in self._open_dbs.values():
            db.close()


class _ResultSink:
    def __init__(self, out_dir: Path, fingerprint: str) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / RESULTS_FILE
        torn = path.exists() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
        self._file = path.open("a", encoding="utf-8")
        if torn:  # a killed run left half a line: end it so the next record starts clean
            self._file.write("\n")
        self._fingerprint = fingerprint
        self._lock = threading.Lock()

    def write(self, result: QuestionResult) -> None:
        line = json.dumps({"fingerprint": self._fingerprint, "result": result.to_dict()}, ensure_ascii=False)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        self._file.close()


def _fingerprint(options: RunOptions) -> str:
    settings = {**options.params, "keep_distinct": options.keep_distinct, "timeout_s": options.timeout_s}
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _load_done(out_dir: Path, fingerprint: str) -> dict[str, QuestionResult]:
    """Results of an earlier run with the same settings; a torn last line (a killed run) is ignored."""
    path = out_dir / RESULTS_FILE
    done: dict[str, QuestionResult] = {}
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("fingerprint") == fingerprint:
            result = QuestionResult.from_dict(record["result"])
            done[result.id] = result
    return done
