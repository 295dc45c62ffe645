"""Run the training pipeline's step scripts here, with no Docker, and register the version locally.

``run_local_pipeline`` does what the SageMaker pipeline of ``pipelines/training.py`` does, step by step:
preprocess -> train -> evaluate (``step_scripts``) -> gate -> register. Artifacts go to the artifact bucket
and the version is registered by ``ModelRegistry.register_version``, the one registration path
(``modelops.contract.registration``), with the metadata the real pipeline records. The clients may point
at the embedded AWS (in-process moto or ``AWS_ENDPOINT_URL``) or at a real account.
"""

from __future__ import annotations

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
from modelops.contract.registration import Registration, RegistrationError, registration_request
from modelops.contract.training import (
    DATA_FILE,
    EVALUATION_FILE,
    RANDOM_STATE,
    SAMPLE_PAYLOAD_FILE,
    SERVING_ENVIRONMENT,
    resolve_hyperparameters,
    sklearn_image_uri,
)
from modelops.local.execution_mlflow import ExecutionRun, MlflowOptions, check_reachable
from modelops.local.execution_role import RoleSessions, step_clients
from modelops.local.execution_start import start_execution
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

__all__ = [
    "SERVING_FAULTS",
    "GateFailedError",
    "LocalPipelineRun",
    "MlflowOptions",
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
    mlflow_run_id: str | None = None  # the execution's MLflow run, when it logged to one
    step_role_arn: str | None = None  # the role the steps ran under (None: the caller's keys)


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
    role_sessions: RoleSessions | None = None,
    mlflow: MlflowOptions | None = None,
) -> LocalPipelineRun:
    """Preprocess, train, evaluate, gate and register one version; raises GateFailedError below the bar.

    The clients are the caller's: they check the group and start the execution. The steps run under the
    pipeline's execution role when ``role_sessions`` yields a session of it (``execution_role``), else
    with the caller's clients. ``mlflow`` logs the execution as one MLflow run (``execution_mlflow``).
    """
    started = time.monotonic()
    params = _check_inputs(threshold, approval_status, hyperparameters, serving_fault, data_csv)
    _check_group(sagemaker_client, group)
    if mlflow is not None:
        check_reachable(mlflow.tracking_uri)
    scripts = steps_dir()
    commit = code_commit or _git_commit(scripts)
    wanted = {
        **{_camel(k): v for k, v in params.items()},
        "MetricThreshold": threshold,
        "ModelApprovalStatus": approval_status,
        "CodeCommit": commit,
    }
    execution = start_execution(sagemaker_client, project_name, group, wanted)
    clients = step_clients(
        sagemaker_client, s3_client, execution.role_arn, role_sessions, execution.arn.rsplit("/", 1)[-1]
    )
    target = _Target(clients.sagemaker, clients.s3, group, bucket, execution.arn)
    steps = StepLog(target.execution_arn)
    run: ExecutionRun | None = None
    try:
        _check_bucket(clients.s3, bucket)
        bar = execution.definition.bar(execution.parameters, threshold)
        approval = str(
            execution.definition.value("ModelApprovalStatus", execution.parameters, approval_status)
        )
        if mlflow is not None:
            experiment = (
                mlflow.experiment_name or execution.definition.mlflow_experiment or execution.pipeline
            )
            run = ExecutionRun.start(mlflow, experiment, execution.arn)
        with tempfile.TemporaryDirectory(prefix="modelops-run-") as tmp:
            root = Path(tmp)
            data_version, metrics = run_steps(root, scripts, params, serving_fault, data_csv, steps)
            _gate(steps, metrics[lifecycle.PRIMARY_METRIC], bar)
            with steps.step(STEP_REGISTER) as metadata:
                hyper = {**params, "random_state": RANDOM_STATE}
                logged = run.log(hyper, metrics, root / "train" / "model") if run else {}
                uris = _upload_artifacts(target, root)
                arn = _register(
                    target,
                    uris,
                    approval_status=approval,
                    code_commit=str(execution.definition.value("CodeCommit", execution.parameters, commit)),
                    data_version=data_version,
                    hyperparameters=hyper,
                    metrics=metrics,
                    instance_types=tuple(inference_instance_types),
                    properties=logged,
                )
                metadata["RegisterModel"] = {"Arn": arn}
    except Exception as error:
        if run is not None:
            run.fail()
        try:
            steps.record(clients.sagemaker, "Failed", str(error))
        except StepRecordingError as unrecorded:
            error.add_note(str(unrecorded))  # the run's own failure is the one to report
        raise
    try:
        steps.record(clients.sagemaker, "Succeeded")
    except StepRecordingError as error:
        raise PipelineRunError(f"registered {arn}, but {error}") from None
    if run is not None:
        run.link(arn)
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
        approval_status=approval,
        serving_fault=serving_fault,
        duration_s=time.monotonic() - started,
        mlflow_run_id=run.run_id if run else None,
        step_role_arn=clients.role_arn,
    )


def _camel(name: str) -> str:
    # The definition's parameter names (pipelines.training_steps): n_estimators -> NEstimators.
    return "".join(part.capitalize() for part in name.split("_"))


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


def _check_group(sagemaker_client: Any, group: str) -> None:
    try:
        sagemaker_client.describe_model_package_group(ModelPackageGroupName=group)
    except ClientError as error:
        raise PipelineRunError(
            f"model package group {group!r} is not there ({error.response['Error'].get('Message', error)}); "
            "deploy the registry stack or pass --group"
        ) from None


def _check_bucket(s3_client: Any, bucket: str) -> None:
    try:
        s3_client.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error.response["Error"].get("Code", "")
        raise PipelineRunError(
            f"artifact bucket {bucket!r} is not reachable ({code}); pass --bucket"
        ) from None


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
    properties: Mapping[str, str],
) -> str:
    """Register the version as the pipeline's Register step does: one CreateModelPackage, with the request
    every registration path sends (``modelops.contract.registration``), and no read around it (the
    execution role may register, not browse the registry)."""
    region = target.sagemaker.meta.region_name
    registration = Registration(
        group_name=target.group,
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
        hyperparameters=dict(hyperparameters),
        metrics=dict(metrics),
        properties=dict(properties),
    )
    try:
        request = registration_request(registration)
        return str(target.sagemaker.create_model_package(**request)["ModelPackageArn"])
    except RegistrationError as error:
        raise PipelineRunError(f"registration refused: {error}") from None
    except ClientError as error:
        detail = error.response["Error"]
        raise PipelineRunError(
            f"registration refused: {detail.get('Code')}: {detail.get('Message')}"
        ) from None


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
