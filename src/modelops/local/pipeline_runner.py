"""Run the training pipeline's step scripts here, with no Docker, and register the version locally.

``run_local_pipeline`` does what the SageMaker pipeline of ``pipelines/training.py`` does, step by step:
preprocess -> train -> evaluate -> gate -> register. Each step is the same script the pipeline ships to
its container, run in a fresh Python process with the container contract (``/opt/ml/...`` folders,
``SM_*`` variables) mapped to a temporary folder. Artifacts go to the artifact bucket and the version is
registered with the same metrics and metadata (``modelops.training_contract``) the real pipeline records.
The clients may point at the embedded AWS (in-process moto or ``AWS_ENDPOINT_URL``) or at a real account.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from modelops import lifecycle
from modelops.local.execution_steps import (
    STEP_EVALUATE,
    STEP_FAIL,
    STEP_GATE,
    STEP_PREPROCESS,
    STEP_REGISTER,
    STEP_TRAIN,
    StepLog,
    StepRecordingError,
    job_name,
)
from modelops.training_contract import (
    CONTENT_TYPES,
    DATA_FILE,
    EVALUATION_FILE,
    METRICS,
    RANDOM_STATE,
    RESPONSE_TYPES,
    SAMPLE_PAYLOAD_FILE,
    SERVING_ENVIRONMENT,
    customer_metadata,
    model_metrics,
    resolve_hyperparameters,
    sklearn_image_uri,
)

STEP_TIMEOUT_S = 300

# Deliberately broken serving code, for demonstrating that staging verification stops a bad version.
# Each fault is appended to the real inference.py, so the version is otherwise identical to a good one,
# and neither is caught by the evaluate step (it scores the estimator, not the serving code): exactly the
# class of defect a staging endpoint invoked with real requests exists to catch.
SERVING_FAULTS: Mapping[str, str] = {
    # A numeric defect in serving (say, dividing by a scale that is zero) yields NaN predictions; the
    # shipped output_fn refuses to answer with a non-finite number, so every invocation fails.
    "nan-predictions": (
        "\n\n# Fault injected by `modelops local run-pipeline --serving-fault nan-predictions`.\n"
        "def predict_fn(input_data, model):\n"
        "    return np.full(input_data.shape[0], np.nan)\n"
    ),
    # Serving that answers correctly but slowly (say, a model too large for its instance): every request
    # takes at least 600 ms, over the default 500 ms verification budget, whatever the machine's speed.
    "slow-predictions": (
        "\n\n# Fault injected by `modelops local run-pipeline --serving-fault slow-predictions`.\n"
        "import time as _time  # noqa: E402\n"
        "_correct_predict_fn = predict_fn\n\n\n"
        "def predict_fn(input_data, model):\n"
        "    _time.sleep(0.6)\n"
        "    return _correct_predict_fn(input_data, model)\n"
    ),
    # Serving code that imports a package the container image does not have: the model never loads.
    "missing-dependency": (
        "\n\n# Fault injected by `modelops local run-pipeline --serving-fault missing-dependency`.\n"
        "import modelops_feature_store  # noqa: E402,F401  (not installed in the serving image)\n"
    ),
}


class PipelineRunError(Exception):
    """A local pipeline run cannot start or a step failed; the message says which and why."""


class GateFailedError(PipelineRunError):
    """The model's primary metric missed the bar, so no version was registered."""

    def __init__(self, metric: str, value: float, threshold: float) -> None:
        super().__init__(
            f"{metric} {value:.4f} does not meet the bar: must be at most {threshold:g} (lower is better); "
            "no version registered"
        )
        self.metric, self.value, self.threshold = metric, value, threshold


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


def steps_dir() -> Path:
    """Where the step scripts are: ``MODELOPS_PIPELINE_STEPS`` or ``pipelines/steps`` of this checkout."""
    override = os.environ.get("MODELOPS_PIPELINE_STEPS")
    candidates = [Path(override)] if override else []
    # The package is installed editable from src/, so the repository root is three levels up.
    candidates.append(Path(__file__).resolve().parents[3] / "pipelines" / "steps")
    for candidate in candidates:
        if (candidate / "train.py").is_file():
            return candidate
    raise PipelineRunError(
        f"cannot find the pipeline step scripts (looked in {', '.join(map(str, candidates))}); "
        "set MODELOPS_PIPELINE_STEPS to the pipelines/steps folder"
    )


