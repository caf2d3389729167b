"""Logging a run to MLflow's local file store (skipped when the [mlflow] extra is not installed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nl2sql.eval.mlflow_log import log_to_mlflow, metrics_of

REPORT = {
    "dataset": "spider:dev", "params": {"generator": "offline", "model": None},
    "counts": {"questions": 3, "runnable": 2}, "execution_accuracy": 0.5, "relaxed_accuracy": 1.0, "wall_s": 1.5,
    "by_difficulty": {"easy": {"execution_accuracy": 1.0, "relaxed_accuracy": 1.0},
                      "extra hard": {"execution_accuracy": 0.0, "relaxed_accuracy": 1.0}},
}


def test_metrics_are_flat_and_named_safely() -> None:
    metrics = metrics_of(REPORT)
    assert metrics["execution_accuracy"] == 0.5 and metrics["relaxed_accuracy.extra hard"] == 1.0


def test_log_to_local_file_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "report.json").write_text(json.dumps(REPORT))
    (tmp_path / "report.md").write_text("# report\n")
    run_id = log_to_mlflow(REPORT, tmp_path)
    run = mlflow.get_run(run_id)
    assert run.data.params["generator"] == "offline" and run.data.metrics["execution_accuracy"] == 0.5
    assert (tmp_path / "mlruns").is_dir()
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run_id)}
    assert {"report.json", "report.md"} <= artifacts
