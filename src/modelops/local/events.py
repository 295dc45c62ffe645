"""The events SageMaker sends to EventBridge, emitted by the embedded AWS.

moto emits no SageMaker events. The ``model_packages`` and ``endpoints`` patches (``modelops.local.patches``)
call :func:`emit` on every model package create/update and every endpoint status change; :func:`emit` builds the EventBridge envelope
(``version, id, detail-type, source, account, time, region, resources, detail``), delivers it to the targets of
the matching rules on moto's default event bus (SQS, SNS: what the emulator can hold) and hands
it to the listeners (the dispatcher, which plays the Lambda and CloudWatch Logs targets).

Detail fields follow the documented examples (``tests/events/aws_doc_*.json``, copied verbatim from the
developer guide page "Events that Amazon SageMaker sends to Amazon EventBridge"; ``tests/events/SOURCES.md``):
a model package event carries what DescribeModelPackage returns, timestamps as ISO 8601 strings as its
example writes them ("2021-02-24T17:00:14Z"), and, when UpdateModelPackage caused it,
``UpdatedModelPackageFields`` (the request members the update changed; the example predates the field); an
endpoint event carries the endpoint's name, ARN, config, variants, tags as a map, the status in
EventBridge's upper-snake spelling (``IN_SERVICE``) and timestamps as epoch milliseconds, as its example does.
The envelope's ``time`` is ISO 8601 as the EventBridge events reference has it (the endpoint example's epoch
milliseconds disagree with that reference).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from modelops.contract.events import ENDPOINT_STATE_CHANGE, SOURCE
from modelops.contract.events import PACKAGE_STATE_CHANGE as MODEL_PACKAGE_STATE_CHANGE
from modelops.local.lock import LOCK

__all__ = ["ENDPOINT_STATE_CHANGE", "MODEL_PACKAGE_STATE_CHANGE", "SOURCE", "emit", "envelope"]

Event = dict[str, Any]
Listener = Callable[[Event], None]

_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    with LOCK:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    with LOCK:
        if listener in _listeners:
            _listeners.remove(listener)


def envelope(
    detail_type: str, account: str, region: str, resources: list[str], detail: dict[str, Any]
) -> Event:
    """An event as EventBridge hands it to a target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": SOURCE,
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def emit(detail_type: str, account: str, region: str, resources: list[str], detail: dict[str, Any]) -> Event:
    """Send one SageMaker event to the default bus's non-Lambda targets and to the listeners."""
    event = envelope(detail_type, account, region, resources, detail)
    _deliver_to_event_bus(event)
    with LOCK:
        listeners = list(_listeners)
    for listener in listeners:
        listener(copy.deepcopy(event))
    return event


def epoch_millis(value: Any) -> Any:
    """Timestamps in SageMaker event details are epoch milliseconds."""
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(stamp.timestamp() * 1000)
    return value


def status_name(status: str) -> str:
    """``InService`` -> ``IN_SERVICE``: EventBridge's spelling of an endpoint status."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", status).upper()


def iso_seconds(value: Any) -> Any:
    """Timestamps in a model package event's detail: ISO 8601 to the second, UTC, as the example writes them."""
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def model_package_detail(response: dict[str, Any], updated_fields: list[str] | None = None) -> dict[str, Any]:
    """The detail of a "SageMaker Model Package State Change" from a DescribeModelPackage response.

    ``updated_fields``: the UpdateModelPackage members that changed, as ``UpdatedModelPackageFields``.
    """
    detail = {key: iso_seconds(value) for key, value in response.items() if value is not None}
    if updated_fields is not None:
        detail["UpdatedModelPackageFields"] = list(updated_fields)
    return detail


def endpoint_detail(response: dict[str, Any], tags: list[dict[str, str]] | None) -> dict[str, Any]:
    """The detail of a "SageMaker Endpoint State Change" from a DescribeEndpoint response."""
    detail: dict[str, Any] = {
        "EndpointName": response["EndpointName"],
        "EndpointArn": response["EndpointArn"],
        "EndpointConfigName": response["EndpointConfigName"],
        "ProductionVariants": response.get("ProductionVariants", []),
        "EndpointStatus": status_name(response["EndpointStatus"]),
        "CreationTime": epoch_millis(response["CreationTime"]),
        "LastModifiedTime": epoch_millis(response["LastModifiedTime"]),
        "Tags": {tag["Key"]: tag["Value"] for tag in tags or []},
    }
    if response.get("FailureReason"):
        detail["FailureReason"] = response["FailureReason"]
    return detail


def _deliver_to_event_bus(event: Event) -> None:
    """Deliver to the rules on moto's default bus, as EventBridge would, skipping Lambda targets.

    moto's ``put_events`` raises on a Lambda or SNS target and cannot send an ``aws.*`` event with our id, so
    the rule's own delivery is reused target by target: SQS through moto, SNS published here, Lambda and Logs
    left to the dispatcher (which knows the handler code).
    """
    from moto.events.models import events_backends

    backend = events_backends[event["account"]][event["region"]]
    bus = backend.event_buses.get("default")
    if bus is None:
        return
    for rule in list(bus.rules.values()):
        if rule.state != "ENABLED" or not rule.event_pattern.matches_event(cast(Any, event)):
            continue
        for target in rule.targets:
            service = target["Arn"].split(":")[2]
            if service in ("lambda", "logs"):
                continue  # the dispatcher plays them, with their retries and dead-letter queues
            if service == "sns":
                _publish_to_topic(event, target)
                continue
            one_target = copy.copy(rule)
            one_target.targets = [target]
            message = copy.deepcopy(event)
            # moto's SQS and Logs delivery formats "time" from epoch seconds.
            sent_at = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
            message["time"] = sent_at
            transform = "InputTransformer" in target
            if (
                transform
            ):  # moto's transformer also reads the ingestion time EventBridge keeps out of the event
                message["ingestion-time"] = sent_at
            one_target.send_to_targets(cast(Any, message), transform_input=transform)


def _publish_to_topic(event: Event, target: dict[str, Any]) -> None:
    from moto.sns.models import sns_backends

    arn = target["Arn"]
    _, _, _, region, account, _ = arn.split(":", 5)
    message = target.get("Input") or json.dumps(event)
    sns_backends[account][region].publish(message=message, arn=arn)
