"""People act while a deployment runs, or around the deployer: each case ends consistent, with the right notice.

The endpoint takes a second to become InService, so a test can act between the deployer starting a
deployment (``dispatch_pending`` runs the handlers of the events queued so far) and its outcome.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelops.contract import lifecycle as lc
from modelops.deploy import endpoints as ep
from modelops.deploy import production
from modelops.deploy.settings import DeploySettings
from tests.deploy.conftest import PRODUCTION, PROJECT, STAGING, World

SLOW = {"endpoint_delay_seconds": 1.0}


def _start_staging(world: World, version: int) -> None:
    world.approve(version)
    world.aws.dispatcher.dispatch_pending()  # deploy_staging ran: the endpoint is Creating or Updating
    assert world.state(version)[1:] == (lc.STAGE_STAGING, lc.STATUS_DEPLOYING)


@pytest.mark.parametrize("world_options", [SLOW], indirect=True)
def test_rejecting_during_a_staging_deploy_ends_rejected_without_a_passed_notice(world: World) -> None:
    good = world.register(rmse=55.0)
    world.approve(good)
    world.settle()
    candidate = world.register(rmse=54.0)
    world.notifications()
    _start_staging(world, candidate)

    world.registry.reject_version(candidate, "wrong training window")
    world.settle()

    assert world.state(candidate) == (lc.REJECTED, lc.STAGE_STAGING, lc.STATUS_FAILED)
    assert "rejected by an approver" in world.description(candidate)
    assert world.serves(STAGING) == good  # staging went back to the last good version
    assert world.state(good) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert [n["event"] for n in world.notifications()] == ["rejected"]


@pytest.mark.parametrize("world_options", [SLOW], indirect=True)
def test_production_set_by_hand_before_verification_is_refused_and_verification_still_runs(
    world: World,
) -> None:
    version = world.register(rmse=55.0)
    _start_staging(world, version)

    world.set_life_cycle(version, lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)  # as an approver could in Studio
    world.settle()

    assert world.serves(PRODUCTION) is None
    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    notices = {n["event"]: n for n in world.notifications()}
    # Events are hints delivered in any order: the production deployer either saw the early request first
    # (and refused it), or saw the version already passed; either way the approver is told to promote again.
    assert "staging-passed" in notices
    told = "production-refused" in notices or "promote it again" in json.dumps(notices["staging-passed"])
    assert told, notices

    world.promote(version)  # now that the system recorded Staging/Passed, it is promotable
    world.settle()
    assert world.state(version) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)


def test_production_deleted_out_of_band_then_a_promotion_leaves_one_version_deployed(world: World) -> None:
    first = world.to_production(rmse=55.0)
    world.sagemaker.delete_endpoint(EndpointName=PRODUCTION)  # someone, outside the deployer
    world.settle()

    second = world.to_production(rmse=54.0)

    assert world.serves(PRODUCTION) == second
    assert world.state(second) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert world.state(first) == (lc.APPROVED, lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)


def test_an_older_version_is_not_promoted_onto_a_production_endpoint_deleted_out_of_band(
    world: World,
) -> None:
    older = world.register(rmse=56.0)
    world.approve(older)
    world.settle()
    newer = world.to_production(rmse=55.0)
    world.sagemaker.delete_endpoint(EndpointName=PRODUCTION)
    world.settle()
    world.notifications()

    world.set_life_cycle(older, lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)
    world.settle()

    assert world.serves(PRODUCTION) is None
    assert world.state(older)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_FAILED)
    assert f"older than v{newer}" in world.description(older)
    assert [n["event"] for n in world.notifications()] == ["production-refused"]


def test_production_refuses_an_endpoint_config_of_its_name_serving_another_model(world: World) -> None:
    current = world.to_production(rmse=55.0)
    candidate = world.register(rmse=54.0)
    world.approve(candidate)
    world.settle()
    world.notifications()
    # Someone who may create configs under the prefix makes the one production will look for, serving
    # the current version's model under the candidate's name.
    function = next(f for f in world.aws.dispatcher.functions.values() if "deploy_production" in f.handler)
    settings = DeploySettings.from_environment(function.environment)
    digest = world.spec_digest(candidate)
    squatted = ep.endpoint_config_name(
        PROJECT, production.placement(settings), candidate, world.arn(candidate), digest
    )
    other = ep.model_name(
        PROJECT,
        "production",
        current,
        world.arn(current),
        settings.execution_role_arn,
        world.spec_digest(current),
    )
    world.sagemaker.create_endpoint_config(
        EndpointConfigName=squatted,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": other,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )

    world.promote(candidate)
    world.settle()

    assert world.serves(PRODUCTION) == current
    assert world.state(candidate) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_FAILED)
    assert f"endpoint config {squatted} exists but serves {other}" in world.description(candidate)
    assert [n["event"] for n in world.notifications()] == ["production-refused"]


def test_production_refuses_a_version_whose_artifact_was_replaced_after_staging_verified_it(
    world: World,
) -> None:
    current = world.to_production(rmse=55.0)
    candidate = world.register(rmse=54.0)
    world.approve(candidate)
    world.settle()
    assert world.state(candidate)[1:] == (lc.STAGE_STAGING, lc.STATUS_PASSED)
    url = world.sagemaker.describe_model_package(ModelPackageName=world.arn(candidate))[
        "InferenceSpecification"
    ]["Containers"][0]["ModelDataUrl"]
    world.notifications()

    bucket, _, key = url.removeprefix("s3://").partition("/")
    # Someone who can still write the key (outside the write-once policy) replaces what staging verified.
    world.aws.client("s3").put_object(Bucket=bucket, Key=key, Body=world.artifacts["nan"].model_tar)
    world.promote(candidate)
    world.settle()

    assert world.serves(PRODUCTION) == current
    assert world.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_FAILED)
    assert "was replaced after staging verified it" in world.description(candidate)
    assert [n["event"] for n in world.notifications()] == ["production-refused"]


@pytest.mark.parametrize("world_options", [SLOW], indirect=True)
def test_staging_fails_a_version_whose_artifact_was_replaced_while_staging_served_it(world: World) -> None:
    """The pin is taken when verification ends; a key overwritten before that has two object versions, and
    the verdict is about an object nobody can name (review of issue 12)."""
    candidate = world.register(rmse=54.0)
    world.notifications()
    _start_staging(world, candidate)
    url = world.sagemaker.describe_model_package(ModelPackageName=world.arn(candidate))[
        "InferenceSpecification"
    ]["Containers"][0]["ModelDataUrl"]
    bucket, _, key = url.removeprefix("s3://").partition("/")
    # The pipeline's role, which SageMaker uploads job outputs as, may write the key unconditionally.
    world.aws.client("s3").put_object(Bucket=bucket, Key=key, Body=world.artifacts["nan"].model_tar)
    world.settle()

    assert world.state(candidate) == (lc.REJECTED, lc.STAGE_STAGING, lc.STATUS_FAILED)
    assert "was replaced after it was written" in world.description(candidate)
    metadata = world.sagemaker.describe_model_package(ModelPackageName=world.arn(candidate))
    assert lc.META_STAGING_VERIFICATION not in metadata.get("CustomerMetadataProperties", {})
    assert [n["event"] for n in world.notifications()] == ["staging-failed"]


def test_a_metric_a_person_registered_is_never_compared_nor_the_bar_for_others(world: World) -> None:
    """A data scientist may register a version with any metric.rmse (it is their claim): it neither
    clears the champion comparison nor, once in production, sets the bar that honest versions fail."""
    world.to_production(rmse=50.0)
    forged = world.register(rmse=0.0001, by_pipeline=False)
    world.approve(forged)
    world.settle()
    assert world.state(forged) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert "as registered by a person, not compared" in world.description(forged)
    world.promote(forged)
    world.settle()
    assert world.serves(PRODUCTION) == forged

    honest = world.register(rmse=53.0)  # 6% worse than the previous champion's measured 50
    world.approve(honest)
    world.settle()
    # No baseline from a claim: the honest version is judged on its samples, not against 0.0001.
    assert world.state(honest) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert f"vs production v{forged} n/a" in world.description(honest)


def test_owed_notices_a_person_wrote_in_development_are_never_published(world: World) -> None:
    """A data scientist may annotate a version in Development; marks of owed notices written then are
    theirs, not the system's: the first handler to act removes them unsent."""
    version = world.register(rmse=54.0)
    forged = {
        lc.META_NOTIFICATION_OWED_PREFIX + "production-deployed": "v1 is serving production",
        lc.META_NOTIFICATION_OWED_PREFIX + "all-clear": "nothing to see",
    }
    world.sagemaker.update_model_package(
        ModelPackageArn=world.arn(version), CustomerMetadataProperties=forged
    )
    world.notifications()
    world.approve(version)
    world.settle()

    assert [n["event"] for n in world.notifications()] == ["staging-passed"]
    stored = world.sagemaker.describe_model_package(ModelPackageName=world.arn(version))
    assert not set(forged) & set(stored.get("CustomerMetadataProperties", {}))


