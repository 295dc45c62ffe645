"""What the deployer reads from the two SageMaker events it consumes, checked on Powertools' event class.

The handlers receive ``EventBridgeEvent`` (``aws_lambda_powertools.utilities.data_classes``, no pydantic).
Each re-reads the resource anyway (events are hints), so all they take from an event is the package ARN or
the endpoint name. An event that is not of the handler's type is a MalformedEventError: the handler logs it
and lets it fail into the dead-letter queue rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from modelops.contract.events import ENDPOINT_STATE_CHANGE, PACKAGE_STATE_CHANGE, SOURCE
from modelops.deploy.errors import MalformedEventError

_PACKAGE_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[^/]+/\d+$")


def package_arn(event: EventBridgeEvent) -> str:
    """The versioned model package ARN of a "SageMaker Model Package State Change"."""
    detail = _detail(event, PACKAGE_STATE_CHANGE)
    arn = detail.get("ModelPackageArn")
    if not isinstance(arn, str) or not _PACKAGE_ARN.match(arn):
        raise MalformedEventError(f"detail.ModelPackageArn {arn!r} is not a versioned model package ARN")
    group = detail.get("ModelPackageGroupName")
    if not isinstance(group, str) or not group:
        raise MalformedEventError("detail.ModelPackageGroupName is missing")
    version = detail.get("ModelPackageVersion", arn.rsplit("/", 1)[1])
    try:
        int(version)
    except (TypeError, ValueError):
        raise MalformedEventError(f"detail.ModelPackageVersion {version!r} is not a number") from None
    if not isinstance(detail.get("ModelLifeCycle") or {}, Mapping):
        raise MalformedEventError("detail.ModelLifeCycle is not an object")
    return arn


def endpoint_name(event: EventBridgeEvent) -> str:
    """The endpoint of a "SageMaker Endpoint State Change"."""
    name = _detail(event, ENDPOINT_STATE_CHANGE).get("EndpointName")
    if not isinstance(name, str) or not name:
        raise MalformedEventError("detail.EndpointName is missing")
    return name


def _detail(event: EventBridgeEvent, detail_type: str) -> Mapping[str, Any]:
    raw = event.raw_event
    if not isinstance(raw, Mapping):
        raise MalformedEventError(f"event is a {type(raw).__name__}, not an EventBridge event object")
    if raw.get("source") != SOURCE or raw.get("detail-type") != detail_type:
        raise MalformedEventError(
            f"expected source {SOURCE!r} and detail-type {detail_type!r}; got "
            f"{raw.get('source')!r} / {raw.get('detail-type')!r}"
        )
    detail = raw.get("detail")
    if not isinstance(detail, Mapping):
        raise MalformedEventError("event has no detail object")
    return detail


# A schedule's event (EventBridge User Guide, "Creating a rule that runs on a schedule"; the example event of
# "Amazon EventBridge events": source "aws.events", detail-type "Scheduled Event", the rule's ARN in
# resources, an empty detail).
SCHEDULED_SOURCE = "aws.events"
SCHEDULED_EVENT = "Scheduled Event"


def schedule_rule(event: EventBridgeEvent) -> str:
    """The rule ARN of a "Scheduled Event"."""
    raw = event.raw_event
    if not isinstance(raw, Mapping):
        raise MalformedEventError(f"event is a {type(raw).__name__}, not an EventBridge event object")
    if raw.get("source") != SCHEDULED_SOURCE or raw.get("detail-type") != SCHEDULED_EVENT:
        raise MalformedEventError(
            f"expected source {SCHEDULED_SOURCE!r} and detail-type {SCHEDULED_EVENT!r}; got "
            f"{raw.get('source')!r} / {raw.get('detail-type')!r}"
        )
    resources = raw.get("resources")
    if not isinstance(resources, list) or not resources or not isinstance(resources[0], str):
        raise MalformedEventError("event names no rule in resources")
    return resources[0]
