"""Production: promote a version that passed staging (or roll back to one production served), finalize."""

from __future__ import annotations

from modelops.contract import lifecycle as lc
from modelops.deploy import endpoints as ep
from modelops.deploy import owed, shadow_gate
from modelops.deploy.artifacts import artifact_problem
from modelops.deploy.clients import Clients
from modelops.deploy.errors import EndpointBusyError, ForeignResourceError
from modelops.deploy.packages import (
    PackageVersion,
    describe_package,
    matching,
    newest,
    record_stage,
    version_of,
)
from modelops.deploy.settings import DeploySettings

REQUESTED = (lc.STATUS_APPROVED, lc.STATUS_ROLLBACK_REQUESTED)


def placement(settings: DeploySettings) -> ep.Placement:
    return ep.Placement(
        environment="production",
        endpoint_name=settings.production_endpoint,
        instance_type=settings.production_instance_type,
        instance_count=settings.production_instance_count,
        traffic_shifting=settings.production_traffic_shifting,
        rollback_alarms=settings.rollback_alarms,
        data_capture_uri=settings.data_capture_uri,
        data_capture_kms_key=settings.data_capture_kms_key,
    )


def refusal(package: PackageVersion, served: str | None) -> str | None:
    """Why the guards refuse to put ``package`` in production, or None when it may go."""
    rollback = package.stage_status == lc.STATUS_ROLLBACK_REQUESTED
    if package.approval_status != lc.APPROVED:
        return f"v{package.version} is {package.approval_status}, not Approved"
    if rollback:
        if lc.META_PRODUCTION_SERVED not in package.metadata:
            return f"rollback refused: v{package.version} never served production"
        return None
    if lc.META_STAGING_VERIFICATION not in package.metadata:
        return f"promotion refused: v{package.version} has not passed staging verification"
    if served and served != package.arn and version_of(served) > package.version:
        return (
            f"promotion refused: v{package.version} is older than v{version_of(served)} in production; "
            "use `modelops rollback` to go back to an earlier version"
        )
    return None


def deploy_production(clients: Clients, settings: DeploySettings, package_arn: str) -> str:
    """Start the blue/green update of the production endpoint to a promoted (or rolled-back-to) version,
    or with the shadow gate on, its shadow test first (``shadow_gate``)."""
    sm = clients.sagemaker
    package = describe_package(sm, package_arn)
    if package.group_name != settings.group_name:
        return f"ignored: {package.label} is not in group {settings.group_name}"
    package = owed.send_owed(clients, settings, package)
    if package.is_at(lc.STAGE_PRODUCTION, *shadow_gate.UNDER_TEST):
        return shadow_gate.act_on_test(
            clients, settings, package, lambda tested, note: _after_shadow(clients, settings, tested, note)
        )
    if not package.is_at(lc.STAGE_PRODUCTION, *REQUESTED):
        return f"no-op: {package.label} is at {package.stage}/{package.stage_status}"
    endpoint = ep.describe_endpoint(sm, settings.production_endpoint)
    ep.ensure_not_busy(endpoint)
    # An endpoint deleted out of band names nothing; the registry still says what production last served.
    served = endpoint.served_package if endpoint else _recorded_as_deployed(clients, settings)
    reason = refusal(package, served) or artifact_problem(clients.s3, package)
    if reason is None and settings.shadow.enabled:
        reason = shadow_gate.busy_with_another(clients, settings, package)
        if reason is None and endpoint is not None and shadow_gate.applies(settings, package, endpoint):
            return shadow_gate.start_test(clients, settings, package, endpoint)
    return _blue_green(clients, settings, package, endpoint, reason)


