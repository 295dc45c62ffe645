"""Staging: deploy an approved version, verify it, and pass it or reject it and restore the last good one."""

from __future__ import annotations

from modelops.contract import lifecycle as lc
from modelops.deploy import endpoints as ep
from modelops.deploy import owed
from modelops.deploy.artifacts import artifact_record, replaced_artifact, specification_problem
from modelops.deploy.clients import Clients
from modelops.deploy.deadline import Deadline
from modelops.deploy.errors import ForeignResourceError
from modelops.deploy.packages import PackageVersion, describe_package, matching, record_stage, version_of
from modelops.deploy.settings import DeploySettings
from modelops.deploy.verification import SamplesUnavailableError, Verdict, load_payloads, verify


def placement(settings: DeploySettings) -> ep.Placement:
    return ep.Placement(
        environment="staging",
        endpoint_name=settings.staging_endpoint,
        instance_type=settings.staging_instance_type,
        instance_count=1,
        serverless=settings.staging_serverless,
        traffic_shifting=settings.staging_traffic_shifting,
    )


def awaits_staging(package: PackageVersion) -> bool:
    """Approved and not yet through staging; or approved again after staging rejected it (a second try).

    A version refused or superseded on staging stays Approved at Staging/Failed without the rejection
    mark, so the events our own records emit never redeploy it. The deploy_staging rule
    (``infra.constructs.deployer_routes``) routes only these stages, so keep the two in step.
    """
    fresh = package.stage in (None, lc.STAGE_DEVELOPMENT)
    rejected_before = lc.META_REJECTION_NOTIFIED in package.metadata
    retry = package.is_at(lc.STAGE_STAGING, lc.STATUS_FAILED) and rejected_before
    return package.approval_status == lc.APPROVED and (fresh or retry)


def awaits_verification(package: PackageVersion) -> bool:
    """Deployed to staging and not yet judged, even if a person set Production meanwhile.

    Setting Production by hand before the verifier recorded a verdict must not skip verification for
    good: the production deployer refuses it (no evidence), and the verifier still judges it.
    """
    if package.is_at(lc.STAGE_STAGING, lc.STATUS_DEPLOYING):
        return True
    never_judged = not {lc.META_STAGING_VERIFICATION, lc.META_PRODUCTION_SERVED} & set(package.metadata)
    production_by_hand = package.is_at(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED, lc.STATUS_FAILED)
    return never_judged and production_by_hand and lc.META_REJECTION_NOTIFIED not in package.metadata


def deploy_staging(
    clients: Clients, settings: DeploySettings, package_arn: str, deadline: Deadline | None = None
) -> str:
    """Put an approved version on the staging endpoint. Returns what happened, for the log."""
    sm = clients.sagemaker
    package = describe_package(sm, package_arn)
    if package.group_name != settings.group_name:
        return f"ignored: {package.label} is not in group {settings.group_name}"
    package = owed.send_owed(clients, settings, package)
    if not awaits_staging(package):
        where = f"{package.stage}/{package.stage_status}"
        return f"no-op: {package.label} is {package.approval_status} at {where}"
    endpoint = ep.describe_endpoint(sm, settings.staging_endpoint)
    ep.ensure_not_busy(endpoint)
    served = endpoint.served_package if endpoint else None
    current = describe_package(sm, served) if served and served != package.arn else None
    if current is not None and current.version > package.version and current.approval_status != lc.REJECTED:
        return _refuse(clients, settings, package, _older_than(package, current.version, settings))
    try:
        outcome = ep.serve(sm, settings, placement(settings), package, endpoint)
    except ForeignResourceError as error:
        return _refuse(clients, settings, package, f"not deployed: {error}")
    record_stage(
        sm,
        package,
        lc.STAGE_STAGING,
        lc.STATUS_DEPLOYING,
        f"deploying to {settings.staging_endpoint} ({outcome})",
        # What the staging model was made from (its name carries the same digest): verification passes only
        # if the package still names it, and production refuses any other (artifacts.specification_problem).
        metadata={lc.META_STAGING_SPEC: package.spec_digest},
    )
    if current is not None and current.is_at(lc.STAGE_STAGING, lc.STATUS_DEPLOYING) and outcome == "updated":
        # Replaced before its verification ran: say so, rather than leave it Deploying forever.
        superseded = f"superseded on {settings.staging_endpoint} by v{package.version} before verification"
        record_stage(sm, current, lc.STAGE_STAGING, lc.STATUS_FAILED, superseded)
    if ep.settled_unchanged(outcome, endpoint):
        return verify_staging(clients, settings, deadline)
    return f"{outcome} {settings.staging_endpoint} with {package.label}"


