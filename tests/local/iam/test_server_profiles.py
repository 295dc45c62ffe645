"""The loopback server enforces IAM too: it writes one credentials profile per human role, a client using the
``data-scientist`` profile is refused what the role must not do (SageMaker's own error, over HTTP), the
``approver`` profile may approve, and the file is gone when the server stops."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from modelops.local.server import LocalServer


@pytest.fixture
def server(synthesized_cdk_out: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)
    local = LocalServer(synthesized_cdk_out, port=0)
    local.start()
    yield local
    local.stop()


def _as(server: LocalServer, profile: str | None, service: str) -> object:
    if profile is None:
        session = boto3.session.Session(
            aws_access_key_id=server.credentials.access_key_id,
            aws_secret_access_key=server.credentials.secret_access_key,
            region_name="us-east-1",
        )
    else:
        session = boto3.session.Session(profile_name=profile)
    return session.client(service, endpoint_url=server.endpoint_url)  # type: ignore[call-overload]


def test_each_human_role_has_a_profile_and_the_server_decides_by_it(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(server.credentials_file))
    assert server.credentials_file is not None
    assert oct(server.credentials_file.stat().st_mode & 0o777) == "0o600"
    text = server.credentials_file.read_text()
    assert "[data-scientist]" in text and "[approver]" in text

    assert server.aws is not None
    group, bucket = server.aws.output("ModelPackageGroupName"), server.aws.output("ArtifactBucketName")
    scientist = _as(server, "data-scientist", "sagemaker")
    arn = scientist.create_model_package(  # type: ignore[attr-defined]
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": "img", "ModelDataUrl": f"s3://{bucket}/m.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        ModelLifeCycle={"Stage": "Development", "StageStatus": "Registered"},
    )["ModelPackageArn"]

    with pytest.raises(ClientError) as refused:
        scientist.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")  # type: ignore[attr-defined]
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert "assumed-role/data-scientist/" in error["Message"] and "is not authorized" in error["Message"]

    approver = _as(server, "approver", "sagemaker")
    approver.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")  # type: ignore[attr-defined]
    admin = _as(server, None, "sagemaker")
    described = admin.describe_model_package(ModelPackageName=arn)  # type: ignore[attr-defined]
    assert described["ModelApprovalStatus"] == "Approved"


def test_the_profiles_file_is_removed_on_stop(synthesized_cdk_out: Path) -> None:
    local = LocalServer(synthesized_cdk_out, port=0)
    local.start()
    path = local.credentials_file
    local.stop()
    assert path is not None and not path.exists()
