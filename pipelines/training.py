"""The training pipeline: preprocess -> train -> evaluate -> gate -> register, as a SageMaker Pipeline.

``get_pipeline(settings, session)`` builds it with the SageMaker Python SDK v3 and makes no AWS call:
every code and output location is an explicit S3 URI, the session's bucket is given, telemetry is off.
``python -m pipelines.training --print`` writes the definition JSON to stdout. The CDK PipelineStack
builds the same definition at synth time, with the step scripts as CDK assets.

The step scripts in ``pipelines/steps/`` are what the containers run; ``modelops local run-pipeline``
runs the same scripts here and registers versions with the same metadata (``modelops.training_contract``).
"""

from __future__ import annotations

import os

# The SDK resolves a region and validates the role at import and construction time; both must be settled
# before the first sagemaker import, or building a definition would look for credentials.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")

import argparse
import contextlib
import logging
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from sagemaker.core.metadata_properties import MetadataProperties
from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
from sagemaker.core.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.core.shapes import ProcessingS3Input, ProcessingS3Output
from sagemaker.core.training.configs import Compute, InputData, OutputDataConfig, StoppingCondition
from sagemaker.core.workflow.conditions import ConditionLessThanOrEqualTo
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow import (
    ConditionStep,
    FailStep,
    ModelStep,
    Pipeline,
    ProcessingStep,
    TrainingStep,
)
from sagemaker.serve.model_builder import ModelBuilder
from sagemaker.train.model_trainer import ModelTrainer

from infra.config import SettingsError, StageSettings, settings_for
from modelops import lifecycle
from modelops.training_contract import (
    CONTENT_TYPES,
    DATA_FILE,
    EVALUATION_FILE,
    HYPERPARAMETERS,
    METRICS,
    RANDOM_STATE,
    RESPONSE_TYPES,
    SAMPLE_PAYLOAD_FILE,
    SERVING_ENVIRONMENT,
    customer_metadata,
    sklearn_image_uri,
)

PROCESSING = "/opt/ml/processing"
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")


class PipelineDefinitionError(ValueError):
    """A pipeline input (code location, role, parameter value) is not one SageMaker would accept."""


@dataclass(frozen=True)
class StepCode:
    """Where the step scripts are in S3: one file per processing step, one source archive for training.

    The archive (``sourcedir.tar.gz``) holds ``train.py`` and ``inference.py``: the scikit-learn training
    container unpacks it, runs ``train.py``, which copies ``inference.py`` into the model.
    """

    preprocess: str
    evaluate: str
    train_archive: str

    @classmethod
    def under(cls, prefix: str) -> StepCode:
        base = prefix.rstrip("/")
        return cls(f"{base}/preprocess.py", f"{base}/evaluate.py", f"{base}/sourcedir.tar.gz")


class OfflinePipelineSession(PipelineSession):
    """A PipelineSession that never calls AWS for its bucket: the SDK would create one if missing."""

    def __init__(self, *, region: str, bucket: str) -> None:
        super().__init__(boto_session=boto3.Session(region_name=region), default_bucket=bucket)
        self._fixed_bucket = bucket

    def default_bucket(self) -> str:
        return self._fixed_bucket


def pipeline_name(settings: StageSettings) -> str:
    return f"{settings.project_name}-training"


@contextlib.contextmanager
def _no_telemetry() -> Iterator[None]:
    """Keep the SDK from sending usage telemetry while it builds the definition.

    Opting out through a ``sagemaker_config`` dict works too, but makes every config lookup re-validate
    the whole schema (3-4x slower); replacing the sender for the duration of the build costs nothing.
    """
    from sagemaker.core.telemetry import telemetry_logging

    original = telemetry_logging._send_telemetry_request
    telemetry_logging._send_telemetry_request = lambda *args, **kwargs: None
    # The SDK narrates every field it drops from a pipeline definition, at levels it sets per module;
    # none of it is actionable here, and --print must write nothing but the definition.
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Running within a PipelineSession")
            yield
    finally:
        telemetry_logging._send_telemetry_request = original
        logging.disable(logging.NOTSET)


