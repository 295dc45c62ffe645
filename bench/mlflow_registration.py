"""MLflow's path into the registry: the time from ``log_model(..., registered_model_name=<group>)`` returning
to the version being visible in SageMaker (DescribeModelPackage), over ``--runs`` registrations, and the
number of extra processes the MLflow tracking server adds to ``modelops local up``.

The registration is synchronous by construction (the store's CreateModelPackage *is* the registration), so
the first figure measures whether anything is left to happen after MLflow returns. In-process embedded AWS,
SQLite tracking store, artifacts in the embedded S3 bucket.

    .venv/bin/python bench/mlflow_registration.py [--runs 20] [--no-server]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

GROUP = "diabetes-progression"
BUCKET = "bench-artifacts"


def registration_figures(runs: int) -> None:
    import mlflow
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor

    from modelops.local.embedded import embedded_aws
    from modelops.mlflow_registry import registry_uri

    x, y = load_diabetes(return_X_y=True, as_frame=True)
    os.environ["MLFLOW_LOG_UV_FILES"] = "false"
    with tempfile.TemporaryDirectory() as tmp, embedded_aws(None) as aws:
        sm, s3 = aws.client("sagemaker"), aws.client("s3")
        sm.create_model_package_group(ModelPackageGroupName=GROUP)
        s3.create_bucket(Bucket=BUCKET)
        mlflow.set_tracking_uri(f"sqlite:///{Path(tmp) / 'mlflow.db'}")
        mlflow.set_registry_uri(registry_uri([GROUP], BUCKET))
        mlflow.set_experiment(experiment_id=mlflow.create_experiment("bench", f"s3://{BUCKET}/mlflow/1"))
        visible_after, log_model_s = [], []
        for n in range(1, runs + 1):
            with mlflow.start_run():
                mlflow.log_metric("rmse", 50.0 + n)
                model = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=n).fit(x, y)
                started = time.perf_counter()
                mlflow.sklearn.log_model(
                    model,
                    name="model",
                    registered_model_name=GROUP,
                    skops_trusted_types=["sklearn.tree._tree.Tree"],
                    input_example=x.head(3),
                    pip_requirements=["scikit-learn==1.9.1"],
                )
                returned = time.perf_counter()
            arn = f"arn:aws:sagemaker:{aws.region}:{aws.account_id}:model-package/{GROUP}/{n}"
            while True:
                try:
                    sm.describe_model_package(ModelPackageName=arn)
                    break
                except sm.exceptions.ClientError:
                    time.sleep(0.001)
            visible_after.append(time.perf_counter() - returned)
            log_model_s.append(returned - started)
        print(
            f"log_model -> package visible: median {statistics.median(visible_after) * 1000:.1f} ms, "
            f"max {max(visible_after) * 1000:.1f} ms over {runs} registrations"
        )
        print(f"log_model itself (save, upload, register): median {statistics.median(log_model_s):.2f} s")


def _group_processes(pgid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    count += 1
            except ProcessLookupError:
                continue
    return count


def server_figures() -> None:
    from modelops.local.mlflow_server import MlflowTrackingServer
    from modelops.local.server import LocalServer
    from modelops.mlflow_registry import registry_uri

    aws = LocalServer(None, port=0)
    aws.start()
    try:
        environment = {"AWS_ENDPOINT_URL": aws.endpoint_url, **aws.credentials.environment()}
        tracking = MlflowTrackingServer(
            artifact_bucket=BUCKET,
            registry_uri=registry_uri([GROUP], BUCKET),
            environment=environment,
            port=5057,
        )
        started = time.perf_counter()
        tracking.start()
        print(f"MLflow tracking server healthy after {time.perf_counter() - started:.1f} s")
        assert tracking.pid is not None
        time.sleep(2)  # let it fork what it forks
        print(f"extra processes of modelops local up for MLflow: {_group_processes(tracking.pid)}")
        tracking.stop()
    finally:
        aws.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-server", action="store_true", help="Skip the tracking-server figures.")
    args = parser.parse_args(argv)
    registration_figures(args.runs)
    if not args.no_server:
        server_figures()
    return 0


if __name__ == "__main__":
    sys.exit(main())
