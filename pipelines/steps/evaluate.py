"""Evaluate step: score the trained model on the held-out test split.

Runs in the SageMaker scikit-learn processing container and under ``modelops local run-pipeline``.
Inputs: ``model/model.tar.gz`` (the training step's artifact) and ``test/test.csv``. Outputs, in
``evaluation/``:

- ``evaluation.json`` in the format Studio shows as model quality metrics
  (``{"regression_metrics": {"rmse": {"value": v, "standard_deviation": s}, ...}}``); the pipeline's
  gate reads it through a property file, registration attaches it as ``ModelQuality.Statistics``;
- ``sample_payload.json``: a list of JSON request bodies built from test rows, which staging
  verification sends to the endpoint.

The standard deviations come from a seeded bootstrap over the test rows, so they say how much the
metric would move on another sample of the same size, and the same inputs always give the same file.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
import tempfile
from pathlib import Path

import joblib
import numpy as np

PROCESSING_DIR = Path(os.environ.get("MODELOPS_PROCESSING_DIR", "/opt/ml/processing"))
BOOTSTRAP_ROUNDS = 200
SAMPLE_BODIES = 5


class EvaluationError(Exception):
    """The model artifact or the test split cannot be evaluated."""


def rmse(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - p) ** 2)))


def mae(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(np.abs(y - p)))


def r2(y: np.ndarray, p: np.ndarray) -> float:
    total = float(np.sum((y - np.mean(y)) ** 2))
    return 1.0 - float(np.sum((y - p) ** 2)) / total if total > 0 else 0.0


METRICS = {"rmse": rmse, "mae": mae, "r2": r2}


def regression_metrics(y: np.ndarray, p: np.ndarray, seed: int = 0) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(seed)
    samples = [rng.integers(0, len(y), len(y)) for _ in range(BOOTSTRAP_ROUNDS)]
    return {
        name: {
            "value": round(fn(y, p), 6),
            "standard_deviation": round(float(np.std([fn(y[s], p[s]) for s in samples])), 6),
        }
        for name, fn in METRICS.items()
    }


def load_model(archive: Path) -> object:
    if not archive.is_file():
        raise EvaluationError(f"model artifact {archive} does not exist")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive) as tar:
        # The "data" filter refuses links and paths out of the folder; Pythons before 3.11.4 lack it.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(tmp, filter="data")
        else:
            tar.extractall(tmp)  # the archive is the one the training step of this run wrote
        model_file = Path(tmp) / "model.joblib"
        if not model_file.is_file():
            raise EvaluationError(f"{archive.name} holds no model.joblib")
        return joblib.load(model_file)


def main() -> int:
    model = load_model(PROCESSING_DIR / "model" / "model.tar.gz")
    test_csv = PROCESSING_DIR / "test" / "test.csv"
    if not test_csv.is_file():
        raise EvaluationError(f"test split {test_csv} does not exist")
    data = np.loadtxt(test_csv, delimiter=",", skiprows=1, ndmin=2)
    x, y = data[:, :-1], data[:, -1]
    predictions = np.asarray(model.predict(x), dtype=np.float64)  # type: ignore[attr-defined]
    report = {"regression_metrics": regression_metrics(y, predictions)}

    out = PROCESSING_DIR / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
    bodies = [{"instances": [row.tolist()]} for row in x[:SAMPLE_BODIES]]
    (out / "sample_payload.json").write_text(json.dumps(bodies, indent=2), encoding="utf-8")
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except EvaluationError as error:
        print(f"evaluate failed: {error}", file=sys.stderr)
        sys.exit(1)
