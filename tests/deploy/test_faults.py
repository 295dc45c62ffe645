"""The fault matrix: each case asserts the end state of registry and endpoints, and what approvers were told."""

from __future__ import annotations

import re
from typing import Any

import pytest

from modelops.contract import lifecycle as lc
from tests.deploy.conftest import PRODUCTION, STAGING, World

# Endpoints take a while to create and update, as on AWS (minutes there): the handler of a CREATING or
# UPDATING event finds the endpoint still Creating/Updating, so ordering bugs cannot hide behind an endpoint
# that is InService at once. Short, so the matrix stays quick; a test may ask for longer (indirect param).
FAULT_MATRIX_ENDPOINT_DELAY_SECONDS = 0.2


@pytest.fixture
def world_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"endpoint_delay_seconds": FAULT_MATRIX_ENDPOINT_DELAY_SECONDS, **getattr(request, "param", {})}


@pytest.mark.parametrize("world_options", [{"delivery": "duplicated"}], indirect=True)
def test_duplicate_delivery_deploys_and_notifies_once(world: World) -> None:
    first = world.to_production(rmse=55.0)
    second = world.to_production(rmse=54.0)

    assert world.serves(PRODUCTION) == second
    assert world.state(second) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert world.state(first) == (lc.APPROVED, lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)
    kinds = [n["event"] for n in world.notifications()]
    assert kinds == ["staging-passed", "production-deployed"] * 2
    assert world.aws.dispatcher.dead_letters == []


@pytest.mark.parametrize("world_options", [{"delivery": "reordered"}], indirect=True)
def test_reordered_approvals_leave_the_newest_on_staging_and_refuse_the_older(world: World) -> None:
    older, newer = world.register(rmse=56.0), world.register(rmse=55.0)
    world.approve(older)
    world.approve(newer)  # both events are in one batch, delivered newest first
    world.settle()

    assert world.serves(STAGING) == newer
    assert world.state(newer) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert world.state(older)[1:] == (lc.STAGE_STAGING, lc.STATUS_FAILED)
    assert f"older than v{newer}" in world.description(older)
    kinds = sorted(n["event"] for n in world.notifications())
    assert kinds == ["staging-passed", "staging-refused"]


# No endpoint delay: the point is the second approval landing while the first is deployed, unverified.
@pytest.mark.parametrize("world_options", [{"endpoint_delay_seconds": 0.0}], indirect=True)
def test_approval_landing_before_verification_supersedes_the_version_being_verified(world: World) -> None:
    first, second = world.register(rmse=56.0), world.register(rmse=55.0)
    world.approve(first)
    world.approve(second)  # delivered in order: the second replaces the first before it is verified
    world.settle()

    assert world.serves(STAGING) == second
    assert world.state(second) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert world.state(first)[1:] == (lc.STAGE_STAGING, lc.STATUS_FAILED)
    assert world.description(first) == f"superseded on {STAGING} by v{second} before verification"
    assert [n["event"] for n in world.notifications()] == ["staging-passed"]


@pytest.mark.parametrize("world_options", [{"endpoint_delay_seconds": 1.0}], indirect=True)
def test_concurrent_approvals_retry_the_busy_endpoint_and_end_on_the_newest(world: World) -> None:
    first, second = world.register(rmse=56.0), world.register(rmse=55.0)
    world.approve(first)
    world.approve(second)  # arrives while staging is still Creating for the first
    world.settle()

    # The busy endpoint made the second approval fail its retries into the dead-letter queue, never the
    # deployment; once staging settled and the first was verified, the waiting approval was picked up.
    (busy,) = world.dead_letters("deploy_staging")
    assert "EndpointBusyError" in (busy.error or "")
    assert world.serves(STAGING) == second
    assert world.state(first) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert world.state(second) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    sqs = world.aws.client("sqs")
    queue = world.aws.output("DeployStagingDeadLetterQueueUrl")
    assert sqs.receive_message(QueueUrl=queue).get("Messages"), "the busy event is kept in the DLQ"


def test_approval_of_an_older_version_does_not_replace_production(world: World) -> None:
    older = world.register(rmse=56.0)
    world.approve(older)
    world.settle()
    newer = world.to_production(rmse=55.0)
    world.notifications()

    world.set_life_cycle(older, lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)  # as an approver could in Studio
    world.settle()

    assert world.serves(PRODUCTION) == newer
    assert world.state(newer) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert world.state(older)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_FAILED)
    assert "use `modelops rollback`" in world.description(older)
    (refused,) = world.events_of("production-refused")
    assert refused["version"] == older


def test_production_accepts_only_a_version_that_passed_staging(world: World) -> None:
    world.to_production(rmse=55.0)
    untested = world.register(rmse=50.0)
    world.registry.approve_version(untested, "skip staging, please")
    world.aws.settle()
    world.sagemaker.update_model_package(  # Studio lets a person set Production without staging
        ModelPackageArn=world.arn(untested),
        ModelLifeCycle={"Stage": lc.STAGE_PRODUCTION, "StageStatus": lc.STATUS_APPROVED},
        CustomerMetadataPropertiesToRemove=[lc.META_STAGING_VERIFICATION],
    )
    world.notifications()
    world.settle()

    assert world.serves(PRODUCTION) != untested
    assert world.state(untested)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_FAILED)
    assert "has not passed staging" in world.description(untested)
    assert [n["event"] for n in world.notifications()] == ["production-refused"]


