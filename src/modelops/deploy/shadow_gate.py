"""The shadow gate, the production deployer's side: start a promoted version's shadow test instead of the
blue/green update, and act on the evaluator's verdict or an approver's request to stop.

Transitions (all recorded on the version's ModelLifeCycle; the experiment is the rest of the state):

    Production/Approved       gate on, production serves another version -> start the test: ShadowTesting
                              SageMaker refuses the experiment -> ShadowFailed, production untouched, notified
                              another version's test runs -> refused (Production/Failed), naming that test
    ShadowTesting             no verdict on the current experiment yet -> nothing (the evaluator judges it)
                              verdict pass -> stop (shadow removed), then the blue/green update (one path in)
                              verdict fail / no-traffic / not-started -> stop, ShadowFailed with the numbers
    ShadowTesting, Rejected   an approver ends it early -> stop (shadow removed), ShadowStopped, never promoted

Every step re-reads the version and the experiment, so a duplicate, late or concurrent event does nothing
new: a stop of a stopped experiment is skipped, a record already made is not made again.
"""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import ClientError

from modelops.contract import lifecycle as lc
from modelops.deploy import endpoints as ep
from modelops.deploy import owed
from modelops.deploy import shadow_experiment as sx
from modelops.deploy.clients import Clients
from modelops.deploy.errors import ForeignResourceError
from modelops.deploy.packages import PackageVersion, record_stage
from modelops.deploy.settings import DeploySettings
from modelops.deploy.shadow_verdict import parse_verdict

UNDER_TEST = (lc.STATUS_SHADOW_TESTING,)
# SageMaker refuses a request it finds invalid with these; anything else (throttling past the client's
# retries, a network error) raises, so the event is retried rather than the version marked.
_REFUSALS = ("ValidationException", "ResourceLimitExceeded", "ResourceNotFound")

Proceed = Callable[[PackageVersion, str], str]


def applies(settings: DeploySettings, package: PackageVersion, endpoint: ep.EndpointState | None) -> bool:
    """A promotion (not a rollback) with the gate on, and a production endpoint serving another version to
    compare with. The very first production version has nothing to be compared with: it goes blue/green."""
    return (
        settings.shadow.enabled
        and package.stage_status == lc.STATUS_APPROVED
        and endpoint is not None
        and endpoint.status == ep.IN_SERVICE
        and endpoint.served_package not in (None, package.arn)
    )


def busy_with_another(clients: Clients, settings: DeploySettings, package: PackageVersion) -> str | None:
    """Why a request must wait: the endpoint's one shadow slot holds another version's test."""
    running = sx.running(clients.sagemaker, settings)
    if running is None or running.version == package.version:
        return None
    kind = "rollback" if package.stage_status == lc.STATUS_ROLLBACK_REQUESTED else "promotion"
    return (
        f"{kind} refused: shadow test {running.name} of v{running.version} is running on "
        f"{settings.production_endpoint}; wait for its verdict or end it with `modelops shadow stop`"
    )


def start_test(
    clients: Clients, settings: DeploySettings, package: PackageVersion, endpoint: ep.EndpointState
) -> str:
    """Start the shadow test of ``package`` against what ``endpoint`` serves; record ShadowTesting."""
    sm = clients.sagemaker
    gate = settings.shadow
    try:
        config = sm.describe_endpoint_config(EndpointConfigName=endpoint.config_name)
        production_model = str(config["ProductionVariants"][0]["ModelName"])
        shadow_model = ep.ensure_model(sm, settings, "production", package)
        experiment = sx.start(
            sm,
            settings,
            version=package.version,
            production_model=production_model,
            shadow_model=shadow_model,
        )
    except ForeignResourceError as error:
        return _not_started(clients, settings, package, str(error))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in _REFUSALS:
            raise
        return _not_started(clients, settings, package, error.response["Error"].get("Message", str(error)))
    record_stage(
        sm,
        package,
        lc.STAGE_PRODUCTION,
        lc.STATUS_SHADOW_TESTING,
        f"shadow test {experiment.name} on {settings.production_endpoint}: {gate.sampling_percent}% of "
        f"production's requests for {gate.window_minutes} min or {gate.min_requests} requests, against "
        f"v{ep_version(endpoint)}; the shadow evaluator judges it",
    )
    return f"shadow test {experiment.name} of {package.label} {experiment.status} on {endpoint.name}"


def ep_version(endpoint: ep.EndpointState) -> str:
    served = endpoint.served_package
    return served.rsplit("/", 1)[1] if served else "?"


def act_on_test(clients: Clients, settings: DeploySettings, package: PackageVersion, proceed: Proceed) -> str:
    """A version under test: stop on request, act on a verdict of its current experiment, or wait."""
    sm = clients.sagemaker
    experiment = sx.current(sm, settings, package.version)
    if experiment is None:
        return _failed(clients, settings, package, f"no shadow test of v{package.version} exists any more")
    if package.approval_status == lc.REJECTED:  # the approver's way to end a test early
        return _stopped_by_approver(clients, settings, package, experiment)
    verdict = parse_verdict(package.metadata.get(lc.META_SHADOW_VERDICT))
    if verdict is None or verdict.experiment != experiment.name:
        return f"no-op: {experiment.name} of {package.label} is {experiment.status}; waiting for its verdict"
    sx.stop_removing_shadow(sm, experiment, f"verdict {verdict.outcome}")
    if verdict.outcome == lc.SHADOW_PASS:
        return proceed(package, f"shadow test {experiment.name} passed: {verdict.numbers}")
    return _failed(
        clients, settings, package, f"shadow test {experiment.name} {verdict.outcome}: {verdict.numbers}"
    )


def _stopped_by_approver(
    clients: Clients, settings: DeploySettings, package: PackageVersion, experiment: sx.Experiment
) -> str:
    sx.stop_removing_shadow(
        clients.sagemaker, experiment, "ended early by an approver", desired_state="Cancelled"
    )
    why = package.approval_description or "no reason given"
    summary = f"shadow test {experiment.name} ended early by an approver ({why}); not promoted"
    package = record_stage(
        clients.sagemaker,
        package,
        lc.STAGE_PRODUCTION,
        lc.STATUS_SHADOW_STOPPED,
        summary,
        metadata=owed.owing("shadow-stopped", summary),
    )
    owed.send(clients, settings, package, "shadow-stopped", summary, {"experiment": experiment.name})
    return summary


def _not_started(clients: Clients, settings: DeploySettings, package: PackageVersion, why: str) -> str:
    return _failed(clients, settings, package, f"shadow test not started: {why}; production unchanged")


def _failed(clients: Clients, settings: DeploySettings, package: PackageVersion, reason: str) -> str:
    package = record_stage(
        clients.sagemaker,
        package,
        lc.STAGE_PRODUCTION,
        lc.STATUS_SHADOW_FAILED,
        reason,
        metadata=owed.owing("shadow-failed", reason),
    )
    owed.send(clients, settings, package, "shadow-failed", reason, {"endpoint": settings.production_endpoint})
    return reason