@contextlib.contextmanager
def _default_region(region: str) -> Iterator[None]:
    """Give the SDK's own default sessions (it builds a local client to validate step arguments) the
    session's region. The import-time default is not enough: a caller that patched os.environ around the
    first import (the embedded AWS does) takes it away again when its block ends."""
    if os.environ.get("AWS_DEFAULT_REGION"):
        yield
        return
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        os.environ.pop("AWS_DEFAULT_REGION", None)


def get_pipeline(
    settings: StageSettings,
    session: PipelineSession,
    *,
    role_arn: str,
    code: StepCode | None = None,
    input_data_uri: str | None = None,
    code_commit: str = "unrecorded",
    approval_statuses: tuple[str, ...] = lifecycle.APPROVAL_STATUSES,
) -> Pipeline:
    """The training pipeline of ``settings``' project; ``session`` decides the region and the bucket.

    ``role_arn`` runs the jobs; ``code`` locates the step scripts (default: under the bucket);
    ``approval_statuses`` are the values the ``ModelApprovalStatus`` parameter accepts, the first is its
    default. Raises PipelineDefinitionError for a location or status SageMaker would reject.
    """
    bucket = session.default_bucket()
    region = session.boto_region_name
    code = code or StepCode.under(f"s3://{bucket}/pipelines/{pipeline_name(settings)}/code")
    for label, uri in (
        ("preprocess", code.preprocess),
        ("evaluate", code.evaluate),
        ("train", code.train_archive),
    ):
        _check_s3(f"{label} code", uri)
    data_default = input_data_uri or f"s3://{bucket}/datasets/{settings.model_package_group_name}/"
    _check_s3("input data", data_default)
    if not _ROLE_ARN.match(role_arn):
        raise PipelineDefinitionError(
            f"invalid role ARN {role_arn!r}: expected arn:aws:iam::<account>:role/<name>"
        )
    try:
        image = sklearn_image_uri(region)
    except ValueError as error:
        raise PipelineDefinitionError(str(error)) from None

    p_data = ParameterString("InputDataUrl", default_value=data_default)
    p_proc_type = ParameterString("ProcessingInstanceType", default_value=settings.processing_instance_type)
    p_proc_count = ParameterInteger("ProcessingInstanceCount", default_value=1)
    p_train_type = ParameterString("TrainingInstanceType", default_value=settings.training_instance_type)
    p_train_count = ParameterInteger("TrainingInstanceCount", default_value=1)
    p_hyper = {
        name: ParameterInteger(_camel(name), default_value=default)
        for name, (default, _low, _high) in HYPERPARAMETERS.items()
    }
    p_threshold = ParameterFloat("MetricThreshold", default_value=settings.metric_threshold)
    unknown = [status for status in approval_statuses if status not in lifecycle.APPROVAL_STATUSES]
    if not approval_statuses or unknown:
        raise PipelineDefinitionError(
            f"invalid approval statuses {list(approval_statuses)!r}: expected some of {list(lifecycle.APPROVAL_STATUSES)}"
        )
    p_approval = ParameterString(
        "ModelApprovalStatus", default_value=approval_statuses[0], enum_values=list(approval_statuses)
    )
    p_commit = ParameterString("CodeCommit", default_value=code_commit)
    parameters = [
        p_data,
        p_proc_type,
        p_proc_count,
        p_train_type,
        p_train_count,
        *p_hyper.values(),
        p_threshold,
        p_approval,
        p_commit,
    ]

    def out(name: str) -> Join:
        # Every execution writes under its own ID, so no run overwrites another's artifacts.
        return Join(
            on="/",
            values=[
                "s3:/",
                bucket,
                "pipelines",
                pipeline_name(settings),
                ExecutionVariables.PIPELINE_EXECUTION_ID,
                name,
            ],
        )

    def processor(base: str) -> ScriptProcessor:
        return ScriptProcessor(
            role=role_arn,
            image_uri=image,
            command=["python3"],
            instance_type=p_proc_type,
            instance_count=p_proc_count,
            base_job_name=f"{settings.project_name}-{base}",
            sagemaker_session=session,
            max_runtime_in_seconds=3600,
        )

    with _no_telemetry(), _default_region(region):
        data_report = PropertyFile(name="DataReport", output_name="metadata", path=DATA_FILE)
        preprocess = ProcessingStep(
            name="Preprocess",
            step_args=processor("preprocess").run(
                code=code.preprocess,
                inputs=[_s3_input("data", p_data, f"{PROCESSING}/input/data")],
                outputs=[_s3_output(n, out(n), f"{PROCESSING}/{n}") for n in ("train", "test", "metadata")],
            ),
            property_files=[data_report],
        )

        trainer = ModelTrainer(
            training_image=image,
            role=role_arn,
            sagemaker_session=session,
            base_job_name=f"{settings.project_name}-train",
            compute=Compute(instance_type=p_train_type, instance_count=p_train_count, volume_size_in_gb=30),
            stopping_condition=StoppingCondition(max_runtime_in_seconds=3600),
            output_data_config=OutputDataConfig(s3_output_path=out("model")),
            hyperparameters={
                # Hyperparameters reach the container as strings; Join renders the integer parameters.
                **{name: _text(param) for name, param in p_hyper.items()},
                "random_state": str(RANDOM_STATE),
                # The framework container's script-mode contract: fetch this archive, run this file.
                "sagemaker_program": "train.py",
                "sagemaker_submit_directory": code.train_archive,
                "sagemaker_region": region,
            },
        )
        train = TrainingStep(
            name="Train",
            step_args=trainer.train(
                input_data_config=[
                    InputData(
                        channel_name="train",
                        data_source=preprocess.properties.ProcessingOutputConfig.Outputs[
                            "train"
                        ].S3Output.S3Uri,
                    )
                ]
            ),
        )
        model_data = train.properties.ModelArtifacts.S3ModelArtifacts

        evaluation_report = PropertyFile(
            name="EvaluationReport", output_name="evaluation", path=EVALUATION_FILE
        )
        evaluate = ProcessingStep(
            name="Evaluate",
            step_args=processor("evaluate").run(
                code=code.evaluate,
                inputs=[
                    _s3_input("model", model_data, f"{PROCESSING}/model"),
                    _s3_input(
                        "test",
                        preprocess.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri,
                        f"{PROCESSING}/test",
                    ),
                ],
                outputs=[_s3_output("evaluation", out("evaluation"), f"{PROCESSING}/evaluation")],
            ),
            property_files=[evaluation_report],
        )

        def metric(name: str) -> JsonGet:
            return JsonGet(
                step_name=evaluate.name,
                property_file=evaluation_report,
                json_path=f"regression_metrics.{name}.value",
            )

        evaluation_dir = evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri
        evaluation_uri = Join(on="/", values=[evaluation_dir, EVALUATION_FILE])
        builder = ModelBuilder(
            image_uri=image,
            s3_model_data_url=model_data,
            env_vars={**SERVING_ENVIRONMENT, "SAGEMAKER_REGION": region},
            role_arn=role_arn,
            sagemaker_session=session,
        )
        register = ModelStep(
            name="Register",
            step_args=builder.register(
                model_package_group_name=settings.model_package_group_name,
                content_types=list(CONTENT_TYPES),
                response_types=list(RESPONSE_TYPES),
                inference_instances=sorted(
                    {settings.staging_instance_type, settings.production_instance_type}
                ),
                approval_status=p_approval,
                model_metrics=ModelMetrics(
                    model_statistics=MetricsSource(content_type="application/json", s3_uri=evaluation_uri)
                ),
                metadata_properties=MetadataProperties(
                    commit_id=p_commit,
                    generated_by=ExecutionVariables.PIPELINE_EXECUTION_ARN,
                    project_id=settings.sagemaker_project_id,
                ),
                customer_metadata_properties=customer_metadata(
                    code_commit=p_commit,
                    data_version=JsonGet(
                        step_name=preprocess.name, property_file=data_report, json_path="data_version"
                    ),
                    pipeline_execution=ExecutionVariables.PIPELINE_EXECUTION_ARN,
                    training_job=train.properties.TrainingJobName,
                    sample_payload_uri=Join(on="/", values=[evaluation_dir, SAMPLE_PAYLOAD_FILE]),
                    hyperparameters={
                        **{k: _text(v) for k, v in p_hyper.items()},
                        "random_state": str(RANDOM_STATE),
                    },
                    metrics={name: _text(metric(name)) for name in METRICS},
                ),
            ),
        )

        primary = metric(lifecycle.PRIMARY_METRIC)
        fail = FailStep(
            name="MetricAboveBar",
            error_message=Join(
                on=" ",
                values=[
                    lifecycle.PRIMARY_METRIC,
                    primary,
                    "does not meet the bar: must be at most",
                    p_threshold,
                    "(lower is better); no version registered",
                ],
            ),
        )
        gate = ConditionStep(
            name="Gate",
            conditions=[ConditionLessThanOrEqualTo(left=primary, right=p_threshold)],
            if_steps=[register],
            else_steps=[fail],
        )
        return Pipeline(
            name=pipeline_name(settings),
            parameters=parameters,
            steps=[preprocess, train, evaluate, gate],
            sagemaker_session=session,
            # No SageMaker Experiments trial per run: lineage is in the registered version's metadata,
            # and the execution role then needs no Experiments permissions.
            pipeline_experiment_config=None,
        )


