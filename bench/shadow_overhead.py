"""What a shadow test costs the caller of InvokeEndpoint on the embedded AWS: latency with and without a shadow.

Serves a 300-tree random forest with the project's serving code (``pipelines/steps/inference.py``, built as in
``bench/invocation_overhead.py``) from an in-process embedded AWS and times ``--calls`` InvokeEndpoint calls as
the boto3 client sees them (wall clock, one row each): first with no shadow test, then under a running
inference experiment whose shadow variant (another forest of the same size) receives every request
(SamplingPercentage 100) and whose requests and responses are captured to S3. Prints the median and p99 of
both and their difference, and what the shadow answered, so the "never delays the caller" promise is a
measured figure. The shadow's copies run on the background worker, in this same process: the difference is
what they take from the caller (CPU and the GIL on a shared machine), not a wait for them. The calls are made
back to back, the worst case: each one overlaps the previous one's copy, as no gap between requests lets the
worker catch up (on AWS the shadow runs on instances of its own). ``--gap-ms`` waits that long between calls
(traffic with room for the copy to be answered in between).

    .venv/bin/python bench/shadow_overhead.py [--calls 1000] [--trees 300] [--gap-ms 0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from invocation_overhead import FEATURES, forest_artifact, percentile

ROLE = "arn:aws:iam::123456789012:role/bench"
VARIANT = {"InitialInstanceCount": 1, "InstanceType": "ml.m5.large", "InitialVariantWeight": 1.0}


def model(aws: Any, name: str, artifact: bytes) -> None:
    aws.client("s3").put_object(Bucket="bench-models", Key=f"{name}/model.tar.gz", Body=artifact)
    aws.client("sagemaker").create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": "sklearn",
            "ModelDataUrl": f"s3://bench-models/{name}/model.tar.gz",
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        },
    )


def experiment(sm: Any) -> dict[str, Any]:
    infrastructure = {
        "InfrastructureType": "RealTimeInference",
        "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
    }
    return {
        "Name": "bench-shadow",
        "Type": "ShadowMode",
        "RoleArn": ROLE,
        "EndpointName": "forest",
        "ModelVariants": [
            {"VariantName": "AllTraffic", "ModelName": "champion", "InfrastructureConfig": infrastructure},
            {"VariantName": "Shadow", "ModelName": "challenger", "InfrastructureConfig": infrastructure},
        ],
        "ShadowModeConfig": {
            "SourceModelVariantName": "AllTraffic",
            "ShadowModelVariants": [{"ShadowModelVariantName": "Shadow", "SamplingPercentage": 100}],
        },
        "DataStorageConfig": {
            "Destination": "s3://bench-captures/shadow",
            "ContentType": {"JsonContentTypes": ["application/json"]},
        },
    }


def timed(runtime: Any, calls: int, gap_ms: float = 0.0) -> list[float]:
    body = json.dumps({"instances": [[0.1 * i for i in range(len(FEATURES))]]})
    request = {"EndpointName": "forest", "Body": body, "ContentType": "application/json"}
    walls_ms = []
    for _ in range(calls):
        started = time.perf_counter()
        runtime.invoke_endpoint(**request)["Body"].read()
        walls_ms.append((time.perf_counter() - started) * 1000.0)
        if gap_ms:
            time.sleep(gap_ms / 1000.0)
    return walls_ms


def shadow_answers(aws: Any) -> int:
    from moto.cloudwatch.models import cloudwatch_backends

    data = cloudwatch_backends[aws.account_id][aws.region].metric_data
    return sum(
        1 for d in data if d.name == "Invocations" and any(dim.value == "Shadow" for dim in d.dimensions)
    )


def summary(label: str, walls_ms: list[float]) -> str:
    return f"{label}: median {statistics.median(walls_ms):.2f} ms, p99 {percentile(walls_ms, 0.99):.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--gap-ms", type=float, default=0.0, help="pause between calls (default: none)")
    args = parser.parse_args()
    if args.calls < 1 or args.trees < 1 or args.gap_ms < 0:
        raise SystemExit("--calls and --trees must be at least 1, --gap-ms at least 0")

    from modelops.local.embedded import embedded_aws
    from modelops.local.shadow_traffic import WORKER

    with embedded_aws(None) as aws:
        sm, s3 = aws.client("sagemaker"), aws.client("s3")
        s3.create_bucket(Bucket="bench-models")
        s3.create_bucket(Bucket="bench-captures")
        model(aws, "champion", forest_artifact(args.trees))
        model(
            aws, "challenger", forest_artifact(args.trees)
        )  # the same size: the shadow costs what production does
        sm.create_endpoint_config(
            EndpointConfigName="forest",
            ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "champion", **VARIANT}],
        )
        sm.create_endpoint(EndpointName="forest", EndpointConfigName="forest")
        aws.settle()
        runtime = aws.client("sagemaker-runtime")
        timed(runtime, 5)  # the client's own first-call setup is not what is measured

        without = timed(runtime, args.calls, args.gap_ms)
        sm.create_inference_experiment(**experiment(sm))
        aws.settle()
        if sm.describe_inference_experiment(Name="bench-shadow")["Status"] != "Running":
            raise SystemExit("the shadow test did not start")
        timed(runtime, 5)
        WORKER.wait_idle(600)  # the warm-up's copies are not the measured run's
        before = shadow_answers(aws)
        with_shadow = timed(runtime, args.calls, args.gap_ms)
        drain_started = time.perf_counter()
        WORKER.wait_idle(600)
        drained_s = time.perf_counter() - drain_started
        answered = shadow_answers(aws) - before

    pacing = f"{args.gap_ms:g} ms apart" if args.gap_ms else "back to back"
    print(
        f"{args.calls} InvokeEndpoint calls per run, {pacing}, {args.trees}-tree forests, one row each (in-process)"
    )
    print(summary("without a shadow test      ", without))
    print(summary("under a shadow test (100%) ", with_shadow))
    print(
        f"difference: median {statistics.median(with_shadow) - statistics.median(without):+.2f} ms, "
        f"p99 {percentile(with_shadow, 0.99) - percentile(without, 0.99):+.2f} ms"
    )
    print(
        f"shadow answered {answered} of {args.calls} copies; the worker finished {drained_s:.2f} s after the last call"
    )


if __name__ == "__main__":
    main()
