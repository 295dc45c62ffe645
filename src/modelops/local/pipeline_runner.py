"""Run the training pipeline's step scripts here, with no Docker, and register the version locally.

``run_local_pipeline`` does what the SageMaker pipeline of ``pipelines/training.py`` does, step by step:
preprocess -> train -> evaluate (``step_scripts``) -> gate -> register. Artifacts go to the artifact bucket
and the version is registered by ``ModelRegistry.register_version``, the one registration path
(``modelops.contract.registration``), with the metadata the real pipeline records. The clients may point
at the embedded AWS (in-process moto or ``AWS_ENDPOINT_URL``) or at a real account.
"""

from __future__ import annotations

import json
import math
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from modelops.contract import lifecycle, names
from modelops.contract.training import (
    DATA_FILE,
    EVALUATION_FILE,
    RANDOM_STATE,
    SAMPLE_PAYLOAD_FILE,
    SERVING_ENVIRONMENT,
    resolve_hyperparameters,
    sklearn_image_uri,
)
from modelops.local.execution_steps import (
    STEP_FAIL,
    STEP_GATE,
    STEP_REGISTER,
    StepLog,
    StepRecordingError,
    job_name,
)
from modelops.local.pipeline_errors import GateFailedError, PipelineRunError
from modelops.local.serving_faults import SERVING_FAULTS
from modelops.local.step_scripts import run_steps, steps_dir
from modelops.registry import ModelRegistry, RegistryError

__all__ = [
    "SERVING_FAULTS",
    "GateFailedError",
    "LocalPipelineRun",
    "PipelineRunError",
    "run_local_pipeline",
    "steps_dir",
]


@dataclass(frozen=True)
class LocalPipelineRun:
    """What one local run registered."""

    model_package_arn: str
    version: int
    metrics: Mapping[str, float]
    hyperparameters: Mapping[str, int]
    data_version: str
    model_data_url: str
    evaluation_uri: str
    sample_payload_uri: str
    pipeline_execution_arn: str
    approval_status: str
    serving_fault: str | None
    duration_s: float


@dataclass(frozen=True)
class _Target:
    """Where one run writes: the clients, the group, the bucket prefix of its execution."""

    sagemaker: Any
    s3: Any
    group: str
    bucket: str
    execution_arn: str

    @property
    def prefix(self) -> str:
        # The deployed pipeline's layout (pipelines/<name>/<execution>/...), so both kinds of run look alike.
        pipeline, execution_id = self.execution_arn.split(":pipeline/", 1)[1].split("/execution/")
        return f"pipelines/{pipeline}/{execution_id}"


def run_local_pipeline(
    sagemaker_client: Any,
    s3_client: Any,
    *,
    group: str,
    bucket: str,
    threshold: float,
    project_name: str = names.DEFAULT_PROJECT_NAME,
    approval_status: str = lifecycle.PENDING,
    hyperparameters: Mapping[str, int | None] | None = None,
    serving_fault: str | None = None,
    data_csv: Path | None = None,
    code_commit: str | None = None,
    inference_instance_types: Sequence[str] = (),
) -> LocalPipelineRun:
    """Preprocess, train, evaluate, gate and register one version; raises GateFailedError below the bar."""
    started = time.monotonic()
    params = _check_inputs(threshold, approval_status, hyperparameters, serving_fault, data_csv)
    _check_targets(sagemaker_client, s3_client, group, bucket)
    scripts = steps_dir()
    target = _Target(
        sagemaker_client, s3_client, group, bucket, _start_execution(sagemaker_client, project_name, group)
    )
    steps = StepLog(target.execution_arn)
    try:
        with tempfile.TemporaryDirectory(prefix="modelops-run-") as tmp:
            root = Path(tmp)
            data_version, metrics = run_steps(root, scripts, params, serving_fault, data_csv, steps)
            _gate(steps, metrics[lifecycle.PRIMARY_METRIC], threshold)
            with steps.step(STEP_REGISTER) as metadata:
                uris = _upload_artifacts(target, root)
                arn = _register(
                    target,
                    uris,
                    approval_status=approval_status,
                    code_commit=code_commit or _git_commit(scripts),
                    data_version=data_version,
                    hyperparameters={**params, "random_state": RANDOM_STATE},
                    metrics=metrics,
                    instance_types=tuple(inference_instance_types),
                )
                metadata["RegisterModel"] = {"Arn": arn}
    except Exception as error:
        try:
            steps.record(sagemaker_client, "Failed", str(error))
        except StepRecordingError as unrecorded:
            error.add_note(str(unrecorded))  # the run's own failure is the one to report
        raise
    try:
        steps.record(sagemaker_client, "Succeeded")
    except StepRecordingError as error:
        raise PipelineRunError(f"registered {arn}, but {error}") from None
    return LocalPipelineRun(
        model_package_arn=arn,
        version=int(arn.rsplit("/", 1)[-1]),
        metrics=metrics,
        hyperparameters=params,
        data_version=data_version,
        model_data_url=uris["model"],
        evaluation_uri=uris["evaluation"],
        sample_payload_uri=uris["samples"],
        pipeline_execution_arn=target.execution_arn,
        approval_status=approval_status,
        serving_fault=serving_fault,
        duration_s=time.monotonic() - started,
    )


def _gate(steps: StepLog, rmse: float, threshold: float) -> None:
    """The pipeline's ConditionStep: on a miss, its FailStep, and no version is registered."""
    with steps.step(STEP_GATE) as metadata:
        passed = math.isfinite(rmse) and rmse <= threshold
        metadata["Condition"] = {"Outcome": "True" if passed else "False"}
    if not passed:
        failure = GateFailedError(lifecycle.PRIMARY_METRIC, rmse, threshold)
        with steps.step(STEP_FAIL, {"Fail": {"ErrorMessage": str(failure)}}):
            raise failure


