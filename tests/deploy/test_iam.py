"""Each deployer Lambda's own role, as synthesized, allows every call it makes in the lifecycle, and no more.

The embedded AWS enforces IAM: each handler runs under a session of its function's role, and every call it
makes is decided against the synthesized policies with the stored state of what it acts on. A call its role
does not allow fails the handler as it would in AWS (and lands in its dead-letter queue), so the lifecycle
passing with no refusal is the check; the refusals below are real calls made with a handler role's keys.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from modelops.contract import lifecycle as lc
from modelops.local.iam import Target
from tests.deploy.conftest import PRODUCTION, STAGING, World

HANDLERS = "modelops.deploy.handlers."
DENIED = {"AccessDeniedException", "AccessDenied", "AuthorizationError"}


def _role_of(world: World, handler: str) -> str:
    assert world.aws.iam is not None
    for function in world.aws.iam.callers.principals.functions.values():
        if function.handler == f"{HANDLERS}{handler}.handler":
            return world.aws.iam.callers.principals.by_arn(function.role_arn).name
    raise LookupError(f"no function runs {handler}")


def _as(world: World, handler: str, service: str, operation: str, params: dict[str, Any]) -> str | None:
    """Make the call with ``handler``'s role's keys; the refusal's message, or None if IAM let it through."""
    client = world.aws.client(service, role=_role_of(world, handler))
    try:
        getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        if error.response["Error"]["Code"] in DENIED:
            return str(error.response["Error"]["Message"])
    return None


def _store(world: World, arn: str, stored: Target) -> None:
    """Leave the version in ``stored``'s state, as the system would have left it."""
    from moto.sagemaker.models import sagemaker_backends

    package = sagemaker_backends[world.aws.account_id][world.aws.region].model_packages[arn]
    package.model_approval_status = stored.approval_status
    package.model_life_cycle = {"Stage": stored.stage, "StageStatus": stored.stage_status}
    package.customer_metadata_properties = dict(stored.metadata)


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


def test_every_call_each_handler_makes_is_allowed_by_its_own_role(world: World) -> None:
    _lifecycle_touching_every_handler(world)

    assert world.aws.iam is not None
    assert world.aws.iam.counters.refusals == []
    # The audit rule's CloudWatch Logs target is delivered too; only Lambda targets run a handler.
    ran = {d.function for d in world.aws.dispatcher.deliveries if ":logs:" not in d.function}
    handlers = {
        f.name for f in world.aws.iam.callers.principals.functions.values() if f.handler.startswith(HANDLERS)
    }
    assert ran == handlers  # every handler ran under its role, none passed unseen


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
    world: World, handler: str, operation: str, endpoint: str
) -> None:
    service = "sagemaker-runtime" if operation == "InvokeEndpoint" else "sagemaker"
    params: dict[str, Any] = {"EndpointName": endpoint}
    if operation == "UpdateEndpoint":
        params["EndpointConfigName"] = f"{endpoint}-config"
    if operation == "InvokeEndpoint":
        params["Body"] = b"{}"
    refusal = _as(world, handler, service, operation, params)
    assert refusal is not None and "is not authorized to perform" in refusal


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
    handler: str,
    approval: str | None,
    life: tuple[str, str] | None,
    stored: Target,
    allowed: bool,
) -> None:
    arn = world.arn(world.register(rmse=55.0))
    _store(world, arn, stored)
    params: dict[str, Any] = {"ModelPackageArn": arn}
    if approval:
        params["ModelApprovalStatus"] = approval
    if life:
        params["ModelLifeCycle"] = {"Stage": life[0], "StageStatus": life[1], "StageDescription": "x"}
    if handler == "notify_rejected" and not approval and not life:
        params["CustomerMetadataProperties"] = {lc.META_REJECTION_NOTIFIED: "approver"}
    refusal = _as(world, handler, "sagemaker", "UpdateModelPackage", params)
    assert (refusal is None) is allowed, refusal


def test_an_operation_with_no_known_authorization_is_refused_not_passed(world: World) -> None:
    refusal = _as(world, "deploy_staging", "sagemaker", "DeleteExperiment", {"ExperimentName": "e"})
    assert refusal is not None and "no IAM mapping for sagemaker:DeleteExperiment" in refusal
