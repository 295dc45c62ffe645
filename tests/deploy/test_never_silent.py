"""Failures partway through a handler are never silent: notices are owed until sent, dead letters re-drive.

SNS and SageMaker fail here through the embedded AWS's fault switches (``ThrottlingException`` on the next
N raw calls of an operation; the deployer's clients make up to 5 attempts per call).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from modelops.cli import main
from modelops.contract import lifecycle as lc
from tests.deploy.conftest import PRODUCTION, STAGING, World

ONE_CALL = 6  # raw attempts the deployer's clients make before a call fails (max_attempts=5 retries)
ALL_RETRIES = 3 * ONE_CALL  # a handler's three attempts (Lambda retries twice)


def _owed(world: World, version: int) -> list[str]:
    metadata = world.sagemaker.describe_model_package(ModelPackageName=world.arn(version)).get(
        "CustomerMetadataProperties", {}
    )
    return sorted(k for k in metadata if k.startswith(lc.META_NOTIFICATION_OWED_PREFIX))


def _function(world: World, handler: str) -> str:
    return next(
        f.name for f in world.aws.dispatcher.functions.values() if f.handler.endswith(f"{handler}.handler")
    )


def _redrive(world: World) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["redrive", "--region", world.aws.region])
    return result.exit_code, result.output


def test_staging_passed_notice_lost_to_sns_is_sent_by_the_retry(world: World) -> None:
    version = world.register(rmse=55.0)
    world.approve(version)
    world.aws.faults.throttle("Publish", ONE_CALL)  # the verifier's first publish fails after recording

    world.settle()

    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    (passed,) = world.notifications()
    assert passed["event"] == "staging-passed" and passed["version"] == version
    assert passed["details"]["resent"] is True  # the retry found the state recorded, and the notice owed
    assert _owed(world, version) == []
    assert world.aws.dispatcher.dead_letters == []


def test_production_deployed_notice_lost_to_sns_is_sent_by_the_retry(world: World) -> None:
    first = world.to_production(rmse=55.0)
    second = world.register(rmse=54.0)
    world.approve(second)
    world.settle()
    world.notifications()

    world.promote(second)
    world.aws.faults.throttle("Publish", ONE_CALL)
    world.settle()

    assert world.state(second) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert world.state(first) == (lc.APPROVED, lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)
    assert [(n["event"], n["version"]) for n in world.notifications()] == [("production-deployed", second)]
    assert _owed(world, second) == []


def test_a_notice_sns_refused_through_every_retry_stays_owed_and_redrive_sends_it(world: World) -> None:
    version = world.register(rmse=55.0)
    world.approve(version)
    world.aws.faults.throttle("Publish", 100 * ALL_RETRIES)  # SNS is down for every handler's retries

    world.settle()

    # Recorded, not told: the state says so, and the event waits in the verifier's dead-letter queue.
    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert _owed(world, version) == [lc.META_NOTIFICATION_OWED_PREFIX + "staging-passed"]
    assert world.notifications() == []
    assert "ThrottlingException" in (world.dead_letters("verify_staging")[0].error or "")
    world.aws.faults.clear()  # SNS is back

    code, output = _redrive(world)

    assert code == 0, output
    assert "VerifyStaging" in output and "0 failed again" in output
    assert [n["event"] for n in world.notifications()] == ["staging-passed"]
    assert _owed(world, version) == []
    code, output = _redrive(world)
    assert "nothing to re-drive" in output  # the queue was emptied of what succeeded


def test_an_approval_that_exhausted_its_retries_under_throttling_is_recovered_by_redrive(
    world: World,
) -> None:
    version = world.register(rmse=55.0)
    world.approve(version)
    world.aws.faults.throttle("DescribeModelPackage", ALL_RETRIES)  # the deployer's, not the approver's
    world.settle()
    assert world.state(version) == (lc.APPROVED, lc.STAGE_DEVELOPMENT, lc.STATUS_REGISTERED)
    assert world.dead_letters("deploy_staging")

    again = CliRunner().invoke(
        main, ["approve", str(version), "--reason", "again", "--region", world.aws.region]
    )
    assert again.exit_code == 0 and "run `modelops redrive`" in again.output  # not a silent no-op

    code, output = _redrive(world)
    world.settle()

    assert code == 0, output
    assert "DeployStaging" in output and f"diabetes-progression/{version}" in output
    assert world.serves(STAGING) == version
    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert [n["event"] for n in world.notifications()] == ["staging-passed"]


def test_a_throttled_invoke_endpoint_does_not_reject_a_good_version(world: World) -> None:
    version = world.register(rmse=55.0)
    world.approve(version)
    world.aws.faults.throttle("InvokeEndpoint", 6)  # more than any client retry would absorb

    world.settle()

    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert [n["event"] for n in world.notifications()] == ["staging-passed"]
    assert world.aws.dispatcher.dead_letters == []


def test_verification_stops_within_its_lambda_timeout_and_judges_nothing_while_throttled(
    world: World,
) -> None:
    world.aws.dispatcher.timeouts[_function(world, "verify_staging")] = 2.0
    version = world.register(rmse=55.0)
    world.approve(version)
    world.aws.faults.throttle("InvokeEndpoint", 100_000)

    world.settle()

    # Every attempt gave up inside its bound (not "Task timed out"), so the event is dead-lettered, and a
    # busy endpoint rejected nothing: the version is still being deployed, and nobody was told it failed.
    dead = world.aws.dispatcher.dead_letters
    assert dead and all(d.function == _function(world, "verify_staging") for d in dead)
    assert all("VerificationIncompleteError" in (d.error or "") and d.attempts == 3 for d in dead)
    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_DEPLOYING)
    assert world.notifications() == []

    world.aws.faults.clear()  # the throttling is over, and the function has its own timeout again
    world.aws.dispatcher.timeouts.clear()
    code, output = _redrive(world)

    assert code == 0, output
    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)


def test_a_handler_still_running_past_its_timeout_is_a_failed_invocation(world: World) -> None:
    world.aws.dispatcher.timeouts[_function(world, "deploy_staging")] = 0.000_001
    version = world.register(rmse=55.0)

    world.approve(version)
    world.settle()

    (dead,) = world.dead_letters("deploy_staging")
    assert dead.error == "Task timed out after 0.00 seconds" and dead.attempts == 3
    body = world.aws.client("sqs").receive_message(
        QueueUrl=world.aws.output("DeployStagingDeadLetterQueueUrl")
    )
    assert json.loads(body["Messages"][0]["Body"])["detail"]["ModelPackageVersion"] == version
    # Its work (done before Lambda would have stopped it) was idempotent: the version still got staged.
    assert world.state(version)[1] == lc.STAGE_STAGING


@pytest.mark.parametrize("world_options", [{"concurrency": 3}], indirect=True)
def test_three_approvals_at_once_each_end_in_a_visible_state(world: World) -> None:
    versions = [world.register(rmse=56.0 - i) for i in range(3)]
    for version in versions:
        world.approve(version)

    world.settle()

    newest = versions[-1]
    assert world.serves(STAGING) == newest
    assert world.state(newest) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    for version in versions[:-1]:
        _, stage, status = world.state(version)
        assert stage == lc.STAGE_STAGING and status in (lc.STATUS_PASSED, lc.STATUS_FAILED), (version, status)
        assert world.description(version)  # why it ended there, never an empty "waiting"
    assert world.serves(PRODUCTION) is None
