"""EventBridge TestEventPattern, which moto leaves as a stub, answered with moto's own matcher."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from modelops.local.embedded import EmbeddedAWS

# AWS's example verbatim, re-serialized with the first of its two "source" keys (tests/events/SOURCES.md).
EXAMPLE = json.dumps(
    json.loads(
        (Path(__file__).parents[2] / "events" / "aws_doc_model_package_state_change.json").read_text(),
        object_pairs_hook=lambda pairs: dict(reversed(pairs)),
    )
)


@pytest.fixture
def events(embedded_aws: EmbeddedAWS) -> Any:
    return embedded_aws.client("events")


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ({"ModelApprovalStatus": ["Rejected"], "ModelPackageVersion": [2]}, True),
        ({"ModelApprovalStatus": ["Approved"]}, False),
        ({"ModelPackageGroupName": [{"prefix": "versionedmp-"}]}, True),
    ],
)
def test_pattern_is_tested_against_the_documented_event(
    events: Any, detail: dict[str, Any], expected: bool
) -> None:
    pattern = {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": detail,
    }

    assert events.test_event_pattern(EventPattern=json.dumps(pattern), Event=EXAMPLE)["Result"] is expected


@pytest.mark.parametrize(
    ("pattern", "event", "code"),
    [
        ('{"source": "aws.sagemaker"}', EXAMPLE, "InvalidEventPatternException"),
        ('{"source": ["aws.sagemaker"]}', json.dumps({"source": "aws.sagemaker"}), "ValidationException"),
        ('{"source": ["aws.sagemaker"]}', "not json", "ValidationException"),
    ],
)
def test_invalid_pattern_or_event_is_refused(events: Any, pattern: str, event: str, code: str) -> None:
    with pytest.raises(ClientError) as raised:
        events.test_event_pattern(EventPattern=pattern, Event=event)
    assert raised.value.response["Error"]["Code"] == code


def test_an_event_without_resources_is_refused_as_the_reference_makes_it_mandatory(events: Any) -> None:
    # TestEventPattern (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html):
    # "the following fields are mandatory: id, account, source, time, region, resources, detail-type".
    event = json.loads(EXAMPLE)
    del event["resources"]

    with pytest.raises(ClientError) as raised:
        events.test_event_pattern(EventPattern='{"source": ["aws.sagemaker"]}', Event=json.dumps(event))

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "resources" in raised.value.response["Error"]["Message"]


@pytest.mark.parametrize("pattern", ["[1]", "1", '"aws.sagemaker"', "null", "not json"])
def test_a_pattern_that_is_not_a_json_object_is_an_invalid_event_pattern_with_http_400(
    events: Any, pattern: str
) -> None:
    with pytest.raises(ClientError) as raised:
        events.test_event_pattern(EventPattern=pattern, Event=EXAMPLE)

    assert raised.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    "pattern", ["[1]", "1", '"aws.sagemaker"', "not json", '{"source": "aws.sagemaker"}']
)
def test_put_rule_refuses_a_pattern_that_is_not_a_valid_json_object_and_stores_nothing(
    events: Any, pattern: str
) -> None:
    """PutRule's errors include InvalidEventPatternException (API reference); moto answered HTTP 500."""
    with pytest.raises(ClientError) as raised:
        events.put_rule(Name="bad-pattern", EventPattern=pattern)

    assert raised.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "bad-pattern" not in [r["Name"] for r in events.list_rules()["Rules"]]


def test_put_rule_stores_a_valid_pattern(events: Any) -> None:
    pattern = json.dumps({"source": ["aws.sagemaker"]})

    events.put_rule(Name="good-pattern", EventPattern=pattern)

    assert events.describe_rule(Name="good-pattern")["EventPattern"] == pattern
