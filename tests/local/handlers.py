"""Lambda handlers the dispatcher tests route to (imported by the dotted path in cdk_out/ templates)."""

from __future__ import annotations

import os
from typing import Any

import boto3

RECEIVED: list[dict[str, Any]] = []
ENV_KEYS = ("QUEUE_URL", "GROUP_NAME", "JOINED", "SUBSTITUTED", "AWS_LAMBDA_FUNCTION_NAME")


def record(event: dict[str, Any], context: Any) -> None:
    RECEIVED.append(
        {
            "handler": "record",
            "event": event,
            "env": {key: os.environ.get(key) for key in ENV_KEYS},
            "context": {
                "function_name": context.function_name,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "remaining_ms": context.get_remaining_time_in_millis(),
            },
        }
    )


def fail(event: dict[str, Any], context: Any) -> None:
    RECEIVED.append({"handler": "fail", "event": event})
    raise RuntimeError("cannot act on this event")


def to_staging(event: dict[str, Any], context: Any) -> None:
    """Approved in Development -> Staging/Deploying: its own update emits the next event, as our Lambdas do."""
    RECEIVED.append({"handler": "to_staging", "event": event})
    boto3.client("sagemaker").update_model_package(
        ModelPackageArn=event["detail"]["ModelPackageArn"],
        ModelLifeCycle={"Stage": "Staging", "StageStatus": "Deploying"},
    )
