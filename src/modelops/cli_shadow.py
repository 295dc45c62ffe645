"""``modelops shadow``: the production endpoint's shadow test, seen and ended by an approver.

``status`` prints the running (or last) test: its window, the requests each variant answered, every
comparison with its tolerance, the verdict so far and the one recorded. It computes the verdict so far as
the evaluator does (``modelops.deploy.shadow_evaluator.assess``), with the caller's own credentials.
``stop`` rejects the version under test (the approver's own verb): the production deployer then ends the
test early, the shadow removed and the version marked ShadowStopped, never promoted by it. The stage's settings (cdk.json's
``modelops:stages``, ``--stage``) name the project, the group and the tolerances.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from modelops.cli_group import handled
from modelops.contract import lifecycle

if TYPE_CHECKING:
    from modelops.deploy.settings import DeploySettings
    from modelops.deploy.shadow_evaluator import Assessment


class NoShadowTest(click.ClickException):
    """No shadow test of this stage is running (or ever ran) on its production endpoint."""


def _stage_options(function: Any) -> Any:
    function = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(function)
    function = click.option("--region", default=None, help="AWS region (default: the credential chain's).")(
        function
    )
    function = click.option(
        "--cdk-json", type=click.Path(path_type=Path), default=Path("cdk.json"), show_default=True
    )(function)
    return click.option("--stage", default="default", show_default=True, help="The stage's settings.")(
        function
    )


def _settings(stage: str, cdk_json: Path) -> DeploySettings:
    from modelops.contract.settings import SettingsError, read_stages, settings_for
    from modelops.deploy.settings import DeploySettings

    try:
        return DeploySettings.for_reading(settings_for(stage, read_stages(cdk_json)))
    except SettingsError as error:
        raise click.BadParameter(str(error), param_hint="--stage") from None


def _clients(region: str | None) -> Any:
    from modelops.deploy.clients import Clients
    from modelops.deploy.clients import session as aws_session

    session = aws_session(region)
    return Clients(
        sagemaker=session.client("sagemaker"),
        runtime=None,
        s3=session.client("s3"),
        sns=None,
        cloudwatch=session.client("cloudwatch"),
    )


@click.group()
def shadow() -> None:
    """The production endpoint's shadow test: see it, or end it early."""


@shadow.command()
@_stage_options
@handled
def status(stage: str, cdk_json: Path, region: str | None, as_json: bool) -> None:
    """Window, requests seen, each comparison with its tolerance, and the verdict so far."""
    from modelops.deploy import shadow_experiment as sx
    from modelops.deploy.packages import matching
    from modelops.deploy.shadow_evaluator import assess

    settings = _settings(stage, cdk_json)
    clients = _clients(region)
    found = sx.listed(clients.sagemaker, settings)
    if not found:
        raise NoShadowTest(f"no shadow test has run on {settings.production_endpoint}")
    running = [s for s in found if s.get("Status") in sx.ACTIVE]
    experiment = sx.describe(clients.sagemaker, settings, (running or found)[0]["Name"])
    assessment = assess(clients, settings, experiment, always_compare=True)
    versions = matching(clients.sagemaker, settings.group_name, "LastModifiedTime")
    package = next((p for p in versions if int(p["ModelPackageVersion"]) == experiment.version), {})
    recorded = (package.get("CustomerMetadataProperties") or {}).get(lifecycle.META_SHADOW_VERDICT, "")
    life = package.get("ModelLifeCycle") or {}
    payload = _payload(assessment, settings, recorded, life)
    click.echo(json.dumps(payload, indent=2, default=str) if as_json else _text(payload))


def _payload(
    assessment: Assessment, settings: DeploySettings, recorded: str, life: dict[str, Any]
) -> dict[str, Any]:
    experiment, judgement = assessment.experiment, assessment.judgement
    return {
        "experiment": experiment.name,
        "version": experiment.version,
        "endpoint": experiment.endpoint_name,
        "status": experiment.status,
        "stage": f"{life.get('Stage')}/{life.get('StageStatus')}" if life else None,
        "window": {"start": experiment.start, "end": experiment.end, "over": assessment.window_over},
        "requests": {
            "shadow": judgement.requests,
            "production": assessment.production_requests,
            "needed": settings.shadow.min_requests,
        },
        "comparisons": [
            {"name": c.name, "shadow": c.shadow, "production": c.production, "limit": c.limit, "ok": c.ok}
            | {"text": c.text}
            for c in judgement.comparisons
        ],
        "verdict_so_far": judgement.outcome,
        "note": judgement.note,
        "recorded_verdict": recorded or None,
    }


