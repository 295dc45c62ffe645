"""Who makes which call of a local pipeline run, with IAM enforced on the synthesized templates.

As in AWS: the data scientist starts the deployed training pipeline with their own keys, and the steps run
under the pipeline's execution role (the embedded STS issues its session, as SageMaker assumes it). What
the data scientist chooses, the execution's parameters, cannot skip the gate or approve a version.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.local.execution_role import embedded_role_sessions
from modelops.local.pipeline_runner import GateFailedError, PipelineRunError, run_local_pipeline

SCIENTIST = "data-scientist"


@pytest.fixture(scope="module")
def aws(synthesized_cdk_out: Path) -> Iterator[EmbeddedAWS]:
    with embedded_aws(synthesized_cdk_out) as running:
        yield running


def _run(aws: EmbeddedAWS, **options: Any) -> Any:
    chosen = {
        "threshold": 70.0,
        "hyperparameters": {"n_estimators": 20},
        "role_sessions": embedded_role_sessions(aws),
        **options,
    }
    return run_local_pipeline(
        aws.client("sagemaker", role=SCIENTIST),
        aws.client("s3", role=SCIENTIST),
        group=aws.output("ModelPackageGroupName"),
        bucket=aws.output("ArtifactBucketName"),
        project_name=aws.output("PipelineName").removesuffix("-training"),
        code_commit="abc1234",
        **chosen,
    )


def _versions(aws: EmbeddedAWS) -> list[dict[str, Any]]:
    group = aws.output("ModelPackageGroupName")
    return list(
        aws.client("sagemaker").list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    )


def _executions(aws: EmbeddedAWS) -> list[dict[str, Any]]:
    name = aws.output("PipelineName")
    found = aws.client("sagemaker").list_pipeline_executions(PipelineName=name)
    return list(found["PipelineExecutionSummaries"])


def test_the_data_scientist_starts_the_pipeline_and_its_role_registers_with_the_pipeline_s_provenance(
    aws: EmbeddedAWS,
) -> None:
    run = _run(aws)
    assert run.step_role_arn == aws.output("PipelineExecutionRoleArn")
    package = aws.client("sagemaker").describe_model_package(ModelPackageName=run.model_package_arn)
    metadata = package["CustomerMetadataProperties"]
    assert metadata[lifecycle.META_PIPELINE_EXECUTION] == run.pipeline_execution_arn
    assert run.pipeline_execution_arn.split("/execution/")[0].endswith(
        f"pipeline/{aws.output('PipelineName')}"
    )
    assert package["ModelApprovalStatus"] == lifecycle.PENDING
    # The execution the data scientist started took the parameters they chose.
    parameters = aws.client("sagemaker").list_pipeline_parameters_for_execution(
        PipelineExecutionArn=run.pipeline_execution_arn
    )["PipelineParameters"]
    assert {"Name": "NEstimators", "Value": "20"} in parameters


def test_the_data_scientist_s_own_keys_cannot_write_the_provenance_the_pipeline_s_role_writes(
    aws: EmbeddedAWS,
) -> None:
    """The must-not behind the role switch: the same registration signed by the data scientist is refused."""
    group, bucket = aws.output("ModelPackageGroupName"), aws.output("ArtifactBucketName")
    before = len(_versions(aws))
    with pytest.raises(ClientError) as refused:
        aws.client("sagemaker", role=SCIENTIST).create_model_package(
            ModelPackageGroupName=group,
            InferenceSpecification={
                "Containers": [{"Image": "img", "ModelDataUrl": f"s3://{bucket}/pipelines/x/model.tar.gz"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            CustomerMetadataProperties={lifecycle.META_PIPELINE_EXECUTION: "arn:forged"},
        )
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert len(_versions(aws)) == before


def test_an_approved_status_parameter_is_refused_before_the_execution_starts(aws: EmbeddedAWS) -> None:
    before_versions, before_executions = len(_versions(aws)), len(_executions(aws))
    with pytest.raises(PipelineRunError) as refused:
        _run(aws, approval_status=lifecycle.APPROVED)
    assert str(refused.value) == (
        f"parameter ModelApprovalStatus='{lifecycle.APPROVED}' is not one the pipeline allows: "
        f"expected one of {lifecycle.PENDING}"
    )
    assert (len(_versions(aws)), len(_executions(aws))) == (before_versions, before_executions)


def test_a_raised_threshold_parameter_does_not_lower_the_stage_s_bar(
    aws: EmbeddedAWS, tmp_path: Path
) -> None:
    """Noise for a target: the forest's RMSE is far above the stage's bar of 70, and a MetricThreshold of a
    billion does not let it through."""
    rows = random.Random(7)
    data = tmp_path / "noise.csv"
    with data.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["a", "b", "target"])
        for _ in range(200):
            writer.writerow([rows.random(), rows.random(), rows.uniform(0, 5000)])
    before = len(_versions(aws))
    with pytest.raises(GateFailedError) as failed:
        _run(aws, threshold=1e9, data_csv=data)
    assert failed.value.threshold == 70.0
    assert len(_versions(aws)) == before
    latest = max(_executions(aws), key=lambda e: e["StartTime"])
    assert latest["PipelineExecutionStatus"] == "Failed"


def test_without_a_session_of_the_pipeline_s_role_the_data_scientist_s_keys_register_nothing(
    aws: EmbeddedAWS,
) -> None:
    before = len(_versions(aws))
    with pytest.raises((ClientError, PipelineRunError)):
        _run(aws, role_sessions=None)
    assert len(_versions(aws)) == before