def definition_json(pipeline: Pipeline) -> str:
    with _no_telemetry():
        return str(pipeline.definition())


def build_definition(
    settings: StageSettings, *, region: str, bucket: str, role_arn: str, **options: Any
) -> str:
    """The definition JSON, built offline: ``get_pipeline`` on an OfflinePipelineSession, quietly."""
    with _no_telemetry():
        session = OfflinePipelineSession(region=region, bucket=bucket)
        return definition_json(get_pipeline(settings, session, role_arn=role_arn, **options))


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _text(value: Any) -> Join:
    # CustomerMetadataProperties values must be strings; Join renders a number as its text.
    return Join(on="", values=[value])


def _s3_input(name: str, source: Any, destination: str) -> ProcessingInput:
    return ProcessingInput(
        input_name=name,
        s3_input=ProcessingS3Input(
            s3_uri=source, local_path=destination, s3_data_type="S3Prefix", s3_input_mode="File"
        ),
    )


def _s3_output(name: str, destination: Any, source: str) -> ProcessingOutput:
    return ProcessingOutput(
        output_name=name,
        s3_output=ProcessingS3Output(s3_uri=destination, local_path=source, s3_upload_mode="EndOfJob"),
    )


def _check_s3(label: str, uri: str) -> None:
    if not _S3_URI.match(uri):
        raise PipelineDefinitionError(f"invalid {label} location {uri!r}: expected s3://bucket/key")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the training pipeline definition (offline).")
    parser.add_argument("--print", action="store_true", help="write the definition JSON to stdout")
    parser.add_argument("--stage", default="default")
    parser.add_argument("--region", default=os.environ["AWS_DEFAULT_REGION"])
    parser.add_argument("--bucket", default="modelops-artifacts-example")
    parser.add_argument("--role-arn", default="arn:aws:iam::111122223333:role/modelops-training-pipeline")
    args = parser.parse_args(argv)
    if not args.print:
        parser.error("nothing to do: pass --print")
    try:
        settings = settings_for(args.stage)
        definition = build_definition(
            settings, region=args.region, bucket=args.bucket, role_arn=args.role_arn
        )
    except (SettingsError, PipelineDefinitionError) as error:
        parser.exit(2, f"pipelines.training: {error}\n")
    sys.stdout.write(definition)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
