"""The shadow gate when things go wrong: a shadow that cannot start, an evaluator that crashes, a second
promotion during a test, an approver who ends a test early. Each ends in a visible state, notified, with
production serving what it served, and never a promotion by default."""

from __future__ import annotations

from modelops.contract import lifecycle as lc
from tests.deploy.conftest import PRODUCTION, World
from tests.deploy.shadow_world import (
    MIN_REQUESTS,
    evaluate,
    experiments,
    metadata,
    send_traffic,
    shadow,
    shadow_artifacts,
    shadow_cdk_out,
    shadow_options,
    under_test,
)

__all__ = ["shadow", "shadow_artifacts", "shadow_cdk_out", "shadow_options"]  # fixtures used by name


def test_a_shadow_that_fails_to_start_is_cancelled_marked_and_notified_with_production_untouched(
    shadow: World,
) -> None:
    first = shadow.to_production(rmse=55.0)
    config_before = shadow.sagemaker.describe_endpoint(EndpointName=PRODUCTION)["EndpointConfigName"]
    shadow.aws.faults.fail_next_endpoint_change(
        "the shadow's container did not pass the ping health check", PRODUCTION
    )
    candidate = under_test(shadow, rmse=54.0)
    shadow.notifications()

    evaluate(shadow)

    assert [e["Status"] for e in experiments(shadow)] == ["Cancelled"]
    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_FAILED)
    assert "not-started" in shadow.description(candidate)
    assert "ping health check" in shadow.description(candidate)
    assert shadow.serves(PRODUCTION) == first
    assert shadow.sagemaker.describe_endpoint(EndpointName=PRODUCTION)["EndpointConfigName"] == config_before
    assert [n["event"] for n in shadow.notifications()] == ["shadow-failed"]


def test_an_evaluator_that_crashes_is_retried_then_dead_lettered_and_the_test_keeps_running(
    shadow: World,
) -> None:
    shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    send_traffic(shadow, MIN_REQUESTS)
    # SageMaker throttles every look at the experiment, through the client's own retries (6 attempts a call)
    # and Lambda's two retries of the invocation.
    shadow.aws.faults.throttle_until_lifted("ListInferenceExperiments")

    evaluate(shadow)

    [dead] = shadow.dead_letters("evaluate_shadow")
    assert dead.attempts == 3 and "Throttling" in (dead.error or "")
    # SageMaker answers again (the look below needs it too).
    shadow.aws.faults.lift_throttle("ListInferenceExperiments")
    assert [e["Status"] for e in experiments(shadow)] == ["Running"]
    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_TESTING)
    assert lc.META_SHADOW_VERDICT not in metadata(shadow, candidate)

    evaluate(shadow)  # the next scheduled run

    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)


def test_a_second_promotion_during_a_test_is_refused_naming_the_running_test(shadow: World) -> None:
    first = shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    second = shadow.register(rmse=53.0)
    shadow.approve(second)
    shadow.settle()
    shadow.notifications()

    shadow.set_life_cycle(second, lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)  # as Studio would
    shadow.settle()

    assert shadow.state(second)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_FAILED)
    description = shadow.description(second)
    assert f"shadow test modelops-shadow-v{candidate}-1 of v{candidate} is running" in description
    assert [n["event"] for n in shadow.notifications()] == ["production-refused"]
    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_TESTING)
    assert shadow.serves(PRODUCTION) == first
    assert len(experiments(shadow)) == 1


def test_an_approver_ends_a_test_early_the_shadow_is_removed_and_the_version_never_promoted(
    shadow: World,
) -> None:
    first = shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    send_traffic(shadow, MIN_REQUESTS)  # enough for a passing verdict, which must not come
    shadow.notifications()
    approver = shadow.aws.client("sagemaker", role="approver")

    approver.update_model_package(  # what Studio's Reject sends
        ModelPackageArn=shadow.arn(candidate),
        ModelApprovalStatus=lc.REJECTED,
        ApprovalDescription="traffic pattern changed; retest next week",
    )
    shadow.settle()
    evaluate(shadow)

    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_STOPPED)
    assert "traffic pattern changed" in shadow.description(candidate)
    assert [e["Status"] for e in experiments(shadow)] == ["Cancelled"]
    assert lc.META_SHADOW_VERDICT not in metadata(shadow, candidate)
    assert shadow.serves(PRODUCTION) == first
    assert not shadow.sagemaker.describe_endpoint(EndpointName=PRODUCTION).get("ShadowProductionVariants")
    assert sorted(n["event"] for n in shadow.notifications()) == ["rejected", "shadow-stopped"]