def _text(payload: dict[str, Any]) -> str:
    window = payload["window"]
    requests = payload["requests"]
    lines = [
        f"shadow test {payload['experiment']} of v{payload['version']} on {payload['endpoint']}: "
        f"{payload['status']} (version {payload['stage']})",
        f"window: {_when(window['start'])} -> {_when(window['end'])}" + (" (over)" if window["over"] else ""),
        f"requests: shadow {requests['shadow']} of {requests['needed']} needed; "
        f"production {requests['production']}",
    ]
    for comparison in payload["comparisons"]:
        lines.append(f"  {'ok  ' if comparison['ok'] else 'FAIL'} {comparison['text']}")
    lines.append(
        f"verdict so far: {payload['verdict_so_far']}" + (f" ({payload['note']})" if payload["note"] else "")
    )
    lines.append(f"recorded verdict: {payload['recorded_verdict'] or 'none yet'}")
    return "\n".join(lines)


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z") if moment is not None else "-"


@shadow.command()
@click.option("--reason", required=True, help="Why the test ends early (kept as the StageDescription).")
@_stage_options
@handled
def stop(reason: str, stage: str, cdk_json: Path, region: str | None, as_json: bool) -> None:
    """End the running shadow test early: the shadow is removed, the version never promoted by it."""
    from modelops.deploy import shadow_experiment as sx
    from modelops.registry import ModelRegistry
    from modelops.registry.transitions import require_reason

    reason = require_reason(reason, "stopping a shadow test")
    settings = _settings(stage, cdk_json)
    clients = _clients(region)
    running = sx.running(clients.sagemaker, settings)
    if running is None:
        raise NoShadowTest(f"no shadow test is running on {settings.production_endpoint}; nothing to stop")
    version = ModelRegistry(clients.sagemaker, settings.group_name).get_version(running.version)
    if (version.stage, version.stage_status) != (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_SHADOW_TESTING):
        raise NoShadowTest(
            f"shadow test {running.name} is {running.status} but v{version.version} is "
            f"{version.stage}/{version.stage_status}, not under test; its outcome is being recorded"
        )
    ModelRegistry(clients.sagemaker, settings.group_name).reject_version(version.version, reason)
    text = (
        f"version {version.version}: Rejected under test; the production deployer stops {running.name}, "
        "removes the shadow and marks it ShadowStopped"
    )
    payload = {"version": version.version, "experiment": running.name, "reason": reason}
    click.echo(json.dumps(payload, indent=2) if as_json else text)


def running_test(sagemaker: Any, project: str) -> Any:
    """The shadow test running on ``project``'s production endpoint, or None (also when the caller may not
    list experiments: the production deployer refuses a promotion during a test anyway)."""
    from botocore.exceptions import ClientError

    from modelops.contract.settings import StageSettings
    from modelops.deploy import shadow_experiment as sx
    from modelops.deploy.settings import DeploySettings

    try:
        return sx.running(sagemaker, DeploySettings.for_reading(StageSettings(project_name=project)))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("AccessDenied", "AccessDeniedException"):
            return None
        raise


def refuse_promotion_during_test(sagemaker: Any, project: str, version: int) -> None:
    """A second promotion while a test runs is refused in one line naming the running test."""
    running = running_test(sagemaker, project)
    if running is not None and running.version != version:
        raise click.ClickException(
            f"promotion refused: shadow test {running.name} of v{running.version} is running on "
            f"{running.endpoint_name}; wait for its verdict (modelops shadow status) or end it "
            "(modelops shadow stop)"
        )


def status_line(sagemaker: Any, project: str) -> str | None:
    """One line for ``modelops status``: the running shadow test, if any."""
    running = running_test(sagemaker, project)
    if running is None:
        return None
    return (
        f"shadow test {running.name} of v{running.version} {running.status} on {running.endpoint_name} "
        f"until {_when(running.end)} (modelops shadow status)"
    )
