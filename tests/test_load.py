"""50 concurrent questions through the Python API: all answered, all correct (figures: benchmarks/load.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load import run_load


@pytest.mark.slow     # a load run (CI); one assistant over many threads: test_pipeline's test_one_assistant_serves_many_threads
def test_fifty_concurrent_questions_all_correct(tmp_path: Path) -> None:
    figures = run_load(concurrency=50, questions=50, data_dir=tmp_path)
    assert figures["questions"] == 50
    assert figures["errors"] == 0, figures["error_messages"]
    assert figures["wrong_answers"] == 0