def test_staging_verification_failure_rejects_and_restores_the_last_good_version(world: World) -> None:
    good = world.register(rmse=55.0)
    world.approve(good)
    world.settle()
    broken = world.register(rmse=54.0, artifact="nan")  # its serving code answers NaN
    world.notifications()

    world.approve(broken)
    world.settle()

    assert world.state(broken) == (lc.REJECTED, lc.STAGE_STAGING, lc.STATUS_FAILED)
    description = world.description(broken)
    assert "invocation failed" in description or "finite" in description
    # Every sample fails alike: said once, with the count, and the numbers still fit in the description.
    assert re.search(r"failed: (\d+) of \1 samples", description), description
    assert "ModelLatency p90 none (no sample answered)" in description and "rmse" in description
    assert world.serves(STAGING) == good
    assert world.endpoint_tag(STAGING) == world.arn(good)
    assert world.state(good) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    (failed,) = world.notifications()  # the rejection notifier stays quiet: the verifier told them
    assert failed["event"] == "staging-failed" and failed["version"] == broken
    assert failed["details"]["staging"] == f"staging restored to v{good}"


def test_challenger_worse_than_production_beyond_tolerance_fails_staging(world: World) -> None:
    champion = world.to_production(rmse=50.0)
    challenger = world.register(rmse=53.0)  # 6% worse; the default tolerance is 5%
    world.notifications()

    world.approve(challenger)
    world.settle()

    assert world.state(challenger) == (lc.REJECTED, lc.STAGE_STAGING, lc.STATUS_FAILED)
    description = world.description(challenger)
    assert f"production v{champion}" in description and "53" in description and "50" in description
    assert world.serves(STAGING) == champion
    assert world.serves(PRODUCTION) == champion
    (failed,) = world.notifications()
    assert failed["details"]["champion_rmse"] == 50.0 and failed["details"]["candidate_rmse"] == 53.0


def test_production_update_failure_is_rolled_back_and_recorded(world: World) -> None:
    current = world.to_production(rmse=55.0)
    candidate = world.register(rmse=54.0)
    world.approve(candidate)
    world.settle()
    world.notifications()
    world.aws.faults.fail_next_endpoint_change(
        "Alarm modelops-production-5xx-errors in ALARM", endpoint_name=PRODUCTION
    )

    world.promote(candidate)
    world.settle()

    assert world.serves(PRODUCTION) == current
    assert world.endpoint_tag(PRODUCTION) == world.arn(current)
    assert world.state(candidate) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_ROLLED_BACK)
    assert "5xx-errors in ALARM" in world.description(candidate)
    assert world.state(current) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    (rolled_back,) = world.notifications()
    assert rolled_back["event"] == "production-rolled-back" and rolled_back["details"][
        "serving"
    ] == world.arn(current)


def test_explicit_rollback_redeploys_the_previous_version_and_archives_the_bad_one(world: World) -> None:
    previous = world.to_production(rmse=55.0)
    bad = world.to_production(rmse=54.0)
    world.notifications()

    world.registry.rollback("5xx errors after the release")
    world.settle()

    assert world.serves(PRODUCTION) == previous
    assert world.state(previous) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert world.state(bad) == (lc.APPROVED, lc.STAGE_ARCHIVED, lc.STATUS_ROLLED_BACK)
    (done,) = world.notifications()
    assert done["event"] == "production-rollback-deployed" and done["version"] == previous


def test_rollback_to_a_version_that_never_served_production_is_refused(world: World) -> None:
    current = world.to_production(rmse=55.0)
    staged = world.register(rmse=54.0)
    world.approve(staged)
    world.settle()
    world.notifications()

    world.set_life_cycle(staged, lc.STAGE_PRODUCTION, lc.STATUS_ROLLBACK_REQUESTED)
    world.settle()

    assert world.serves(PRODUCTION) == current
    assert world.state(staged)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_FAILED)
    assert "never served production" in world.description(staged)
    assert [n["event"] for n in world.notifications()] == ["production-refused"]


def _malformed(world: World) -> dict[str, Any]:
    """Matches the deploy-to-staging rule's pattern, but names no model package."""
    return {
        "version": "0",
        "id": "malformed-1",
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "account": world.aws.account_id,
        "time": "2026-11-27T00:00:00Z",
        "region": world.aws.region,
        "resources": [],
        "detail": {"ModelPackageGroupName": "diabetes-progression", "ModelApprovalStatus": "Approved"},
    }


