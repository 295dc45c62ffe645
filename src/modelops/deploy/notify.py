"""Tell approvers what happened to a version, on the registry's SNS topic."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from modelops.contract import lifecycle
from modelops.deploy.packages import PackageVersion

# SNS subjects must be ASCII, at most 100 characters, on one line.
_MAX_SUBJECT = 100


def notify(
    sns: Any,
    topic_arn: str,
    *,
    event: str,
    package: PackageVersion,
    summary: str,
    details: Mapping[str, object] | None = None,
) -> None:
    """Publish one message: a readable subject and a JSON body machines and e-mail readers can both use.

    ``event`` is a short machine name (``staging-passed``, ``production-rolled-back``, ...), also sent as a
    message attribute so subscribers can filter on it.
    """
    metrics = {
        key[len(lifecycle.META_METRIC_PREFIX) :]: value
        for key, value in package.metadata.items()
        if key.startswith(lifecycle.META_METRIC_PREFIX)
    }
    body = {
        "event": event,
        "summary": summary,
        "model_package_group": package.group_name,
        "version": package.version,
        "model_package_arn": package.arn,
        "approval_status": package.approval_status,
        "stage": package.stage,
        "stage_status": package.stage_status,
        "metrics": metrics,
        "details": dict(details or {}),
    }
    subject = f"[modelops] {package.label}: {event}".encode("ascii", "replace").decode()[:_MAX_SUBJECT]
    sns.publish(
        TopicArn=topic_arn,
        Subject=subject,
        Message=json.dumps(body, indent=2, sort_keys=True, default=str),
        MessageAttributes={"event": {"DataType": "String", "StringValue": event}},
    )
