"""The shadow evaluator's AWS calls per run: a pending test, and a test judged (the verdict recorded).

Runs ``evaluate_shadow`` (what the scheduled Lambda calls) on the embedded AWS, with a counter on every
client, against a production endpoint under a real inference experiment started by the production
deployer's own code (``shadow_experiment.start``), after production traffic: first too few requests
(pending), then enough (a verdict). Prints each run's calls by operation.

    .venv/bin/python bench/shadow_calls.py [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from modelops.contract import lifecycle as lc  # noqa: E402
from modelops.deploy import shadow_experiment as sx  # noqa: E402
from modelops.deploy.clients import Clients  # noqa: E402
from modelops.deploy.settings import DeploySettings, ShadowGate  # noqa: E402
from modelops.deploy.shadow_evaluator import evaluate_shadow  # noqa: E402
from modelops.local.embedded import EmbeddedAWS, embedded_aws  # noqa: E402
from tests.local.patches import shadow_setup as setup  # noqa: E402

GROUP = "diabetes-progression"


class Calls:
    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)


def counted(aws: EmbeddedAWS, calls: Calls) -> Clients:
    clients = Clients(*(aws.client(s) for s in ("sagemaker", "sagemaker-runtime", "s3", "sns", "cloudwatch")))
    for client in (clients.sagemaker, clients.runtime, clients.s3, clients.sns, clients.cloudwatch):
        client.meta.events.register("before-call", calls)
    return clients


def _version_under_test(sm: Any) -> None:
    sm.create_model_package_group(ModelPackageGroupName=GROUP)
    arn = sm.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus=lc.APPROVED,
        InferenceSpecification={
            "Containers": [{"Image": "sklearn", "ModelDataUrl": "s3://models/challenger/model.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    sm.update_model_package(
        ModelPackageArn=arn,
        ModelLifeCycle={"Stage": lc.STAGE_PRODUCTION, "StageStatus": lc.STATUS_SHADOW_TESTING},
    )


def _traffic(aws: EmbeddedAWS, count: int) -> None:
    runtime = aws.client("sagemaker-runtime")
    for index in range(count):
        body = json.dumps({"instances": [float(index % 17), float(index % 5)]})
        runtime.invoke_endpoint(EndpointName=setup.ENDPOINT, ContentType="application/json", Body=body)
    aws.settle()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="the gate's minimum requests")
    args = parser.parse_args()
    with embedded_aws(None, iam=False) as aws:
        sm = setup.production_endpoint(aws)
        _version_under_test(sm)
        settings = DeploySettings(
            project_name="modelops",
            group_name=GROUP,
            topic_arn="",
            execution_role_arn=setup.ROLE,
            staging_endpoint="modelops-staging",
            production_endpoint=setup.ENDPOINT,
            production_instance_count=1,
            shadow=ShadowGate(
                enabled=True,
                min_requests=args.requests,
                latency_tolerance=10.0,
                capture_uri=f"s3://{setup.CAPTURE_BUCKET}/shadow-capture",
            ),
        )
        experiment = sx.start(
            sm, settings, version=1, production_model=setup.PRODUCTION_MODEL, shadow_model=setup.SHADOW_MODEL
        )
        aws.settle()
        print(f"experiment {experiment.name}: {sx.describe(sm, settings, experiment.name).status}")
        for label, requests in (("pending", args.requests // 4), ("judged", args.requests)):
            _traffic(aws, requests)
            calls = Calls()
            outcome = evaluate_shadow(counted(aws, calls), settings)
            by_operation = Counter(calls.names)
            detail = ", ".join(f"{name} {count}" for name, count in sorted(by_operation.items()))
            print(f"{label:<8} {len(calls.names):>3} calls  ({detail})")
            print(f"         outcome: {outcome[:160]}")


if __name__ == "__main__":
    main()