def test_malformed_event_is_logged_and_dead_lettered(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.aws.dispatcher.enqueue(_malformed(world))
    world.settle()

    (dead,) = world.dead_letters("deploy_staging")
    assert "MalformedEventError" in (dead.error or "") and dead.attempts == 3
    message = world.aws.client("sqs").receive_message(
        QueueUrl=world.aws.output("DeployStagingDeadLetterQueueUrl")
    )["Messages"][0]
    assert '"malformed-1"' in message["Body"]
    logged = [r for r in caplog.records if r.name == "modelops-deployer" and r.levelname == "ERROR"]
    assert logged and all("malformed event" in r.getMessage() for r in logged)
    assert world.notifications() == []


def test_throttled_aws_calls_are_retried_and_the_deployment_completes(world: World) -> None:
    version = world.register(rmse=55.0)
    world.aws.faults.throttle("DescribeModelPackage", 2)
    world.aws.faults.throttle("CreateEndpoint", 1)
    world.aws.faults.throttle("UpdateModelPackage", 1)

    world.approve(version)
    world.settle()

    assert world.serves(STAGING) == version
    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert world.aws.dispatcher.dead_letters == []


@pytest.mark.parametrize("world_options", [{"delivery": "duplicated"}], indirect=True)
def test_a_rejection_by_an_approver_is_notified_once(world: World) -> None:
    version = world.register(rmse=55.0)
    world.registry.reject_version(version, "trained on last month's data")
    world.settle()

    (rejected,) = world.notifications()
    assert rejected["event"] == "rejected"
    assert rejected["details"]["approval_description"] == "trained on last month's data"
    assert world.serves(STAGING) is None


def _approve_while_staging_creation_fails(world: World) -> int:
    """Register and approve a version whose staging endpoint cannot be created; its number."""
    world.aws.faults.fail_next_endpoint_change(
        "CapacityError: no ml.m5.large capacity", endpoint_name=STAGING
    )
    version = world.register(rmse=55.0)
    world.approve(version)
    world.settle()
    return version


def test_failed_staging_creation_rejects_the_version_and_the_next_approval_recreates_staging(
    world: World,
) -> None:
    first = _approve_while_staging_creation_fails(world)

    assert world.state(first) == (lc.REJECTED, lc.STAGE_STAGING, lc.STATUS_FAILED)
    assert "CapacityError" in world.description(first)
    assert world.sagemaker.describe_endpoint(EndpointName=STAGING)["EndpointStatus"] == "Failed"
    (failed,) = world.notifications()
    assert failed["event"] == "staging-failed"
    assert failed["details"]["staging"] == "no earlier good version to restore on staging"

    second = world.register(rmse=54.0)
    world.approve(second)
    world.settle()

    assert world.serves(STAGING) == second
    assert world.state(second) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)


def test_version_rejected_by_a_failed_staging_deployment_is_deployed_when_approved_again(
    world: World,
) -> None:
    version = _approve_while_staging_creation_fails(world)
    assert world.state(version) == (lc.REJECTED, lc.STAGE_STAGING, lc.STATUS_FAILED)
    world.notifications()

    # Capacity is back: the approver approves it again, at Staging/Failed, which the staging rule still routes.
    world.registry.approve_version(version, "capacity is back; try again", override=True)
    world.settle()

    assert world.serves(STAGING) == version
    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert [n["event"] for n in world.notifications()] == ["staging-passed"]


@pytest.mark.parametrize("world_options", [{"endpoint_delay_seconds": 1.0}], indirect=True)
def test_promotion_during_a_production_update_is_retried_then_started_when_the_update_ends(
    world: World,
) -> None:
    first = world.to_production(rmse=55.0)
    second, third = world.register(rmse=54.0), world.register(rmse=53.0)
    for version in (second, third):
        world.approve(version)
        world.settle()
    world.notifications()

    world.promote(second)
    world.set_life_cycle(third, lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)  # while the second is rolling out
    world.settle()

    (busy,) = world.dead_letters("deploy_production")
    assert "EndpointBusyError" in (busy.error or "")
    assert world.serves(PRODUCTION) == third
    assert world.state(third) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert world.state(second) == (lc.APPROVED, lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)
    assert world.state(first) == (lc.APPROVED, lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)
    assert [n["version"] for n in world.events_of("production-deployed")] == [second, third]


@pytest.mark.parametrize("world_options", [{"endpoint_delay_seconds": 1.0}], indirect=True)
def test_approval_that_found_staging_busy_is_deployed_after_a_failed_version_is_rolled_back(
    world: World,
) -> None:
    good = world.register(rmse=55.0)
    world.approve(good)
    world.settle()
    broken, fixed = world.register(rmse=54.0, artifact="nan"), world.register(rmse=54.5)
    world.notifications()

    world.approve(broken)
    world.approve(fixed)  # staging is updating to the broken one: this approval is retried, dead-lettered
    world.settle()

    assert world.state(broken) == (lc.REJECTED, lc.STAGE_STAGING, lc.STATUS_FAILED)
    assert world.state(fixed) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert world.serves(STAGING) == fixed
    assert [n["event"] for n in world.notifications()] == ["staging-failed", "staging-passed"]
