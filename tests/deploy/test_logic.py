"""The deployer's pure rules: event models, routing by the synthesized patterns, names, guards, checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.contract import lifecycle as lc
from modelops.contract.names import ENV_TOPIC_ARN
from modelops.deploy import endpoints as ep
from modelops.deploy.errors import MalformedEventError, SettingsError
from modelops.deploy.events import endpoint_name, package_arn
from modelops.deploy.model_latency import MIN_SAMPLES
from modelops.deploy.packages import PackageVersion
from modelops.deploy.production import refusal
from modelops.deploy.settings import DeploySettings
from modelops.deploy.verification import champion_problems, load_payloads, prediction_problem, verify
from modelops.local.embedded import embedded_aws
from tests.deploy.conftest import GROUP, STAGING, World

EVENTS = Path(__file__).resolve().parents[1] / "events"


def _event(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def _routed(cdk_out: Path, event: dict[str, Any]) -> list[str]:
    """The handlers the synthesized rules invoke for ``event``, matched as the embedded AWS matches."""
    with embedded_aws(cdk_out) as aws:
        return sorted(f.handler.split(".")[-2] for _, f, _ in aws.dispatcher.targets_for(event))


def test_package_event_model_reads_the_documented_example() -> None:
    change = EventBridgeEvent(_event("package_staging_deploying.json"))
    assert package_arn(change).endswith("/versionedmp-p-idy6c3e1fiqj/2")
    detail, life = change.detail, change.detail["ModelLifeCycle"]
    assert (
        detail["ModelPackageVersion"] == 2 and detail["ModelPackageGroupName"] == "versionedmp-p-idy6c3e1fiqj"
    )
    assert (detail["ModelApprovalStatus"], life["Stage"], life["StageStatus"]) == (
        "Approved",
        "Staging",
        "Deploying",
    )


def test_endpoint_event_model_reads_the_documented_example() -> None:
    change = EventBridgeEvent(_event("endpoint_in_service.json"))
    assert (endpoint_name(change), change.detail["EndpointStatus"]) == ("MyEndpoint", "IN_SERVICE")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (_event("malformed_package_event.json"), "ModelPackageArn"),
        ([], "not an EventBridge event"),
        ({**_event("package_approved.json"), "detail-type": "Something Else"}, "detail-type"),
        ({**_event("package_approved.json"), "detail": "x"}, "no detail"),
    ],
)
def test_malformed_events_are_refused_with_the_reason(event: Any, message: str) -> None:
    with pytest.raises(MalformedEventError, match=message):
        package_arn(EventBridgeEvent(event))


def test_a_handler_fails_a_malformed_event_before_any_call(lambda_context: LambdaContext) -> None:
    from modelops.deploy.handlers import deploy_staging

    with pytest.raises(MalformedEventError, match="ModelPackageArn"):
        deploy_staging.handler(_event("malformed_package_event.json"), lambda_context)


def test_a_handler_invoked_as_lambda_invokes_it_rereads_the_version_and_does_nothing_for_a_pending_one(
    world: World, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelops.deploy.handlers import deploy_staging

    version = world.registry.get_version(world.register(50.0))
    (function,) = [
        f for f in world.aws.provisioned.functions.values() if f.handler.endswith(".deploy_staging.handler")
    ]
    for name, value in function.environment.items():
        monkeypatch.setenv(name, value)
    event = _event("package_approved.json")
    event["detail"] = {
        **event["detail"],
        "ModelPackageArn": version.arn,
        "ModelPackageVersion": version.version,
    }
    event["detail"]["ModelPackageGroupName"] = GROUP
    outcome = deploy_staging.handler(event, lambda_context)["outcome"]
    assert outcome.startswith(f"no-op: {GROUP} v{version.version} is {lc.PENDING}")


EXPECTED_ROUTES = {
    "package_approved.json": ["deploy_staging"],
    "package_approved_without_life_cycle.json": ["deploy_staging"],
    "package_reapproved_after_staging_failure.json": ["deploy_staging"],
    "package_promoted.json": ["deploy_production"],  # still Approved, but past staging
    "package_rollback_requested.json": ["deploy_production"],
    "package_rejected.json": ["notify_rejected"],
    "staging_endpoint_in_service.json": ["verify_staging"],
    "production_endpoint_in_service.json": ["finalize_production"],
    "package_staging_deploying.json": [],  # another group
}


@pytest.mark.parametrize(("fixture", "handlers"), sorted(EXPECTED_ROUTES.items()))
def test_synthesized_rules_route_each_event_to_its_handler(
    deployment_cdk_out: Path, fixture: str, handlers: list[str]
) -> None:
    assert _routed(deployment_cdk_out, _event(fixture)) == handlers


# Approved updates our own lifecycle records make after staging took the version: none reaches
# deploy_staging, which could only answer "no-op" (the Production/Approved and RollbackRequested ones go to
# deploy_production, above).
OWN_APPROVED_UPDATES = [
    (lc.STAGE_STAGING, lc.STATUS_DEPLOYING),
    (lc.STAGE_STAGING, lc.STATUS_PASSED),
    *((lc.STAGE_PRODUCTION, status) for status in (lc.STATUS_DEPLOYING, lc.STATUS_DEPLOYED)),
    *((lc.STAGE_PRODUCTION, status) for status in (lc.STATUS_FAILED, lc.STATUS_ROLLED_BACK)),
    *((lc.STAGE_ARCHIVED, status) for status in (lc.STATUS_RETIRED, lc.STATUS_ROLLED_BACK)),
]


def _approved_at(stage: str, status: str) -> dict[str, Any]:
    event = _event("package_approved.json")
    life_cycle = {"Stage": stage, "StageStatus": status, "StageDescription": "recorded by the deployer"}
    return {**event, "detail": {**event["detail"], "ModelLifeCycle": life_cycle}}


@pytest.mark.parametrize(("stage", "status"), OWN_APPROVED_UPDATES)
def test_our_own_updates_of_an_approved_version_past_staging_do_not_invoke_deploy_staging(
    deployment_cdk_out: Path, stage: str, status: str
) -> None:
    assert _routed(deployment_cdk_out, _approved_at(stage, status)) == []


@pytest.mark.parametrize(
    ("stage", "status"),
    [(lc.STAGE_DEVELOPMENT, lc.STATUS_REGISTERED), (lc.STAGE_STAGING, lc.STATUS_FAILED)],
)
def test_approved_versions_deploy_staging_acts_on_reach_it_and_rejected_ones_do_not(
    deployment_cdk_out: Path, stage: str, status: str
) -> None:
    approved = _approved_at(stage, status)
    rejected = {**approved, "detail": {**approved["detail"], "ModelApprovalStatus": lc.REJECTED}}
    assert _routed(deployment_cdk_out, approved) == ["deploy_staging"]
    assert _routed(deployment_cdk_out, rejected) == ["notify_rejected"]


def _placement(**overrides: Any) -> ep.Placement:
    fields: dict[str, Any] = {
        "environment": "production",
        "endpoint_name": "modelops-production",
        "instance_type": "ml.m5.large",
        "instance_count": 2,
        "traffic_shifting": "canary",
    }
    return ep.Placement(**{**fields, **overrides})


ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/diabetes-progression/7"
SPEC = "sha256:" + "0" * 64


def test_names_derive_from_content_not_the_clock() -> None:
    role = "arn:aws:iam::123456789012:role/serve"
    config = ep.endpoint_config_name("modelops", _placement(), 7, ARN, SPEC)
    assert config == ep.endpoint_config_name("modelops", _placement(), 7, ARN, SPEC)
    assert config.startswith("modelops-prod-v7-") and len(config) <= 63
    assert config != ep.endpoint_config_name("modelops", _placement(instance_count=3), 7, ARN, SPEC)
    assert config != ep.endpoint_config_name("modelops", _placement(environment="staging"), 7, ARN, SPEC)
    # Traffic shifting belongs to the update call, not the config: changing it reuses the config.
    assert config == ep.endpoint_config_name("modelops", _placement(traffic_shifting="linear"), 7, ARN, SPEC)
    model = ep.model_name("modelops", "production", 7, ARN, role, SPEC)
    assert model.startswith("modelops-prod-v7-") and model == ep.model_name(
        "modelops", "production", 7, ARN, role, SPEC
    )
    # Each endpoint stage builds its own model: staging never creates the one production runs.
    assert ep.model_name("modelops", "staging", 7, ARN, role, SPEC).startswith("modelops-stag-v7-")
    # A package whose containers changed gets a new model and config: the old ones ran the old containers.
    changed = "sha256:" + "1" * 64
    assert ep.model_name("modelops", "production", 7, ARN, role, changed) != model
    assert ep.endpoint_config_name("modelops", _placement(), 7, ARN, changed) != config
    longest = ep.endpoint_config_name("p" * 32, _placement(), 99999, ARN, SPEC)
    assert len(longest) <= 63


def test_traffic_shifting_modes_and_their_fallbacks() -> None:
    canary = ep._deployment_config(_placement(rollback_alarms=("a", "b")))["DeploymentConfig"]
    assert canary["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    assert canary["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": "a"}, {"AlarmName": "b"}]}
    linear = ep._deployment_config(_placement(traffic_shifting="linear"))["DeploymentConfig"]
    assert linear["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "LINEAR"
    single = ep._deployment_config(_placement(instance_count=1))["DeploymentConfig"]
    assert single["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "ALL_AT_ONCE"
    assert ep._deployment_config(_placement(serverless=True)) == {}


def _package(**overrides: Any) -> PackageVersion:
    fields: dict[str, Any] = {
        "arn": ARN,
        "group_name": "diabetes-progression",
        "version": 7,
        "approval_status": lc.APPROVED,
        "stage": lc.STAGE_PRODUCTION,
        "stage_status": lc.STATUS_APPROVED,
        "metadata": {lc.META_STAGING_VERIFICATION: "passed"},
    }
    return PackageVersion(**{**fields, **overrides})


def test_production_guards() -> None:
    newer = ARN.replace("/7", "/9")
    older = ARN.replace("/7", "/5")
    assert refusal(_package(), older) is None
    assert "older than v9" in (refusal(_package(), newer) or "")
    assert "not passed staging" in (refusal(_package(metadata={}), None) or "")
    assert "Rejected" in (refusal(_package(approval_status=lc.REJECTED), None) or "")
    rollback = _package(stage_status=lc.STATUS_ROLLBACK_REQUESTED, metadata={})
    assert "never served production" in (refusal(rollback, newer) or "")
    served_before = _package(
        stage_status=lc.STATUS_ROLLBACK_REQUESTED, metadata={lc.META_PRODUCTION_SERVED: "modelops-production"}
    )
    assert refusal(served_before, newer) is None  # an explicit rollback may go back in versions


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (b"[151.2, 80.0]", None),
        (b'{"predictions": [[151.2], [80.0]]}', None),
        (b"[NaN]", "not a finite number"),
        (b"[Infinity]", "not a finite number"),
        (b'["151"]', "not a finite number"),
        (b"[]", "no predictions"),
        (b"<html>", "not JSON"),
    ],
)
def test_prediction_checks(answer: bytes, problem: str | None) -> None:
    found = prediction_problem(answer)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_champion_challenger_tolerance_is_relative_and_lower_is_better() -> None:
    assert champion_problems(52.5, 50.0, 3, 0.05) == []
    assert champion_problems(48.0, 50.0, 3, 0.0) == []
    (problem,) = champion_problems(52.6, 50.0, 3, 0.05)
    assert "production v3" in problem and "5%" in problem
    assert champion_problems(99.0, None, None, 0.05) == []
    assert champion_problems(None, 50.0, 3, 0.05) == ["the version has no registered metric.rmse to compare"]


def test_settings_come_from_the_environment_and_name_what_is_missing() -> None:
    environ = {
        "MODELOPS_PROJECT_NAME": "modelops",
        "MODELOPS_MODEL_PACKAGE_GROUP": "g",
        ENV_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:t",
        "MODELOPS_EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/r",
        "MODELOPS_ROLLBACK_ALARMS": "a,b",
        "MODELOPS_CHAMPION_TOLERANCE": "0.1",
    }
    settings = DeploySettings.from_environment(environ)
    assert settings.staging_endpoint == "modelops-staging" and settings.rollback_alarms == ("a", "b")
    assert settings.champion_tolerance == 0.1
    with pytest.raises(SettingsError, match=ENV_TOPIC_ARN):
        DeploySettings.from_environment({k: v for k, v in environ.items() if k != ENV_TOPIC_ARN})
    with pytest.raises(SettingsError, match="not a number"):
        DeploySettings.from_environment({**environ, "MODELOPS_LATENCY_BUDGET_MS": "fast"})


def test_serverless_staging_and_production_data_capture_shape_the_endpoint_config() -> None:
    serverless = ep._variant(_placement(environment="staging", serverless=True), "m")
    assert "ServerlessConfig" in serverless and "InstanceType" not in serverless
    sized = ep._variant(_placement(), "m")
    assert (sized["InstanceType"], sized["InitialInstanceCount"]) == ("ml.m5.large", 2)
    capture = ep._data_capture(_placement(data_capture_uri="s3://b/data-capture/x", data_capture_kms_key="k"))
    assert capture["DataCaptureConfig"]["DestinationS3Uri"] == "s3://b/data-capture/x"
    assert capture["DataCaptureConfig"]["KmsKeyId"] == "k"
    assert ep._data_capture(_placement()) == {}
    # SageMaker offers no data capture on serverless endpoints.
    assert ep._data_capture(_placement(serverless=True, data_capture_uri="s3://b/x")) == {}


def test_a_version_whose_model_latency_exceeds_the_budget_fails_verification(world: World) -> None:
    slow = world.register(rmse=55.0, artifact="slow")  # its serving code sleeps 600 ms per request
    world.approve(slow)
    world.settle()  # these tests' stacks allow 60 s, so the slow version reaches staging

    payloads = load_payloads(
        world.aws.client("s3"), world.registry.get_version(slow).sample_payload_uri or ""
    )
    verdict = verify(
        world.aws.client("sagemaker-runtime"),
        STAGING,
        payloads[:2],
        latency_budget_ms=500,
        candidate_metric=55.0,
        champion_metric=None,
        champion_version=None,
        tolerance=0.05,
        cloudwatch=world.aws.client("cloudwatch"),
    )

    # The serving code's own 600 ms, as SageMaker's ModelLatency counts it, over enough invocations.
    assert not verdict.passed
    assert verdict.model_latency_ms >= 600
    assert verdict.latency_samples >= MIN_SAMPLES
    (problem,) = verdict.problems
    assert problem.startswith("ModelLatency p90 ") and problem.endswith(
        " invocations exceeds the 500 ms budget"
    )