def _rewrite_environment(world: World, version: int, **allowed_request: Any) -> None:
    """What an approver can send with a request their policy allows (an approval, a promotion): an
    InferenceSpecification too, since no IAM condition key governs that member of UpdateModelPackage."""
    approver = world.aws.client("sagemaker", role="approver")
    spec = world.sagemaker.describe_model_package(ModelPackageName=world.arn(version))[
        "InferenceSpecification"
    ]
    first = spec["Containers"][0]
    container = {**first, "Environment": {**first.get("Environment", {}), "SERVING_FLAG": "1"}}
    approver.update_model_package(
        ModelPackageArn=world.arn(version),
        InferenceSpecification={**spec, "Containers": [container]},
        **allowed_request,
    )


APPROVE_AGAIN = {"ModelApprovalStatus": lc.APPROVED, "ApprovalDescription": "still fine"}


def test_production_refuses_a_version_whose_inference_specification_changed_after_staging(
    world: World,
) -> None:
    """Staging records a digest of the containers it deployed; production refuses any other (review of
    issue 12, finding 3)."""
    current = world.to_production(rmse=55.0)
    candidate = world.register(rmse=54.0)
    world.approve(candidate)
    world.settle()
    assert world.state(candidate)[1:] == (lc.STAGE_STAGING, lc.STATUS_PASSED)
    world.notifications()
    promotion = {"Stage": lc.STAGE_PRODUCTION, "StageStatus": lc.STATUS_APPROVED, "StageDescription": "ship"}
    _rewrite_environment(world, candidate, ModelLifeCycle=promotion)
    world.settle()

    assert world.serves(PRODUCTION) == current
    assert world.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_FAILED)
    assert "inference specification" in world.description(candidate)


