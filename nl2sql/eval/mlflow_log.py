"""Optional: log an evaluation run to MLflow (the ``[mlflow]`` extra).

Parameters (generator, model, dataset), metrics (strict and relaxed accuracy, overall and by difficulty)
and the reports as artifacts. Without a tracking server configured (``MLFLOW_TRACKING_URI`` or
``tracking_uri``), runs go to a local store beside the reports, ``OUT/mlruns``: a SQLite tracking file
(MLflow 3 retired the plain file store) with artifacts as files, or the plain file store where the
SQLite backend is not installed (``mlflow-skinny``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from nl2sql.errors import ConfigError


def log_to_mlflow(report: Mapping[str, Any], out_dir: Path, *, tracking_uri: str | None = None,
                  experiment: str = "nl2sql-eval") -> str:
    """Log one run; returns the MLflow run id."""
    try:
        import mlflow
    except ImportError as e:
        raise ConfigError("MLflow is not installed.", hint="pip install 'lakehouse-nl2sql[mlflow]'") from e

    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(experiment)
    else:
        _local_store(mlflow, out_dir.resolve() / "mlruns", experiment)
    params = report.get("params", {})
    with mlflow.start_run(run_name=f"{report['dataset']}-{params.get('generator', '')}") as run:
        mlflow.log_params({
            "generator": params.get("generator"),
            "model": params.get("model") or "",
            "dataset": report["dataset"],
            "questions": report["counts"]["questions"],
            "runnable": report["counts"]["runnable"],
        })
        mlflow.log_metrics(metrics_of(report))
        for name in ("report.json", "report.md"):
            if (out_dir / name).exists():
                mlflow.log_artifact(str(out_dir / name))
        run_id: str = run.info.run_id
        return run_id


def _local_store(mlflow: Any, folder: Path, experiment: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import alembic  # noqa: F401  (the SQLite backend needs it; mlflow-skinny lacks it)

        mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
        if mlflow.get_experiment_by_name(experiment) is None:
            mlflow.create_experiment(experiment, artifact_location=(folder / "artifacts").as_uri())
    except ImportError:
        # mlflow-skinny 3.x refuses the plain file store unless this opt-out is set; it is the only local
        # store skinny can write, and the documented switch for exactly this case.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        mlflow.set_tracking_uri(folder.as_uri())
    mlflow.set_experiment(experiment)


def metrics_of(report: Mapping[str, Any]) -> dict[str, float]:
    """Flat metric names MLflow accepts (letters, digits, ``_-./``).

    >>> metrics_of({"execution_accuracy": 0.5, "relaxed_accuracy": 0.75, "wall_s": 1.0,
    ...             "by_difficulty": {"easy": {"execution_accuracy": 1.0, "relaxed_accuracy": 1.0}}})
    {'execution_accuracy': 0.5, 'relaxed_accuracy': 0.75, 'wall_s': 1.0, 'execution_accuracy.easy': 1.0, 'relaxed_accuracy.easy': 1.0}
    """
    metrics = {k: float(report[k]) for k in ("execution_accuracy", "relaxed_accuracy", "wall_s") if k in report}
    for level, group in report.get("by_difficulty", {}).items():
        safe = re.sub(r"[^A-Za-z0-9_\-./ ]", "_", str(level))
        metrics[f"execution_accuracy.{safe}"] = float(group["execution_accuracy"])
        metrics[f"relaxed_accuracy.{safe}"] = float(group["relaxed_accuracy"])
    return metrics
