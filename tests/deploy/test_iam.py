"""Each deployer Lambda's own role, as synthesized, allows every call it makes in the lifecycle, and no more.

moto does not enforce IAM: ``tests/deploy/iam_check.py`` evaluates the recorded calls against the role
policies of the template, resolved to the embedded AWS's ARNs.
"""

from __future__ import annotations

import pytest

from modelops.contract import lifecycle as lc
from tests.deploy.conftest import PRODUCTION, STAGING, World
from tests.deploy.iam_check import (
    Authorization,
    Call,
    allows,
    authorizations,
    recorded_handler_calls,
    role_statements,
)


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
    with recorded_handler_calls() as calls:
        _lifecycle_touching_every_handler(world)

    statements = role_statements(world.aws)
    assert {call.handler for call in calls} == set(statements)  # every handler ran, so none passes unseen
    denied = sorted(
        {
            f"{call.handler}: {auth.action} on {auth.resource} {dict(auth.context)}"
            for call in calls
            for auth in authorizations(call, world.aws.region, world.aws.account_id)
            if not allows(statements[call.handler], auth)
        }
    )
    assert denied == []
    operations = {(call.handler, call.operation) for call in calls}
    assert ("verify_staging", "InvokeEndpoint") in operations
    assert ("verify_staging", "UpdateEndpoint") in operations  # staging restored after the failure
    assert ("deploy_production", "UpdateEndpoint") in operations
    assert ("notify_rejected", "Publish") in operations


def _endpoint(world: World, name: str) -> str:
    return f"arn:aws:sagemaker:{world.aws.region}:{world.aws.account_id}:endpoint/{name}"


@pytest.mark.parametrize(
    ("handler", "action", "endpoint"),
    [
        ("deploy_staging", "sagemaker:UpdateEndpoint", PRODUCTION),
        ("verify_staging", "sagemaker:DeleteEndpoint", PRODUCTION),
        ("deploy_production", "sagemaker:UpdateEndpoint", STAGING),
        ("finalize_production", "sagemaker:InvokeEndpoint", PRODUCTION),
        ("notify_rejected", "sagemaker:DescribeEndpoint", STAGING),
        ("notify_rejected", "sagemaker:UpdateEndpoint", PRODUCTION),
    ],
)
def test_a_role_cannot_act_on_the_other_stage_endpoint(
    world: World, handler: str, action: str, endpoint: str
) -> None:
    statements = role_statements(world.aws)[handler]
    assert not allows(statements, Authorization(action, _endpoint(world, endpoint)))


@pytest.mark.parametrize(
    ("handler", "approval", "stage", "allowed"),
    [
        ("verify_staging", lc.REJECTED, lc.STAGE_STAGING, True),
        ("verify_staging", lc.APPROVED, None, False),
        ("verify_staging", None, lc.STAGE_PRODUCTION, False),
        ("finalize_production", None, lc.STAGE_ARCHIVED, True),
        ("finalize_production", lc.REJECTED, None, False),
        ("finalize_production", lc.APPROVED, lc.STAGE_PRODUCTION, False),
        ("finalize_production", None, lc.STAGE_STAGING, False),
        ("notify_rejected", None, None, True),
        ("notify_rejected", lc.APPROVED, None, False),
        ("notify_rejected", None, lc.STAGE_PRODUCTION, False),
    ],
)
def test_who_may_record_which_approval_and_stage(
    world: World, handler: str, approval: str | None, stage: str | None, allowed: bool
) -> None:
    params: dict[str, object] = {"ModelPackageArn": world.arn(world.register(rmse=55.0))}
    if approval:
        params["ModelApprovalStatus"] = approval
    if stage:
        params["ModelLifeCycle"] = {"Stage": stage, "StageStatus": "x"}
    (auth,) = authorizations(
        Call(handler, "sagemaker", "UpdateModelPackage", params), world.aws.region, world.aws.account_id
    )
    assert allows(role_statements(world.aws)[handler], auth) is allowed


def test_an_operation_with_no_known_authorization_is_an_error_not_a_pass(world: World) -> None:
    with pytest.raises(KeyError, match="sagemaker:DeleteModelPackage"):
        authorizations(Call("deploy_staging", "sagemaker", "DeleteModelPackage", {}), "us-east-1", "1")
