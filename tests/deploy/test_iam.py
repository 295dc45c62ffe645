"""Each deployer Lambda's own role, as synthesized, allows every call it makes in the lifecycle, and no more.

moto does not enforce IAM: ``tests/deploy/iam_check.py`` records each call with the stored state of what it
acts on and decides it with ``modelops.local.iam`` over the synthesized templates, resolved to the embedded
AWS's ARNs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelops.contract import lifecycle as lc
from modelops.local.iam import Target, UnmappedOperation
from tests.deploy.conftest import PRODUCTION, STAGING, World
from tests.deploy.iam_check import Call, Roles, recorded_handler_calls


def _lifecycle_touching_every_handler(world: World) -> None:
    first = world.to_production(rmse=55.0)  # creates both endpoints
    world.to_production(rmse=54.0)  # updates both, archives the first
    broken = world.register(rmse=53.0, artifact="nan")  # fails verification: rejected, staging restored
    world.approve(broken)
    world.settle()
    candidate = world.register(rmse=53.5)
    world.approve(candidate)
    world.settle()
    world.aws.faults.fail_next_endpoint_change("Alarm in ALARM", endpoint_name=PRODUCTION)
    world.promote(candidate)  # the production update fails and is rolled back
    world.settle()
    world.registry.rollback("explicit rollback")
    world.settle()
    assert world.serves(PRODUCTION) == first
    pending = world.register(rmse=60.0)
    world.registry.reject_version(pending, "trained on stale data")  # the notifier
    world.settle()
    assert world.aws.dispatcher.dead_letters == []


def test_every_call_each_handler_makes_is_allowed_by_its_own_role(
    world: World, deployment_cdk_out: Path
) -> None:
    with recorded_handler_calls(world.aws) as calls:
        _lifecycle_touching_every_handler(world)

    roles = Roles.of(deployment_cdk_out, world.aws)
    assert {call.handler for call in calls} == set(roles.by_handler)  # every handler ran, none passes unseen
    denied = sorted({f"{call.handler}: {why}" for call in calls if (why := roles.refusal(call))})
    assert denied == []
    operations = {(call.handler, call.operation) for call in calls}
    assert ("verify_staging", "InvokeEndpoint") in operations
    assert ("verify_staging", "UpdateEndpoint") in operations  # staging restored after the failure
    assert ("deploy_production", "UpdateEndpoint") in operations
    assert ("notify_rejected", "Publish") in operations


@pytest.mark.parametrize(
    ("handler", "operation", "endpoint"),
    [
        ("deploy_staging", "UpdateEndpoint", PRODUCTION),
        ("verify_staging", "DeleteEndpoint", PRODUCTION),
        ("deploy_production", "UpdateEndpoint", STAGING),
        ("finalize_production", "InvokeEndpoint", PRODUCTION),
        ("notify_rejected", "DescribeEndpoint", STAGING),
        ("notify_rejected", "UpdateEndpoint", PRODUCTION),
    ],
)
def test_a_role_cannot_act_on_the_other_stage_endpoint(
    world: World, deployment_cdk_out: Path, handler: str, operation: str, endpoint: str
) -> None:
    service = "sagemaker-runtime" if operation == "InvokeEndpoint" else "sagemaker"
    params: dict[str, object] = {"EndpointName": endpoint}
    if operation == "UpdateEndpoint":
        params["EndpointConfigName"] = f"{endpoint}-config"
    roles = Roles.of(deployment_cdk_out, world.aws)
    assert roles.refusal(Call(handler, service, operation, params)) is not None


_FRESH = Target(approval_status=lc.APPROVED, stage=lc.STAGE_DEVELOPMENT, stage_status=lc.STATUS_REGISTERED)
_DEPLOYING = Target(approval_status=lc.APPROVED, stage=lc.STAGE_STAGING, stage_status=lc.STATUS_DEPLOYING)
_SERVED = Target(approval_status=lc.APPROVED, stage=lc.STAGE_PRODUCTION, stage_status=lc.STATUS_DEPLOYED)


@pytest.mark.parametrize(
    ("handler", "approval", "life", "stored", "allowed"),
    [
        ("verify_staging", lc.REJECTED, (lc.STAGE_STAGING, lc.STATUS_FAILED), _DEPLOYING, True),
        ("verify_staging", lc.APPROVED, None, _FRESH, False),
        ("verify_staging", None, (lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING), _DEPLOYING, False),
        ("verify_staging", None, (lc.STAGE_STAGING, lc.STATUS_DEPLOYING), _SERVED, False),
        ("finalize_production", None, (lc.STAGE_ARCHIVED, lc.STATUS_RETIRED), _SERVED, True),
        ("finalize_production", None, (lc.STAGE_ARCHIVED, lc.STATUS_RETIRED), _DEPLOYING, False),
        ("finalize_production", lc.REJECTED, None, _SERVED, False),
        ("finalize_production", lc.APPROVED, (lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED), _SERVED, False),
        ("finalize_production", None, (lc.STAGE_STAGING, lc.STATUS_PASSED), _DEPLOYING, False),
        ("notify_rejected", None, None, _FRESH, True),
        ("notify_rejected", lc.APPROVED, None, _FRESH, False),
        ("notify_rejected", None, (lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED), _FRESH, False),
    ],
)
def test_who_may_record_which_approval_and_stage(
    world: World,
    deployment_cdk_out: Path,
    handler: str,
    approval: str | None,
    life: tuple[str, str] | None,
    stored: Target,
    allowed: bool,
) -> None:
    params: dict[str, object] = {"ModelPackageArn": world.arn(world.register(rmse=55.0))}
    if approval:
        params["ModelApprovalStatus"] = approval
    if life:
        params["ModelLifeCycle"] = {"Stage": life[0], "StageStatus": life[1], "StageDescription": "x"}
    if handler == "notify_rejected" and not approval and not life:
        params["CustomerMetadataProperties"] = {lc.META_REJECTION_NOTIFIED: "approver"}
    roles = Roles.of(deployment_cdk_out, world.aws)
    refusal = roles.refusal(Call(handler, "sagemaker", "UpdateModelPackage", params, stored))
    assert (refusal is None) is allowed, refusal


def test_an_operation_with_no_known_authorization_is_an_error_not_a_pass(
    world: World, deployment_cdk_out: Path
) -> None:
    roles = Roles.of(deployment_cdk_out, world.aws)
    with pytest.raises(UnmappedOperation, match="sagemaker:DeleteModelPackageGroup"):
        roles.refusal(Call("deploy_staging", "sagemaker", "DeleteModelPackageGroup", {}))
