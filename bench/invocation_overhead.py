"""The embedded AWS's own cost per InvokeEndpoint, the model's serving code excluded.

Serves a 300-tree random forest (the demo's kind of model, with the project's own serving code,
``pipelines/steps/inference.py``) from an in-process embedded AWS, invokes it ``--calls`` times with one row,
and for each call subtracts what the emulator recorded as that call's ``ModelLatency`` (the serving code's own
time, ``AWS/SageMaker`` in CloudWatch) from the call's wall-clock time as the boto3 client saw it. Prints the
median and p99 of that overhead, and of ModelLatency itself for scale.

    .venv/bin/python bench/invocation_overhead.py [--calls 1000] [--trees 300]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tarfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"]


def forest_artifact(trees: int) -> bytes:
    import joblib
    import numpy as np
    from sklearn.ensemble import RandomForestRegressor

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, len(FEATURES)))
    y = x @ rng.normal(size=len(FEATURES)) + rng.normal(scale=0.1, size=2000)
    model = RandomForestRegressor(n_estimators=trees, max_depth=12, random_state=0).fit(x, y)
    dumped = io.BytesIO()
    joblib.dump(model, dumped)
    files = {
        "model.joblib": dumped.getvalue(),
        "model.json": json.dumps({"features": FEATURES}).encode(),
        "code/inference.py": (ROOT / "pipelines" / "steps" / "inference.py").read_bytes(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def serve(aws: Any, artifact: bytes) -> None:
    s3, sm = aws.client("s3"), aws.client("sagemaker")
    s3.create_bucket(Bucket="bench-models")
    s3.put_object(Bucket="bench-models", Key="forest/model.tar.gz", Body=artifact)
    sm.create_model(
        ModelName="forest",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/bench",
        PrimaryContainer={
            "Image": "sklearn",
            "ModelDataUrl": "s3://bench-models/forest/model.tar.gz",
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        },
    )
    sm.create_endpoint_config(
        EndpointConfigName="forest",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "forest",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sm.create_endpoint(EndpointName="forest", EndpointConfigName="forest")
    aws.settle()


def model_latencies_us(aws: Any) -> list[float]:
    """Every ModelLatency value the emulator recorded, in call order."""
    from moto.cloudwatch.models import cloudwatch_backends

    data = cloudwatch_backends[aws.account_id][aws.region].metric_data
    return [float(d.value) for d in data if d.namespace == "AWS/SageMaker" and d.name == "ModelLatency"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--trees", type=int, default=300)
    args = parser.parse_args()

    from modelops.local.embedded import embedded_aws

    artifact = forest_artifact(args.trees)
    with embedded_aws(None) as aws:
        serve(aws, artifact)
        runtime = aws.client("sagemaker-runtime")
        body = json.dumps({"instances": [[0.1 * i for i in range(len(FEATURES))]]})
        request = {"EndpointName": "forest", "Body": body, "ContentType": "application/json"}
        runtime.invoke_endpoint(**request)  # the client's own first-call setup is not the emulator's
        already = len(model_latencies_us(aws))
        walls_ms = []
        for _ in range(args.calls):
            started = time.perf_counter()
            runtime.invoke_endpoint(**request)["Body"].read()
            walls_ms.append((time.perf_counter() - started) * 1000.0)
        models_ms = [us / 1000.0 for us in model_latencies_us(aws)[already:]]
    if len(models_ms) != len(walls_ms):
        raise SystemExit(f"{len(walls_ms)} calls but {len(models_ms)} ModelLatency values recorded")
    overhead = [wall - model for wall, model in zip(walls_ms, models_ms, strict=True)]
    print(f"{args.calls} InvokeEndpoint calls, {args.trees}-tree forest, one row each (in-process)")
    print(
        f"emulator overhead per call (wall - ModelLatency): median {statistics.median(overhead):.2f} ms, "
        f"p99 {percentile(overhead, 0.99):.2f} ms"
    )
    print(
        f"ModelLatency (serving code): median {statistics.median(models_ms):.2f} ms, "
        f"p99 {percentile(models_ms, 0.99):.2f} ms"
    )


if __name__ == "__main__":
    main()