def _check_inputs(
    threshold: float,
    approval_status: str,
    hyperparameters: Mapping[str, int | None] | None,
    serving_fault: str | None,
    data_csv: Path | None,
) -> dict[str, int]:
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and threshold > 0):
        raise PipelineRunError(f"invalid threshold {threshold!r}: expected a positive RMSE bar")
    if approval_status not in lifecycle.APPROVAL_STATUSES:
        raise PipelineRunError(
            f"invalid approval status {approval_status!r}: expected one of {', '.join(lifecycle.APPROVAL_STATUSES)}"
        )
    if serving_fault is not None and serving_fault not in SERVING_FAULTS:
        raise PipelineRunError(
            f"unknown serving fault {serving_fault!r}: expected one of {', '.join(SERVING_FAULTS)}"
        )
    if data_csv is not None and not data_csv.is_file():
        raise PipelineRunError(f"input data {data_csv} does not exist")
    try:
        return resolve_hyperparameters(hyperparameters)
    except ValueError as error:
        raise PipelineRunError(str(error)) from None


def _check_targets(sagemaker_client: Any, s3_client: Any, group: str, bucket: str) -> None:
    try:
        sagemaker_client.describe_model_package_group(ModelPackageGroupName=group)
    except ClientError as error:
        raise PipelineRunError(
            f"model package group {group!r} is not there ({error.response['Error'].get('Message', error)}); "
            "deploy the registry stack or pass --group"
        ) from None
    try:
        s3_client.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error.response["Error"].get("Code", "")
        raise PipelineRunError(
            f"artifact bucket {bucket!r} is not reachable ({code}); pass --bucket"
        ) from None


def _start_execution(sagemaker_client: Any, project_name: str, group: str) -> str:
    """Record the run as an execution of a pipeline, so the version names an execution ARN that exists.

    The deployed ``<project>-training`` pipeline when there is one (the embedded AWS provisions it from
    the synthesized template); otherwise a ``<project>-training-local`` pipeline created for the purpose.
    """
    local = names.local_pipeline_name(project_name)
    for name in (names.pipeline_name(project_name), local):
        try:
            sagemaker_client.describe_pipeline(PipelineName=name)
        except ClientError:
            continue
        return str(sagemaker_client.start_pipeline_execution(PipelineName=name)["PipelineExecutionArn"])
    account = sagemaker_client.describe_model_package_group(ModelPackageGroupName=group)[
        "ModelPackageGroupArn"
    ].split(":")[4]
    definition = {
        "Version": "2020-12-01",
        "Metadata": {"runner": "modelops local run-pipeline", "steps": ["preprocess", "train", "evaluate"]},
        "Parameters": [],
        "Steps": [],
    }
    sagemaker_client.create_pipeline(
        PipelineName=local,
        PipelineDefinition=json.dumps(definition),
        PipelineDescription="Local runs of pipelines/steps (modelops local run-pipeline)",
        RoleArn=f"arn:aws:iam::{account}:role/{local}",
    )
    return str(sagemaker_client.start_pipeline_execution(PipelineName=local)["PipelineExecutionArn"])


def _upload_artifacts(target: _Target, root: Path) -> dict[str, str]:
    """The run's artifacts in the bucket: the model, its sample payloads, the evaluation, the data report."""
    files = {
        "model": ("model/model.tar.gz", root / "model.tar.gz"),
        "samples": (f"model/{SAMPLE_PAYLOAD_FILE}", root / "evaluate/evaluation" / SAMPLE_PAYLOAD_FILE),
        "evaluation": (f"evaluation/{EVALUATION_FILE}", root / "evaluate/evaluation" / EVALUATION_FILE),
        "data": (f"metadata/{DATA_FILE}", root / "preprocess/metadata" / DATA_FILE),
    }
    uris = {}
    for name, (key, path) in files.items():
        # Written once, with If-None-Match (S3 answers 412 when the key exists): the local run writes with
        # the caller's keys, whom the bucket policy's write-once Deny binds. (SageMaker itself uploads a
        # job's outputs unconditionally, as the pipeline's role, which that Deny spares: governance.artifacts.)
        target.s3.put_object(
            Bucket=target.bucket, Key=f"{target.prefix}/{key}", Body=path.read_bytes(), IfNoneMatch="*"
        )
        uris[name] = f"s3://{target.bucket}/{target.prefix}/{key}"
    return uris


def _register(
    target: _Target,
    uris: Mapping[str, str],
    *,
    approval_status: str,
    code_commit: str,
    data_version: str,
    hyperparameters: Mapping[str, int],
    metrics: Mapping[str, float],
    instance_types: tuple[str, ...],
) -> str:
    """Register the version through the registry client, as the pipeline's Register step does."""
    region = target.sagemaker.meta.region_name
    try:
        version = ModelRegistry(target.sagemaker, target.group).register_version(
            image=sklearn_image_uri(region),
            model_data_url=uris["model"],
            environment={**SERVING_ENVIRONMENT, "SAGEMAKER_REGION": region},
            approval_status=approval_status,
            instance_types=instance_types,
            code_commit=code_commit,
            data_version=data_version,
            pipeline_execution=target.execution_arn,
            training_job=job_name(target.execution_arn, "train"),
            sample_payload_uri=uris["samples"],
            evaluation_uri=uris["evaluation"],
            hyperparameters=hyperparameters,
            metrics=metrics,
        )
    except RegistryError as error:
        raise PipelineRunError(f"registration refused: {error}") from None
    return version.arn


def _git_commit(scripts: Path) -> str:
    """HEAD of the checkout the step scripts come from, marked ``-dirty`` when they have local changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=scripts, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", str(scripts)],
            cwd=scripts,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head
