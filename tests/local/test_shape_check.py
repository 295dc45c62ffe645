"""The shape check: responses checked against botocore's output shape, and the allow-list kept honest."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from modelops.local.shape_check import (
    ENUM,
    MISSING,
    TYPE,
    Allowed,
    AllowlistError,
    ShapeCheck,
    load_allowlist,
    mismatches,
    stale,
)

pytest_plugins = ["pytester"]

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")
EVENTS = botocore.session.get_session().get_service_model("events")
ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e"


CAPTURE = {
    "EnableCapture": True,
    "CaptureStatus": "Started",
    "CurrentSamplingPercentage": 100,
    "DestinationS3Uri": "s3://b/capture",
    "KmsKeyId": "k",
}


@dataclass
class Answer:
    """What botocore's after-call event carries as ``http_response``."""

    body: dict[str, Any]
    status_code: int = 200

    @property
    def content(self) -> bytes:
        return json.dumps(self.body).encode()


def output(model: Any, operation: str) -> Any:
    return model.operation_model(operation).output_shape


def endpoint(**overrides: Any) -> dict[str, Any]:
    body = {
        "EndpointName": "e",
        "EndpointArn": ARN,
        "EndpointStatus": "InService",
        "CreationTime": 1700000000.0,
        "LastModifiedTime": "2024-01-01T00:00:00Z",
    }
    return {**body, **overrides}


def check(body: dict[str, Any], operation: str = "DescribeEndpoint") -> list[tuple[str, str]]:
    return [(m.path, m.problem) for m in mismatches(operation, output(SAGEMAKER, operation), body)]


def test_a_conforming_response_has_no_mismatch() -> None:
    assert check(endpoint()) == []


def test_a_missing_required_member_is_caught_with_the_operation_and_its_path() -> None:
    body = {"ModelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1"}
    body |= {"CreationTime": 1700000000, "ModelPackageStatus": "Completed"}
    body |= {"ModelPackageStatusDetails": {"ValidationStatuses": []}}

    found = mismatches("sagemaker.DescribeModelPackage", output(SAGEMAKER, "DescribeModelPackage"), body)

    assert [(str(m), m.problem) for m in found] == [
        (
            "sagemaker.DescribeModelPackage: ModelPackageName: required member missing (DescribeModelPackageOutput)",
            MISSING,
        )
    ]


def test_required_members_of_a_nested_structure_are_required_when_it_is_present() -> None:
    # DescribeEndpoint's DataCaptureConfig is optional; sent as {}, each of its required members is missing.
    found = check(endpoint(DataCaptureConfig={}))

    assert ("DataCaptureConfig.EnableCapture", MISSING) in found
    assert len(found) == len(
        output(SAGEMAKER, "DescribeEndpoint").members["DataCaptureConfig"].required_members
    )


def test_a_member_sent_as_null_counts_as_absent() -> None:
    assert check(endpoint(EndpointStatus=None)) == [("EndpointStatus", MISSING)]


def test_an_invalid_enum_value_is_caught() -> None:
    found = mismatches(
        "sagemaker.DescribeEndpoint",
        output(SAGEMAKER, "DescribeEndpoint"),
        endpoint(EndpointStatus="Sleeping"),
    )

    assert [m.problem for m in found] == [ENUM]
    assert str(found[0]).startswith(
        "sagemaker.DescribeEndpoint: EndpointStatus: 'Sleeping' is not a valid EndpointStatus ("
    )