def _after_shadow(clients: Clients, settings: DeploySettings, package: PackageVersion, note: str) -> str:
    """The shadow test passed (and was stopped): the same guards again, then the blue/green update."""
    endpoint = ep.describe_endpoint(clients.sagemaker, settings.production_endpoint)
    if endpoint is not None and endpoint.status in ep.BUSY:
        # Removing the shadow updates the endpoint. Its settling emits the state change that brings
        # finalize_production, which starts what waits (this version, still ShadowTesting with its verdict).
        return f"{note}; {endpoint.name} is {endpoint.status}: the update starts once it settles"
    served = endpoint.served_package if endpoint else _recorded_as_deployed(clients, settings)
    reason = refusal(package, served) or artifact_problem(clients.s3, package)
    return _blue_green(clients, settings, package, endpoint, reason, note)


def _blue_green(
    clients: Clients,
    settings: DeploySettings,
    package: PackageVersion,
    endpoint: ep.EndpointState | None,
    reason: str | None,
    note: str = "",
) -> str:
    sm = clients.sagemaker
    if reason is None:
        try:
            outcome = ep.serve(sm, settings, placement(settings), package, endpoint)
        except ForeignResourceError as error:
            reason = f"not deployed: {error}"
    if reason is not None:
        package = record_stage(
            sm,
            package,
            lc.STAGE_PRODUCTION,
            lc.STATUS_FAILED,
            reason,
            metadata=owed.owing("production-refused", reason),
        )
        owed.send(clients, settings, package, "production-refused", reason)
        return reason
    kind = "rollback" if package.stage_status == lc.STATUS_ROLLBACK_REQUESTED else "promotion"
    record_stage(
        sm,
        package,
        lc.STAGE_PRODUCTION,
        lc.STATUS_DEPLOYING,
        f"{kind}: {settings.production_traffic_shifting} update of {settings.production_endpoint} "
        f"({outcome})" + (f"; {note}" if note else ""),
    )
    if ep.settled_unchanged(outcome, endpoint):
        return finalize_production(clients, settings)
    return f"{outcome} {settings.production_endpoint} with {package.label} ({kind})"


def finalize_production(clients: Clients, settings: DeploySettings) -> str:
    """Record the end of a production update: Deployed and the replaced version archived, or RolledBack."""
    sm = clients.sagemaker
    settled = ep.settled_deployment(sm, settings.production_endpoint)
    if isinstance(settled, str):
        return f"no-op: {settled}"
    endpoint, intended = settled
    candidate = owed.send_owed(clients, settings, describe_package(sm, intended))
    if not candidate.is_at(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING):
        noop = f"no-op: {candidate.label} is at {candidate.stage}/{candidate.stage_status}"
        # With the gate on, removing a shadow updates the endpoint too: what waited for that may go now.
        return f"{noop}; {_deploy_next(clients, settings)}" if settings.shadow.enabled else noop
    actual = ep.package_of_config(sm, endpoint.config_name)
    if endpoint.status == ep.IN_SERVICE and actual == intended:
        outcome = _deployed(clients, settings, endpoint, candidate)
    else:
        outcome = _rolled_back(clients, settings, endpoint, candidate, actual)
    return f"{outcome}; {_deploy_next(clients, settings)}"


def _deploy_next(clients: Clients, settings: DeploySettings) -> str:
    """Start a promotion or rollback that was requested while this update ran.

    Its own event found the endpoint busy, was retried and may have gone to the dead-letter queue; the end
    of this update is when it can go, so a request is never left waiting for a person to repeat it.
    """
    found = [
        newest(
            clients.sagemaker,
            settings.group_name,
            "LastModifiedTime",
            ModelLifeCycle__Stage=lc.STAGE_PRODUCTION,
            ModelLifeCycle__StageStatus=status,
        )
        # One Search per status: Search has no OR across one property's values. A version under a shadow test
        # waits too: its passing verdict found the endpoint busy removing the shadow.
        for status in (*REQUESTED, *(shadow_gate.UNDER_TEST if settings.shadow.enabled else ()))
    ]
    waiting = [package for package in found if package is not None]
    if not waiting:
        return "no promotion waits"
    latest = max(waiting, key=lambda p: p.get("LastModifiedTime") or p["CreationTime"])
    try:
        return f"next: {deploy_production(clients, settings, latest['ModelPackageArn'])}"
    except EndpointBusyError as busy:
        return f"a promotion waits: {busy}"