def _older_than(package: PackageVersion, newer: int, settings: DeploySettings) -> str:
    return (
        f"not deployed: v{package.version} is older than v{newer}, already on "
        f"{settings.staging_endpoint}; approve a newer version instead"
    )


def _refuse(clients: Clients, settings: DeploySettings, package: PackageVersion, reason: str) -> str:
    package = record_stage(
        clients.sagemaker,
        package,
        lc.STAGE_STAGING,
        lc.STATUS_FAILED,
        reason,
        metadata=owed.owing("staging-refused", reason),
    )
    owed.send(clients, settings, package, "staging-refused", reason)
    return reason


def verify_staging(clients: Clients, settings: DeploySettings, deadline: Deadline | None = None) -> str:
    """Verify what the staging endpoint now serves, if it is a version waiting for verification."""
    sm = clients.sagemaker
    settled = ep.settled_deployment(sm, settings.staging_endpoint)
    if isinstance(settled, str):
        return f"no-op: {settled}"
    endpoint, intended = settled
    actual = ep.package_of_config(sm, endpoint.config_name)
    if endpoint.status == ep.FAILED or actual != intended:
        return _deployment_failed(clients, settings, endpoint, intended, actual)
    package = owed.send_owed(clients, settings, describe_package(sm, intended))
    if not awaits_verification(package):
        # Settled on a version already judged (e.g. restored after a rejection): a good moment to start
        # an approval that found the endpoint busy.
        where = f"{package.stage}/{package.stage_status}"
        return f"nothing to verify: {package.label} is at {where}; {_deploy_next(clients, settings)}"
    if package.approval_status != lc.APPROVED:
        return _rejected_meanwhile(clients, settings, endpoint, package)
    verdict = _verify(clients, settings, package, deadline)
    package = describe_package(sm, intended)  # a person may have acted while the samples ran
    # Overwritten while (or before) staging served it, or the containers changed since the staging model was
    # made: either way the verdict is about something production would not run.
    changed = replaced_artifact(clients.s3, package) or specification_problem(package)
    if changed:
        verdict = Verdict(**{**verdict.__dict__, "passed": False, "problems": (changed, *verdict.problems)})
    if package.approval_status != lc.APPROVED:
        return _rejected_meanwhile(clients, settings, endpoint, package)
    if verdict.passed:
        summary = f"{package.label} passed staging and awaits promotion to production"
        if package.stage == lc.STAGE_PRODUCTION:
            summary += " (a promotion requested before it passed was not deployed: promote it again)"
        package = record_stage(
            sm,
            package,
            lc.STAGE_STAGING,
            lc.STATUS_PASSED,
            verdict.summary(),
            metadata={
                lc.META_STAGING_VERIFICATION: verdict.summary()[:256],
                **artifact_record(clients.s3, package),
                **owed.owing("staging-passed", summary),
            },
        )
        owed.send(clients, settings, package, "staging-passed", summary, verdict.as_dict())
        return f"passed: {package.label}; {_deploy_next(clients, settings)}"
    outcome = _reject(clients, settings, endpoint, package, verdict.summary(), verdict.as_dict())
    return f"{outcome}; {_deploy_next(clients, settings)}"


