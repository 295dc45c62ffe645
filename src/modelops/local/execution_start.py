"""Starting the execution a local run records itself as: the caller's StartPipelineExecution.

What a person does in AWS to train: DescribePipeline and StartPipelineExecution on the deployed
``<project>-training`` pipeline with their own credentials, passing the parameters they choose
(``PipelineParameters``: only those the definition declares). Where no pipeline is deployed, a
``<project>-training-local`` pipeline is created for the purpose (with the caller's keys: an administrator's
job), so the version still names an execution ARN that exists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from modelops.contract import names
from modelops.local.execution_definition import Definition


@dataclass(frozen=True)
class Execution:
    arn: str
    pipeline: str
    role_arn: str | None  # the pipeline's execution role (DescribePipeline's RoleArn)
    definition: Definition
    parameters: list[dict[str, str]]  # what StartPipelineExecution passed


def start_execution(
    sagemaker_client: Any, project_name: str, group: str, wanted: Mapping[str, Any]
) -> Execution:
    """Start an execution of the deployed pipeline (else the local one) with the ``wanted`` parameter values
    it declares; a value the definition does not allow is refused before anything starts."""
    local = names.local_pipeline_name(project_name)
    for name in (names.pipeline_name(project_name), local):
        try:
            pipeline = sagemaker_client.describe_pipeline(PipelineName=name)
        except ClientError as error:
            if error.response["Error"].get("Code") in ("AccessDeniedException", "AccessDenied"):
                raise  # refused, not absent: creating a local pipeline instead would hide the refusal
            continue
        return _start(sagemaker_client, name, pipeline, wanted)
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
    return _start(sagemaker_client, local, sagemaker_client.describe_pipeline(PipelineName=local), wanted)


def _start(
    sagemaker_client: Any, name: str, pipeline: Mapping[str, Any], wanted: Mapping[str, Any]
) -> Execution:
    definition = Definition.parse(str(pipeline.get("PipelineDefinition") or "{}"))
    parameters = definition.start_parameters(wanted)
    options: dict[str, Any] = {"PipelineName": name}
    if parameters:
        options["PipelineParameters"] = parameters
    arn = str(sagemaker_client.start_pipeline_execution(**options)["PipelineExecutionArn"])
    return Execution(arn, name, pipeline.get("RoleArn"), definition, parameters)
