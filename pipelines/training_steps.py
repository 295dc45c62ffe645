"""The steps of the training pipeline, one builder each: preprocess, train, evaluate, register, gate.

``pipelines.training.get_pipeline`` checks its inputs, makes the parameters and a ``Build``, and chains
these. Registration mirrors ``modelops.contract.registration``: the same CustomerMetadataProperties keys
(``version_metadata``), the same content types, serving environment and model metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pipelines.sdk  # noqa: F401  (first: settles the SDK's region and role checks before it loads)

# isort: split
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
from sagemaker.mlops.workflow import ConditionStep, FailStep, ModelStep, ProcessingStep, TrainingStep
from sagemaker.serve.model_builder import ModelBuilder
from sagemaker.train.model_trainer import ModelTrainer

from modelops.contract import lifecycle, names
from modelops.contract.registration import version_metadata
from modelops.contract.settings import StageSettings
from modelops.contract.training import (
    CONTENT_TYPES,
    DATA_FILE,
    EVALUATION_FILE,
    HYPERPARAMETERS,
    METRICS,
    RANDOM_STATE,
    RESPONSE_TYPES,
    SAMPLE_PAYLOAD_FILE,
    SERVING_ENVIRONMENT,
)
from pipelines import sdk  # noqa: F401  (settles the SDK's region and role checks before it is imported)

PROCESSING = "/opt/ml/processing"


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


@dataclass(frozen=True)
class Parameters:
    """The pipeline's parameters, in the order the definition lists them."""

    data: ParameterString
    processing_type: ParameterString
    processing_count: ParameterInteger
    training_type: ParameterString
    training_count: ParameterInteger
    hyperparameters: dict[str, ParameterInteger]
    threshold: ParameterFloat
    approval: ParameterString
    commit: ParameterString

    @classmethod
    def of(
        cls, settings: StageSettings, *, data_uri: str, approval_statuses: tuple[str, ...], code_commit: str
    ) -> Parameters:
        return cls(
            data=ParameterString("InputDataUrl", default_value=data_uri),
            processing_type=ParameterString(
                "ProcessingInstanceType", default_value=settings.processing_instance_type
            ),
            processing_count=ParameterInteger("ProcessingInstanceCount", default_value=1),
            training_type=ParameterString(
                "TrainingInstanceType", default_value=settings.training_instance_type
            ),
            training_count=ParameterInteger("TrainingInstanceCount", default_value=1),
            hyperparameters={
                name: ParameterInteger(_camel(name), default_value=default)
                for name, (default, _low, _high) in HYPERPARAMETERS.items()
            },
            threshold=ParameterFloat("MetricThreshold", default_value=settings.metric_threshold),
            approval=ParameterString(
                "ModelApprovalStatus", default_value=approval_statuses[0], enum_values=list(approval_statuses)
            ),
            commit=ParameterString("CodeCommit", default_value=code_commit),
        )

    def all(self) -> list[Any]:
        return [
            self.data,
            self.processing_type,
            self.processing_count,
            self.training_type,
            self.training_count,
            *self.hyperparameters.values(),
            self.threshold,
            self.approval,
            self.commit,
        ]


@dataclass(frozen=True)
class Build:
    """What every step builder needs: the stage, the session, the role, the image, the code, the parameters."""

    settings: StageSettings
    session: PipelineSession
    role_arn: str
    image: str
    code: StepCode
    params: Parameters

    @property
    def bucket(self) -> str:
        return str(self.session.default_bucket())

    @property
    def region(self) -> str:
        return str(self.session.boto_region_name)

    def output(self, name: str) -> Join:
        # Every execution writes under its own ID, so no run overwrites another's artifacts.
        return Join(
            on="/",
            values=[
                "s3:/",
                self.bucket,
                "pipelines",
                names.pipeline_name(self.settings.project_name),
                ExecutionVariables.PIPELINE_EXECUTION_ID,
                name,
            ],
        )

    def processor(self, base: str) -> ScriptProcessor:
        return ScriptProcessor(
            role=self.role_arn,
            image_uri=self.image,
            command=["python3"],
            instance_type=self.params.processing_type,
            instance_count=self.params.processing_count,
            base_job_name=f"{self.settings.project_name}-{base}",
            sagemaker_session=self.session,
            max_runtime_in_seconds=3600,
        )


def preprocess_step(build: Build) -> tuple[ProcessingStep, PropertyFile]:
    data_report = PropertyFile(name="DataReport", output_name="metadata", path=DATA_FILE)
    step = ProcessingStep(
        name=names.STEP_PREPROCESS,
        step_args=build.processor("preprocess").run(
            code=build.code.preprocess,
            inputs=[_s3_input("data", build.params.data, f"{PROCESSING}/input/data")],
            outputs=[
                _s3_output(n, build.output(n), f"{PROCESSING}/{n}") for n in ("train", "test", "metadata")
            ],
        ),
        property_files=[data_report],
    )
    return step, data_report