def run_local_pipeline(
    sagemaker_client: Any,
    s3_client: Any,
    *,
    group: str,
    bucket: str,
    threshold: float,
    project_name: str = "modelops",
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
    execution_arn = _start_execution(sagemaker_client, project_name, group)
    pipeline_name, execution_id = execution_arn.split(":pipeline/", 1)[1].split("/execution/")
    # The deployed pipeline's layout (pipelines/<name>/<execution>/...), so both kinds of run look alike.
    prefix = f"pipelines/{pipeline_name}/{execution_id}"
    steps = StepLog(execution_arn)
    try:
        with tempfile.TemporaryDirectory(prefix="modelops-run-") as tmp:
            root = Path(tmp)
            data_version, metrics = _run_steps(root, scripts, params, serving_fault, data_csv, steps)
            rmse = metrics[lifecycle.PRIMARY_METRIC]
            with steps.step(STEP_GATE) as metadata:
                passed = math.isfinite(rmse) and rmse <= threshold
                metadata["Condition"] = {"Outcome": "True" if passed else "False"}
            if not passed:
                failure = GateFailedError(lifecycle.PRIMARY_METRIC, rmse, threshold)
                with steps.step(STEP_FAIL, {"Fail": {"ErrorMessage": str(failure)}}):
                    raise failure
            with steps.step(STEP_REGISTER) as metadata:
                arn, model_data_url, evaluation_uri, sample_uri = _register(
                    sagemaker_client,
                    s3_client,
                    root,
                    group=group,
                    bucket=bucket,
                    prefix=prefix,
                    scripts=scripts,
                    approval_status=approval_status,
                    code_commit=code_commit,
                    execution_arn=execution_arn,
                    data_version=data_version,
                    params=params,
                    metrics=metrics,
                    inference_instance_types=inference_instance_types,
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
        model_data_url=model_data_url,
        evaluation_uri=evaluation_uri,
        sample_payload_uri=sample_uri,
        pipeline_execution_arn=execution_arn,
        approval_status=approval_status,
        serving_fault=serving_fault,
        duration_s=time.monotonic() - started,
    )


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
    for name in (f"{project_name}-training", f"{project_name}-training-local"):
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
    name = f"{project_name}-training-local"
    sagemaker_client.create_pipeline(
        PipelineName=name,
        PipelineDefinition=json.dumps(definition),
        PipelineDescription="Local runs of pipelines/steps (modelops local run-pipeline)",
        RoleArn=f"arn:aws:iam::{account}:role/{name}",
    )
    return str(sagemaker_client.start_pipeline_execution(PipelineName=name)["PipelineExecutionArn"])


def _register(
    sagemaker_client: Any,
    s3_client: Any,
    root: Path,
    *,
    group: str,
    bucket: str,
    prefix: str,
    scripts: Path,
    approval_status: str,
    code_commit: str | None,
    execution_arn: str,
    data_version: str,
    params: Mapping[str, int],
    metrics: Mapping[str, float],
    inference_instance_types: Sequence[str],
) -> tuple[str, str, str, str]:
    """Upload the artifacts and register the version: (package ARN, model, evaluation, sample payload URIs)."""
    model_data_url = _upload(s3_client, bucket, f"{prefix}/model/model.tar.gz", root / "model.tar.gz")
    sample_uri = _upload(
        s3_client,
        bucket,
        f"{prefix}/model/{SAMPLE_PAYLOAD_FILE}",
        root / "evaluate/evaluation" / SAMPLE_PAYLOAD_FILE,
    )
    evaluation_uri = _upload(
        s3_client,
        bucket,
        f"{prefix}/evaluation/{EVALUATION_FILE}",
        root / "evaluate/evaluation" / EVALUATION_FILE,
    )
    _upload(s3_client, bucket, f"{prefix}/metadata/{DATA_FILE}", root / "preprocess/metadata" / DATA_FILE)
    region = sagemaker_client.meta.region_name
    commit = code_commit or _git_commit(scripts)
    response = sagemaker_client.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus=approval_status,
        InferenceSpecification={
            "Containers": [
                {
                    "Image": sklearn_image_uri(region),
                    "ModelDataUrl": model_data_url,
                    "Environment": {**SERVING_ENVIRONMENT, "SAGEMAKER_REGION": region},
                }
            ],
            "SupportedContentTypes": list(CONTENT_TYPES),
            "SupportedResponseMIMETypes": list(RESPONSE_TYPES),
            **(
                {"SupportedRealtimeInferenceInstanceTypes": sorted(set(inference_instance_types))}
                if inference_instance_types
                else {}
            ),
        },
        ModelMetrics=model_metrics(evaluation_uri),
        MetadataProperties={"CommitId": commit, "GeneratedBy": execution_arn},
        CustomerMetadataProperties=customer_metadata(
            code_commit=commit,
            data_version=data_version,
            pipeline_execution=execution_arn,
            training_job=job_name(execution_arn, "train"),
            sample_payload_uri=sample_uri,
            hyperparameters={k: str(v) for k, v in {**params, "random_state": RANDOM_STATE}.items()},
            metrics={k: f"{v:.6g}" for k, v in metrics.items()},
        ),
    )
    return str(response["ModelPackageArn"]), model_data_url, evaluation_uri, sample_uri


