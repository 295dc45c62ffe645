"""A group's history, read from its audit log (``registry.audit``): the one path the library and CLI share.

The log is what EventBridge wrote as each change happened (``infra/constructs/audit_trail.py``). Nothing is
taken from the current state of a version: SageMaker keeps only a package's latest update, so a history
rebuilt from it would silently stand in for the changes it overwrote. A change the log does not hold
(retention, a rule disabled, events from before the stack) is shown as a gap (``Transition.gap``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from modelops.contract import names
from modelops.registry.audit import Record, Transition, read_log, transitions
from modelops.registry.errors import AuditLogNotFoundError


def read_records(
    logs: Any, group_name: str, since: datetime | None = None, until: datetime | None = None
) -> list[Record]:
    """The audit log's records of ``group_name`` from ``since`` to ``until``; raises when it has no log."""
    log_group = names.audit_log_group_name(group_name)
    try:
        records, _calls = read_log(logs, log_group, since, until)
    except ClientError as error:
        # FilterLogEvents on a log group that does not exist: ResourceNotFoundException (CloudWatch Logs API
        # reference, FilterLogEvents, Errors).
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        raise AuditLogNotFoundError(
            f"no audit log {log_group}: the registry stack of group {group_name} is not deployed here"
        ) from None
    return records


def history(
    logs: Any, group_name: str, version: int | None = None, since: datetime | None = None
) -> list[Transition]:
    """Every recorded transition (one version's, or all), newest first, gaps marked."""
    return transitions(read_records(logs, group_name, since), version)