def train_step(build: Build, preprocess: ProcessingStep) -> TrainingStep:
    params = build.params
    trainer = ModelTrainer(
        training_image=build.image,
        role=build.role_arn,
        sagemaker_session=build.session,
        base_job_name=f"{build.settings.project_name}-train",
        compute=Compute(
            instance_type=params.training_type, instance_count=params.training_count, volume_size_in_gb=30
        ),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=3600),
        output_data_config=OutputDataConfig(s3_output_path=build.output("model")),
        hyperparameters={
            # Hyperparameters reach the container as strings; Join renders the integer parameters.
            **{name: _text(param) for name, param in params.hyperparameters.items()},
            "random_state": str(RANDOM_STATE),
            # The framework container's script-mode contract: fetch this archive, run this file.
            "sagemaker_program": "train.py",
            "sagemaker_submit_directory": build.code.train_archive,
            "sagemaker_region": build.region,
        },
    )
    train_data = preprocess.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri
    return TrainingStep(
        name=names.STEP_TRAIN,
        step_args=trainer.train(input_data_config=[InputData(channel_name="train", data_source=train_data)]),
    )


def evaluate_step(
    build: Build, preprocess: ProcessingStep, train: TrainingStep
) -> tuple[ProcessingStep, PropertyFile]:
    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation", path=EVALUATION_FILE)
    step = ProcessingStep(
        name=names.STEP_EVALUATE,
        step_args=build.processor("evaluate").run(
            code=build.code.evaluate,
            inputs=[
                _s3_input("model", train.properties.ModelArtifacts.S3ModelArtifacts, f"{PROCESSING}/model"),
                _s3_input(
                    "test",
                    preprocess.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri,
                    f"{PROCESSING}/test",
                ),
            ],
            outputs=[_s3_output("evaluation", build.output("evaluation"), f"{PROCESSING}/evaluation")],
        ),
        property_files=[evaluation_report],
    )
    return step, evaluation_report


def metric(evaluate: ProcessingStep, report: PropertyFile, name: str) -> JsonGet:
    return JsonGet(
        step_name=evaluate.name, property_file=report, json_path=f"regression_metrics.{name}.value"
    )


def register_step(
    build: Build,
    preprocess: tuple[ProcessingStep, PropertyFile],
    train: TrainingStep,
    evaluate: tuple[ProcessingStep, PropertyFile],
) -> ModelStep:
    """Register the version as ``modelops.contract.registration`` does, with pipeline variables as values."""
    settings, params = build.settings, build.params
    (preprocess_step_, data_report), (evaluate_step_, report) = preprocess, evaluate
    evaluation_dir = evaluate_step_.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri
    builder = ModelBuilder(
        image_uri=build.image,
        s3_model_data_url=train.properties.ModelArtifacts.S3ModelArtifacts,
        env_vars={**SERVING_ENVIRONMENT, "SAGEMAKER_REGION": build.region},
        role_arn=build.role_arn,
        sagemaker_session=build.session,
    )
    metadata = version_metadata(
        code_commit=params.commit,
        data_version=JsonGet(
            step_name=preprocess_step_.name, property_file=data_report, json_path="data_version"
        ),
        pipeline_execution=ExecutionVariables.PIPELINE_EXECUTION_ARN,
        training_job=train.properties.TrainingJobName,
        sample_payload_uri=Join(on="/", values=[evaluation_dir, SAMPLE_PAYLOAD_FILE]),
        hyperparameters={
            **{k: _text(v) for k, v in params.hyperparameters.items()},
            "random_state": str(RANDOM_STATE),
        },
        metrics={name: _text(metric(evaluate_step_, report, name)) for name in METRICS},
    )
    evaluation_uri = Join(on="/", values=[evaluation_dir, EVALUATION_FILE])
    return ModelStep(
        name=names.STEP_REGISTER,
        step_args=builder.register(
            model_package_group_name=settings.model_package_group_name,
            content_types=list(CONTENT_TYPES),
            response_types=list(RESPONSE_TYPES),
            inference_instances=sorted({settings.staging_instance_type, settings.production_instance_type}),
            approval_status=params.approval,
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource(content_type="application/json", s3_uri=evaluation_uri)
            ),
            metadata_properties=MetadataProperties(
                commit_id=params.commit,
                generated_by=ExecutionVariables.PIPELINE_EXECUTION_ARN,
                project_id=settings.sagemaker_project_id,
            ),
            customer_metadata_properties=metadata,
        ),
    )


def gate_step(
    build: Build, evaluate: tuple[ProcessingStep, PropertyFile], register: ModelStep
) -> ConditionStep:
    """Register only when the primary metric meets the bar; otherwise fail the execution saying why.

    Two conditions, both required (a ConditionStep's conditions are ANDed): the ``MetricThreshold``
    parameter, and the stage's own bar as a constant. Whoever may start an execution sets its parameters,
    and StartPipelineExecution has no condition key on their values (service authorization reference), so
    a parameter may raise the bar for one execution but never lower it below the stage's.
    """
    primary = metric(*evaluate, lifecycle.PRIMARY_METRIC)
    stage_bar = float(build.settings.metric_threshold)
    fail = FailStep(
        name=names.STEP_FAIL,
        error_message=Join(
            on=" ",
            values=[
                lifecycle.PRIMARY_METRIC,
                primary,
                "does not meet the bar: must be at most",
                build.params.threshold,
                f"and at most the stage's {stage_bar:g}",
                "(lower is better); no version registered",
            ],
        ),
    )
    return ConditionStep(
        name=names.STEP_GATE,
        conditions=[
            ConditionLessThanOrEqualTo(left=primary, right=build.params.threshold),
            ConditionLessThanOrEqualTo(left=primary, right=stage_bar),
        ],
        if_steps=[register],
        else_steps=[fail],
    )


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