def _rejected_meanwhile(
    clients: Clients, settings: DeploySettings, endpoint: ep.EndpointState, package: PackageVersion
) -> str:
    """A person rejected the version while staging deployed or verified it: no verdict, no "passed".

    The rejection notifier tells the approvers (it is their rejection); staging goes back to the last good
    version, as after a failed verification.
    """
    reason = f"rejected by an approver while on {settings.staging_endpoint}; not verified"
    package = record_stage(clients.sagemaker, package, lc.STAGE_STAGING, lc.STATUS_FAILED, reason)
    restored = _restore(clients, settings, endpoint, package)
    return (
        f"not verified: {package.label} was rejected meanwhile; {restored}; {_deploy_next(clients, settings)}"
    )


def _deploy_next(clients: Clients, settings: DeploySettings) -> str:
    """Deploy the newest approved version still waiting for staging; refuse the older ones waiting.

    An approval that arrived while the endpoint was busy was retried and may have ended in the dead-letter
    queue; the endpoint settling is the moment it can go, so it is not left waiting for a person. Of several
    waiting (approvals that arrived at once), only the newest can go: the others are older than it and are
    refused now, visibly, instead of waiting for an event that will not come.
    """
    endpoint = ep.describe_endpoint(clients.sagemaker, settings.staging_endpoint)
    if endpoint is not None and endpoint.status not in ep.BUSY and endpoint.served_package:
        overtaken = _supersede_unverified(clients, settings, endpoint.served_package)
        if overtaken is not None:
            # Racing deployments let an older version update the endpoint last: put the newer one back.
            outcome = ep.serve(clients.sagemaker, settings, placement(settings), overtaken, endpoint)
            return f"next: {outcome} {settings.staging_endpoint} with {overtaken.label} (overtaken in a race)"
    found = matching(
        clients.sagemaker,
        settings.group_name,
        "CreationTime",
        ModelApprovalStatus=lc.APPROVED,
        ModelLifeCycle__Stage=lc.STAGE_DEVELOPMENT,
    )
    waiting = [describe_package(clients.sagemaker, p["ModelPackageArn"]) for p in found]
    waiting = [package for package in waiting if awaits_staging(package)]
    if not waiting:
        return "no approved version waits for staging"
    package, older = waiting[0], waiting[1:]
    if endpoint is not None and endpoint.status in ep.BUSY:
        return f"{package.label} waits: {settings.staging_endpoint} is {endpoint.status}"
    outcome = deploy_staging(clients, settings, package.arn)
    for old in older:
        _refuse(clients, settings, old, _older_than(old, package.version, settings))
    refused = f"; refused v{', v'.join(str(p.version) for p in older)}" if older else ""
    return f"next: {outcome}{refused}"


def _supersede_unverified(clients: Clients, settings: DeploySettings, served: str) -> PackageVersion | None:
    """Versions still Deploying that the settled endpoint does not serve were replaced before verification.

    Deployments that raced (approvals at once) each updated the endpoint; only the last one's version
    will be verified. Older ones are recorded as superseded rather than left Deploying; the newest one
    newer than what is served (an older version's update landed after it) is returned, to deploy again.
    """
    deploying = matching(
        clients.sagemaker,
        settings.group_name,
        "LastModifiedTime",
        ModelLifeCycle__Stage=lc.STAGE_STAGING,
        ModelLifeCycle__StageStatus=lc.STATUS_DEPLOYING,
    )
    overtaken: PackageVersion | None = None
    for found in deploying:
        if found["ModelPackageArn"] == served:
            continue
        package = describe_package(clients.sagemaker, found["ModelPackageArn"])
        if package.version > version_of(served) and package.approval_status == lc.APPROVED:
            overtaken = package if overtaken is None or package.version > overtaken.version else overtaken
            continue
        why = f"superseded on {settings.staging_endpoint} by v{version_of(served)} before verification"
        record_stage(clients.sagemaker, package, lc.STAGE_STAGING, lc.STATUS_FAILED, why)
    return overtaken


