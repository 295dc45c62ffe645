"""The shadow gate end to end on the embedded AWS: a promoted version is tested on production's own requests
first; a good one takes over through the usual blue/green update, a plausible-but-shifted one never serves.

Every test runs the synthesized stacks with the gate on, IAM enforced for every handler's role, and the
evaluator's scheduled rule fired as EventBridge would fire it.
"""

from __future__ import annotations

import time

import pytest

from modelops.contract import lifecycle as lc
from modelops.contract.names import SHADOW_VARIANT
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


def _shadow_of_endpoint(world: World) -> list[str]:
    endpoint = world.sagemaker.describe_endpoint(EndpointName=PRODUCTION)
    return [v["VariantName"] for v in endpoint.get("ShadowProductionVariants") or []]


def test_first_production_version_has_nothing_to_be_compared_with_and_goes_blue_green(shadow: World) -> None:
    first = shadow.to_production(rmse=55.0)

    assert shadow.state(first)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert shadow.serves(PRODUCTION) == first
    assert experiments(shadow) == []


def test_a_promotion_starts_a_shadow_test_and_production_keeps_serving(shadow: World) -> None:
    first = shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)

    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_TESTING)
    [experiment] = experiments(shadow)
    assert experiment["Name"] == f"modelops-shadow-v{candidate}-1"
    assert experiment["Status"] == "Running"
    assert _shadow_of_endpoint(shadow) == [SHADOW_VARIANT]
    assert shadow.endpoint_tag(PRODUCTION) == shadow.arn(first)  # production untouched


def test_a_passing_candidate_is_stopped_with_remove_then_takes_over_by_blue_green(shadow: World) -> None:
    first = shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    send_traffic(shadow, MIN_REQUESTS)
    shadow.notifications()

    evaluate(shadow)

    assert lc.META_SHADOW_VERDICT in metadata(shadow, candidate)
    assert metadata(shadow, candidate)[lc.META_SHADOW_VERDICT].startswith(
        f"modelops-shadow-v{candidate}-1 pass:"
    )
    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED), shadow.description(
        candidate
    )
    assert shadow.serves(PRODUCTION) == candidate
    assert shadow.state(first)[1:] == (lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)
    assert _shadow_of_endpoint(shadow) == []
    assert [e["Status"] for e in experiments(shadow)] == ["Completed"]
    assert [n["event"] for n in shadow.notifications()] == ["production-deployed"]


def test_a_shifted_candidate_passes_staging_fails_its_shadow_test_and_never_serves(shadow: World) -> None:
    first = shadow.to_production(rmse=55.0)
    shifted = under_test(shadow, rmse=54.0, artifact="shifted")  # staging's sample checks pass it
    send_traffic(shadow, MIN_REQUESTS)
    shadow.notifications()

    evaluate(shadow)

    assert shadow.state(shifted)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_FAILED)
    description = shadow.description(shifted)
    assert f"shadow test modelops-shadow-v{shifted}-1 fail" in description
    assert "disagreement" in description and f"{MIN_REQUESTS} requests" in description
    assert shadow.serves(PRODUCTION) == first
    assert shadow.state(first)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert _shadow_of_endpoint(shadow) == []
    [notice] = shadow.notifications()
    assert notice["event"] == "shadow-failed" and "disagreement" in notice["summary"]
    assert not any(key.startswith(lc.META_NOTIFICATION_OWED_PREFIX) for key in metadata(shadow, shifted))


def test_no_verdict_before_enough_requests_while_the_window_runs(shadow: World) -> None:
    shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    send_traffic(shadow, MIN_REQUESTS // 3)

    evaluate(shadow)

    assert lc.META_SHADOW_VERDICT not in metadata(shadow, candidate)
    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_TESTING)
    assert [e["Status"] for e in experiments(shadow)] == ["Running"]


def test_no_traffic_in_the_window_is_not_promoted_and_says_how_to_extend_it(shadow: World) -> None:
    first = shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    [experiment] = experiments(shadow)
    described = shadow.sagemaker.describe_inference_experiment(Name=experiment["Name"])
    # The window ends now (an operator's UpdateInferenceExperiment), with no request seen.
    end = described["Schedule"]["StartTime"].timestamp() + 1
    shadow.sagemaker.update_inference_experiment(Name=experiment["Name"], Schedule={"EndTime": end})
    shadow.settle()
    # The evaluator judges by the clock: wait until the shortened window is really over (on a quick machine
    # the flow reaches this line within the second).
    time.sleep(max(0.0, end - time.time()) + 0.2)

    evaluate(shadow)

    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_FAILED)
    description = shadow.description(candidate)
    assert "no-traffic" in description and "0 of 30 requests" in description
    assert "shadow_window_minutes" in description
    assert shadow.serves(PRODUCTION) == first


@pytest.mark.parametrize(
    "shadow_options",
    [{"delivery": "duplicated"}, {"delivery": "reordered"}, {"concurrency": 3}],
    indirect=True,
    ids=["duplicated", "reordered", "concurrent"],
)
def test_duplicate_out_of_order_and_concurrent_events_run_one_test_and_one_takeover(shadow: World) -> None:
    shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    send_traffic(shadow, MIN_REQUESTS)

    evaluate(shadow)
    evaluate(shadow)  # a second run finds the test judged

    assert [e["Name"] for e in experiments(shadow)] == [f"modelops-shadow-v{candidate}-1"]
    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)
    assert shadow.serves(PRODUCTION) == candidate
    assert shadow.aws.dispatcher.dead_letters == [] or all(
        "busy" in (d.error or "") or "AccessDenied" in (d.error or "")
        for d in shadow.aws.dispatcher.dead_letters
    )
