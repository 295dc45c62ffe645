"""The data scientist's MLflow artifacts in the artifact bucket, under the synthesized policies the embedded AWS
enforces: their own client writes and reads MLflow's prefix and the store's serving-archive prefix, and
nothing else in the bucket; the approver writes neither (the policy is the data scientist's only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.deploy.app import synth_to


@pytest.fixture(scope="module")
def embedded_aws_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_to(tmp_path_factory.mktemp("cdk.out"))


def _put(aws: Any, role: str, key: str) -> None:
    aws.client("s3", role=role).put_object(
        Bucket=aws.output("ArtifactBucketName"), Key=key, Body=b"x", IfNoneMatch="*"
    )


def _refused(call: Any) -> str:
    with pytest.raises(ClientError) as refused:
        call()
    return str(refused.value.response["Error"]["Code"])


def test_the_data_scientist_writes_and_reads_mlflow_artifacts_and_the_stores_archives(
    embedded_aws: Any,
) -> None:
    bucket = embedded_aws.output("ArtifactBucketName")
    s3 = embedded_aws.client("s3", role="data-scientist")
    for key in ("mlflow/1/models/m-1/artifacts/MLmodel", "pipelines/mlflow/1/m-1/model/model.tar.gz"):
        _put(embedded_aws, "data-scientist", key)
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"x"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="mlflow/1/")
    assert [o["Key"] for o in listed["Contents"]] == ["mlflow/1/models/m-1/artifacts/MLmodel"]


def test_the_data_scientist_writes_nothing_else_in_the_bucket_and_lists_only_those_prefixes(
    embedded_aws: Any,
) -> None:
    bucket = embedded_aws.output("ArtifactBucketName")
    for key in ("pipelines/exec-1/model/model.tar.gz", "staging/samples.json", "mlflow-other/x"):
        assert _refused(lambda key=key: _put(embedded_aws, "data-scientist", key)) == "AccessDenied"
    s3 = embedded_aws.client("s3", role="data-scientist")
    assert _refused(lambda: s3.list_objects_v2(Bucket=bucket)) == "AccessDenied"
    assert _refused(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="pipelines/")) == "AccessDenied"


def test_the_approver_writes_no_mlflow_artifact_nor_archive(embedded_aws: Any) -> None:
    for key in ("mlflow/1/models/m-1/artifacts/MLmodel", "pipelines/mlflow/1/m-1/model/model.tar.gz"):
        assert _refused(lambda key=key: _put(embedded_aws, "approver", key)) == "AccessDenied"