def _verify(
    clients: Clients, settings: DeploySettings, package: PackageVersion, deadline: Deadline | None
) -> Verdict:
    champion = _champion(clients, settings)
    uri = package.metadata.get(lc.META_SAMPLE_PAYLOAD, "")
    try:
        payloads = load_payloads(clients.s3, uri) if uri else []
    except SamplesUnavailableError:
        payloads = []
    verdict = verify(
        clients.runtime,
        settings.staging_endpoint,
        payloads,
        latency_budget_ms=settings.latency_budget_ms,
        # Only metrics a pipeline execution measured are compared (PackageVersion.measured_metric): a
        # person's registration cannot set the bar for others, nor clear it for itself.
        candidate_metric=package.measured_metric(),
        champion_metric=champion.measured_metric() if champion else None,
        champion_version=champion.version if champion else None,
        tolerance=settings.champion_tolerance,
        cloudwatch=clients.cloudwatch,
        deadline=deadline,
        metric_judged=package.registered_by_pipeline,
    )
    if not package.registered_by_pipeline:
        verdict = Verdict(**{**verdict.__dict__, "claimed_metric": package.metric()})
    if not payloads:
        problems = (
            f"no sample payloads to verify with ({lc.META_SAMPLE_PAYLOAD}={uri or 'unset'})",
            *verdict.problems,
        )
        return Verdict(**{**verdict.__dict__, "passed": False, "problems": problems})
    return verdict


def _champion(clients: Clients, settings: DeploySettings) -> PackageVersion | None:
    production = ep.describe_endpoint(clients.sagemaker, settings.production_endpoint)
    if production is None or production.served_package is None:
        return None
    return describe_package(clients.sagemaker, production.served_package)


def _deployment_failed(
    clients: Clients, settings: DeploySettings, endpoint: ep.EndpointState, intended: str, actual: str | None
) -> str:
    package = owed.send_owed(clients, settings, describe_package(clients.sagemaker, intended))
    if not package.is_at(lc.STAGE_STAGING, lc.STATUS_DEPLOYING):
        return f"no-op: {package.label} is at {package.stage}/{package.stage_status}"
    reason = f"staging deployment failed: {endpoint.failure_reason or 'endpoint did not reach InService'}"
    if actual is not None and endpoint.status == ep.IN_SERVICE:
        # SageMaker kept the old fleet: the endpoint never stopped serving the previous version.
        ep.retag(clients.sagemaker, endpoint, served=actual, previous=None)
        endpoint = ep.EndpointState(**{**endpoint.__dict__, "tags": {lc.TAG_SERVED_PACKAGE: actual}})
    return _reject(clients, settings, endpoint, package, reason, {"failure_reason": endpoint.failure_reason})


def _reject(
    clients: Clients,
    settings: DeploySettings,
    endpoint: ep.EndpointState,
    package: PackageVersion,
    reason: str,
    details: dict[str, object],
) -> str:
    """Record the failure, reject the version, and put staging back on the last good version."""
    sm = clients.sagemaker
    summary = f"{package.label} failed staging and was rejected"
    package = record_stage(
        sm,
        package,
        lc.STAGE_STAGING,
        lc.STATUS_FAILED,
        reason,
        approval=lc.REJECTED,
        metadata={lc.META_REJECTION_NOTIFIED: "staging", **owed.owing("staging-failed", summary)},
    )
    restored = _restore(clients, settings, endpoint, package)
    owed.send(
        clients,
        settings,
        package,
        "staging-failed",
        f"{summary}; {restored}",
        {**details, "reason": reason, "staging": restored},
    )
    return f"failed: {package.label}: {reason}; {restored}"


def _restore(
    clients: Clients, settings: DeploySettings, endpoint: ep.EndpointState, failed: PackageVersion
) -> str:
    if endpoint.served_package and endpoint.served_package != failed.arn:
        return f"staging still serves v{version_of(endpoint.served_package)}"
    previous = endpoint.previous_package
    if previous is None or previous == failed.arn:
        return "no earlier good version to restore on staging"
    good = describe_package(clients.sagemaker, previous)
    if good.approval_status == lc.REJECTED:
        return f"no earlier good version to restore on staging (v{good.version} was rejected)"
    ep.serve(clients.sagemaker, settings, placement(settings), good, endpoint)
    return f"staging restored to v{good.version}"
