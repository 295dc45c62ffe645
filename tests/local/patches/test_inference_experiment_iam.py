"""What IAM authorizes for each inference-experiment operation, as the service authorization reference lists it
(every authorization is also checked against the reference by ``authorizations`` itself)."""

from __future__ import annotations

from typing import Any

import pytest

from modelops.local.embedded import EmbeddedAWS
from modelops.local.iam import authorizations
from modelops.local.iam.cfn import Environment
from modelops.local.iam.enforcement.stored import target
from modelops.local.patches.inference_experiments import OPERATIONS
from tests.local.patches.shadow_setup import ROLE, experiment_request, production_endpoint

ENV = Environment(account="111122223333", region="us-east-1")
EXPERIMENT_ARN = "arn:aws:sagemaker:us-east-1:111122223333:inference-experiment/shadow-1"


def test_create_needs_the_action_on_the_experiment_and_passing_its_role_to_sagemaker() -> None:
    request = experiment_request(Name="Shadow-1", Tags=[{"Key": "team", "Value": "ml"}])

    found = authorizations("sagemaker", "CreateInferenceExperiment", request, env=ENV)

    create, pass_role = found
    assert (create.action, create.resource) == ("sagemaker:CreateInferenceExperiment", EXPERIMENT_ARN)
    assert create.context["aws:RequestTag/team"] == "ml" and create.context["aws:TagKeys"] == ("team",)
    assert (pass_role.action, pass_role.resource) == ("iam:PassRole", ROLE)
    assert pass_role.context["iam:PassedToService"] == "sagemaker.amazonaws.com"
    assert pass_role.context["iam:AssociatedResourceArn"] == EXPERIMENT_ARN


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op not in ("CreateInferenceExperiment",)])
def test_every_other_operation_is_authorized_on_the_experiment_or_on_nothing(operation: str) -> None:
    params: dict[str, Any] = {} if operation.startswith("List") else {"Name": "shadow-1"}

    (found,) = authorizations("sagemaker", operation, params, env=ENV)

    assert found.action == f"sagemaker:{operation}"
    assert found.resource == ("*" if operation.startswith("List") else EXPERIMENT_ARN)


def test_the_experiment_s_tags_are_its_resource_tags_for_the_calls_on_it(embedded_aws: EmbeddedAWS) -> None:
    sm = production_endpoint(embedded_aws)
    sm.create_inference_experiment(**experiment_request(Tags=[{"Key": "endpoint", "Value": "prod"}]))

    stored = target(
        "sagemaker",
        "StopInferenceExperiment",
        {"Name": "shadow-1"},
        embedded_aws.account_id,
        embedded_aws.region,
    )
    (found,) = authorizations(
        "sagemaker", "StopInferenceExperiment", {"Name": "shadow-1"}, env=ENV, target=stored
    )

    assert found.context["aws:ResourceTag/endpoint"] == "prod"
    assert found.context["sagemaker:ResourceTag/endpoint"] == "prod"
