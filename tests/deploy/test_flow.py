"""The whole flow on the embedded AWS: approve -> staging -> verified -> promoted -> production -> archived."""

from __future__ import annotations

from modelops.contract import lifecycle as lc
from tests.deploy.conftest import PRODUCTION, STAGING, World


def test_approved_version_is_deployed_to_staging_verified_and_awaits_promotion(world: World) -> None:
    version = world.register(rmse=55.0)
    world.approve(version)
    world.settle()

    assert world.state(version) == (lc.APPROVED, lc.STAGE_STAGING, lc.STATUS_PASSED)
    assert world.serves(STAGING) == version
    assert world.endpoint_tag(STAGING) == world.arn(version)
    assert "passed" in world.description(version) and "ModelLatency p90" in world.description(version)
    (passed,) = world.events_of("staging-passed")
    assert passed["version"] == version and passed["metrics"]["rmse"] == "55.0"
    assert passed["details"]["samples"] > 0
    assert world.serves(PRODUCTION) is None


def test_promoted_version_reaches_production_and_the_replaced_one_is_retired(world: World) -> None:
    first = world.to_production(rmse=55.0)
    assert world.state(first) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert world.serves(PRODUCTION) == first
    world.notifications()

    second = world.to_production(rmse=54.0)

    assert world.serves(PRODUCTION) == second
    assert world.serves(STAGING) == second
    assert world.state(second) == (lc.APPROVED, lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert world.state(first) == (lc.APPROVED, lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)
    assert world.endpoint_tag(PRODUCTION, lc.TAG_PREVIOUS_PACKAGE) == world.arn(first)
    kinds = [n["event"] for n in world.notifications()]
    assert kinds == ["staging-passed", "production-deployed"]


def test_production_update_uses_blue_green_with_the_rollback_alarms(world: World) -> None:
    world.to_production(rmse=55.0)
    world.to_production(rmse=54.0)

    endpoint = world.sagemaker.describe_endpoint(EndpointName=PRODUCTION)
    config = endpoint.get("LastDeploymentConfig") or {}
    policy = config["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    alarms = {a["AlarmName"] for a in config["AutoRollbackConfiguration"]["Alarms"]}
    assert alarms == {f"{PRODUCTION}-5xx-errors", f"{PRODUCTION}-model-latency"}
