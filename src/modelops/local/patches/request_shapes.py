"""The ``request_shapes`` patch: a malformed request to an operation the patches add or change is refused (400).

AWS checks every request against the operation's input shape before acting on it and answers a request that
breaks it with ``ValidationException``, HTTP 400 ("the input fails to satisfy the constraints specified by an
AWS service", Common Errors of the SageMaker and EventBridge API references), and a body that is not JSON with
``SerializationException`` (the awsJson1_1 protocol's error for a body it cannot read,
https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html). Boto3 checks the same shape client-side, so only other
clients (curl, a hand-built request, the AWS CLI with ``--cli-input-json`` and a typo) reach the emulator with
such a request; the patches' response methods read parameters with ``_get_param`` and would fail deep inside
(a ``KeyError``, a ``TypeError``: an HTTP 500 and a traceback in the server's output). This patch checks the
request of every SageMaker and EventBridge operation named by a patch group against botocore's input shape
(required members, types, minimums: what botocore's own ``ParamValidator`` checks) first. moto's own
operations are left as moto answers them: the moto-suite check compares those with plain moto.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel
from botocore.validate import ParamValidator
from moto.core.exceptions import JsonRESTError, ServiceException
from moto.core.responses import ActionResult, BaseResponse

from modelops.local.patches.patch import Patch, PatchGroup

# moto's service name -> botocore's (the same for both here, kept explicit).
SERVICES = {"sagemaker": "sagemaker", "events": "events"}


class _SageMakerError(ServiceException):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@functools.cache
def _service_model(service: str) -> ServiceModel:
    # Once per service: a fresh botocore session parses the service's whole JSON model (SageMaker's: ~60 ms).
    return botocore.session.get_session().get_service_model(service)


@functools.cache
def _operation_model(service: str, operation: str) -> OperationModel | None:
    model = _service_model(service)
    return model.operation_model(operation) if operation in model.operation_names else None


@functools.cache
def checked_operations() -> frozenset[tuple[str, str]]:
    """(moto service, operation) of every SageMaker/EventBridge operation a patch group names."""
    from modelops.local.patches import registry

    names = {operation for group in registry() for operation in group.operations}
    return frozenset(
        (service, name)
        for service, botocore_name in SERVICES.items()
        for name in names
        if _operation_model(botocore_name, name) is not None
    )


def problem(service: str, operation: str, body: Any) -> tuple[str, str] | None:
    """(error code, message) for a request body the operation's input shape refuses; None if it conforms."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        params = json.loads(text) if text.strip() else {}
    except ValueError:
        return "SerializationException", "The request body is not valid JSON."
    if not isinstance(params, dict):
        return "SerializationException", "The request body must be a JSON object."
    model = _operation_model(SERVICES[service], operation)
    if model is None or model.input_shape is None:
        return None
    report = ParamValidator().validate(params, model.input_shape)
    errors = [message(*error) for error in report._errors if error[0] != "unknown field"]
    if not errors:
        return None
    count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected"
    return "ValidationException", f"{count}: {'; '.join(errors)}"


def message(kind: str, name: str, details: dict[str, Any]) -> str:
    """One of botocore's validation errors in the words SageMaker's validation messages use.

    A member botocore does not know ("unknown field") is not an error: a newer client may send members this
    botocore's model has not learnt, and they reach moto, which ignores what it does not read.
    """
    if kind == "missing required field":
        return f"Value null at '{_member(name, details['required_name'])}' failed to satisfy constraint: " + (
            "Member must not be null"
        )
    where = f"Value '{details.get('param')}' at '{_member(name)}' failed to satisfy constraint"
    if kind == "invalid range":
        return f"{where}: Member must have value greater than or equal to {details['min_allowed']}"
    if kind == "invalid length":
        return f"{where}: Member must have length greater than or equal to {details['min_allowed']}"
    if kind == "invalid type":
        return f"{where}: Member must be of type {', '.join(map(str, details.get('valid_types', [])))}"
    return f"{where}: {kind}"


def _member(path: str, last: str | None = None) -> str:
    """botocore's ``.ModelLifeCycle`` + ``StageStatus`` -> SageMaker's ``modelLifeCycle.stageStatus``."""
    parts = [part for part in path.split(".") if part] + ([last] if last else [])
    return ".".join(part[:1].lower() + part[1:] for part in parts)


def call_action(original: Any, self: Any) -> Any:
    service = self.service_name
    operation = self._get_action() if service in SERVICES else None
    if operation and (service, operation) in checked_operations():
        refused = problem(service, operation, self.body)
        if refused is not None:
            return _refusal(self, *refused)
    return original(self)


def _refusal(self: Any, code: str, message: str) -> Any:
    if self.service_name == "sagemaker":
        return self.serialized(ActionResult(_SageMakerError(code, message)))
    error = JsonRESTError(code, message)
    return error.code, {**dict(error.get_headers()), **self.response_headers}, error.description


GROUP = PatchGroup(
    name="request_shapes",
    behaviour="a request to an operation the patches add or change that breaks its input shape answers "
    "ValidationException (SerializationException for a body that is not JSON), HTTP 400",
    operations=("every SageMaker and EventBridge operation named by a patch group",),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html",
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html",
    ),
    build=lambda: [Patch(BaseResponse, "call_action", call_action, wraps=True)],
)
