"""SageMaker's events, checked field by field against the documented example payloads (tests/events/)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.contract.events import DETAIL_TYPES
from modelops.local.embedded import EmbeddedAWS
from tests.local.serving import model_with_config

EVENTS = Path(__file__).parents[1] / "events"
GROUP = "test-group"


def first_of_each_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # The model package example names "source" twice (the second as a pattern's list); the EventBridge events
    # reference makes it a string: the first one is the event's (tests/events/SOURCES.md).
    found: dict[str, Any] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def documented(name: str) -> dict[str, Any]:
    """AWS's example, verbatim (tests/events/SOURCES.md), duplicate keys read as their first occurrence."""
    event: dict[str, Any] = json.loads(
        (EVENTS / f"aws_doc_{name}.json").read_text(), object_pairs_hook=first_of_each_key
    )
    return event


ISO_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def test_the_examples_are_the_page_verbatim_with_their_contradictions() -> None:
    raw = (EVENTS / "aws_doc_model_package_state_change.json").read_text()
    assert raw.count('"source"') == 2  # as published; not tidied
    assert json.loads(raw)["source"] == ["aws.sagemaker"]  # a plain reader would take the pattern's list
    assert documented("model_package_state_change")["source"] == "aws.sagemaker"
    assert documented("endpoint_state_change")["time"] == "1583831889050"  # epoch ms, against the reference