def _recorded_as_deployed(clients: Clients, settings: DeploySettings) -> str | None:
    found = newest(
        clients.sagemaker,
        settings.group_name,
        "LastModifiedTime",
        ModelLifeCycle__Stage=lc.STAGE_PRODUCTION,
        ModelLifeCycle__StageStatus=lc.STATUS_DEPLOYED,
    )
    return str(found["ModelPackageArn"]) if found else None


def _deployed(
    clients: Clients, settings: DeploySettings, endpoint: ep.EndpointState, candidate: PackageVersion
) -> str:
    sm = clients.sagemaker
    was_rollback = candidate.stage_description.startswith("rollback:")
    replaced = endpoint.previous_package
    # Whatever the registry still records as deployed is replaced too: the endpoint's tag names only the
    # version it served last, and an endpoint deleted and created again names none.
    others = matching(
        sm,
        settings.group_name,
        "LastModifiedTime",
        ModelLifeCycle__Stage=lc.STAGE_PRODUCTION,
        ModelLifeCycle__StageStatus=lc.STATUS_DEPLOYED,
    )
    olds = [str(p["ModelPackageArn"]) for p in others if p["ModelPackageArn"] != candidate.arn]
    if replaced and replaced != candidate.arn and replaced not in olds:
        olds.insert(0, replaced)
    event = "production-rollback-deployed" if was_rollback else "production-deployed"
    archived_parts = []
    for arn in olds:
        old = describe_package(sm, arn)
        if old.stage == lc.STAGE_PRODUCTION:
            status = lc.STATUS_ROLLED_BACK if was_rollback else lc.STATUS_RETIRED
            why = (
                f"rolled back: production returned to v{candidate.version}"
                if was_rollback
                else f"retired: replaced by v{candidate.version} on {endpoint.name}"
            )
            record_stage(sm, old, lc.STAGE_ARCHIVED, status, why)
            archived_parts.append(f"v{old.version} -> {lc.STAGE_ARCHIVED}/{status}")
    archived = ", ".join(archived_parts) or "nothing replaced"
    summary = f"{candidate.label} is serving on {endpoint.name}; {archived}"
    candidate = record_stage(
        sm,
        candidate,
        lc.STAGE_PRODUCTION,
        lc.STATUS_DEPLOYED,
        f"serving on {endpoint.name}",
        metadata={lc.META_PRODUCTION_SERVED: endpoint.name, **owed.owing(event, summary)},
    )
    details = {"endpoint": endpoint.name, "replaced": replaced, "archived": archived}
    owed.send(clients, settings, candidate, event, summary, details)
    return f"deployed: {candidate.label}; {archived}"


def _rolled_back(
    clients: Clients,
    settings: DeploySettings,
    endpoint: ep.EndpointState,
    candidate: PackageVersion,
    actual: str | None,
) -> str:
    sm = clients.sagemaker
    serving = (
        f"v{version_of(actual)} still serves"
        if actual and endpoint.status == ep.IN_SERVICE
        else "nothing serves"
    )
    reason = (
        f"production update failed or was rolled back by its alarms: "
        f"{endpoint.failure_reason or 'endpoint returned to the previous configuration'}; {serving}"
    )
    summary = f"{candidate.label} did not reach production; {serving}"
    candidate = record_stage(
        sm,
        candidate,
        lc.STAGE_PRODUCTION,
        lc.STATUS_ROLLED_BACK,
        reason,
        metadata=owed.owing("production-rolled-back", summary),
    )
    if actual and endpoint.status == ep.IN_SERVICE:
        previous = endpoint.previous_package if endpoint.previous_package != actual else None
        ep.retag(sm, endpoint, served=actual, previous=previous)
    details = {"endpoint": endpoint.name, "failure_reason": endpoint.failure_reason, "serving": actual}
    owed.send(clients, settings, candidate, "production-rolled-back", summary, details)
    return f"rolled back: {candidate.label}: {reason}"