def test_list_members_are_checked_and_named_by_position() -> None:
    variants = [{"VariantName": "a", "CurrentWeight": 1.0}, {"CurrentInstanceCount": "2"}]

    found = mismatches(
        "sagemaker.DescribeEndpoint",
        output(SAGEMAKER, "DescribeEndpoint"),
        endpoint(ProductionVariants=variants),
    )

    assert [(m.path, m.member, m.problem) for m in found] == [
        ("ProductionVariants[1].VariantName", "ProductionVariants[].VariantName", MISSING),
        ("ProductionVariants[1].CurrentInstanceCount", "ProductionVariants[].CurrentInstanceCount", TYPE),
    ]


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"EndpointName": 5}, "EndpointName"),  # string
        ({"CreationTime": "yesterday"}, "CreationTime"),  # timestamp: neither epoch seconds nor ISO 8601
        ({"CreationTime": True}, "CreationTime"),
        ({"ProductionVariants": {"VariantName": "a"}}, "ProductionVariants"),  # list
        (
            {"ProductionVariants": [{"VariantName": "a", "CurrentWeight": "1"}]},
            "ProductionVariants[0].CurrentWeight",
        ),  # float
        ({"DataCaptureConfig": "on"}, "DataCaptureConfig"),  # structure
    ],
)
def test_a_member_of_the_wrong_type_is_caught(overrides: dict[str, Any], path: str) -> None:
    assert check(endpoint(**overrides)) == [(path, TYPE)]


def test_booleans_integers_and_maps_are_typed() -> None:
    rule = {"Name": "r", "State": "ENABLED", "EventBusName": True}
    assert [m.path for m in mismatches("eventbridge.DescribeRule", output(EVENTS, "DescribeRule"), rule)] == [
        "EventBusName"
    ]
    body = {
        "ModelPackageGroupName": "g",
        "ModelPackageArn": "arn",
        "CreationTime": 1,
        "ModelPackageStatus": "Completed",
    }
    body |= {"ModelPackageName": "g", "ModelPackageStatusDetails": {"ValidationStatuses": []}}
    body |= {
        "ModelPackageVersion": "1",
        "CertifyForMarketplace": "false",
        "CustomerMetadataProperties": {"k": 1},
    }
    assert check(body, "DescribeModelPackage") == [
        ("ModelPackageVersion", TYPE),
        ("CertifyForMarketplace", TYPE),
        ("CustomerMetadataProperties['k']", TYPE),
    ]


def test_an_entry_is_stale_once_responses_show_it_fixed_and_none_show_it() -> None:
    package = "sagemaker.DescribeModelPackage"
    endpoint_capture = ("sagemaker.DescribeEndpoint", "DataCaptureConfig.EnableCapture", MISSING)
    entries = [
        Allowed(*endpoint_capture, "14", "a complete DataCaptureConfig came, an empty one never"),
        Allowed(package, "ModelPackageName", MISSING, "14", "still missing"),
        Allowed(
            "sagemaker.DescribeEndpointConfig",
            "DataCaptureConfig.CaptureOptions",
            MISSING,
            "14",
            "not reached",
        ),
    ]
    shape_check = ShapeCheck(watched=frozenset(entry.key for entry in entries))
    describe_endpoint = SAGEMAKER.operation_model("DescribeEndpoint")
    shape_check.after_call(Answer(endpoint(DataCaptureConfig=CAPTURE)), describe_endpoint)
    shape_check.after_call(
        Answer(endpoint()), describe_endpoint
    )  # no DataCaptureConfig: no evidence either way
    shape_check.after_call(
        Answer({"ModelPackageArn": "a"}), SAGEMAKER.operation_model("DescribeModelPackage")
    )

    assert shape_check.cleared[endpoint_capture] == 1
    assert stale(shape_check, entries) == [entries[0]]


def test_an_allow_list_entry_without_its_issue_is_refused() -> None:
    entry = '[[mismatch]]\noperation = "sagemaker.DescribeEndpoint"\nmember = "X"\nproblem = "missing"\nwhy = "w"\n'

    with pytest.raises(AllowlistError, match="needs operation, member, problem, issue, why"):
        load_allowlist(entry)


def test_the_project_allow_list_cites_an_issue_for_every_entry() -> None:
    path = Path(__file__).parents[1] / "shape_check_allowlist.toml"

    assert all(entry.issue and entry.why for entry in load_allowlist(path.read_text()))


