"""Re-drive the deployer's dead-letter queues: give each dead-lettered event to its handler again.

A handler that kept failing (the endpoint stayed busy, SageMaker throttled every retry, SNS was down) has
its event in the dead-letter queue of its route, with an alarm on the topic. Once the cause is gone, the
event can simply run again: handlers re-read the registry and the endpoints and do only what is still
undone. The messages are the original events (Lambda's asynchronous-invocation DLQ and an EventBridge
target's DLQ both keep the event as the body). ``aws.sagemaker`` events cannot be put on a bus again
(PutEvents refuses sources starting with ``aws.``), so each is given to the function with a synchronous
Lambda ``Invoke``: deleted from the queue only when the handler succeeded, kept (visible again after the
queue's visibility timeout) when it failed again.

The queues come from the deployment stack's ``*DeadLetterQueueUrl`` outputs; the function behind each is
the one whose ``DeadLetterConfig`` targets it (ListFunctions). The embedded AWS answers the same calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from modelops.contract import names

_OUTPUT_SUFFIX = "DeadLetterQueueUrl"
_MAX_MESSAGES = 100  # per queue and run; run again for more


class RedriveError(Exception):
    """The dead-letter queues or their functions cannot be found."""


@dataclass(frozen=True)
class Redriven:
    """One dead-lettered event given to its handler again."""

    queue: str  # the route, e.g. DeployStaging
    function: str
    event_id: str
    detail_type: str
    subject: str  # the package ARN or endpoint name the event is about
    ok: bool
    outcome: str  # the handler's outcome, or its error

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def deployment_stack_name(project: str) -> str:
    return names.stack_name(project, "deployment")


def dead_letter_queues(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """Route name -> queue URL, from the stack's outputs."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        raise RedriveError(f"cannot read stack {stack_name}: {error}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    queues = {k.removesuffix(_OUTPUT_SUFFIX): v for k, v in outputs.items() if k.endswith(_OUTPUT_SUFFIX)}
    if not queues:
        raise RedriveError(f"stack {stack_name} has no *{_OUTPUT_SUFFIX} outputs")
    return queues


def functions_by_dead_letter_queue(lambda_client: Any) -> dict[str, dict[str, Any]]:
    """Queue ARN -> the configuration of the function that dead-letters into it."""
    found: dict[str, dict[str, Any]] = {}
    for page in lambda_client.get_paginator("list_functions").paginate():
        for function in page.get("Functions", []):
            target = (function.get("DeadLetterConfig") or {}).get("TargetArn")
            if target:
                found[target] = function
    return found


def redrive(
    cloudformation: Any, sqs: Any, lambda_client: Any, stack_name: str, *, dry_run: bool = False
) -> list[Redriven]:
    """Give every event in the stack's dead-letter queues to its function again; what happened to each."""
    queues = dead_letter_queues(cloudformation, stack_name)
    functions = functions_by_dead_letter_queue(lambda_client)
    results: list[Redriven] = []
    for route, url in sorted(queues.items()):
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        function = functions.get(arn)
        if function is None:
            raise RedriveError(f"no function dead-letters into {arn} (route {route})")
        results.extend(_drain(sqs, lambda_client, route, url, function, dry_run))
    return results


def _drain(
    sqs: Any, lambda_client: Any, route: str, url: str, function: dict[str, Any], dry_run: bool
) -> list[Redriven]:
    seen: set[str] = set()
    results: list[Redriven] = []
    # Hidden while its handler runs again, and a little longer; a failed one reappears for the next run.
    hide = int(function.get("Timeout", 60)) + 30
    while len(results) < _MAX_MESSAGES:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0 if dry_run else hide
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            return results
        for message in fresh:
            seen.add(message["MessageId"])
            event = _event(message["Body"])
            if dry_run:
                results.append(_row(route, function, event, ok=True, outcome="would re-drive"))
                continue
            payload = json.dumps(event) if event else message["Body"]
            ok, outcome = _invoke(lambda_client, function["FunctionName"], payload)
            if ok:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            results.append(_row(route, function, event, ok=ok, outcome=outcome))
    return results


def _invoke(lambda_client: Any, function_name: str, body: str) -> tuple[bool, str]:
    response = lambda_client.invoke(
        FunctionName=function_name, InvocationType="RequestResponse", Payload=body.encode()
    )
    payload = response["Payload"].read()
    try:
        document = json.loads(payload or b"null")
    except ValueError:
        document = payload.decode(errors="replace")
    if response.get("FunctionError"):
        if isinstance(document, dict):
            return False, f"{document.get('errorType', 'Error')}: {document.get('errorMessage', '')}"
        return False, str(document)
    if isinstance(document, dict) and "outcome" in document:
        return True, str(document["outcome"])
    return True, "handled"


def _event(body: str) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError:
        return {}
    if isinstance(event, dict) and isinstance(event.get("requestPayload"), dict):
        return dict(event["requestPayload"])  # a Lambda destination's invocation record
    return event if isinstance(event, dict) else {}


def _row(route: str, function: dict[str, Any], event: dict[str, Any], *, ok: bool, outcome: str) -> Redriven:
    detail = event.get("detail")
    if not isinstance(detail, dict):
        detail = {}
    return Redriven(
        queue=route,
        function=str(function.get("FunctionName", "")),
        event_id=str(event.get("id", "")),
        detail_type=str(event.get("detail-type", "")),
        subject=str(detail.get("ModelPackageArn") or detail.get("EndpointName") or ""),
        ok=ok,
        outcome=outcome,
    )
