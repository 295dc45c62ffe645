"""Tell approvers when a version is rejected (by a person, in Studio or with the CLI)."""

from __future__ import annotations

from modelops.contract import lifecycle as lc
from modelops.deploy import owed
from modelops.deploy.clients import Clients
from modelops.deploy.packages import PackageVersion, describe_package
from modelops.deploy.settings import DeploySettings


def notify_rejected(clients: Clients, settings: DeploySettings, package_arn: str) -> str:
    """Notify once per rejection. The mark in the metadata makes duplicates and our own updates no-ops.

    The staging verifier sets the same mark when it rejects, since it has already sent the richer message.
    The mark and the owed notice are written together, so a failed publish is sent by the retry.
    """
    sm = clients.sagemaker
    package = describe_package(sm, package_arn)
    if package.group_name != settings.group_name:
        return f"ignored: {package.label} is not in group {settings.group_name}"
    package = owed.send_owed(clients, settings, package)
    if package.approval_status != lc.REJECTED:
        return f"no-op: {package.label} is {package.approval_status}"
    if lc.META_REJECTION_NOTIFIED in package.metadata:
        return f"no-op: rejection of {package.label} already notified"
    reason = package.approval_description or "no reason given"
    summary = f"{package.label} was rejected: {reason}"
    marks = {lc.META_REJECTION_NOTIFIED: "approver", **owed.owing("rejected", summary)}
    # Only the mark and the owed notice: SageMaker merges the map, and the notifier may write no other key.
    sm.update_model_package(ModelPackageArn=package.arn, CustomerMetadataProperties=marks)
    package = PackageVersion(**{**package.__dict__, "metadata": {**package.metadata, **marks}})
    owed.send(clients, settings, package, "rejected", summary, {"approval_description": reason})
    return f"notified: {package.label} rejected"
