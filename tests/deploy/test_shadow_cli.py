"""``modelops shadow status``/``stop``, ``modelops status`` and ``modelops promote`` during a shadow test, run
as a person runs them (click's runner, the default credential chain) against the embedded AWS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner, Result

from modelops.cli import main
from modelops.contract import lifecycle as lc
from tests.deploy.conftest import PRODUCTION, World
from tests.deploy.shadow_world import (
    MIN_REQUESTS,
    SHADOW_CONTEXT,
    evaluate,
    send_traffic,
    shadow,
    shadow_artifacts,
    shadow_cdk_out,
    shadow_options,
    under_test,
)

__all__ = ["shadow", "shadow_artifacts", "shadow_cdk_out", "shadow_options"]  # fixtures used by name


def _cdk_json(tmp_path: Path) -> Path:
    """A cdk.json whose stage ``test`` has the tests' gate settings (the stack's own)."""
    stage = {k: v for k, v in SHADOW_CONTEXT.items() if k.startswith("shadow_")}
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps({"context": {"modelops:stages": {"default": stage}}}))
    return path


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_shadow_status_shows_window_requests_comparisons_and_the_verdict_so_far(
    shadow: World, tmp_path: Path
) -> None:
    shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    send_traffic(shadow, MIN_REQUESTS // 2)

    result = _run("shadow", "status", "--cdk-json", str(_cdk_json(tmp_path)))

    assert result.exit_code == 0, result.output
    text = result.output
    assert f"shadow test modelops-shadow-v{candidate}-1 of v{candidate} on {PRODUCTION}: Running" in text
    assert "window: " in text and " -> " in text
    assert f"requests: shadow {MIN_REQUESTS // 2} of {MIN_REQUESTS} needed" in text
    for comparison in ("errors", "p50", "p99", "disagreement"):
        assert comparison in text
    assert "verdict so far: pending" in text
    assert "recorded verdict: none yet" in text

    payload = json.loads(_run("shadow", "status", "--cdk-json", str(_cdk_json(tmp_path)), "--json").output)
    assert payload["requests"]["shadow"] == MIN_REQUESTS // 2
    assert {c["name"] for c in payload["comparisons"]} == {"error rate", "p50", "p99", "agreement"}


def test_status_shows_the_running_test_and_a_second_promotion_is_refused_in_one_line(shadow: World) -> None:
    shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    second = shadow.register(rmse=53.0)
    shadow.approve(second)
    shadow.settle()

    status = _run("status")
    refused = _run("promote", str(second), "--reason", "even better")

    assert status.exit_code == 0
    assert (
        f"shadow test modelops-shadow-v{candidate}-1 of v{candidate} Running on {PRODUCTION}" in status.output
    )
    assert refused.exit_code == 1
    [line] = refused.output.strip().splitlines()
    assert f"shadow test modelops-shadow-v{candidate}-1 of v{candidate} is running" in line
    assert shadow.state(second)[1:] == (lc.STAGE_STAGING, lc.STATUS_PASSED)  # nothing written


def test_shadow_stop_asks_the_deployer_to_end_the_test_and_the_version_is_never_promoted(
    shadow: World, tmp_path: Path
) -> None:
    first = shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)

    result = _run("shadow", "stop", "--reason", "wrong traffic mix", "--cdk-json", str(_cdk_json(tmp_path)))
    shadow.settle()
    send_traffic(shadow, MIN_REQUESTS)
    evaluate(shadow)

    assert result.exit_code == 0, result.output
    assert "Rejected under test" in result.output
    assert shadow.state(candidate)[1:] == (lc.STAGE_PRODUCTION, lc.STATUS_SHADOW_STOPPED)
    assert shadow.serves(PRODUCTION) == first


def test_shadow_stop_with_no_test_running_and_without_a_reason_fail_in_one_line(
    shadow: World, tmp_path: Path
) -> None:
    nothing = _run("shadow", "stop", "--reason", "why not", "--cdk-json", str(_cdk_json(tmp_path)))
    blank = _run("shadow", "stop", "--reason", "  ", "--cdk-json", str(_cdk_json(tmp_path)))
    status = _run("shadow", "status", "--cdk-json", str(_cdk_json(tmp_path)))
    bad_stage = _run("shadow", "status", "--stage", "nope", "--cdk-json", str(_cdk_json(tmp_path)))

    assert nothing.exit_code == 1 and len(nothing.output.strip().splitlines()) == 1
    assert "no shadow test is running" in nothing.output
    assert blank.exit_code == 2 and "needs a reason" in blank.output
    assert status.exit_code == 1 and "no shadow test has run" in status.output
    assert bad_stage.exit_code == 2 and "nope" in bad_stage.output


def _as(shadow: World, role: str, *args: str) -> Result:
    """The CLI run by a person holding ``role``'s keys (the profile the embedded AWS issues), IAM enforced."""
    assert shadow.aws.iam is not None  # the point: every call below is evaluated against the role's policies
    environment: dict[str, str | None] = {**shadow.aws.credentials(role).environment(), "AWS_PROFILE": None}
    return CliRunner(env=environment).invoke(main, list(args), catch_exceptions=False)


def test_an_approver_follows_a_shadow_test_with_their_own_keys(shadow: World, tmp_path: Path) -> None:
    shadow.to_production(rmse=55.0)
    candidate = under_test(shadow, rmse=54.0)
    send_traffic(shadow, MIN_REQUESTS // 2)
    assert shadow.aws.iam is not None
    refused_before = shadow.aws.iam.counters.refused

    result = _as(shadow, "approver", "shadow", "status", "--cdk-json", str(_cdk_json(tmp_path)), "--json")

    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["version"] == candidate and payload["status"] == "Running"
    assert payload["requests"]["shadow"] == MIN_REQUESTS // 2  # GetMetricStatistics answered
    # The agreement is computed from the captures: listed, read and decrypted with the approver's keys.
    assert {c["name"] for c in payload["comparisons"]} == {"error rate", "p50", "p99", "agreement"}
    assert shadow.aws.iam.counters.refused == refused_before


def test_a_data_scientist_may_not_read_shadow_tests_nor_may_an_approver_start_or_stop_one(
    shadow: World, tmp_path: Path
) -> None:
    shadow.to_production(rmse=55.0)
    under_test(shadow, rmse=54.0)
    [running] = [e["Name"] for e in shadow.sagemaker.list_inference_experiments()["InferenceExperiments"]]

    result = _as(shadow, "data-scientist", "shadow", "status", "--cdk-json", str(_cdk_json(tmp_path)))
    approver = shadow.aws.client("sagemaker", role="approver")

    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "AWS refused ListInferenceExperiments: AccessDenied" in result.output
    for call in (
        lambda: approver.stop_inference_experiment(
            Name=running, ModelVariantActions={"AllTraffic": "Retain", "Shadow": "Promote"}
        ),
        lambda: approver.start_inference_experiment(Name=running),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")
