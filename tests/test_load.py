"""50 concurrent questions through the Python API: all answered, all correct (figures: benchmarks/load.py)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.load import run_load


def test_fifty_concurrent_questions_all_correct(tmp_path: Path) -> None:
    figures = run_load(concurrency=50, questions=50, data_dir=tmp_path)
    assert figures["questions"] == 50
    assert figures["errors"] == 0, figures["error_messages"]
    assert figures["wrong_answers"] == 0