# The hook end to end, in a pytest session of its own: a deliberately wrong response here would fail this
# very test through the session's own shape check.
BAD_RESPONSES = textwrap.dedent(
    """
    import json

    import boto3
    import pytest
    from moto import mock_aws
    from moto.sagemaker.responses import SageMakerResponse

    GROUP = {"ModelPackageGroupName": "g", "CreationTime": 1700000000, "CreatedBy": {},
             "ModelPackageGroupArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/g",
             "ModelPackageGroupStatus": "Completed"}

    @pytest.fixture
    def sagemaker(monkeypatch):
        def answer(body):
            monkeypatch.setattr(SageMakerResponse, "describe_model_package_group", lambda self: json.dumps(body))
        with mock_aws():
            yield boto3.client("sagemaker", region_name="us-east-1"), answer

    def test_conforming(sagemaker):
        client, answer = sagemaker
        answer(GROUP)
        client.describe_model_package_group(ModelPackageGroupName="g")

    def test_missing_member(sagemaker):
        client, answer = sagemaker
        answer({k: v for k, v in GROUP.items() if k != "ModelPackageGroupArn"})
        client.describe_model_package_group(ModelPackageGroupName="g")

    def test_invalid_enum_even_where_the_caller_swallows_every_error(sagemaker):
        client, answer = sagemaker
        answer({**GROUP, "ModelPackageGroupStatus": "Sleeping"})
        try:
            client.describe_model_package_group(ModelPackageGroupName="g")
        except Exception:
            pass
    """
)


def shape_checked_session(pytester: pytest.Pytester, allowlist: str = "") -> pytest.RunResult:
    pytester.makepyfile(test_responses=BAD_RESPONSES)
    if allowlist:
        pytester.makefile(".toml", allowlist=allowlist)
        pytester.makeini("[pytest]\nshape_check_allowlist = allowlist.toml\n")
    return pytester.runpytest_subprocess(
        "-p", "modelops.local.pytest_shape_check", "-p", "no:xdist", "-p", "no:cacheprovider"
    )


def test_a_mismatch_fails_the_test_that_caused_it_naming_operation_and_member(
    pytester: pytest.Pytester,
) -> None:
    result = shape_checked_session(pytester)

    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*sagemaker.DescribeModelPackageGroup: ModelPackageGroupArn: required member missing*",
            "*sagemaker.DescribeModelPackageGroup: ModelPackageGroupStatus: 'Sleeping' is not a valid*",
            "shape check: 3 SageMaker/EventBridge responses validated, 2 mismatches (0 more allowed by no allow-list)",
            "FAILED test_responses.py::test_missing_member*",
            "FAILED test_responses.py::test_invalid_enum_even_where_the_caller_swallows_every_error*",
        ]
    )


def test_allowed_mismatches_pass_and_a_stale_entry_fails_the_session(pytester: pytest.Pytester) -> None:
    allowlist = """
        [[mismatch]]
        operation = "sagemaker.DescribeModelPackageGroup"
        member = "ModelPackageGroupArn"
        problem = "missing"
        issue = 14
        why = "known"

        [[mismatch]]
        operation = "sagemaker.DescribeModelPackageGroup"
        member = "ModelPackageGroupStatus"
        problem = "enum"
        issue = 14
        why = "known"

        [[mismatch]]
        operation = "sagemaker.DescribeModelPackageGroup"
        member = "CreatedBy"
        problem = "missing"
        issue = 99
        why = "fixed since: no response lacks CreatedBy any more"
    """
    result = shape_checked_session(pytester, textwrap.dedent(allowlist))

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "shape check: 3 SageMaker/EventBridge responses validated, 0 mismatches (2 more allowed by allowlist.toml)",
            "  allowed: sagemaker.DescribeModelPackageGroup: ModelPackageGroupArn: missing (issue 14): in 1 responses, absent from 2",
            "  STALE allow-list entry*: sagemaker.DescribeModelPackageGroup: CreatedBy: missing (issue 99)",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