@pytest.mark.parametrize("world_options", [SLOW], indirect=True)
def test_staging_fails_a_version_whose_inference_specification_changed_while_it_was_verified(
    world: World,
) -> None:
    """Changed between the staging deploy and its verdict: the staging model runs the old containers, so
    a pass would vouch for something production would never run."""
    world.to_production(rmse=55.0)
    candidate = world.register(rmse=54.0)
    _start_staging(world, candidate)
    _rewrite_environment(world, candidate, **APPROVE_AGAIN)
    world.settle()

    assert world.state(candidate)[1:] == (lc.STAGE_STAGING, lc.STATUS_FAILED)
    assert "inference specification" in world.description(candidate)


def _staging_model(world: World) -> str:
    config = world.sagemaker.describe_endpoint(EndpointName=STAGING)["EndpointConfigName"]
    variant = world.sagemaker.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0]
    return str(variant["ModelName"])


@pytest.mark.parametrize("world_options", [SLOW], indirect=True)
def test_a_version_changed_after_a_rejection_is_deployed_again_from_its_new_containers(world: World) -> None:
    """Approved again after a change, staging must not reuse the model SageMaker made from the old
    containers (CreateModel copies them): it would verify the old model and vouch for the new one."""
    world.to_production(rmse=55.0)
    candidate = world.register(rmse=54.0)
    _start_staging(world, candidate)
    first_model = _staging_model(world)
    world.registry.reject_version(candidate, "wrong environment")
    world.settle()
    assert world.state(candidate) == (lc.REJECTED, lc.STAGE_STAGING, lc.STATUS_FAILED)

    _rewrite_environment(world, candidate, **APPROVE_AGAIN)  # approved again, with the new containers
    world.settle()

    assert world.state(candidate)[1:] == (lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert world.serves(STAGING) == candidate
    assert _staging_model(world) != first_model
