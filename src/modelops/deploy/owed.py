"""Notifications that are owed until SNS accepts them: never lost between recording a state and telling.

A handler records a state and the notice it owes in one UpdateModelPackage (a metadata key per kind,
``deploy.notification_owed.<kind>``, holding the summary), then publishes, then removes the key. If the
publish fails the handler raises, so Lambda retries it; the retry finds the state already recorded (and
would otherwise do nothing) but also finds the key, and sends the notice. Any later handler that reads the
version does the same, so a notice is sent at least once, and removed only once sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelops.contract import lifecycle as lc
from modelops.deploy.clients import Clients
from modelops.deploy.notify import notify
from modelops.deploy.packages import PackageVersion
from modelops.deploy.settings import DeploySettings

_MAX_VALUE = 256  # SageMaker's cap on a CustomerMetadataProperties value


def owed_key(kind: str) -> str:
    if kind not in lc.NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}; one of {', '.join(lc.NOTICE_KINDS)}")
    return lc.META_NOTIFICATION_OWED_PREFIX + kind


def owing(kind: str, summary: str) -> dict[str, str]:
    """The metadata that records ``kind`` as owed: pass it with the state the notice reports."""
    return {owed_key(kind): summary[:_MAX_VALUE]}


def owed_kinds(package: PackageVersion) -> dict[str, str]:
    """The notices owed for ``package``: kind -> summary, only those the system can have written.

    A person may write a version's metadata only while it is in Development (the human policies), and the
    only notice the system records on a version still there is its rejection. So any other mark on such a
    version, or one of a kind the system never owes, is a person's text and is never published as the
    system's: ``send_owed`` removes it before the system first moves the version.
    """
    prefix = lc.META_NOTIFICATION_OWED_PREFIX
    marks = {key[len(prefix) :]: v for key, v in package.metadata.items() if key in lc.OWED_NOTICE_KEYS}
    if package.stage in (None, lc.STAGE_DEVELOPMENT):
        return {k: v for k, v in marks.items() if k == "rejected" and package.approval_status == lc.REJECTED}
    return marks


def _not_owed(package: PackageVersion) -> list[str]:
    """Marks under the owed-notice prefix that ``owed_kinds`` does not vouch for."""
    owed = {owed_key(kind) for kind in owed_kinds(package)}
    prefix = lc.META_NOTIFICATION_OWED_PREFIX
    return sorted(key for key in package.metadata if key.startswith(prefix) and key not in owed)


def send(
    clients: Clients,
    settings: DeploySettings,
    package: PackageVersion,
    kind: str,
    summary: str,
    details: Mapping[str, object] | None = None,
) -> PackageVersion:
    """Publish one owed notice and clear it. A failed publish raises (the event is retried), the key kept."""
    notify(clients.sns, settings.topic_arn, event=kind, package=package, summary=summary, details=details)
    return _clear(clients.sagemaker, package, kind)


def send_owed(clients: Clients, settings: DeploySettings, package: PackageVersion) -> PackageVersion:
    """Send every notice still owed for ``package`` (an earlier attempt recorded it, then failed to tell)."""
    for kind, summary in sorted(owed_kinds(package).items()):
        details = {"resent": True, "stage_description": package.stage_description}
        package = send(clients, settings, package, kind, summary, details)
    forged = _not_owed(package)
    if forged:
        clients.sagemaker.update_model_package(
            ModelPackageArn=package.arn, CustomerMetadataPropertiesToRemove=forged
        )
        metadata = {k: v for k, v in package.metadata.items() if k not in forged}
        package = PackageVersion(**{**package.__dict__, "metadata": metadata})
    return package


def _clear(sagemaker: Any, package: PackageVersion, kind: str) -> PackageVersion:
    key = owed_key(kind)
    if key not in package.metadata:
        return package
    sagemaker.update_model_package(ModelPackageArn=package.arn, CustomerMetadataPropertiesToRemove=[key])
    metadata = {k: v for k, v in package.metadata.items() if k != key}
    return PackageVersion(**{**package.__dict__, "metadata": metadata})
