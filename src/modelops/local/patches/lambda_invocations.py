"""Lambda ``Invoke`` and ``ListFunctions`` for the functions provisioned from the templates.

The dispatcher runs those functions' handlers in-process; moto's Lambda knows nothing of them. This patch
lets any client reach them the way it reaches Lambda in AWS (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
``RequestResponse`` runs the handler once, no retries, and a handler error comes back with status 200, the
``X-Amz-Function-Error: Unhandled`` header and an ``{"errorMessage", "errorType"}`` payload; ``Event`` is
an asynchronous invocation, retried and then dead-lettered like an event from EventBridge. ListFunctions
(https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html) lists them with their ``Timeout``
and ``DeadLetterConfig``, which is how ``modelops redrive`` finds the function behind a dead-letter queue.

The group is applied with the others; ``attach`` names the dispatcher whose functions it answers for
(``embedded_aws`` attaches its own when it starts and detaches it when it stops).
"""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.models import LambdaBackend

from modelops.local.dispatcher import Dispatcher
from modelops.local.patches.patch import Patch, PatchGroup
from modelops.local.provision import Function

_active: list[Dispatcher] = []


class _Listed:
    """What moto's ListFunctions response asks of a function: its configuration."""

    def __init__(self, function: Function, timeout: float) -> None:
        self._configuration = {
            "FunctionName": function.name,
            "FunctionArn": function.arn,
            "Handler": function.handler,
            "Timeout": int(timeout),
            "MemorySize": function.memory_mb,
            "Environment": {"Variables": dict(function.environment)},
            **(
                {"DeadLetterConfig": {"TargetArn": function.dead_letter_arn}}
                if function.dead_letter_arn
                else {}
            ),
        }

    def get_configuration(self, *_: Any, **__: Any) -> dict[str, Any]:
        return dict(self._configuration)


def _find(name: str) -> tuple[Dispatcher, Function] | None:
    for dispatcher in _active:
        for function in dispatcher.functions.values():
            if name in (function.name, function.arn, f"{function.arn}:$LATEST"):
                return dispatcher, function
    return None


def invoke(
    original: Any,
    self: Any,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> Any:
    found = _find(function_name)
    if found is None:
        return original(self, function_name, qualifier, body, headers, response_headers)
    dispatcher, function = found
    event = json.loads(body or "{}")
    kind = {k.lower(): v for k, v in dict(headers or {}).items()}.get(
        "x-amz-invocation-type", "RequestResponse"
    )
    if kind == "Event":
        dispatcher.deliveries.append(dispatcher.invoke(function, event, rule_name="Invoke"))
        return b""
    error, result = dispatcher.invoke_once(function, event)
    if error is not None:
        response_headers["x-amz-function-error"] = "Unhandled"
        error_type, _, message = error.partition(": ")
        return json.dumps({"errorMessage": message or error, "errorType": error_type}).encode()
    return json.dumps(result).encode()


def list_functions(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    native = list(original(self, *args, **kwargs))
    ours = [
        _Listed(function, dispatcher.timeout_of(function))
        for dispatcher in _active
        for function in dispatcher.functions.values()
        if function.arn.split(":")[4] == self.account_id and function.arn.split(":")[3] == self.region_name
    ]
    return native + ours


def attach(dispatcher: Dispatcher) -> None:
    """Answer Invoke and ListFunctions for ``dispatcher``'s functions."""
    _active[:] = [dispatcher]


def detach() -> None:
    _active.clear()


GROUP = PatchGroup(
    name="lambda_invocations",
    behaviour="Invoke and ListFunctions for the functions provisioned from the templates (run in-process)",
    operations=("Invoke", "ListFunctions"),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html",
        "https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html",
    ),
    build=lambda: [
        Patch(LambdaBackend, "invoke", invoke, wraps=True),
        Patch(LambdaBackend, "list_functions", list_functions, wraps=True),
    ],
)
