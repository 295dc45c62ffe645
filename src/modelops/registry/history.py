"""A version's history from what SageMaker records on the package itself.

SageMaker keeps on each package: CreationTime/CreatedBy, and for the latest update LastModifiedTime/
LastModifiedBy with the ApprovalDescription and ModelLifeCycle.StageDescription it left. That answers who,
when and why for each version's registration and its latest change; across a group, where every version
that moved on ends in its own state (Archived/Retired, Archived/RolledBack, Rejected ...), it is the timeline
of promotions and rollbacks. The intermediate updates of one version (Staging/Deploying before Staging/Passed)
are overwritten by SageMaker; each one still reaches EventBridge as a "Model Package State Change" event (the
deployer's notifications) and CloudTrail as an UpdateModelPackage call with the caller. The registry keeps no
second store of its own: one written only by this library would miss changes made in Studio or by the
deployer Lambdas and could disagree with SageMaker, which is the state.
"""

from __future__ import annotations

from collections.abc import Iterable

from modelops.registry.entities import HistoryEntry, ModelVersion
from modelops.registry.transitions import state


def history_of(versions: Iterable[ModelVersion]) -> list[HistoryEntry]:
    """Registration and latest-update entries of ``versions``, newest first."""
    entries: list[HistoryEntry] = []
    for version in versions:
        updated = version.modified_time is not None and version.modified_time != version.created_time
        entries.append(
            HistoryEntry(
                version=version.version,
                event="registered",
                time=version.created_time,
                by=version.created_by,
                # With a later update, SageMaker no longer knows the state the version was registered in.
                approval_status=None if updated else version.approval_status,
                approval_description=None if updated else version.approval_description,
                stage=None if updated or version.stage is None else state(version),
                stage_description=None if updated else version.stage_description,
            )
        )
        if updated and version.modified_time is not None:
            entries.append(
                HistoryEntry(
                    version=version.version,
                    event="updated",
                    time=version.modified_time,
                    by=version.modified_by,
                    approval_status=version.approval_status,
                    approval_description=version.approval_description,
                    stage=None if version.stage is None else state(version),
                    stage_description=version.stage_description,
                )
            )
    entries.sort(key=lambda entry: (entry.time, entry.version, entry.event == "updated"), reverse=True)
    return entries
