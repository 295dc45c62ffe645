"""PipelineStack: the SageMaker training pipeline that registers versions into the registry."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from infra.constructs.governed_registry import GovernedRegistry
from infra.constructs.training_pipeline import TrainingPipeline
from modelops.contract.settings import StageSettings


class PipelineStack(cdk.Stack):
    """The training pipeline, its step code (CDK assets) and its execution role.

    ``code_commit`` is the commit recorded on versions an execution registers without passing the
    ``CodeCommit`` parameter; pass ``-c code_commit=$(git rev-parse HEAD)`` to synth to fill it in.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        registry: GovernedRegistry,
        code_commit: str = "unrecorded",
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.training = TrainingPipeline(
            self, "TrainingPipeline", settings=settings, registry=registry, code_commit=code_commit
        )
        outputs = {
            "PipelineName": self.training.pipeline_name,
            "PipelineExecutionRoleArn": self.training.role.role_arn,
            "InputDataPrefix": f"s3://{registry.artifact_bucket.bucket_name}/datasets/{settings.model_package_group_name}/",
        }
        for name, value in outputs.items():
            cdk.CfnOutput(self, name, value=value)
