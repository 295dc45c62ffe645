"""The defects issue 14 found in the embedded AWS, each tried against the API reference that says otherwise."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS
from modelops.local.patches import request_shapes
from tests.local.serving import model_with_config

GROUP = "fidelity"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
CONTAINER = {"Image": "sklearn", "ModelDataUrl": "s3://b/m.tar.gz"}


DELAY = 0.5  # endpoints take this long here (minutes on AWS); tests that need InService fast-forward


@pytest.fixture
def embedded_aws_options() -> dict[str, Any]:
    return {"endpoint_delay_seconds": DELAY}


@pytest.fixture
def sm(embedded_aws: EmbeddedAWS) -> Any:
    client = embedded_aws.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName=GROUP)
    return client


def register(sm: Any, status: str = lifecycle.PENDING) -> str:
    arn: str = sm.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus=status,
        InferenceSpecification={
            "Containers": [CONTAINER],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    return arn


def code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


# --- version numbers (developer guide, model-registry-models.html: "starts at 1 and is incremented with each
# new model package added to a Model Group") ---------------------------------------------------------------


def test_a_version_number_is_never_handed_out_twice_after_a_deletion(sm: Any) -> None:
    first = register(sm)
    approved = register(sm, lifecycle.APPROVED)
    sm.delete_model_package(ModelPackageName=first)

    third = register(sm)

    assert third.endswith("/3")
    still = sm.describe_model_package(ModelPackageName=approved)
    assert (still["ModelPackageVersion"], still["ModelApprovalStatus"]) == (2, lifecycle.APPROVED)


def test_a_deleted_version_stays_deleted(sm: Any) -> None:
    first = register(sm)
    sm.delete_model_package(ModelPackageName=first)
    register(sm)
    register(sm)

    with pytest.raises(ClientError) as raised:
        sm.describe_model_package(ModelPackageName=first)
    assert code(raised) == "ValidationException"
    listed = sm.list_model_package_groups()  # the group itself is untouched
    assert [g["ModelPackageGroupName"] for g in listed["ModelPackageGroupSummaryList"]] == [GROUP]
    versions = sm.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert sorted(v["ModelPackageVersion"] for v in versions) == [2, 3]


def test_deleting_the_newest_version_does_not_free_its_number(sm: Any) -> None:
    register(sm)
    newest = register(sm)
    sm.delete_model_package(ModelPackageName=newest)

    assert register(sm).endswith("/3")


# --- required output members (API_DescribeModelPackage, API_DescribeModelPackageGroup) --------------------


def test_describe_model_package_names_the_package_by_its_group(sm: Any) -> None:
    described = sm.describe_model_package(ModelPackageName=register(sm))

    assert described["ModelPackageName"] == GROUP


def test_describe_model_package_group_says_who_created_it(sm: Any) -> None:
    described = sm.describe_model_package_group(ModelPackageGroupName=GROUP)

    assert set(described["CreatedBy"]) >= {"UserProfileArn", "UserProfileName", "DomainId"}


# --- DeleteModelPackageGroup (API_DeleteModelPackageGroup: ConflictException, HTTP 400) --------------------


def test_a_group_that_still_holds_versions_is_not_deleted(sm: Any) -> None:
    register(sm)

    with pytest.raises(ClientError) as raised:
        sm.delete_model_package_group(ModelPackageGroupName=GROUP)

    assert code(raised) == "ConflictException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sm.describe_model_package_group(ModelPackageGroupName=GROUP)["ModelPackageGroupName"] == GROUP


def test_an_empty_group_is_deleted_with_its_policy_and_a_missing_one_is_a_validation_error(sm: Any) -> None:
    sm.delete_model_package(ModelPackageName=register(sm))
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sagemaker:DescribeModelPackage", "Resource": "*"}
        ],
    }
    sm.put_model_package_group_policy(ModelPackageGroupName=GROUP, ResourcePolicy=json.dumps(policy))

    sm.delete_model_package_group(ModelPackageGroupName=GROUP)

    for call in (sm.describe_model_package_group, sm.delete_model_package_group):
        with pytest.raises(ClientError) as raised:
            call(ModelPackageGroupName=GROUP)
        assert code(raised) == "ValidationException"
    sm.create_model_package_group(ModelPackageGroupName=GROUP)  # a new group of that name has no policy
    with pytest.raises(ClientError):
        sm.get_model_package_group_policy(ModelPackageGroupName=GROUP)


# --- optional structures left out, not answered empty (API_DescribeEndpoint, API_DescribeModel) ------------


def test_resources_without_data_capture_or_vpc_are_described_without_those_members(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    model_with_config(sm, model="m", config="c", container=CONTAINER, role=ROLE)
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")
    embedded_aws.clock.fast_forward()

    assert "VpcConfig" not in sm.describe_model(ModelName="m")
    assert "DataCaptureConfig" not in sm.describe_endpoint_config(EndpointConfigName="c")
    assert "DataCaptureConfig" not in sm.describe_endpoint(EndpointName="e")


def test_data_capture_and_vpc_given_are_still_described(sm: Any) -> None:
    vpc = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer=CONTAINER, VpcConfig=vpc)
    capture = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 10,
        "DestinationS3Uri": "s3://b/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}],
    }
    sm.create_endpoint_config(
        EndpointConfigName="c",
        ProductionVariants=[
            {"VariantName": "v", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
        DataCaptureConfig=capture,
    )

    assert sm.describe_model(ModelName="m")["VpcConfig"] == vpc
    assert sm.describe_endpoint_config(EndpointConfigName="c")["DataCaptureConfig"]["DestinationS3Uri"] == (
        "s3://b/capture"
    )


def test_list_endpoints_filters_by_modification_time_after_a_status_change(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    # moto compares its naive UTC times; the endpoints patch once set aware ones (HTTP 500 on this call).
    model_with_config(sm, model="m", config="c", container=CONTAINER, role=ROLE)
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")
    embedded_aws.clock.fast_forward()
    hour_ago = datetime.now(UTC) - timedelta(hours=1)

    after = sm.list_endpoints(LastModifiedTimeAfter=hour_ago)["Endpoints"]
    before = sm.list_endpoints(LastModifiedTimeBefore=hour_ago)["Endpoints"]

    assert ([e["EndpointName"] for e in after], before) == (["e"], [])


# --- Search (API_Search): TotalHits; no default page size is relied on ------------------------------------


def test_search_answers_total_hits_for_every_match_not_only_the_page(sm: Any) -> None:
    for _ in range(3):
        register(sm)
    page = sm.search(
        Resource="ModelPackage",
        MaxResults=2,
        SearchExpression={
            "Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": GROUP}]
        },
    )

    assert len(page["Results"]) == 2
    assert page["TotalHits"] == {"Value": 3, "Relation": "EqualTo"}


# --- malformed requests: the documented 400, never a 500 ------------------------------------------------


def refused(embedded_aws: EmbeddedAWS, service: str, operation: str, body: bytes) -> tuple[int, str]:
    """(HTTP status, error code) of ``body`` sent as ``operation``'s request, as a client other than boto3
    might send it: botocore's own validation off and the serialized body replaced before signing."""
    client = embedded_aws.client(
        service, config=Config(parameter_validation=False, retries={"total_max_attempts": 1})
    )

    def replace(request: Any, **_: Any) -> None:
        request.data = body

    client.meta.events.register(
        f"request-created.{client.meta.service_model.service_id.hyphenize()}.{operation}", replace
    )
    with pytest.raises(ClientError) as raised:
        getattr(client, xform_name(operation))()
    return int(raised.value.response["ResponseMetadata"]["HTTPStatusCode"]), code(raised)


