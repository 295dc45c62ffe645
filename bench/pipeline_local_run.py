"""Benchmark: ``modelops local run-pipeline`` end to end, and the metric the model reaches.

Each round runs preprocess -> train -> evaluate -> gate -> register (three fresh Python processes for the
steps, as the containers would be) against a fresh in-process embedded AWS, with the default
hyperparameters on scikit-learn's bundled diabetes data. Prints the median wall time (target: at most
30 s) and the metrics, which are the same every round: the split and the forest are seeded. ``--mlflow``
also times the same run logging to MLflow (a SQLite tracking store in a temporary folder, artifacts in the
embedded bucket: one run with its parameters, metrics and an MLflow-format copy of the model).

    .venv/bin/python bench/pipeline_local_run.py
    .venv/bin/python bench/pipeline_local_run.py --repeat 5 --mlflow
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from modelops.local.embedded import embedded_aws
from modelops.local.pipeline_runner import MlflowOptions, run_local_pipeline

GROUP = "diabetes-progression"
BUCKET = "bench-artifacts"
THRESHOLD = 70.0  # StageSettings().metric_threshold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mlflow", action="store_true", help="also time runs that log to MLflow")
    args = parser.parse_args()
    kinds = [False, True] if args.mlflow else [False]
    for logged in kinds:
        times, metrics = _rounds(args.repeat, logged)
        label = "with MLflow logging" if logged else "without MLflow"
        print(
            f"local pipeline run {label}: median {statistics.median(times):.1f} s over {args.repeat} "
            f"(min {times[0]:.1f} s, max {times[-1]:.1f} s; target <= 30 s)"
        )
    print("metrics on the held-out split: " + ", ".join(f"{k}={v:.2f}" for k, v in metrics.items()))
    print(f"gate: rmse <= {THRESHOLD:g}; test bound: rmse <= 65, r2 >= 0.25")
    return 0


def _rounds(repeat: int, logged: bool) -> tuple[list[float], dict[str, float]]:
    times: list[float] = []
    metrics: dict[str, float] = {}
    for _ in range(repeat):
        with embedded_aws(None) as aws, tempfile.TemporaryDirectory() as tmp:
            sm, s3 = aws.client("sagemaker"), aws.client("s3")
            sm.create_model_package_group(ModelPackageGroupName=GROUP)
            s3.create_bucket(Bucket=BUCKET)
            mlflow = _tracking(Path(tmp)) if logged else None
            started = time.perf_counter()
            run = run_local_pipeline(sm, s3, group=GROUP, bucket=BUCKET, threshold=THRESHOLD, mlflow=mlflow)
            times.append(time.perf_counter() - started)
            metrics = dict(run.metrics)
    return sorted(times), metrics


def _tracking(folder: Path) -> MlflowOptions:
    """A migrated SQLite tracking store (its migrations are set-up, not the run: not timed)."""
    from mlflow.store.artifact.s3_artifact_repo import _cached_get_s3_client
    from mlflow.tracking import MlflowClient

    _cached_get_s3_client.cache_clear()  # a client of the previous round's emulator would linger
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    MlflowClient(tracking_uri=uri).create_experiment("bench", artifact_location=f"s3://{BUCKET}/mlflow")
    return MlflowOptions(uri, "bench")


if __name__ == "__main__":
    sys.exit(main())
