"""Model registry behaviour moto lacks, as the SageMaker API reference documents it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS
from tests.local.serving import model_with_config

GROUP = "test-group"
CONTAINER = {
    "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.4",
    "ModelDataUrl": "s3://b/m.tar.gz",
}
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": ["sagemaker:DescribeModelPackage"],
                "Resource": "*",
            }
        ],
    }
)


@pytest.fixture
def sm(embedded_aws: EmbeddedAWS) -> Any:
    client = embedded_aws.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName=GROUP)
    return client


def register(sm: Any, **extra: Any) -> str:
    arn: str = sm.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus=lifecycle.PENDING,
        InferenceSpecification={
            "Containers": [CONTAINER],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        **extra,
    )["ModelPackageArn"]
    return arn


def test_model_life_cycle_given_at_registration_is_returned_by_describe_and_list(sm: Any) -> None:
    stage = {
        "Stage": lifecycle.STAGE_DEVELOPMENT,
        "StageStatus": lifecycle.STATUS_REGISTERED,
        "StageDescription": "registered by the pipeline",
    }
    arn = register(sm, ModelLifeCycle=stage)

    assert sm.describe_model_package(ModelPackageName=arn)["ModelLifeCycle"] == stage
    [summary] = sm.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert summary["ModelLifeCycle"] == stage


def test_update_replaces_model_life_cycle_and_keeps_what_the_call_does_not_name(sm: Any) -> None:
    arn = register(
        sm,
        CustomerMetadataProperties={"code_commit": "abc123"},
        ModelLifeCycle={"Stage": lifecycle.STAGE_DEVELOPMENT, "StageStatus": lifecycle.STATUS_REGISTERED},
    )

    sm.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.APPROVED, ApprovalDescription="looks good"
    )
    sm.update_model_package(
        ModelPackageArn=arn,
        CustomerMetadataProperties={"staging": "ok"},
        ModelLifeCycle={"Stage": lifecycle.STAGE_STAGING, "StageStatus": lifecycle.STATUS_DEPLOYING},
    )

    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["ModelLifeCycle"] == {
        "Stage": lifecycle.STAGE_STAGING,
        "StageStatus": lifecycle.STATUS_DEPLOYING,
    }
    assert described["ModelApprovalStatus"] == lifecycle.APPROVED
    assert described["ApprovalDescription"] == "looks good"
    assert described["CustomerMetadataProperties"] == {"code_commit": "abc123", "staging": "ok"}


def test_update_replaces_the_inference_specification_it_carries(sm: Any) -> None:
    """UpdateModelPackage's InferenceSpecification member (API reference) replaces the stored one; moto
    ignored it, so a test of what a changed specification does to a deployment passed vacuously."""
    arn = register(sm)
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=lifecycle.APPROVED)
    changed = {
        "Containers": [{**CONTAINER, "Environment": {"FLAG": "1"}}],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["application/json"],
    }

    sm.update_model_package(ModelPackageArn=arn, InferenceSpecification=changed)

    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["InferenceSpecification"]["Containers"][0]["Environment"] == {"FLAG": "1"}
    assert described["InferenceSpecification"]["SupportedContentTypes"] == ["text/csv"]
    assert described["ModelApprovalStatus"] == lifecycle.APPROVED  # what the call did not name stays
    sm.update_model_package(ModelPackageArn=arn, ApprovalDescription="unrelated")
    assert (
        sm.describe_model_package(ModelPackageName=arn)["InferenceSpecification"]
        == described["InferenceSpecification"]
    )


def test_customer_metadata_properties_to_remove_removes_only_those_keys(sm: Any) -> None:
    arn = register(sm, CustomerMetadataProperties={"a": "1", "b": "2"})

    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataPropertiesToRemove=["a"])

    assert sm.describe_model_package(ModelPackageName=arn)["CustomerMetadataProperties"] == {"b": "2"}


@pytest.mark.parametrize("stage", [{"Stage": "Staging"}, {"StageStatus": "Deploying"}])
def test_model_life_cycle_without_stage_or_status_is_a_validation_error(
    sm: Any, embedded_aws: EmbeddedAWS, stage: dict[str, str]
) -> None:
    arn = register(sm)
    # boto3 would refuse before sending; the API's own answer is what is under test.
    unchecked = embedded_aws.client("sagemaker", config=Config(parameter_validation=False))

    with pytest.raises(ClientError) as raised:
        unchecked.update_model_package(ModelPackageArn=arn, ModelLifeCycle=stage)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_tags_on_a_model_package_arn_are_added_overwritten_listed_and_deleted(sm: Any) -> None:
    arn = register(sm)

    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ml"}, {"Key": "tier", "Value": "1"}])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "tier", "Value": "2"}])
    assert sorted((t["Key"], t["Value"]) for t in sm.list_tags(ResourceArn=arn)["Tags"]) == [
        ("team", "ml"),
        ("tier", "2"),
    ]

    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "tier", "Value": "2"}]


def test_tags_on_an_endpoint_overwrite_the_value_of_an_existing_key(sm: Any) -> None:
    model_with_config(sm, model="m", config="c", container=CONTAINER, role="arn:aws:iam::123456789012:role/r")
    arn = sm.create_endpoint(EndpointName="e", EndpointConfigName="c")["EndpointArn"]

    sm.add_tags(ResourceArn=arn, Tags=[{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": "v1"}])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": "v2"}])

    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": "v2"}]


def test_tagging_a_model_package_that_does_not_exist_is_a_validation_error(sm: Any) -> None:
    with pytest.raises(ClientError) as raised:
        sm.add_tags(
            ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:model-package/test-group/9",
            Tags=[{"Key": "k", "Value": "v"}],
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_group_policy_is_put_read_and_deleted(sm: Any) -> None:
    arn = sm.put_model_package_group_policy(ModelPackageGroupName=GROUP, ResourcePolicy=POLICY)[
        "ModelPackageGroupArn"
    ]
    assert arn.endswith(f":model-package-group/{GROUP}")
    assert json.loads(
        sm.get_model_package_group_policy(ModelPackageGroupName=GROUP)["ResourcePolicy"]
    ) == json.loads(POLICY)

    sm.delete_model_package_group_policy(ModelPackageGroupName=GROUP)
    with pytest.raises(ClientError) as raised:
        sm.get_model_package_group_policy(ModelPackageGroupName=GROUP)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize(
    ("group", "policy"),
    [("no-such-group", POLICY), (GROUP, "{not json"), (GROUP, json.dumps({"Version": "2012-10-17"}))],
)
def test_group_policy_on_a_missing_group_or_not_a_policy_is_a_validation_error(
    sm: Any, group: str, policy: str
) -> None:
    with pytest.raises(ClientError) as raised:
        sm.put_model_package_group_policy(ModelPackageGroupName=group, ResourcePolicy=policy)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_deleted_model_package_is_gone_and_deleting_it_again_fails(sm: Any) -> None:
    arn = register(sm)

    sm.delete_model_package(ModelPackageName=arn)

    assert sm.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"] == []
    with pytest.raises(ClientError) as raised:
        sm.delete_model_package(ModelPackageName=arn)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_search_filters_model_packages_on_model_life_cycle_stage(sm: Any) -> None:
    register(
        sm, ModelLifeCycle={"Stage": lifecycle.STAGE_DEVELOPMENT, "StageStatus": lifecycle.STATUS_REGISTERED}
    )
    staged = register(
        sm, ModelLifeCycle={"Stage": lifecycle.STAGE_STAGING, "StageStatus": lifecycle.STATUS_PASSED}
    )

    results = sm.search(
        Resource="ModelPackage",
        SearchExpression={
            "Filters": [
                {"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": GROUP},
                {"Name": "ModelLifeCycle.Stage", "Operator": "Equals", "Value": lifecycle.STAGE_STAGING},
            ]
        },
    )["Results"]

    assert [r["ModelPackage"]["ModelPackageArn"] for r in results] == [staged]
    assert results[0]["ModelPackage"]["ModelLifeCycle"]["StageStatus"] == lifecycle.STATUS_PASSED