def assert_same_shape(actual: Any, example: Any, path: str = "") -> None:
    """Every field of the documented example is present with the same JSON type (recursively)."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), path
        for key, value in example.items():
            assert key in actual, f"{path}.{key} missing"
            assert_same_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(example, list) and example:
        assert isinstance(actual, list) and actual, path
        assert_same_shape(actual[0], example[0], f"{path}[0]")
    elif isinstance(example, bool):
        assert isinstance(actual, bool), path
    elif isinstance(example, int | float):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), path
    else:
        assert type(actual) is type(example), (
            f"{path}: {type(actual).__name__} is not {type(example).__name__}"
        )


@pytest.fixture
def sm(embedded_aws: EmbeddedAWS) -> Any:
    client = embedded_aws.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName=GROUP)
    return client


def register(sm: Any) -> str:
    arn: str = sm.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus=lifecycle.PENDING,
        InferenceSpecification={
            "Containers": [
                {"Image": "sklearn:1.4", "ImageDigest": "sha256:0", "ModelDataUrl": "s3://b/m.tar.gz"}
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        MetadataProperties={"GeneratedBy": "arn:aws:sagemaker:us-east-1:123456789012:pipeline-execution/p/1"},
        ModelMetrics={
            "ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": "s3://b/e.json"}}
        },
        ModelLifeCycle={
            "Stage": lifecycle.STAGE_DEVELOPMENT,
            "StageStatus": lifecycle.STATUS_REGISTERED,
            "StageDescription": "registered",
        },
    )["ModelPackageArn"]
    return arn


def test_model_package_update_emits_the_documented_state_change_event(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    arn = register(sm)
    sm.update_model_package(
        ModelPackageArn=arn,
        ModelApprovalStatus=lifecycle.APPROVED,
        ModelLifeCycle={
            "Stage": lifecycle.STAGE_STAGING,
            "StageStatus": lifecycle.STATUS_DEPLOYING,
            "StageDescription": "deploying",
        },
    )

    created, updated = [e for e in embedded_aws.dispatcher.events if e["detail-type"] in DETAIL_TYPES]
    example = documented("model_package_state_change")
    assert_same_shape(updated, example)
    assert set(updated) == set(example)
    # Times as the example writes them: ISO 8601 to the second in the envelope and in the detail.
    for stamp in (
        updated["time"],
        example["time"],
        updated["detail"]["CreationTime"],
        updated["detail"]["LastModifiedTime"],
        example["detail"]["CreationTime"],
    ):
        assert ISO_SECONDS.match(stamp), stamp
    # The example has no UpdatedModelPackageFields; SageMaker names the members an update changed.
    assert updated["detail"]["UpdatedModelPackageFields"] == ["ModelApprovalStatus", "ModelLifeCycle"]
    assert "UpdatedModelPackageFields" not in created["detail"]
    assert set(example["detail"]) <= set(updated["detail"])
    assert (updated["source"], updated["detail-type"]) == (
        "aws.sagemaker",
        "SageMaker Model Package State Change",
    )
    assert (updated["account"], updated["region"], updated["resources"]) == (
        "123456789012",
        "us-east-1",
        [arn],
    )
    detail = updated["detail"]
    assert (detail["ModelPackageGroupName"], detail["ModelPackageVersion"], detail["ModelPackageArn"]) == (
        GROUP,
        1,
        arn,
    )
    assert detail["ModelApprovalStatus"] == lifecycle.APPROVED
    assert detail["ModelLifeCycle"] == {
        "Stage": lifecycle.STAGE_STAGING,
        "StageStatus": lifecycle.STATUS_DEPLOYING,
        "StageDescription": "deploying",
    }
    assert created["detail"]["ModelApprovalStatus"] == lifecycle.PENDING
    assert created["id"] != updated["id"]


def test_endpoint_status_changes_emit_the_documented_state_change_event(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    model_with_config(
        sm,
        model="m",
        config="c",
        container={"Image": "sklearn", "ModelDataUrl": "s3://b/m.tar.gz"},
        role="arn:aws:iam::123456789012:role/r",
    )
    arn = sm.create_endpoint(
        EndpointName="e", EndpointConfigName="c", Tags=[{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": "pkg"}]
    )["EndpointArn"]
    embedded_aws.settle()

    creating, in_service = [e for e in embedded_aws.dispatcher.events if e["detail-type"] in DETAIL_TYPES]
    example = documented("endpoint_state_change")
    assert_same_shape(in_service, example)
    # Detail times are epoch milliseconds, as in the example; the envelope's time follows the EventBridge
    # reference (ISO 8601), not the example's epoch milliseconds.
    assert isinstance(in_service["detail"]["CreationTime"], int | float)
    assert ISO_SECONDS.match(in_service["time"])
    assert set(in_service["detail"]) == set(example["detail"])
    assert in_service["resources"] == [arn]
    assert (creating["detail"]["EndpointStatus"], in_service["detail"]["EndpointStatus"]) == (
        "CREATING",
        "IN_SERVICE",
    )
    assert in_service["detail"]["Tags"] == {lifecycle.TAG_SERVED_PACKAGE: "pkg"}
    assert in_service["detail"]["EndpointConfigName"] == "c"


def test_events_reach_an_sqs_target_of_a_rule_on_the_default_bus(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    sqs, events = embedded_aws.client("sqs"), embedded_aws.client("events")
    queue = sqs.create_queue(QueueName="audit")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="approved",
        EventPattern=json.dumps(
            {
                "source": ["aws.sagemaker"],
                "detail-type": ["SageMaker Model Package State Change"],
                "detail": {"ModelApprovalStatus": ["Approved"]},
            }
        ),
    )
    events.put_targets(Rule="approved", Targets=[{"Id": "audit", "Arn": arn}])

    package = register(sm)
    sm.update_model_package(ModelPackageArn=package, ModelApprovalStatus=lifecycle.APPROVED)

    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    [received] = [json.loads(m["Body"]) for m in messages]
    assert received["detail"]["ModelPackageArn"] == package
    assert (
        received["time"]
        == [e for e in embedded_aws.dispatcher.events if e["detail-type"] in DETAIL_TYPES][-1]["time"]
    )


def test_events_reach_an_sns_target_moto_cannot_deliver_to(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    sqs, sns, events = embedded_aws.client("sqs"), embedded_aws.client("sns"), embedded_aws.client("events")
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = sns.create_topic(Name="lifecycle")["TopicArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    events.put_rule(Name="all", EventPattern=json.dumps({"source": ["aws.sagemaker"]}))
    events.put_targets(Rule="all", Targets=[{"Id": "topic", "Arn": topic}])

    package = register(sm)

    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(message["Body"])["detail"]["ModelPackageArn"] == package
