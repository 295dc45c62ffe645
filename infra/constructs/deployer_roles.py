"""The IAM of the deployer's three roles (staging, production, notifier), and why each wildcard is there.

Each role may do what its handlers do to its own endpoint and nothing else (``docs/architecture.md``,
"Governance"); the cdk-nag acknowledgements name the narrowest reason for every wildcard left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.deployer_routes import ROLE_DESCRIPTIONS
from infra.constructs.endpoint_alarms import grant_read_alarms
from infra.constructs.governed_registry import GovernedRegistry
from infra.constructs.nag_ids import rendered_reference
from modelops.contract import lifecycle


def deployer_roles(scope: Construct, group: str) -> dict[str, iam.Role]:
    """One Lambda role per name of ``ROLE_DESCRIPTIONS``, with construct ID ``<name>Role``."""
    return {
        name: iam.Role(
            scope,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"modelops deployer of {group}: {purpose}",
        )
        for name, purpose in ROLE_DESCRIPTIONS.items()
    }


class DeployerGrants:
    """The permissions of each deployer role, and the cdk-nag acknowledgements for the wildcards they hold."""

    def __init__(
        self,
        scope: Construct,
        registry: GovernedRegistry,
        project: str,
        model_execution_role: iam.IRole,
    ) -> None:
        self._stack = cdk.Stack.of(scope)
        self.registry = registry
        self.project = project
        self.model_execution_role = model_execution_role
        self.packages = registry.model_package_arn_pattern
        self.configs = self._arn("endpoint-config", f"{project}-*")
        self.models = self._arn("model", f"{project}-*")

    def _arn(self, resource: str, name: str) -> str:
        return self._stack.format_arn(service="sagemaker", resource=resource, resource_name=name)

    def staging(self, role: iam.Role, endpoint_name: str, production_endpoint_name: str) -> None:
        endpoint = self._arn("endpoint", endpoint_name)
        production = self._arn("endpoint", production_endpoint_name)
        # Verification may reject a version; staging records only the Staging stage.
        self._serve(role, endpoint, {"StringEqualsIfExists": self._record(lifecycle.STAGE_STAGING)})
        self._add(
            role,
            iam.PolicyStatement(
                sid="VerifyStaging", actions=["sagemaker:InvokeEndpoint"], resources=[endpoint]
            ),
            # Champion/challenger: what production serves is the endpoint's tag; read-only on production.
            iam.PolicyStatement(
                sid="ReadChampion",
                actions=["sagemaker:DescribeEndpoint", "sagemaker:ListTags"],
                resources=[production],
            ),
        )
        self.registry.artifact_bucket.grant_read(role)  # sample payloads for verification
        self._acknowledge(role, serving=True, reads_artifacts=True)

    def production(
        self, role: iam.Role, endpoint_name: str, rollback_alarms: Sequence[cloudwatch.IAlarm]
    ) -> None:
        # Production records Production and Archived stages and never touches approval (Null: the request
        # may not carry ModelApprovalStatus), so it can neither approve nor reject a version.
        conditions = {
            "StringEqualsIfExists": {
                "sagemaker:ModelLifeCycle:stage": [lifecycle.STAGE_PRODUCTION, lifecycle.STAGE_ARCHIVED]
            },
            "Null": {"sagemaker:ModelApprovalStatus": "true"},
        }
        self._serve(role, self._arn("endpoint", endpoint_name), conditions)
        if rollback_alarms:  # it names them in UpdateEndpoint's AutoRollbackConfiguration
            grant_read_alarms(role, rollback_alarms)
        # HeadObject on a version's artifact: is it still the object pinned at registration? It reads
        # objects' metadata by key, never lists the bucket.
        self._add(
            role,
            iam.PolicyStatement(
                sid="CheckPinnedArtifacts",
                actions=["s3:GetObject"],
                resources=[self.registry.artifact_bucket.arn_for_objects("*")],
            ),
        )
        artifacts = rendered_reference(cdk.Stack.of(self.registry), self.registry.artifact_bucket.bucket_arn)
        cdk.Validations.of(role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{artifacts}/*]",
                reason="Versions' artifacts live under per-run prefixes of the registry's artifact bucket; the "
                "production deployer checks (HeadObject) that each is still the object pinned at registration.",
            )
        )
        self._acknowledge(role, serving=True, reads_artifacts=False)

    def notifier(self, role: iam.Role) -> None:
        self._read_and_notify(role)
        # It marks a rejection as notified in the version's metadata: no approval, no stage.
        self._add(
            role,
            iam.PolicyStatement(
                sid="MarkNotified",
                actions=["sagemaker:UpdateModelPackage"],
                resources=[self.packages],
                conditions={
                    "Null": {
                        "sagemaker:ModelApprovalStatus": "true",
                        "sagemaker:ModelLifeCycle:stage": "true",
                    }
                },
            ),
        )
        self._acknowledge(role, serving=False, reads_artifacts=False)

    @staticmethod
    def _record(stage: str) -> dict[str, list[str]]:
        return {
            "sagemaker:ModelApprovalStatus": [lifecycle.REJECTED],
            "sagemaker:ModelLifeCycle:stage": [stage],
        }

    def _read_and_notify(self, role: iam.Role) -> None:
        self._add(
            role,
            iam.PolicyStatement(
                sid="ReadVersions", actions=["sagemaker:DescribeModelPackage"], resources=[self.packages]
            ),
        )
        self.registry.topic.grant_publish(role)

    def _serve(self, role: iam.Role, endpoint: str, record_conditions: Mapping[str, object]) -> None:
        """What deploying one endpoint takes: models and configs under the project prefix, that endpoint,
        recording stages under ``record_conditions``, and passing the model execution role to SageMaker."""
        self._read_and_notify(role)
        self._add(
            role,
            iam.PolicyStatement(
                sid="RecordStages",
                actions=["sagemaker:UpdateModelPackage"],
                resources=[self.packages],
                conditions=dict(record_conditions),
            ),
            iam.PolicyStatement(
                sid="CreateModelsAndConfigs",
                actions=[
                    "sagemaker:CreateModel",
                    "sagemaker:DescribeModel",  # a model of that name exists: made from this package?
                    "sagemaker:CreateEndpointConfig",
                    "sagemaker:DescribeEndpointConfig",
                ],
                resources=[self.models, self.configs],
            ),
            # Create and update authorize on the endpoint and on the config it is given.
            iam.PolicyStatement(
                sid="ManageEndpoint",
                actions=[
                    "sagemaker:CreateEndpoint",
                    "sagemaker:UpdateEndpoint",
                    "sagemaker:DescribeEndpoint",
                    "sagemaker:DeleteEndpoint",  # only a Failed endpoint, to create it again
                ],
                resources=[endpoint, self.configs],
            ),
            iam.PolicyStatement(
                sid="TagWhatItServes",
                actions=["sagemaker:AddTags", "sagemaker:ListTags"],
                resources=[endpoint, self.configs, self.models],
            ),
            # After an update settles, the deployer looks for a version whose request arrived meanwhile.
            iam.PolicyStatement(sid="FindWaitingVersions", actions=["sagemaker:Search"], resources=["*"]),
            iam.PolicyStatement(
                sid="PassModelExecutionRole",
                actions=["iam:PassRole"],
                resources=[self.model_execution_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            ),
        )

    @staticmethod
    def _add(role: iam.Role, *statements: iam.PolicyStatement) -> None:
        for statement in statements:
            role.add_to_policy(statement)

    def _acknowledge(self, role: iam.Role, *, serving: bool, reads_artifacts: bool) -> None:
        self.registry.acknowledge_version_wildcard(role)
        prefix = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>"
        reasons = {
            "Action::kms:GenerateDataKey*": (
                "Topic.grant_publish on the registry's KMS-encrypted topic: SNS needs a data key from that one "
                "key (the resource is the key's ARN, only the action name ends in a wildcard)."
            ),
        }
        if serving:
            reasons |= {
                f"Resource::{prefix}:endpoint-config/{self.project}-*": (
                    "Endpoint config names derive from each version's content and are created at run time; "
                    f"the wildcard is limited to this project's '{self.project}-' prefix in this account and "
                    "region."
                ),
                f"Resource::{prefix}:model/{self.project}-*": (
                    "Model names derive from each version's content and are created at run time; the wildcard "
                    f"is limited to this project's '{self.project}-' prefix in this account and region."
                ),
                "Resource::*": (
                    "sagemaker:Search has no resource-level permissions (the service authorization reference "
                    "lists no resource type for it); the deployer only reads model package metadata with it, "
                    "filtered to its own group."
                ),
            }
        if reads_artifacts:
            artifacts = rendered_reference(
                cdk.Stack.of(self.registry), self.registry.artifact_bucket.bucket_arn
            )
            granted = "Granted by Bucket.grant_read on the registry's artifact bucket only."
            reasons |= {
                "Action::s3:GetObject*": granted,
                "Action::s3:GetBucket*": granted,
                "Action::s3:List*": granted,
                f"Resource::{artifacts}/*": (
                    "Sample payloads are written by each pipeline run under its own prefix of the registry's "
                    "artifact bucket; read access to that one bucket is what verification needs."
                ),
            }
        for finding, reason in reasons.items():
            cdk.Validations.of(role).acknowledge(
                cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]", reason=reason)
            )
