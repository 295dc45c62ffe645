"""RegistryStack: the group, its storage, key, topic, governance policies and outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from infra.constructs.governed_registry import GovernedRegistry
from modelops.contract import lifecycle, names
from tests.infra.synth import cfn_lint, synth, template

READER = "111122223333"


@pytest.fixture(scope="module")
def default_template() -> Template:
    return template(synth(), "-registry")


@pytest.fixture(scope="module")
def configured_template() -> Template:
    context = {
        "stage": "default",
        "reader_account_ids": f"{READER},444455556666",
        "notification_email": "ml-approvers@example.com",
        "sagemaker_project_name": "churn-mlops",
        "sagemaker_project_id": "p-abcdef123456",
    }
    return template(synth(context), "-registry")


def _resources(t: Template, kind: str) -> list[dict[str, Any]]:
    return list(t.find_resources(kind).values())


def test_group_has_description_and_project_tags(configured_template: Template) -> None:
    configured_template.has_resource_properties(
        "AWS::SageMaker::ModelPackageGroup",
        {
            "ModelPackageGroupName": "diabetes-progression",
            "ModelPackageGroupDescription": Match.string_like_regexp("approval deploys to staging"),
            "Tags": Match.array_with(
                [
                    {"Key": "sagemaker:project-id", "Value": "p-abcdef123456"},
                    {"Key": "sagemaker:project-name", "Value": "churn-mlops"},
                ]
            ),
        },
    )


def test_group_without_readers_has_no_resource_policy(default_template: Template) -> None:
    (group,) = _resources(default_template, "AWS::SageMaker::ModelPackageGroup")
    assert "ModelPackageGroupPolicy" not in group["Properties"]
    tag_keys = {tag["Key"] for tag in group["Properties"]["Tags"]}
    assert "sagemaker:project-id" not in tag_keys


def test_cross_account_readers_can_only_describe_list_and_create_models(
    configured_template: Template,
) -> None:
    (group,) = _resources(configured_template, "AWS::SageMaker::ModelPackageGroup")
    (statement,) = group["Properties"]["ModelPackageGroupPolicy"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == [
        "sagemaker:CreateModel",
        "sagemaker:DescribeModelPackage",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:ListModelPackages",
    ]
    principals = json.dumps(statement["Principal"])
    assert f"iam::{READER}:root" in principals and "iam::444455556666:root" in principals


def test_stateful_resources_are_retained(default_template: Template) -> None:
    for kind in ("AWS::SageMaker::ModelPackageGroup", "AWS::KMS::Key", "AWS::S3::Bucket"):
        found = default_template.find_resources(kind)
        assert found, kind
        for resource in found.values():
            assert resource["DeletionPolicy"] == "Retain", kind
            assert resource["UpdateReplacePolicy"] == "Retain", kind


def test_key_rotates(default_template: Template) -> None:
    default_template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def _artifact_bucket(t: Template) -> dict[str, Any]:
    buckets = [b for b in _resources(t, "AWS::S3::Bucket") if "LoggingConfiguration" in b["Properties"]]
    assert len(buckets) == 1
    return buckets[0]["Properties"]


def test_artifact_bucket_is_encrypted_with_the_customer_key(default_template: Template) -> None:
    props = _artifact_bucket(default_template)
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "Fn::GetAtt" in rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    assert rule["BucketKeyEnabled"] is True


def test_artifact_bucket_is_versioned_private_logged_and_expires_old_versions(
    default_template: Template,
) -> None:
    props = _artifact_bucket(default_template)
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "artifact-bucket/"
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_every_bucket_refuses_plain_http(default_template: Template) -> None:
    policies = _resources(default_template, "AWS::S3::BucketPolicy")
    assert len(policies) == len(_resources(default_template, "AWS::S3::Bucket"))
    for policy in policies:
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


def test_topic_is_encrypted_and_tls_only(default_template: Template) -> None:
    (topic,) = _resources(default_template, "AWS::SNS::Topic")
    assert "Fn::GetAtt" in topic["Properties"]["KmsMasterKeyId"]
    (policy,) = _resources(default_template, "AWS::SNS::TopicPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    assert _resources(default_template, "AWS::SNS::Subscription") == []


def test_email_subscription_when_configured(configured_template: Template) -> None:
    configured_template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ml-approvers@example.com"}
    )


def _policy(t: Template, description_fragment: str) -> list[dict[str, Any]]:
    for policy in _resources(t, "AWS::IAM::ManagedPolicy"):
        if description_fragment in policy["Properties"]["Description"]:
            return list(policy["Properties"]["PolicyDocument"]["Statement"])
    raise LookupError(description_fragment)


def test_data_scientists_register_pending_versions_but_cannot_approve_or_set_production(
    default_template: Template,
) -> None:
    statements = {s["Sid"]: s for s in _policy(default_template, "Data scientists")}
    register = statements["RegisterPendingVersions"]
    assert register["Action"] == "sagemaker:CreateModelPackage"
    assert register["Condition"] == {
        "StringEqualsIfExists": {
            "sagemaker:ModelApprovalStatus": "PendingManualApproval",
            "sagemaker:ModelLifeCycle:Stage": "Development",
            "sagemaker:ModelLifeCycle:StageStatus": "Registered",
        }
    }
    deny_approval = statements["DenyApprovalChanges"]
    assert deny_approval["Effect"] == "Deny"
    assert deny_approval["Condition"] == {"Null": {"sagemaker:ModelApprovalStatus": "false"}}
    deny_stages = statements["DenyRegisteringPastDevelopment"]
    assert deny_stages["Effect"] == "Deny"
    assert deny_stages["Condition"]["StringNotEquals"] == {"sagemaker:ModelLifeCycle:Stage": "Development"}
    assert statements["DenyStageChanges"]["Condition"] == {
        "Null": {"sagemaker:ModelLifeCycle:Stage": "false"}
    }
    for key in (lifecycle.META_STAGING_VERIFICATION, lifecycle.META_PRODUCTION_SERVED):
        (deny,) = [
            s
            for sid, s in statements.items()
            if sid.startswith("DenyWriting") and key in json.dumps(s["Condition"])
        ]
        # One pattern for Create and Update (the policy's size): every other action it names is a read or
        # a delete, which carries no metadata key, so the deny never applies to them.
        from modelops.local.iam import reference

        named = set(reference.actions_matching(deny["Action"]))
        assert {"sagemaker:createmodelpackage", "sagemaker:updatemodelpackage"} <= {a.lower() for a in named}
        others = {a.lower() for a in named} - {"sagemaker:createmodelpackage", "sagemaker:updatemodelpackage"}
        assert all(a.split(":")[1].startswith(("describe", "delete", "batchdescribe")) for a in others), (
            others
        )
    allows = [s for s in statements.values() if s["Effect"] == "Allow"]
    assert not any("Production" in json.dumps(s.get("Condition", {})) for s in allows)


def test_approvers_may_approve_and_set_production_but_not_register(default_template: Template) -> None:
    statements = {s["Sid"]: s for s in _policy(default_template, "Approvers")}
    approve = statements["ApproveOrReject"]
    assert approve["Action"] == "sagemaker:UpdateModelPackage"
    assert approve["Condition"]["StringEquals"] == {"sagemaker:ModelApprovalStatus": ["Approved", "Rejected"]}
    # Promotion only from Staging/Passed with the verifier's record: explicit denies, whatever else allows.
    unless_passed = statements["DenyPromoteUnlessPassed"]
    assert unless_passed["Effect"] == "Deny"
    assert unless_passed["Condition"]["StringNotEquals"] == {
        "sagemaker:CurrentModelLifeCycleStageStatus": "Passed"
    }
    verified = f"sagemaker:CurrentCustomerMetadataProperties/{lifecycle.META_STAGING_VERIFICATION}"
    assert statements["DenyPromoteUnverified"]["Condition"]["Null"] == {verified: "true"}
    allowed = json.dumps([s["Action"] for s in statements.values() if s["Effect"] == "Allow"])
    assert "CreateModelPackage" not in allowed


def test_outputs_name_group_bucket_and_topic(default_template: Template) -> None:
    outputs = default_template.to_json()["Outputs"]
    assert outputs["ModelPackageGroupName"]["Value"] == "diabetes-progression"
    for name in ("ModelPackageGroupArn", "ArtifactBucketName", "LifecycleTopicArn", "ArtifactKeyArn"):
        assert name in outputs


def test_grants_return_grants_scoped_to_the_group() -> None:
    stack = cdk.Stack(
        cdk.App(), "GrantStack", env=cdk.Environment(account="123456789012", region="eu-west-1")
    )
    registry = GovernedRegistry(stack, "Registry", model_package_group_name="churn", description="d")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    grants = [registry.grant_read(role), registry.grant_register(role), registry.grant_approve(role)]
    assert all(isinstance(g, iam.Grant) and g.success for g in grants)
    statements = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    document = json.dumps(statements)
    assert ":sagemaker:eu-west-1:123456789012:model-package/churn/*" in document
    assert '"sagemaker:UpdateModelPackage"' in document
    granted = [
        action
        for policy in statements.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    ]
    assert not any(a.startswith("sagemaker:") and "*" in a for a in granted), granted  # no SageMaker wildcard


def test_templates_pass_cfn_lint(tmp_path: Path) -> None:
    synth(outdir=tmp_path)
    result = cfn_lint(sorted(tmp_path.glob("*.template.json")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_both_roles_can_search_and_read_only_this_projects_endpoints(default_template: Template) -> None:
    for role in ("Data scientists", "Approvers"):
        statements = {s["Sid"]: s for s in _policy(default_template, role)}
        assert statements["SearchRegistry"]["Action"] == "sagemaker:Search"
        assert statements["SearchRegistry"]["Resource"] == "*"
        endpoints = statements["ReadServingEndpoints"]
        assert sorted(endpoints["Action"]) == ["sagemaker:DescribeEndpoint", "sagemaker:ListTags"]
        resources = json.dumps(endpoints["Resource"])
        assert ":endpoint/modelops-staging" in resources and ":endpoint/modelops-production" in resources
        assert "*" not in resources


def test_cross_account_readers_may_download_model_artifacts_and_decrypt_them_through_s3(
    configured_template: Template,
) -> None:
    policies = _resources(configured_template, "AWS::S3::BucketPolicy")
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (read,) = [s for s in statements if s.get("Sid") == "CrossAccountReadModelArtifacts"]
    assert read["Action"] == "s3:GetObject"
    assert json.dumps(read["Resource"]).endswith(f'/{names.MODEL_ARTIFACT_KEYS}"]]}}')
    assert f"iam::{READER}:root" in json.dumps(read["Principal"])
    (key,) = _resources(configured_template, "AWS::KMS::Key")
    (decrypt,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "CrossAccountDecryptModelArtifacts"
    ]
    assert decrypt["Action"] == "kms:Decrypt" and "kms:ViaService" in decrypt["Condition"]["StringEquals"]


def test_model_artifacts_can_be_written_once_and_never_deleted(default_template: Template) -> None:
    policies = _resources(default_template, "AWS::S3::BucketPolicy")
    statements = {s.get("Sid"): s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]}
    replace = statements["DenyReplacingModelArtifacts"]
    assert replace["Effect"] == "Deny" and replace["Principal"] == {"AWS": "*"}
    conditions = replace["Condition"]
    assert conditions["Null"] == {"s3:if-none-match": "true"}
    assert conditions["Bool"] == {"s3:ObjectCreationOperation": "true"}
    # Only the pipeline's execution role is spared (SageMaker uploads job outputs unconditionally).
    (writer,) = conditions["ArnNotEquals"]["aws:PrincipalArn"]
    assert json.dumps(writer).endswith(':role/modelops-training-pipeline"]]}')
    delete = statements["DenyDeletingModelArtifacts"]
    assert sorted(delete["Action"]) == ["s3:DeleteObject", "s3:DeleteObjectVersion"]


def test_the_topic_accepts_only_the_projects_alarms(default_template: Template) -> None:
    (policy,) = _resources(default_template, "AWS::SNS::TopicPolicy")
    statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    alarms = statements["AllowProjectAlarmsToPublish"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    sources = json.dumps(alarms["Condition"]["ArnLike"]["aws:SourceArn"])
    assert ":alarm:modelops-production-*" in sources and ":alarm:modelops-deployer-*" in sources
    assert "aws:SourceAccount" in alarms["Condition"]["StringEquals"]


def test_the_human_policies_fit_iam_s_managed_policy_limit_with_the_longest_names(tmp_path: Path) -> None:
    from modelops.local.iam import Assembly, Environment

    synth({"model_package_group_name": "g" * 63}, outdir=tmp_path)
    env = Environment(account="111122223333", region="us-gov-west-1", partition="aws-us-gov")
    stack = Assembly.from_cdk_out(tmp_path, env).stack("modelops-registry")
    for logical_id, resource in stack.resources.items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            document = stack.resolve(resource["Properties"]["PolicyDocument"])
            size = len(json.dumps(document, separators=(",", ":")))
            assert size <= 6144, (logical_id, size)  # IAM's limit, whitespace not counted


def test_the_mlflow_registry_reader_may_only_read(default_template: Template) -> None:
    """The MLflow server's identity: every action it is allowed is a Read or List action (the service
    authorization reference's access levels, as policy_sentry ships them), but kms:Decrypt, which S3 asks
    of whoever reads an SSE-KMS object, and only through S3."""
    from policy_sentry.querying.actions import get_action_data

    [role_id] = [
        lid
        for lid, role in default_template.find_resources("AWS::IAM::Role").items()
        if "MLflow tracking server" in role["Properties"].get("Description", "")
    ]
    statements = [
        s
        for policy in _resources(default_template, "AWS::IAM::Policy")
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements and all(s["Effect"] == "Allow" for s in statements)
    for statement in statements:
        for action in _listed(statement["Action"]):
            service, name = action.split(":")
            levels = {entry["access_level"] for entry in get_action_data(service, name)[service]}
            if action == "kms:Decrypt":
                assert "kms:ViaService" in statement["Condition"]["StringEquals"]
            else:
                assert levels <= {"Read", "List"}, (action, levels)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
