"""The shadow evaluator: on a schedule, judge every running shadow test whose window ended or that has enough
requests, and record the verdict as the system's evidence on the version. It never changes what is served.

Its role may read the production endpoint's experiments, CloudWatch metrics and the captures, and write one
metadata key (``lifecycle.META_SHADOW_VERDICT``) on a version at Production/ShadowTesting; the production
deployer acts on the verdict (``shadow_gate``). A run is idempotent: a test already judged is skipped, and a
pending one is judged again next time. A run that fails raises (Lambda retries it, then dead-letters it); the
experiment keeps running meanwhile, and the next scheduled run tries again: never a promotion by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from modelops.contract import lifecycle as lc
from modelops.contract.names import SHADOW_VARIANT, VARIANT
from modelops.deploy import shadow_experiment as sx
from modelops.deploy.clients import Clients
from modelops.deploy.packages import PackageVersion, describe_package, matching
from modelops.deploy.settings import DeploySettings
from modelops.deploy.shadow_captures import read_captures
from modelops.deploy.shadow_metrics import variant_numbers
from modelops.deploy.shadow_verdict import PENDING, Judgement, agreement, judge, parse_verdict, verdict_value

_NOT_STARTED = ("Creating", "Created", "Starting")


@dataclass(frozen=True)
class Assessment:
    """A test's verdict so far (what ``modelops shadow status`` prints and what the evaluator records)."""

    experiment: sx.Experiment
    judgement: Judgement
    window_over: bool
    production_requests: int


def evaluate_shadow(clients: Clients, settings: DeploySettings, _resource: str = "") -> str:
    """Judge each version under a shadow test; record the verdicts that are due. Returns what it did."""
    testing = matching(
        clients.sagemaker,
        settings.group_name,
        "LastModifiedTime",
        ModelLifeCycle__Stage=lc.STAGE_PRODUCTION,
        ModelLifeCycle__StageStatus=lc.STATUS_SHADOW_TESTING,
    )
    if not testing:
        return "no shadow test runs"
    outcomes = [_evaluate(clients, settings, str(raw["ModelPackageArn"])) for raw in testing]
    return "; ".join(outcomes)


def _evaluate(clients: Clients, settings: DeploySettings, package_arn: str) -> str:
    package = describe_package(clients.sagemaker, package_arn)
    experiment = sx.current(clients.sagemaker, settings, package.version)
    if experiment is None:
        return f"{package.label}: no experiment found (the production deployer records it)"
    recorded = parse_verdict(package.metadata.get(lc.META_SHADOW_VERDICT))
    if recorded is not None and recorded.experiment == experiment.name:
        return f"{package.label}: {experiment.name} already judged {recorded.outcome}"
    judgement = assess(clients, settings, experiment).judgement
    if judgement.outcome == PENDING:
        return f"{package.label}: {experiment.name} pending ({judgement.summary()})"
    record_verdict(clients.sagemaker, package, experiment.name, judgement)
    return f"{package.label}: {experiment.name} {judgement.outcome} ({judgement.summary()})"


def assess(
    clients: Clients, settings: DeploySettings, experiment: sx.Experiment, *, always_compare: bool = False
) -> Assessment:
    """The verdict so far of ``experiment``, from its status, its variants' metrics and its captures.

    The captures (one GetObject per capture file) are read only once a verdict is due (the window is over
    or the shadow answered enough requests), unless ``always_compare`` (``modelops shadow status``)."""
    if experiment.status == sx.CANCELLED:
        reason = experiment.status_reason or "the experiment was cancelled"
        judgement = Judgement(lc.SHADOW_NOT_STARTED, 0, (), f"shadow did not run: {reason}")
        return Assessment(experiment, judgement, True, 0)
    if experiment.status in _NOT_STARTED or experiment.start is None:
        judgement = Judgement(PENDING, 0, (), f"experiment {experiment.status}")
        return Assessment(experiment, judgement, False, 0)
    now = datetime.now(UTC)
    window_over = experiment.status == "Completed" or (experiment.end is not None and now >= experiment.end)
    ended = min(now, experiment.end) if experiment.end is not None else now
    numbers = {
        variant: variant_numbers(
            clients.cloudwatch, experiment.endpoint_name, variant, experiment.start, ended
        )
        for variant in (VARIANT, SHADOW_VARIANT)
    }
    due = window_over or numbers[SHADOW_VARIANT].invocations >= settings.shadow.min_requests
    compare = experiment.capture_uri and (due or always_compare)
    pairs = read_captures(clients.s3, experiment.capture_uri).pairs() if compare else []
    judgement = judge(
        numbers[VARIANT], numbers[SHADOW_VARIANT], agreement(pairs), settings.shadow, window_over=window_over
    )
    return Assessment(experiment, judgement, window_over, numbers[VARIANT].invocations)


def record_verdict(sagemaker: Any, package: PackageVersion, experiment: str, judgement: Judgement) -> None:
    """The verdict as the version's evidence: one metadata key, no stage, no approval (its IAM says so).
    The update's state-change event brings the production deployer to act on it."""
    sagemaker.update_model_package(
        ModelPackageArn=package.arn,
        CustomerMetadataProperties={lc.META_SHADOW_VERDICT: verdict_value(experiment, judgement)},
    )
