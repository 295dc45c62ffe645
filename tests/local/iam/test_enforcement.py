"""What the embedded AWS's enforcement promises beyond the governance table: refusals shaped as each service
shapes them, no unknown or unsigned caller, no unmapped operation let through, resource policies' explicit
denies binding the administrator too, handlers under their own roles, and enforcement per embedded AWS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.local.iam.enforcement import LAYER

PENDING = "PendingManualApproval"


@pytest.fixture
def aws(synthesized_cdk_out: Path) -> Iterator[EmbeddedAWS]:
    with embedded_aws(synthesized_cdk_out) as running:
        yield running


def _register(aws: EmbeddedAWS, role: str | None = None) -> str:
    sm = aws.client("sagemaker", role=role)
    bucket = aws.output("ArtifactBucketName")
    return str(
        sm.create_model_package(
            ModelPackageGroupName=aws.output("ModelPackageGroupName"),
            ModelApprovalStatus=PENDING,
            InferenceSpecification={
                "Containers": [{"Image": "img", "ModelDataUrl": f"s3://{bucket}/m.tar.gz"}],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            ModelLifeCycle={"Stage": "Development", "StageStatus": "Registered"},
        )["ModelPackageArn"]
    )


def _refusal(call: object) -> dict[str, object]:
    with pytest.raises(ClientError) as refused:
        call()  # type: ignore[operator]
    return {**refused.value.response["Error"], **refused.value.response["ResponseMetadata"]}


def test_a_data_scientist_approving_gets_sagemakers_access_denied_naming_its_session(
    aws: EmbeddedAWS,
) -> None:
    arn = _register(aws, role="data-scientist")
    ds = aws.client("sagemaker", role="data-scientist")

    error = _refusal(lambda: ds.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved"))

    assert error["Code"] == "AccessDeniedException" and error["HTTPStatusCode"] == 400
    message = str(error["Message"])
    assert message.startswith(
        f"User: arn:aws:sts::{aws.account_id}:assumed-role/data-scientist/data-scientist is not authorized "
        f"to perform: sagemaker:UpdateModelPackage on resource: {arn} "
    )
    assert message.endswith("identity-based policy") or "identity-based policy allows" in message
    assert (
        aws.client("sagemaker").describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == PENDING
    )


def test_the_data_scientist_may_register_a_pending_version(aws: EmbeddedAWS) -> None:
    arn = _register(aws, role="data-scientist")
    assert (
        aws.client("sagemaker").describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == PENDING
    )


def test_s3_refuses_with_its_own_xml_access_denied(aws: EmbeddedAWS) -> None:
    approver = aws.client("s3", role="approver")
    error = _refusal(
        lambda: approver.put_object(
            Bucket=aws.output("ArtifactBucketName"), Key="forged/model.tar.gz", Body=b"x"
        )
    )
    assert error["Code"] == "AccessDenied" and error["HTTPStatusCode"] == 403
    assert "is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::" in str(error["Message"])


def test_sns_refuses_with_authorization_error(aws: EmbeddedAWS) -> None:
    ds = aws.client("sns", role="data-scientist")
    error = _refusal(lambda: ds.publish(TopicArn=aws.output("LifecycleTopicArn"), Message="forged notice"))
    assert error["Code"] == "AuthorizationError" and error["HTTPStatusCode"] == 403


def test_keys_the_embedded_aws_never_issued_are_refused(aws: EmbeddedAWS) -> None:
    stranger = boto3.client(
        "sagemaker",
        region_name=aws.region,
        aws_access_key_id="AKIASTRANGER00000000",
        aws_secret_access_key="whatever",
    )
    error = _refusal(stranger.list_model_package_groups)
    assert "was not issued by this embedded AWS" in str(error["Message"])


def test_an_unmapped_operation_is_refused_even_to_the_administrator(aws: EmbeddedAWS) -> None:
    admin = aws.client("sagemaker")
    error = _refusal(lambda: admin.delete_experiment(ExperimentName="anything"))
    assert error["Code"] == "AccessDeniedException"
    assert "no IAM mapping for sagemaker:DeleteExperiment" in str(error["Message"])
    assert "sagemaker:DeleteExperiment" in aws.iam.counters.unmapped  # type: ignore[union-attr]


def test_a_role_the_templates_do_not_define_holds_nothing(aws: EmbeddedAWS) -> None:
    sts = aws.client("sts")
    # The trust policy of no role in the assembly names the administrator's root: AssumeRole is refused.
    error = _refusal(
        lambda: sts.assume_role(
            RoleArn=f"arn:aws:iam::{aws.account_id}:role/nobody", RoleSessionName="intruder"
        )
    )
    assert "sts:AssumeRole" in str(error["Message"])


def test_every_handler_runs_under_its_own_functions_role(aws: EmbeddedAWS) -> None:
    assert aws.iam is not None
    for function in aws.dispatcher.functions.values():
        keys = aws.dispatcher.credentials(function)
        caller = aws.iam.callers.resolve(keys["AWS_ACCESS_KEY_ID"])
        role = aws.iam.callers.principals.functions[function.name].role_arn
        assert caller is not None and caller.identity.principal.arn == role
        assert caller.session_arn.endswith(f"/{function.name}")


def test_enforcement_is_per_embedded_aws_and_undone_on_stop(synthesized_cdk_out: Path) -> None:
    from moto.core.authorization import ActionAuthenticatorMixin

    original = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"]
    with embedded_aws(synthesized_cdk_out) as enforced:
        assert LAYER.enforcer is enforced.iam is not None
    assert LAYER.enforcer is None
    assert ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"] is original
    with embedded_aws(None, iam=False) as plain:
        assert plain.iam is None and LAYER.enforcer is None
        anyone = boto3.client(
            "sagemaker", region_name=plain.region, aws_access_key_id="A" * 20, aws_secret_access_key="b"
        )
        anyone.create_model_package_group(ModelPackageGroupName="any-key-works")
