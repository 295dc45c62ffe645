"""The training pipeline: preprocess -> train -> evaluate -> gate -> register, as a SageMaker Pipeline.

``get_pipeline(settings, session)`` builds it with the SageMaker Python SDK v3 and makes no AWS call:
every code and output location is an explicit S3 URI, the session's bucket is given, telemetry is off.
``python -m pipelines.training --print`` writes the definition JSON to stdout. The CDK PipelineStack
builds the same definition at synth time, with the step scripts as CDK assets.

The step scripts in ``pipelines/steps/`` are what the containers run; ``modelops local run-pipeline``
runs the same scripts here and registers versions through the same request builder
(``modelops.contract.registration``). The steps themselves are built in ``pipelines.training_steps``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.sdk import OfflinePipelineSession, default_region, no_telemetry  # first: see pipelines.sdk

# isort: split
from sagemaker.core.shapes.shapes import MlflowConfig
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.mlops.workflow import Pipeline

from modelops.contract import lifecycle
from modelops.contract.names import pipeline_name
from modelops.contract.settings import SettingsError, StageSettings, read_stages, settings_for
from modelops.contract.tracking import MLFLOW_RESOURCE_ARN
from modelops.contract.training import sklearn_image_uri
from pipelines.training_steps import (
    Build,
    Parameters,
    StepCode,
    evaluate_step,
    gate_step,
    preprocess_step,
    register_step,
    train_step,
)

__all__ = [
    "MlflowTracking",
    "PipelineDefinitionError",
    "StepCode",
    "build_definition",
    "get_pipeline",
    "main",
]

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")


class PipelineDefinitionError(ValueError):
    """A pipeline input (code location, role, parameter value) is not one SageMaker would accept."""


@dataclass(frozen=True)
class MlflowTracking:
    """Where the pipeline's executions log to MLflow: SageMaker's ``MlflowConfig`` of a pipeline.

    The SDK v3 writes it as the definition's top-level ``MlflowConfig`` {``MlflowResourceArn``,
    ``MlflowExperimentName``} (``sagemaker.mlops.workflow.pipeline``); SageMaker returns it per execution
    as DescribePipelineExecution's ``MLflowConfig``, and StartPipelineExecution's ``MlflowExperimentName``
    overrides the experiment for one execution (SageMaker API reference). The experiment defaults to the
    pipeline's name, as ``modelops local run-pipeline`` names it.
    """

    resource_arn: str
    experiment_name: str | None = None

    def config(self) -> MlflowConfig:
        if not MLFLOW_RESOURCE_ARN.match(self.resource_arn):
            raise PipelineDefinitionError(
                f"invalid MLflow resource {self.resource_arn!r}: expected the ARN of a SageMaker "
                "mlflow-tracking-server or mlflow-app"
            )
        return MlflowConfig(
            mlflow_resource_arn=self.resource_arn, mlflow_experiment_name=self.experiment_name
        )


def get_pipeline(
    settings: StageSettings,
    session: PipelineSession,
    *,
    role_arn: str,
    code: StepCode | None = None,
    input_data_uri: str | None = None,
    code_commit: str = "unrecorded",
    approval_statuses: tuple[str, ...] = lifecycle.APPROVAL_STATUSES,
    mlflow: MlflowTracking | None = None,
) -> Pipeline:
    """The training pipeline of ``settings``' project; ``session`` decides the region and the bucket.

    ``role_arn`` runs the jobs; ``code`` locates the step scripts (default: under the bucket);
    ``approval_statuses`` are the values the ``ModelApprovalStatus`` parameter accepts, the first is its
    default; ``mlflow`` (default: none) is the pipeline's MLflow configuration, the definition's top-level
    ``MlflowConfig`` that SDK v3 writes from ``Pipeline(mlflow_config=...)``. Raises
    PipelineDefinitionError for a location, status or MLflow resource SageMaker would reject.
    """
    bucket, region = session.default_bucket(), session.boto_region_name
    name = pipeline_name(settings.project_name)
    code = code or StepCode.under(f"s3://{bucket}/pipelines/{name}/code")
    data_uri = input_data_uri or f"s3://{bucket}/datasets/{settings.model_package_group_name}/"
    image = _check_inputs(code, data_uri, role_arn, region, approval_statuses)
    params = Parameters.of(
        settings, data_uri=data_uri, approval_statuses=approval_statuses, code_commit=code_commit
    )
    build = Build(
        settings=settings, session=session, role_arn=role_arn, image=image, code=code, params=params
    )
    with no_telemetry(), default_region(region):
        preprocess = preprocess_step(build)
        train = train_step(build, preprocess[0])
        evaluate = evaluate_step(build, preprocess[0], train)
        register = register_step(build, preprocess, train, evaluate)
        return Pipeline(
            name=name,
            parameters=params.all(),
            steps=[preprocess[0], train, evaluate[0], gate_step(build, evaluate, register)],
            sagemaker_session=session,
            # No SageMaker Experiments trial per run: lineage is in the registered version's metadata,
            # and the execution role then needs no Experiments permissions.
            pipeline_experiment_config=None,
            mlflow_config=mlflow.config() if mlflow else None,
        )


def _check_inputs(
    code: StepCode, data_uri: str, role_arn: str, region: str, approval_statuses: tuple[str, ...]
) -> str:
    """Refuse what SageMaker would refuse; the scikit-learn image of ``region``."""
    for label, uri in (
        ("preprocess", code.preprocess),
        ("evaluate", code.evaluate),
        ("train", code.train_archive),
    ):
        _check_s3(f"{label} code", uri)
    _check_s3("input data", data_uri)
    if not _ROLE_ARN.match(role_arn):
        raise PipelineDefinitionError(
            f"invalid role ARN {role_arn!r}: expected arn:aws:iam::<account>:role/<name>"
        )
    unknown = [status for status in approval_statuses if status not in lifecycle.APPROVAL_STATUSES]
    if not approval_statuses or unknown:
        raise PipelineDefinitionError(
            f"invalid approval statuses {list(approval_statuses)!r}: expected some of {list(lifecycle.APPROVAL_STATUSES)}"
        )
    try:
        return sklearn_image_uri(region)
    except ValueError as error:
        raise PipelineDefinitionError(str(error)) from None


def _check_s3(label: str, uri: str) -> None:
    if not _S3_URI.match(uri):
        raise PipelineDefinitionError(f"invalid {label} location {uri!r}: expected s3://bucket/key")


def definition_json(pipeline: Pipeline) -> str:
    with no_telemetry():
        return str(pipeline.definition())


def build_definition(
    settings: StageSettings, *, region: str, bucket: str, role_arn: str, **options: Any
) -> str:
    """The definition JSON, built offline: ``get_pipeline`` on an OfflinePipelineSession, quietly."""
    with no_telemetry():
        session = OfflinePipelineSession(region=region, bucket=bucket)
        return definition_json(get_pipeline(settings, session, role_arn=role_arn, **options))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the training pipeline definition (offline).")
    parser.add_argument("--print", action="store_true", help="write the definition JSON to stdout")
    parser.add_argument("--stage", default="default", help="a stage of cdk.json's modelops:stages")
    parser.add_argument("--cdk-json", type=Path, default=Path("cdk.json"), help="where the named stages are")
    parser.add_argument("--region", default=os.environ["AWS_DEFAULT_REGION"])
    parser.add_argument("--bucket", default="modelops-artifacts-example")
    parser.add_argument("--role-arn", default="arn:aws:iam::111122223333:role/modelops-training-pipeline")
    parser.add_argument(
        "--mlflow-resource-arn", help="log executions to this SageMaker MLflow tracking server or app"
    )
    parser.add_argument("--mlflow-experiment", help="the MLflow experiment [default: the pipeline's name]")
    args = parser.parse_args(argv)
    if not args.print:
        parser.error("nothing to do: pass --print")
    try:
        settings = settings_for(args.stage, read_stages(args.cdk_json))
        if args.mlflow_experiment and not args.mlflow_resource_arn:
            raise PipelineDefinitionError("--mlflow-experiment needs --mlflow-resource-arn")
        mlflow = (
            MlflowTracking(args.mlflow_resource_arn, args.mlflow_experiment)
            if args.mlflow_resource_arn
            else None
        )
        definition = build_definition(
            settings, region=args.region, bucket=args.bucket, role_arn=args.role_arn, mlflow=mlflow
        )
    except (SettingsError, PipelineDefinitionError) as error:
        parser.exit(2, f"pipelines.training: {error}\n")
    sys.stdout.write(definition)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
