"""The demo's output beside the lifecycle: the approvers' inbox, the event timeline, where the Lambdas' logs go."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelops.demo import Demo


def subscribe_inbox(aws: Any, sqs: Any, topic_arn: str) -> str:
    """An SQS queue subscribed to the lifecycle topic stands in for the approvers' e-mail."""
    queue_url: str = sqs.create_queue(QueueName="demo-approver-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns = aws.client("sns")
    sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    return queue_url


def show_notifications(demo: Demo) -> None:
    from modelops.demo import DemoError

    received = demo.sqs.receive_message(QueueUrl=demo.inbox, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    messages = received.get("Messages", [])
    for message in messages:
        demo.sqs.delete_message(QueueUrl=demo.inbox, ReceiptHandle=message["ReceiptHandle"])
    if not messages:
        raise DemoError("no notification reached the lifecycle topic's subscribers")
    demo.say("notification sent to the lifecycle topic:")
    demo.say("  " + first_line(messages[-1]["Body"]))


def show_timeline(demo: Demo) -> None:
    demo.say("\nEvent timeline (SageMaker events -> EventBridge rules -> deployer Lambdas):")
    handlers = {f.name: f.handler.split(".")[-2] for f in demo.aws.dispatcher.functions.values()}
    lambdas = [d for d in demo.aws.dispatcher.deliveries if d.function in handlers]  # the audit log's aside
    for number, delivery in enumerate(lambdas, 1):
        outcome = "" if delivery.ok else f"  FAILED: {delivery.error}"
        handler = handlers.get(delivery.function, delivery.function)
        demo.say(f"  {number:3d}. {describe_event(delivery.event):48s} -> {handler}{outcome}")


def first_line(body: str) -> str:
    with contextlib.suppress(ValueError):
        payload = json.loads(body)
        if isinstance(payload, dict):
            return str(payload.get("subject") or payload.get("Subject") or payload.get("summary") or body)[
                :160
            ]
    return body.splitlines()[0][:160] if body else ""


def describe_event(event: dict[str, Any]) -> str:
    detail = event.get("detail", {})
    if event.get("detail-type") == "SageMaker Endpoint State Change":
        return f"endpoint {detail.get('EndpointName')} {detail.get('EndpointStatus')}"
    version = detail.get("ModelPackageVersion", "?")
    life = detail.get("ModelLifeCycle") or {}
    stage = f" {life.get('Stage')}/{life.get('StageStatus')}" if life else ""
    return f"package v{version} {detail.get('ModelApprovalStatus')}{stage}"


@contextlib.contextmanager
def lambda_logs_to(path: Path) -> Iterator[None]:
    """Send the deployer's structured logs to a file, as Lambda sends them to CloudWatch Logs, so the
    demo's own output stays readable."""
    import logging

    from modelops.deploy.handlers import _common

    handlers = logging.getLogger(_common.logger.service).handlers
    with path.open("w") as log:
        previous = [
            handler.setStream(log) for handler in handlers if isinstance(handler, logging.StreamHandler)
        ]
        try:
            yield
        finally:
            for handler, stream in zip(handlers, previous, strict=False):
                if isinstance(handler, logging.StreamHandler) and stream is not None:
                    handler.setStream(stream)
