"""The deployment stacks with the shadow gate on, in a fresh embedded AWS per test, and production traffic.

The gate's window is the default hour; a test judges a version once the shadow answered
``MIN_REQUESTS``, or ends the window early through UpdateInferenceExperiment (a new EndTime, as an operator
would). Latency is judged with room for a loaded two-core machine (``LATENCY_TOLERANCE``): these tests are
about the flow; the latency rule has its own tests on numbers (test_shadow_verdict.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle as lc
from modelops.local.embedded import embedded_aws
from tests.built_once import built_once
from tests.deploy.app import synth_to
from tests.deploy.conftest import PRODUCTION, Artifact, World, train_artifacts, world_on

MIN_REQUESTS = 30
LATENCY_TOLERANCE = 10.0
SHADOW_CONTEXT = {
    "verification_latency_budget_ms": "60000",
    "shadow_gate": "true",
    "shadow_min_requests": str(MIN_REQUESTS),
    "shadow_latency_tolerance": str(LATENCY_TOLERANCE),
}


@pytest.fixture(scope="session")
def shadow_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(
        tmp_path_factory, "shadow-cdk.out", lambda outdir: synth_to(outdir, context=SHADOW_CONTEXT)
    )


@pytest.fixture(scope="session")
def shadow_artifacts(shadow_cdk_out: Path) -> dict[str, Artifact]:
    """A good version and one whose serving code answers plausible but shifted numbers."""
    return train_artifacts(shadow_cdk_out, {"good": None, "shifted": "shifted-predictions"})


@pytest.fixture
def shadow_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(getattr(request, "param", {}))


@pytest.fixture
def shadow(
    shadow_cdk_out: Path, shadow_artifacts: dict[str, Artifact], shadow_options: dict[str, Any]
) -> Iterator[World]:
    with embedded_aws(shadow_cdk_out, **shadow_options) as aws:
        yield world_on(aws, shadow_artifacts)


def requests_of(world: World) -> list[bytes]:
    """Request bodies for production: the sample payload's rows, one row per request."""
    document = json.loads(world.artifacts["good"].samples)
    bodies = document if isinstance(document, list) else [document]
    rows = [row for body in bodies for row in (body.get("instances") or [])]
    return [json.dumps({"instances": [row]}).encode() for row in rows]


def send_traffic(world: World, count: int) -> None:
    """``count`` callers' requests to production, as a traffic generator sends them."""
    runtime = world.aws.client("sagemaker-runtime")
    bodies = requests_of(world)
    for index in range(count):
        runtime.invoke_endpoint(
            EndpointName=PRODUCTION,
            ContentType="application/json",
            Accept="application/json",
            Body=bodies[index % len(bodies)],
        )
    world.settle()  # the shadow copies and captures are written


def under_test(world: World, rmse: float, artifact: str = "good") -> int:
    """Register, pass staging and promote a version: with production serving another, its test starts."""
    version = world.register(rmse, artifact)
    world.approve(version)
    world.settle()
    assert world.state(version)[1:] == (lc.STAGE_STAGING, lc.STATUS_PASSED), world.description(version)
    world.promote(version)
    world.settle()
    return version


def evaluate(world: World) -> None:
    """The evaluator's schedule fires (as if five minutes passed), then everything it causes settles."""
    assert world.aws.fire_schedules() == 1
    world.settle()


def experiments(world: World) -> list[dict[str, Any]]:
    """The inference experiments of the account, oldest first."""
    found = world.sagemaker.list_inference_experiments(SortBy="CreationTime", SortOrder="Ascending")
    return list(found["InferenceExperiments"])


def metadata(world: World, version: int) -> dict[str, str]:
    package = world.sagemaker.describe_model_package(ModelPackageName=world.arn(version))
    return dict(package.get("CustomerMetadataProperties") or {})
