"""EventBridge's CloudWatch Logs target, played locally: the event's JSON written to the log group.

EventBridge writes the matched event (or the target's input) as the message of one log event ("Amazon
CloudWatch Logs" target, EventBridge User Guide: "EventBridge ... writes the event to the log group") under the
log group's resource policy, not a role ("Using resource-based policies for Amazon EventBridge", CloudWatch Logs
permissions: ``logs:CreateLogStream`` and ``logs:PutLogEvents`` for ``events.amazonaws.com``). A delivery
fails here where it fails in AWS: no such log group, a resource policy that does not let EventBridge write it,
or a KMS key CloudWatch Logs can no longer use ("Encrypt log data in CloudWatch Logs using AWS KMS": with the
key disabled, CloudWatch Logs cannot encrypt new events).

A failed delivery is retried by the target's ``RetryPolicy`` (EventBridge's default: 185 attempts over 24 hours;
the template sets fewer) and then sent to its ``DeadLetterConfig`` queue with the attributes EventBridge adds
(``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``, ``ERROR_MESSAGE``: "Using dead-letter queues to process
undelivered events"). The references are silent on the log stream EventBridge writes to; this writes one
stream per rule and UTC day, which readers need not know (FilterLogEvents searches every stream).
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EVENTBRIDGE = "events.amazonaws.com"
DEFAULT_RETRIES = 185  # EventBridge's default RetryPolicy.MaximumRetryAttempts


class LogDeliveryError(RuntimeError):
    """EventBridge could not write the event to the log group; ``code`` is the error CloudWatch Logs gave."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LogTarget:
    """One CloudWatch Logs target of a rule, as the template declares it."""

    arn: str  # arn:aws:logs:<region>:<account>:log-group:<name>
    dead_letter_arn: str | None = None
    max_retries: int = DEFAULT_RETRIES

    @property
    def log_group_name(self) -> str:
        return self.arn.split(":log-group:", 1)[1].removesuffix(":*")

    @classmethod
    def from_template(cls, target: dict[str, Any]) -> LogTarget:
        retry = target.get("RetryPolicy", {})
        return cls(
            arn=target["Arn"],
            dead_letter_arn=target.get("DeadLetterConfig", {}).get("Arn"),
            max_retries=int(retry.get("MaximumRetryAttempts", DEFAULT_RETRIES)),
        )


def write(event: dict[str, Any], rule_name: str, target: LogTarget, account: str, region: str) -> None:
    """One delivery attempt: raise :class:`LogDeliveryError` where CloudWatch Logs would refuse it."""
    from moto.logs.models import logs_backends

    backend = logs_backends[account][region]
    group = backend.groups.get(target.log_group_name)
    if group is None:
        raise LogDeliveryError(
            "ResourceNotFoundException", f"log group {target.log_group_name} does not exist"
        )
    if not _policy_allows_eventbridge(backend, target.arn):
        raise LogDeliveryError(
            "AccessDeniedException", f"no resource policy lets {EVENTBRIDGE} write to {target.log_group_name}"
        )
    key_problem = _key_problem(group, account, region)
    if key_problem is not None:
        raise LogDeliveryError("KMSInvalidStateException", key_problem)
    stream = f"{rule_name}/{datetime.now(UTC):%Y-%m-%d}"
    if stream not in group.streams:
        backend.create_log_stream(target.log_group_name, stream)
    message = {"timestamp": _event_millis(event), "message": json.dumps(event, separators=(",", ":"))}
    backend.put_log_events(target.log_group_name, stream, [message])


def dead_letter(event: dict[str, Any], rule_arn: str, target: LogTarget, error: LogDeliveryError) -> None:
    """Send the event to the target's dead-letter queue, as EventBridge does after its retries."""
    if target.dead_letter_arn is None:
        return
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, queue = target.dead_letter_arn.split(":", 5)
    attributes = {
        "RULE_ARN": {"DataType": "String", "StringValue": rule_arn},
        "TARGET_ARN": {"DataType": "String", "StringValue": target.arn},
        "ERROR_CODE": {"DataType": "String", "StringValue": error.code},
        "ERROR_MESSAGE": {"DataType": "String", "StringValue": str(error)[:256]},
    }
    sqs_backends[account][region].send_message(queue, json.dumps(event), message_attributes=attributes)


def _event_millis(event: dict[str, Any]) -> int:
    """The log event's timestamp: the event's own time (the envelope's ISO 8601 ``time``)."""
    try:
        stamp = datetime.strptime(str(event["time"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        stamp = datetime.now(UTC)
    return int(stamp.timestamp() * 1000)


def _policy_allows_eventbridge(backend: Any, log_group_arn: str) -> bool:
    """An Allow for EventBridge's service principal on PutLogEvents over this log group's streams."""
    for policy in backend.resource_policies.values():
        try:
            document = json.loads(policy.policy_document)
        except (TypeError, ValueError):
            continue
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Allow":
                continue
            services = statement.get("Principal", {}).get("Service", [])
            actions = statement.get("Action", [])
            resources = statement.get("Resource", [])
            services = [services] if isinstance(services, str) else services
            actions = [actions] if isinstance(actions, str) else actions
            resources = [resources] if isinstance(resources, str) else resources
            if (
                EVENTBRIDGE in services
                and any(fnmatch.fnmatchcase("logs:PutLogEvents", a) for a in actions)
                and any(fnmatch.fnmatchcase(f"{log_group_arn}:log-stream:x", r) for r in resources)
            ):
                return True
    return False


def _key_problem(group: Any, account: str, region: str) -> str | None:
    key_id = getattr(group, "kms_key_id", None)
    if not key_id:
        return None
    from moto.kms.models import kms_backends

    backend = kms_backends[account][region]
    key = backend.keys.get(str(key_id).rsplit("/", 1)[-1])
    if key is None:
        return f"the log group's KMS key {key_id} does not exist"
    if getattr(key, "key_state", "Enabled") != "Enabled":
        return f"the log group's KMS key {key_id} is {key.key_state}"
    return None
