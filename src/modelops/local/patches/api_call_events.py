"""The ``api_call_events`` patch: each audited SageMaker call served emits its CloudTrail record to EventBridge.

CloudTrail records the call after SageMaker answers it, with the outcome (``responseElements``, or
``errorCode``/``errorMessage`` for a refused or failed call); with a trail that logs management events,
EventBridge receives the record as an "AWS API Call via CloudTrail" event ("Events from AWS services",
EventBridge User Guide; ``modelops.local.cloudtrail``). The record names the caller IAM enforcement decided the
request for. Only the calls the audit trail keeps are emitted (``contract.events.AUDITED_CALLS``): every other
call would only be matched by no rule.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import BaseResponse

from modelops.contract.events import AUDITED_CALLS
from modelops.local import cloudtrail
from modelops.local.iam.enforcement import LAYER, wire
from modelops.local.patches.patch import Patch, PatchGroup


def call_action(original: Any, self: Any) -> Any:
    operation = self._get_action() if getattr(self, "service_name", "") == "sagemaker" else None
    enforcer = LAYER.enforcer
    if operation not in AUDITED_CALLS or enforcer is None:
        return original(self)
    access_key = wire.access_key(self.headers)
    status, headers, body = original(self)
    caller = enforcer.callers.resolve(access_key)
    if caller is None or access_key is None:
        return status, headers, body  # an unsigned or unknown key was refused before any call was made
    env = enforcer.authorizer.env
    answer = _json(body)
    error = None if int(status) < 400 else (_error_code(answer, headers), str(answer.get("message", "")))
    detail = cloudtrail.record(
        operation,
        _json(self.body),
        answer,
        error,
        cloudtrail.user_identity(caller, access_key, env.account),
        env.account,
        env.region,
    )
    cloudtrail.emit(detail, env.account, env.region)
    return status, headers, body


def _json(body: Any) -> dict[str, Any]:
    try:
        value = json.loads(body.decode() if isinstance(body, bytes) else body or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _error_code(answer: dict[str, Any], headers: Any) -> str:
    code = str(answer.get("__type") or headers.get("x-amzn-ErrorType", "") or "UnknownError")
    return code.rsplit("#", 1)[-1]


GROUP = PatchGroup(
    name="api_call_events",
    behaviour="CreateModelPackage, UpdateModelPackage, CreateEndpoint and UpdateEndpoint emit their CloudTrail "
    "record (caller, request, outcome) as an 'AWS API Call via CloudTrail' event",
    operations=AUDITED_CALLS,
    references=(
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html",
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/understanding-sagemaker-entries.html",
    ),
    build=lambda: [Patch(BaseResponse, "call_action", call_action, wraps=True)],
)