def _run_steps(
    root: Path,
    scripts: Path,
    params: Mapping[str, int],
    serving_fault: str | None,
    data_csv: Path | None,
    steps: StepLog,
) -> tuple[str, dict[str, float]]:
    pre = root / "preprocess"
    source = pre / "input" / "data" / "data.csv"
    with steps.step(STEP_PREPROCESS, steps.job("processing-job", "preprocess")):
        if data_csv is None:
            from modelops.datasets import write_diabetes_csv

            write_diabetes_csv(source)
        else:
            source.parent.mkdir(parents=True)
            shutil.copyfile(data_csv, source)
        _run("preprocess", scripts / "preprocess.py", [], {"MODELOPS_PROCESSING_DIR": str(pre)})
        data_version = json.loads((pre / "metadata" / DATA_FILE).read_text())["data_version"]

    model_dir = root / "train" / "model"
    train_env = {
        "SM_MODEL_DIR": str(model_dir),
        "SM_CHANNEL_TRAIN": str(pre / "train"),
        "SM_OUTPUT_DIR": str(root / "train" / "output"),
        "SM_OUTPUT_DATA_DIR": str(root / "train" / "output" / "data"),
        "SM_CHANNELS": '["train"]',
        "SM_HPS": json.dumps({**params, "random_state": RANDOM_STATE}),
    }
    args = [part for name, value in params.items() for part in (f"--{name}", str(value))]
    with steps.step(STEP_TRAIN, steps.job("training-job", "train")):
        _run("train", scripts / "train.py", [*args, "--random_state", str(RANDOM_STATE)], train_env)
        if serving_fault is not None:
            with (model_dir / "code" / "inference.py").open("a", encoding="utf-8") as code:
                code.write(SERVING_FAULTS[serving_fault])
        _pack(model_dir, root / "model.tar.gz")

    ev = root / "evaluate"
    with steps.step(STEP_EVALUATE, steps.job("processing-job", "evaluate")):
        (ev / "model").mkdir(parents=True)
        (ev / "test").mkdir()
        shutil.copyfile(root / "model.tar.gz", ev / "model" / "model.tar.gz")
        shutil.copyfile(pre / "test" / "test.csv", ev / "test" / "test.csv")
        _run("evaluate", scripts / "evaluate.py", [], {"MODELOPS_PROCESSING_DIR": str(ev)})
        report = json.loads((ev / "evaluation" / EVALUATION_FILE).read_text())["regression_metrics"]
    return data_version, {name: float(report[name]["value"]) for name in METRICS}


def _run(step: str, script: Path, args: list[str], env: Mapping[str, str]) -> None:
    try:
        result = subprocess.run(
            [sys.executable, str(script), *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PipelineRunError(f"step {step} did not finish within {STEP_TIMEOUT_S} s") from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise PipelineRunError(f"step {step} failed (exit {result.returncode}): {lines[-1]}")


def _pack(model_dir: Path, archive: Path) -> None:
    """model.tar.gz as SageMaker packs /opt/ml/model: the folder's content at the archive root."""
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(model_dir.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(model_dir)))


def _upload(s3_client: Any, bucket: str, key: str, path: Path) -> str:
    s3_client.upload_file(str(path), bucket, key)
    return f"s3://{bucket}/{key}"


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