@pytest.mark.parametrize(
    ("service", "operation", "body", "expected"),
    [
        ("sagemaker", "UpdateModelPackage", b"{}", "ValidationException"),
        ("sagemaker", "UpdateModelPackage", b'{"ModelPackageArn": 7}', "ValidationException"),
        (
            "sagemaker",
            "UpdateModelPackage",
            b'{"ModelPackageArn": "x", "ModelLifeCycle": {"Stage": "Staging"}}',
            "ValidationException",
        ),
        ("sagemaker", "DeleteModelPackageGroup", b"{}", "ValidationException"),
        ("sagemaker", "Search", b'{"Resource": "ModelPackage", "MaxResults": 0}', "ValidationException"),
        ("sagemaker", "UpdateEndpoint", b'{"EndpointName": "e"}', "ValidationException"),
        ("sagemaker", "CreateModelPackage", b"not json", "SerializationException"),
        ("events", "TestEventPattern", b'{"EventPattern": "{}"}', "ValidationException"),
        (
            "events",
            "TestEventPattern",
            b'{"EventPattern": "[1]", "Event": "{}"}',
            "InvalidEventPatternException",
        ),
    ],
)
def test_a_malformed_request_to_a_patched_operation_is_a_400_with_the_documented_code(
    embedded_aws: EmbeddedAWS, service: str, operation: str, body: bytes, expected: str
) -> None:
    assert refused(embedded_aws, service, operation, body) == (400, expected)


def test_every_operation_a_patch_group_names_is_checked_against_its_input_shape() -> None:
    checked = request_shapes.checked_operations()

    assert {
        ("sagemaker", "DeleteModelPackageGroup"),
        ("sagemaker", "UpdateEndpoint"),
        ("events", "TestEventPattern"),
        ("sagemaker", "Search"),
    } <= checked
    # A member this botocore does not know (a newer client's) is no error: moto ignores what it does not read.
    assert (
        request_shapes.problem(
            "sagemaker", "DeleteModelPackageGroup", b'{"ModelPackageGroupName": "g", "FromTheFuture": 1}'
        )
        is None
    )


# --- realistic timing (API_DescribeEndpoint: Creating "CreateEndpoint is executing") ----------------------


def test_an_endpoint_with_a_delay_is_creating_when_its_creating_event_is_handled(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    model_with_config(sm, model="m", config="c", container=CONTAINER, role=ROLE)
    started = time.monotonic()
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")

    (creating,) = [
        e for e in embedded_aws.dispatcher.events if e["detail-type"] == "SageMaker Endpoint State Change"
    ]
    # What a handler of that event would read now, with its own SageMaker call (which runs due transitions):
    assert creating["detail"]["EndpointStatus"] == "CREATING"
    assert sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "Creating"

    embedded_aws.settle()

    assert sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "InService"
    assert time.monotonic() - started >= DELAY
