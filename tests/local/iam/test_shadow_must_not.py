"""The shadow gate's governance, on the synthesized policies of a stage with the gate on: the evaluator reads
the production endpoint's tests and records only its verdict; starting and stopping belong to the production
deployer; no person and no other role writes the verdict; an approver ends a test only by rejecting.

Each row of ``MUST_NOT`` is a call that must be refused; ``MUST`` holds the calls the flow makes, so the
refusals are not an artefact of a policy that allows nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelops.contract import lifecycle as lc
from modelops.contract.names import SHADOW_CAPTURE_PREFIX
from modelops.local.iam import Assembly, Authorizer, Target, collect
from tests.local.iam.calls import PASSED, SERVED, Call, decide, encrypted, update
from tests.local.iam.conftest import ENV, World

UNDER_TEST = Target(
    approval_status=lc.APPROVED,
    stage=lc.STAGE_PRODUCTION,
    stage_status=lc.STATUS_SHADOW_TESTING,
    metadata=PASSED.metadata,
)
SHADOW_FAILED = Target(
    approval_status=lc.APPROVED,
    stage=lc.STAGE_PRODUCTION,
    stage_status=lc.STATUS_SHADOW_FAILED,
    metadata=PASSED.metadata,
)
EXPERIMENT = "modelops-shadow-v2-1"
VERDICT = f"{EXPERIMENT} pass: 200 requests"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("shadow-iam-cdk.out")
    build_app({"shadow_gate": "true"}, outdir=str(outdir)).synth()
    assembly = Assembly.from_cdk_out(Path(outdir), ENV)
    principals = collect(assembly)
    return World(assembly, principals, Authorizer(principals, ENV))


def _experiment(name: str = EXPERIMENT):  # type: ignore[no-untyped-def]
    return lambda w: {"Name": name}


def _stop(w: World) -> dict[str, object]:
    return {"Name": EXPERIMENT, "ModelVariantActions": {"AllTraffic": "Retain", "Shadow": "Remove"}}


def _create(w: World) -> dict[str, object]:
    return {
        "Name": EXPERIMENT,
        "Type": "ShadowMode",
        "RoleArn": w.execution_role_arn,
        "EndpointName": w.production,
        "ModelVariants": [],
        "ShadowModeConfig": {},
    }


def _capture(w: World) -> dict[str, object]:
    return {"Bucket": w.bucket, "Key": f"{SHADOW_CAPTURE_PREFIX}/{w.production}/{EXPERIMENT}/x.jsonl"}


def _promote(w: World) -> dict[str, object]:
    return update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED))(w)


MUST = [
    pytest.param(
        Call("evaluate_shadow", "sagemaker", "DescribeInferenceExperiment", _experiment()), id="e-describe"
    ),
    pytest.param(Call("evaluate_shadow", "sagemaker", "ListInferenceExperiments", lambda w: {}), id="e-list"),
    pytest.param(
        Call(
            "evaluate_shadow", "cloudwatch", "GetMetricStatistics", lambda w: {"Namespace": "AWS/SageMaker"}
        ),
        id="e-metrics",
    ),
    pytest.param(Call("evaluate_shadow", "s3", "GetObject", _capture, encrypted), id="e-reads-captures"),
    pytest.param(
        Call(
            "evaluate_shadow",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_SHADOW_VERDICT: VERDICT}),
            UNDER_TEST,
        ),
        id="e-records-verdict",
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "CreateInferenceExperiment", _create), id="p-creates"
    ),
    pytest.param(Call("deploy_production", "sagemaker", "StopInferenceExperiment", _stop), id="p-stops"),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_FAILED)),
            UNDER_TEST,
        ),
        id="p-records-shadow-failed",
    ),
    pytest.param(
        Call("approver", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), UNDER_TEST),
        id="approver-rejects-a-version-under-test",  # how a test is ended early
    ),
]

MUST_NOT = [
    # --- the evaluator changes nothing that is served, starts and stops nothing, writes only its verdict
    pytest.param(
        Call("evaluate_shadow", "sagemaker", "StopInferenceExperiment", _stop), id="e-stops-the-test"
    ),
    pytest.param(
        Call("evaluate_shadow", "sagemaker", "CreateInferenceExperiment", _create), id="e-starts-a-test"
    ),
    pytest.param(
        Call("evaluate_shadow", "sagemaker", "StartInferenceExperiment", _experiment()),
        id="e-starts-an-experiment",
    ),
    pytest.param(
        Call(
            "evaluate_shadow",
            "sagemaker",
            "UpdateEndpoint",
            lambda w: {"EndpointName": w.production, "EndpointConfigName": "modelops-prod-v2-abc"},
        ),
        id="e-updates-production",
    ),
    pytest.param(
        Call(
            "evaluate_shadow",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING), **{lc.META_SHADOW_VERDICT: VERDICT}),
            UNDER_TEST,
        ),
        id="e-records-verdict-with-a-stage",
    ),
    pytest.param(
        Call(
            "evaluate_shadow",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_SHADOW_VERDICT: VERDICT}),
            SERVED,
        ),
        id="e-records-verdict-on-a-version-not-under-test",
    ),
    pytest.param(
        Call(
            "evaluate_shadow",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_SHADOW_VERDICT: VERDICT, lc.META_STAGING_VERIFICATION: "forged"}),
            UNDER_TEST,
        ),
        id="e-writes-other-evidence",
    ),
    pytest.param(
        Call(
            "evaluate_shadow",
            "sagemaker",
            "UpdateModelPackage",
            update(remove=(lc.META_SHADOW_VERDICT,)),
            UNDER_TEST,
        ),
        id="e-removes-a-verdict",
    ),
    pytest.param(
        Call("evaluate_shadow", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), UNDER_TEST),
        id="e-rejects",
    ),
    pytest.param(
        Call(
            "evaluate_shadow",
            "s3",
            "GetObject",
            lambda w: {"Bucket": w.bucket, "Key": "datasets/diabetes-progression/train.csv"},
            encrypted,
        ),
        id="e-reads-beyond-the-captures",
    ),
    pytest.param(
        Call(
            "evaluate_shadow",
            "sns",
            "Publish",
            lambda w: {"TopicArn": w.topic_arn, "Message": "promoted"},
            encrypted,
        ),
        id="e-publishes",
    ),
    pytest.param(
        Call(
            "evaluate_shadow",
            "sagemaker-runtime",
            "InvokeEndpoint",
            lambda w: {"EndpointName": w.production, "Body": b"{}"},
        ),
        id="e-invokes-production",
    ),
    # --- nobody else writes the verdict
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_SHADOW_VERDICT: VERDICT}),
            UNDER_TEST,
        ),
        id="production-deployer-forges-a-verdict",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_FAILED), **{lc.META_SHADOW_VERDICT: VERDICT}),
            UNDER_TEST,
        ),
        id="production-deployer-forges-a-verdict-with-its-record",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_SHADOW_VERDICT: VERDICT}),
            UNDER_TEST,
        ),
        id="staging-deployer-forges-a-verdict",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_SHADOW_VERDICT: VERDICT}),
            UNDER_TEST,
        ),
        id="approver-forges-a-verdict",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_SHADOW_VERDICT: VERDICT}),
            Target(approval_status=lc.PENDING, stage=lc.STAGE_DEVELOPMENT, stage_status=lc.STATUS_REGISTERED),
        ),
        id="data-scientist-forges-a-verdict-in-development",
    ),
    # --- starting and stopping are the production deployer's
    pytest.param(
        Call("approver", "sagemaker", "StopInferenceExperiment", _stop), id="approver-stops-directly"
    ),
    pytest.param(
        Call("approver", "sagemaker", "CreateInferenceExperiment", _create), id="approver-starts-a-test"
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateInferenceExperiment", _create), id="staging-starts-a-test"
    ),
    pytest.param(
        Call(
            "deploy_production", "sagemaker", "StopInferenceExperiment", lambda w: {"Name": "other-project-1"}
        ),
        id="production-deployer-stops-another-projects-test",
    ),
    # --- an approver's stop request only of a version under test; no shortcut into production
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(approval=lc.REJECTED),
            SERVED,
        ),
        id="approver-rejects-the-served-version",
    ),
    pytest.param(
        Call("approver", "sagemaker", "UpdateModelPackage", _promote, SHADOW_FAILED),
        id="approver-promotes-a-version-that-failed-its-shadow-test",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_STOPPED)),
            UNDER_TEST,
        ),
        id="approver-marks-stopped-itself",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_TESTING)),
            PASSED,
        ),
        id="approver-sets-shadow-testing",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING)),
            UNDER_TEST,
        ),
        id="approver-skips-the-test",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)),
            UNDER_TEST,
        ),
        id="production-deployer-records-deployed-straight-from-a-test",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_TESTING)),
            PASSED,
        ),
        id="production-deployer-tests-a-version-nobody-promoted",
    ),
]


@pytest.mark.parametrize("call", MUST)
def test_the_shadow_flow_calls_are_allowed(world: World, call: Call) -> None:
    verdict = decide(world, call)
    assert verdict.allowed, verdict.explain()


@pytest.mark.parametrize("call", MUST_NOT)
def test_shadow_must_not(world: World, call: Call) -> None:
    verdict = decide(world, call)
    assert not verdict.allowed, verdict.explain()
