"""Provisioning from synthesized templates: what is created, under which names, and what is not."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from modelops.local.embedded import EmbeddedAWS, OutputNotFound, embedded_aws
from modelops.local.templates import Resolver, Stack, Unresolvable

CDK_OUT = Path(__file__).parent / "cdk_out"


def snapshot(aws: EmbeddedAWS) -> dict[str, Any]:
    return {
        "created": list(aws.provisioned.created),
        "outputs": aws.outputs,
        "keys": [k["KeyId"] for k in aws.client("kms").list_keys()["Keys"]],
        "queues": sorted(aws.client("sqs").list_queues()["QueueUrls"]),
    }


def test_templates_provision_the_same_names_every_start() -> None:
    with embedded_aws(CDK_OUT) as aws:
        first = snapshot(aws)
        sm, s3 = aws.client("sagemaker"), aws.client("s3")
        assert sm.describe_model_package_group(ModelPackageGroupName="test-group")["ModelPackageGroupStatus"]
        bucket = aws.output("BucketName")
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        assert aws.client("sns").get_topic_attributes(TopicArn=aws.output("TopicArn"))["Attributes"]
    with embedded_aws(CDK_OUT) as aws:
        second = snapshot(aws)

    assert first == second
    assert bucket == "modelops-base-artifactbucket1ac643e6"
    assert first["queues"] == [
        "https://sqs.us-east-1.amazonaws.com/123456789012/modelops-base-EventsQueue",
        "https://sqs.us-east-1.amazonaws.com/123456789012/modelops-deploy-FailDlq",
    ]


def test_what_the_emulator_does_not_hold_is_listed_with_the_reason() -> None:
    with embedded_aws(CDK_OUT) as aws:
        assert aws.provisioned.not_provisioned == [
            "modelops-base/ReaderRole (AWS::IAM::Role): IAM is not enforced locally",
            "modelops-deploy/RecordFnPermission (AWS::Lambda::Permission): IAM is not enforced locally",
        ]
        assert aws.provisioned.problems == []


def test_an_output_no_stack_declares_is_an_error_naming_the_stacks() -> None:
    with embedded_aws(CDK_OUT) as aws, pytest.raises(OutputNotFound, match="modelops-base, modelops-deploy"):
        aws.output("NoSuchOutput")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Fn::Sub": "${AWS::Region}:${!Literal}:${Queue.QueueName}"}, "us-east-1:${Literal}:s-Queue"),
        (
            {"Fn::Sub": ["${A}-${AWS::AccountId}", {"A": {"Ref": "Queue"}}]},
            "https://sqs.us-east-1.amazonaws.com/123456789012/s-Queue-123456789012",
        ),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        (
            {"Fn::FindInMap": ["Images", "us-east-1", "sklearn"]},
            "683313688378.dkr.ecr.us-east-1.amazonaws.com",
        ),
        (
            {"Fn::GetStackOutput": {"StackName": "other", "OutputName": "Bucket", "Region": "us-east-1"}},
            "b-1",
        ),
        ({"Fn::ImportValue": "shared-key"}, "k-1"),
    ],
)
def test_intrinsic_functions_resolve_to_local_values(value: Any, expected: Any) -> None:
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}},
        "Mappings": {"Images": {"us-east-1": {"sklearn": "683313688378.dkr.ecr.us-east-1.amazonaws.com"}}},
    }
    resolver = Resolver(
        Stack("s", template), "123456789012", "us-east-1", {"shared-key": "k-1"}, {"other": {"Bucket": "b-1"}}
    )
    resolver.plan()

    assert resolver.resolve(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"Ref": "BootstrapVersion"},
        {"Fn::If": ["C", 1, 2]},
        {"Ref": "Nothing"},
        {"Fn::GetAtt": ["Queue", "NoSuchAttribute"]},
    ],
)
def test_what_cannot_be_known_locally_is_unresolvable(value: Any) -> None:
    template = {
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            }
        },
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}},
    }
    resolver = Resolver(Stack("s", template), "123456789012", "us-east-1", {})
    resolver.plan()

    with pytest.raises(Unresolvable):
        resolver.resolve(value)


def test_the_synthesized_app_provisions_without_problems(synthesized_cdk_out: Path) -> None:
    with embedded_aws(synthesized_cdk_out) as aws:
        assert aws.provisioned.problems == []
        group = aws.output("ModelPackageGroupName")
        aws.client("sagemaker").describe_model_package_group(ModelPackageGroupName=group)
        aws.client("s3").head_bucket(Bucket=aws.output("ArtifactBucketName"))
        for function in aws.provisioned.functions.values():  # every rule's handler is importable by its path
            module, _, name = function.handler.rpartition(".")
            assert callable(getattr(importlib.import_module(module), name)), function.handler
