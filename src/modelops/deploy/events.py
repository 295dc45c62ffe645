"""Typed models of the two SageMaker events the deployer consumes.

Only the fields the deployer uses are parsed, and each handler re-reads the resource anyway (events are
hints), so a model is small. Anything that does not look like the event type is a MalformedEventError:
the handler logs it and lets it fail into the dead-letter queue rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelops.deploy.errors import MalformedEventError

SOURCE = "aws.sagemaker"
PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"
ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change"

_PACKAGE_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[^/]+/\d+$")


@dataclass(frozen=True)
class PackageStateChange:
    """A model package version was created or updated (approval status, ModelLifeCycle, metadata)."""

    event_id: str
    package_arn: str
    group_name: str
    version: int
    approval_status: str
    stage: str | None
    stage_status: str | None


@dataclass(frozen=True)
class EndpointStateChange:
    """An endpoint changed status (Creating, Updating, InService, Failed, ...)."""

    event_id: str
    endpoint_name: str
    status: str


def parse_package_event(event: object) -> PackageStateChange:
    detail = _detail(event, PACKAGE_STATE_CHANGE)
    arn = detail.get("ModelPackageArn")
    if not isinstance(arn, str) or not _PACKAGE_ARN.match(arn):
        raise MalformedEventError(f"detail.ModelPackageArn {arn!r} is not a versioned model package ARN")
    group = detail.get("ModelPackageGroupName")
    if not isinstance(group, str) or not group:
        raise MalformedEventError("detail.ModelPackageGroupName is missing")
    version = detail.get("ModelPackageVersion", arn.rsplit("/", 1)[1])
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise MalformedEventError(f"detail.ModelPackageVersion {version!r} is not a number") from None
    life = detail.get("ModelLifeCycle") or {}
    if not isinstance(life, Mapping):
        raise MalformedEventError("detail.ModelLifeCycle is not an object")
    return PackageStateChange(
        event_id=_event_id(event),
        package_arn=arn,
        group_name=group,
        version=number,
        approval_status=str(detail.get("ModelApprovalStatus", "")),
        stage=_optional_str(life.get("Stage")),
        stage_status=_optional_str(life.get("StageStatus")),
    )


def parse_endpoint_event(event: object) -> EndpointStateChange:
    detail = _detail(event, ENDPOINT_STATE_CHANGE)
    name = detail.get("EndpointName")
    if not isinstance(name, str) or not name:
        raise MalformedEventError("detail.EndpointName is missing")
    return EndpointStateChange(
        event_id=_event_id(event), endpoint_name=name, status=str(detail.get("EndpointStatus", ""))
    )


def _detail(event: object, detail_type: str) -> Mapping[str, Any]:
    if not isinstance(event, Mapping):
        raise MalformedEventError(f"event is a {type(event).__name__}, not an EventBridge event object")
    if event.get("source") != SOURCE or event.get("detail-type") != detail_type:
        raise MalformedEventError(
            f"expected source {SOURCE!r} and detail-type {detail_type!r}; got "
            f"{event.get('source')!r} / {event.get('detail-type')!r}"
        )
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise MalformedEventError("event has no detail object")
    return detail


def _event_id(event: object) -> str:
    return str(event.get("id", "")) if isinstance(event, Mapping) else ""


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
