"""The dispatcher: rules and Lambda handlers from templates, moto's pattern matcher, Lambda's failure path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.contract.events import DETAIL_TYPES
from modelops.local.embedded import EmbeddedAWS
from tests.local import handlers

GROUP = "test-group"  # the group the templates in cdk_out/ declare
DEVELOPMENT = {"Stage": lifecycle.STAGE_DEVELOPMENT, "StageStatus": lifecycle.STATUS_REGISTERED}


@pytest.fixture
def embedded_aws_cdk_out() -> Path:
    return Path(__file__).parent / "cdk_out"


@pytest.fixture(autouse=True)
def received() -> Iterator[list[dict[str, Any]]]:
    handlers.RECEIVED.clear()
    yield handlers.RECEIVED
    handlers.RECEIVED.clear()


def register(aws: EmbeddedAWS, group: str = GROUP, **extra: Any) -> str:
    arn: str = aws.client("sagemaker").create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus=lifecycle.PENDING,
        InferenceSpecification={
            "Containers": [{"Image": "sklearn"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        **{"ModelLifeCycle": DEVELOPMENT, **extra},
    )["ModelPackageArn"]
    return arn


def approve(aws: EmbeddedAWS, arn: str) -> None:
    aws.client("sagemaker").update_model_package(ModelPackageArn=arn, ModelApprovalStatus=lifecycle.APPROVED)


def test_matching_event_runs_the_handler_whose_update_runs_the_next_one(
    embedded_aws: EmbeddedAWS, received: list[dict[str, Any]]
) -> None:
    arn = register(embedded_aws)
    approve(embedded_aws, arn)

    embedded_aws.settle()

    assert [r["handler"] for r in received] == ["to_staging", "record"]
    assert received[1]["event"]["detail"]["ModelLifeCycle"]["Stage"] == lifecycle.STAGE_STAGING
    described = embedded_aws.client("sagemaker").describe_model_package(ModelPackageName=arn)
    assert described["ModelLifeCycle"] == {
        "Stage": lifecycle.STAGE_STAGING,
        "StageStatus": lifecycle.STATUS_DEPLOYING,
    }


def test_non_matching_events_run_no_handler(
    embedded_aws: EmbeddedAWS, received: list[dict[str, Any]]
) -> None:
    embedded_aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="other-group")
    register(embedded_aws)  # Pending: no rule wants it
    approve(embedded_aws, register(embedded_aws, group="other-group"))  # the rule names test-group only

    assert embedded_aws.settle() == 0
    assert received == []
    sagemaker_events = [e for e in embedded_aws.dispatcher.events if e["detail-type"] in DETAIL_TYPES]
    assert len(sagemaker_events) == 3  # two registrations, one approval (CloudTrail's records aside)


def test_handler_runs_with_its_template_environment_and_a_lambda_context(
    embedded_aws: EmbeddedAWS, received: list[dict[str, Any]]
) -> None:
    register(embedded_aws, ModelLifeCycle={"Stage": lifecycle.STAGE_STAGING, "StageStatus": "Deploying"})

    embedded_aws.settle()

    [call] = received
    assert call["env"] == {
        "QUEUE_URL": embedded_aws.output("EventsQueueUrl"),
        "GROUP_NAME": GROUP,
        "JOINED": "arn:aws:sqs:us-east-1",
        "SUBSTITUTED": "123456789012/modelops-deploy-FailDlq",
        "AWS_LAMBDA_FUNCTION_NAME": "modelops-deploy-RecordFn",
    }
    context = call["context"]
    assert (
        context["invoked_function_arn"]
        == "arn:aws:lambda:us-east-1:123456789012:function:modelops-deploy-RecordFn"
    )
    assert context["memory_limit_in_mb"] == 256
    assert 0 < context["remaining_ms"] <= 60_000


def test_failing_handler_is_retried_then_its_event_is_dead_lettered(
    embedded_aws: EmbeddedAWS, received: list[dict[str, Any]]
) -> None:
    arn = register(embedded_aws)
    embedded_aws.client("sagemaker").update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED
    )

    embedded_aws.settle()

    assert [r["handler"] for r in received] == ["fail", "fail"]  # MaximumRetryAttempts 1: two attempts
    [dead] = embedded_aws.dispatcher.dead_letters
    assert dead.error == "RuntimeError: cannot act on this event"
    assert dead.dead_letter_arn == "arn:aws:sqs:us-east-1:123456789012:modelops-deploy-FailDlq"
    sqs = embedded_aws.client("sqs")
    queue = sqs.get_queue_url(QueueName="modelops-deploy-FailDlq")["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"])["detail"]["ModelPackageArn"] == arn
    assert (
        message["MessageAttributes"]["ErrorMessage"]["StringValue"]
        == "RuntimeError: cannot act on this event"
    )


def test_duplicated_delivery_hands_every_event_over_twice(
    embedded_aws: EmbeddedAWS, received: list[dict[str, Any]]
) -> None:
    embedded_aws.dispatcher.mode = "duplicated"
    register(embedded_aws, ModelLifeCycle={"Stage": lifecycle.STAGE_STAGING, "StageStatus": "Deploying"})

    embedded_aws.settle()

    first, second = received
    assert first["event"] == second["event"]


def test_reordered_delivery_hands_a_batch_over_newest_first(
    embedded_aws: EmbeddedAWS, received: list[dict[str, Any]]
) -> None:
    embedded_aws.dispatcher.mode = "reordered"
    arn = register(
        embedded_aws, ModelLifeCycle={"Stage": lifecycle.STAGE_STAGING, "StageStatus": "Deploying"}
    )
    embedded_aws.client("sagemaker").update_model_package(
        ModelPackageArn=arn,
        ModelLifeCycle={"Stage": lifecycle.STAGE_STAGING, "StageStatus": lifecycle.STATUS_PASSED},
    )

    embedded_aws.settle()

    assert [r["event"]["detail"]["ModelLifeCycle"]["StageStatus"] for r in received] == [
        lifecycle.STATUS_PASSED,
        "Deploying",
    ]


def test_events_from_templates_also_reach_the_audit_queue_rule(embedded_aws: EmbeddedAWS) -> None:
    register(embedded_aws)

    sqs = embedded_aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=embedded_aws.output("EventsQueueUrl"))["Messages"]
    assert json.loads(messages[0]["Body"])["detail-type"] == "SageMaker Model Package State Change"
