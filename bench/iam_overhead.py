"""IAM enforcement in the embedded AWS: how many operations are mapped, and what evaluating a request costs.

    .venv/bin/python bench/iam_overhead.py              # 1200 calls
    .venv/bin/python bench/iam_overhead.py --calls 5000

Synthesizes the app once (offline), starts the embedded AWS with enforcement, registers a version, then makes
``--calls`` calls in a fixed rotation of roles and operations (the data scientist describing and listing
versions, the approver reading the group, the staging deployer's role describing, an administrator listing).
The overhead is the time the enforcer spends on a request (reading it back, the stored state, the decision),
from its own per-request timings; the same calls are then timed end to end with enforcement off and on.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _rotation(aws: Any, group: str, arn: str, roles: dict[str, str]) -> list[Any]:
    """The calls, each by its role (every one the administrator's when IAM is off: keys mean nothing)."""
    enforced = aws.iam is not None
    ds = aws.client("sagemaker", role="data-scientist" if enforced else None)
    approver = aws.client("sagemaker", role="approver" if enforced else None)
    deployer = aws.client("sagemaker", role=roles["deploy_staging"] if enforced else None)
    admin = aws.client("sagemaker")
    return [
        lambda: ds.describe_model_package(ModelPackageName=arn),
        lambda: ds.list_model_packages(ModelPackageGroupName=group),
        lambda: approver.describe_model_package_group(ModelPackageGroupName=group),
        lambda: deployer.describe_model_package(ModelPackageName=arn),
        lambda: admin.list_model_packages(ModelPackageGroupName=group),
    ]


def _run(calls: list[Any], n: int) -> list[float]:
    timings = []
    for i in range(n):
        started = time.perf_counter()
        try:
            calls[i % len(calls)]()
        except Exception as error:  # a refusal is a measured outcome too
            if "not authorized" not in str(error):
                raise
        timings.append(time.perf_counter() - started)
    return timings


def _measure(outdir: Path, n: int, iam: bool) -> tuple[list[float], Any]:
    from modelops.local.embedded import embedded_aws
    from modelops.local.iam import Assembly, Environment, collect

    with embedded_aws(outdir, iam=iam) as aws:
        principals = collect(Assembly.from_cdk_out(outdir, Environment(aws.account_id, aws.region)))
        roles = {
            f.handler.split(".")[-2]: principals.by_arn(f.role_arn).name
            for f in principals.functions.values()
        }
        group = str(aws.output("ModelPackageGroupName"))
        bucket = aws.output("ArtifactBucketName")
        arn = aws.client("sagemaker").create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus="PendingManualApproval",
            InferenceSpecification={
                "Containers": [{"Image": "img", "ModelDataUrl": f"s3://{bucket}/m.tar.gz"}],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
        )["ModelPackageArn"]
        calls = _rotation(aws, group, arn, roles)
        if aws.iam is None:
            return _run(calls, n), []
        before = len(aws.iam.counters.seconds)
        timings = _run(calls, n)
        return timings, aws.iam.counters.seconds[before:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1200)
    args = parser.parse_args()
    if args.calls < 1000:
        parser.error("--calls must be at least 1000 (the p99 needs them)")

    from infra.app import build_app
    from modelops.local.iam import operations

    with tempfile.TemporaryDirectory() as outdir:
        build_app(outdir=outdir).synth()
        enforced, evaluations = _measure(Path(outdir), args.calls, iam=True)
        plain, _ = _measure(Path(outdir), args.calls, iam=False)
    print(f"operations mapped: {len(operations())}")
    print(
        f"evaluation per request over {len(evaluations)} requests: median "
        f"{statistics.median(evaluations) * 1e3:.3f} ms, p99 {_p99(evaluations) * 1e3:.3f} ms"
    )
    print(
        f"whole call, enforcement on: median {statistics.median(enforced) * 1e3:.3f} ms, p99 "
        f"{_p99(enforced) * 1e3:.3f} ms; off: median {statistics.median(plain) * 1e3:.3f} ms, p99 "
        f"{_p99(plain) * 1e3:.3f} ms ({args.calls} calls each)"
    )


if __name__ == "__main__":
    main()
