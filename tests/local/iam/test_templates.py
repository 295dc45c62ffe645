"""The resolver and the reference checker on the app as synthesized today."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelops.local import templates
from modelops.local.iam import (
    ReferenceMismatch,
    UnmappedOperation,
    authorizations,
    check_policies,
    check_principals,
)
from modelops.local.iam.checker import ERROR, NOTE
from modelops.local.iam.policy import Policy
from tests.local.iam.conftest import ENV, World


def test_every_resource_gets_the_physical_name_and_arn_the_embedded_aws_provisions(
    world: World, synthesized_cdk_out: Path
) -> None:
    exports: dict[str, object] = {}
    outputs: dict[str, dict[str, object]] = {}
    for stack in templates.load_stacks(synthesized_cdk_out):
        embedded = templates.Resolver(stack, ENV.account, ENV.region, exports, outputs)
        embedded.plan()
        ours = world.assembly.stack(stack.name)
        for logical_id, physical in embedded.physical.items():
            assert ours.physical(logical_id).ref == physical.ref, logical_id
            assert dict(ours.physical(logical_id).attributes) == physical.attributes, logical_id
        outputs[stack.name] = {
            name: embedded.resolve(o["Value"]) for name, o in stack.template.get("Outputs", {}).items()
        }


def test_every_policy_of_every_stack_resolves_to_plain_strings(world: World) -> None:
    # collect() parses every document; a leftover intrinsic would have raised PolicyError.
    principals = world.principals
    assert {"data-scientist", "approver"} <= set(principals.identities)
    for identity in principals.identities.values():
        assert identity.policies, f"{identity.name} holds no policy"
        for policy in identity.policies:
            for statement in policy.statements:
                for resource in statement.resources or ():
                    assert resource == "*" or resource.startswith(f"arn:{ENV.partition}:"), resource


def test_each_handler_runs_under_a_role_whose_policies_are_collected(world: World) -> None:
    handlers = {f.handler.split(".")[-2] for f in world.principals.functions.values()}
    assert handlers == {
        "deploy_staging",
        "verify_staging",
        "deploy_production",
        "finalize_production",
        "notify_rejected",
    }
    assert world.who("deploy_staging").principal.arn == world.who("verify_staging").principal.arn
    assert world.who("deploy_staging").principal.arn != world.who("deploy_production").principal.arn


def test_resource_policies_are_found_for_the_bucket_objects_topic_key_queues_and_functions(
    world: World,
) -> None:
    p = world.principals
    assert p.resource_policy(f"arn:aws:s3:::{world.bucket}/models/model.tar.gz") is not None
    assert p.resource_policy(world.topic_arn) is not None
    assert p.resource_policy(world.key_arn) is not None
    assert all(p.resource_policy(f.arn) is not None for f in p.functions.values())


def test_every_action_and_condition_key_of_every_template_exists_in_the_reference(world: World) -> None:
    findings = check_principals(world.principals)
    errors = [str(f) for f in findings if f.severity == ERROR]
    assert errors == []


def test_the_model_life_cycle_key_is_spelled_stage_lower_case_which_iam_matches_case_insensitively(
    world: World,
) -> None:
    notes = {f.problem for f in check_principals(world.principals) if f.severity == NOTE}
    assert notes <= {
        "condition key sagemaker:ModelLifeCycle:stage is spelled sagemaker:ModelLifeCycle:Stage in the "
        "reference (matches: names compare case-insensitively)"
    }


def test_the_checker_fails_a_key_that_does_not_exist_for_the_statement_s_actions() -> None:
    policy = Policy.from_document(
        "probe",
        {
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": "sagemaker:UpdateModelPackage",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"sagemaker:ModelLifeCycleStage": "Production"}},
                },
                {
                    "Effect": "Allow",
                    "Action": "sagemaker:DescribeEndpoint",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"sagemaker:CustomerMetadataProperties/deploy.x": "y"}},
                },
                {
                    "Effect": "Allow",
                    "Action": ["sagemaker:UpdateModelPackage"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"sagemaker:CurrentCustomerMetadataProperties/deploy.x": "y"}
                    },
                },
                {"Effect": "Allow", "Action": "sagemaker:UpdateModelPackages", "Resource": "*"},
            ]
        },
    )
    problems = [f.problem for f in check_policies([policy]) if f.severity == ERROR]
    assert any("sagemaker:ModelLifeCycleStage exists for none of" in p for p in problems)
    assert any("sagemaker:CustomerMetadataProperties/deploy.x exists for none of" in p for p in problems)
    assert not any("CurrentCustomerMetadataProperties" in p for p in problems)
    assert any("sagemaker:UpdateModelPackages names no action" in p for p in problems)


def test_an_operation_without_a_mapping_is_refused_loudly() -> None:
    with pytest.raises(UnmappedOperation, match="sagemaker:CreatePresignedNotebookInstanceUrl"):
        authorizations("sagemaker", "CreatePresignedNotebookInstanceUrl", {}, env=ENV)


def test_update_model_package_carries_the_requested_and_the_current_state_keys() -> None:
    from modelops.local.iam import Target

    (auth,) = authorizations(
        "sagemaker",
        "UpdateModelPackage",
        {
            "ModelPackageArn": "arn:aws:sagemaker:us-east-1:111122223333:model-package/g/2",
            "ModelLifeCycle": {"Stage": "Staging", "StageStatus": "Passed", "StageDescription": "x"},
            "CustomerMetadataProperties": {"deploy.staging_verification": "passed"},
            "CustomerMetadataPropertiesToRemove": ["metric.rmse"],
        },
        env=ENV,
        target=Target(stage="Production", stage_status="Deployed", metadata={"metric.rmse": "50.0"}),
    )
    assert auth.context["sagemaker:ModelLifeCycle:Stage"] == "Staging"
    assert auth.context["sagemaker:ModelLifeCycle:StageStatus"] == "Passed"
    assert auth.context["sagemaker:CustomerMetadataProperties/deploy.staging_verification"] == "passed"
    assert auth.context["sagemaker:CustomerMetadataPropertiesToRemove"] == ("metric.rmse",)
    assert auth.context["sagemaker:CurrentModelLifeCycleStage"] == "Production"
    assert auth.context["sagemaker:CurrentModelLifeCycleStageStatus"] == "Deployed"
    assert auth.context["sagemaker:CurrentCustomerMetadataProperties/metric.rmse"] == "50.0"
    assert auth.context["aws:SecureTransport"] == "true"


def test_a_mapping_that_strays_from_the_reference_is_an_error() -> None:
    from modelops.local.iam.requests import Authorization, check

    with pytest.raises(
        ReferenceMismatch, match="does not support condition keys sagemaker:ModelApprovalStatus"
    ):
        check(
            Authorization(
                "sagemaker:DescribeEndpoint",
                "arn:aws:sagemaker:us-east-1:1:endpoint/e",
                {"sagemaker:ModelApprovalStatus": "Approved"},
            )
        )
    with pytest.raises(ReferenceMismatch, match="is not a resource type of sagemaker:InvokeEndpoint"):
        check(Authorization("sagemaker:InvokeEndpoint", "arn:aws:sagemaker:us-east-1:1:model/m"))
