"""The IAM of the deployer's three roles (staging, production, notifier), and why each wildcard is there.

Each role may do what its handlers do to its own endpoint and nothing else (``docs/architecture.md``,
"Governance"); the cdk-nag acknowledgements name the narrowest reason for every wildcard left.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.deployer_routes import EVALUATOR_ROLE, ROLE_DESCRIPTIONS
from infra.constructs.endpoint_alarms import grant_read_alarms
from infra.constructs.governance import deployers
from infra.constructs.governed_registry import GovernedRegistry
from infra.constructs.nag_ids import rendered_reference
from modelops.contract import names


def deployer_roles(scope: Construct, group: str, *, shadow_gate: bool = False) -> dict[str, iam.Role]:
    """One Lambda role per name of ``ROLE_DESCRIPTIONS`` (the evaluator's only with the shadow gate on),
    with construct ID ``<name>Role``."""
    return {
        name: iam.Role(
            scope,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"modelops deployer of {group}: {purpose}",
        )
        for name, purpose in ROLE_DESCRIPTIONS.items()
        if shadow_gate or name != EVALUATOR_ROLE
    }


class DeployerGrants:
    """The permissions of each deployer role, and the cdk-nag acknowledgements for the wildcards they hold."""

    def __init__(
        self,
        scope: Construct,
        registry: GovernedRegistry,
        project: str,
    ) -> None:
        self._stack = cdk.Stack.of(scope)
        self.registry = registry
        self.project = project
        self.packages = registry.model_package_arn_pattern

    def _arn(self, resource: str, name: str) -> str:
        return self._stack.format_arn(service="sagemaker", resource=resource, resource_name=name)

    def staging(
        self, role: iam.Role, endpoint_name: str, production_endpoint_name: str, execution_role: iam.IRole
    ) -> None:
        endpoint = self._arn("endpoint", endpoint_name)
        production = self._arn("endpoint", production_endpoint_name)
        # Verification may reject a version; staging records only Staging stages, with its own evidence.
        records = deployers.staging_record_statements(self.packages)
        self._serve(role, "staging", endpoint, execution_role, records)
        self._add(
            role,
            iam.PolicyStatement(
                sid="VerifyStaging", actions=["sagemaker:InvokeEndpoint"], resources=[endpoint]
            ),
            # Verification judges the endpoint's ModelLatency (AWS/SageMaker), which only CloudWatch holds.
            iam.PolicyStatement(
                sid="ReadModelLatency", actions=["cloudwatch:GetMetricStatistics"], resources=["*"]
            ),
            # Champion/challenger: what production serves is the endpoint's tag; read-only on production.
            iam.PolicyStatement(
                sid="ReadChampion",
                actions=["sagemaker:DescribeEndpoint", "sagemaker:ListTags"],
                resources=[production],
            ),
        )
        self.registry.artifact_bucket.grant_read(role)  # sample payloads for verification
        self._acknowledge(role, "staging", reads_artifacts=True)

    def production(
        self,
        role: iam.Role,
        endpoint_name: str,
        rollback_alarms: Sequence[cloudwatch.IAlarm],
        execution_role: iam.IRole,
        *,
        shadow_gate: bool = False,
    ) -> None:
        # Production records Production and Archived stages, only from the states the approver and its own
        # records put a version in, and never touches approval: it can neither approve nor reject.
        records = deployers.production_record_statements(self.packages, shadow_gate=shadow_gate)
        self._serve(role, "production", self._arn("endpoint", endpoint_name), execution_role, records)
        if rollback_alarms:  # it names them in UpdateEndpoint's AutoRollbackConfiguration
            grant_read_alarms(role, rollback_alarms)
        # HeadObject on a version's artifact: is it still the object staging verified? It reads objects'
        # metadata by key, never lists the bucket.
        self._add(
            role,
            iam.PolicyStatement(
                sid="CheckVerifiedArtifacts",
                actions=["s3:GetObject"],
                resources=[self.registry.artifact_bucket.arn_for_objects("*")],
            ),
        )
        artifacts = rendered_reference(cdk.Stack.of(self.registry), self.registry.artifact_bucket.bucket_arn)
        cdk.Validations.of(role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{artifacts}/*]",
                reason="Versions' artifacts live under per-run prefixes of the registry's artifact bucket; the "
                "production deployer checks (HeadObject) that each is still the object staging verified.",
            )
        )
        if shadow_gate:
            self._run_shadow_tests(role)
        self._acknowledge(role, "production", reads_artifacts=False)

    def _experiments(self) -> str:
        return self._arn("inference-experiment", f"{names.shadow_experiment_prefix(self.project)}*")

    def _run_shadow_tests(self, role: iam.Role) -> None:
        """Starting and stopping a promoted version's shadow test is the production deployer's alone."""
        self._add(
            role,
            iam.PolicyStatement(
                sid="RunShadowTests",
                actions=[
                    "sagemaker:CreateInferenceExperiment",
                    "sagemaker:StartInferenceExperiment",
                    "sagemaker:StopInferenceExperiment",
                    "sagemaker:DescribeInferenceExperiment",
                ],
                resources=[self._experiments()],
            ),
            # ListInferenceExperiments has no resource type (service authorization reference).
            iam.PolicyStatement(
                sid="FindShadowTests", actions=["sagemaker:ListInferenceExperiments"], resources=["*"]
            ),
        )
        self._acknowledge_experiments(role)

    def shadow_evaluator(self, role: iam.Role) -> None:
        """Read the production endpoint's shadow tests (experiments, metrics, captures) and record verdicts:
        nothing else. It starts, stops and serves nothing, and publishes nothing."""
        bucket = self.registry.artifact_bucket
        self._add(
            role,
            iam.PolicyStatement(
                sid="ReadVersions", actions=["sagemaker:DescribeModelPackage"], resources=[self.packages]
            ),
            *deployers.evaluator_record_statements(self.packages),
            iam.PolicyStatement(
                sid="ReadShadowTests",
                actions=["sagemaker:DescribeInferenceExperiment"],
                resources=[self._experiments()],
            ),
            # Search (the versions under test), ListInferenceExperiments and GetMetricStatistics have no
            # resource type (service authorization reference).
            iam.PolicyStatement(
                sid="FindShadowTests",
                actions=["sagemaker:Search", "sagemaker:ListInferenceExperiments"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="ReadShadowMetrics", actions=["cloudwatch:GetMetricStatistics"], resources=["*"]
            ),
            iam.PolicyStatement(
                sid="ListShadowCaptures",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{names.SHADOW_CAPTURE_PREFIX}/*"]}},
            ),
            iam.PolicyStatement(
                sid="ReadShadowCaptures",
                actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects(f"{names.SHADOW_CAPTURE_PREFIX}/*")],
            ),
            # The captures are stored under the bucket's default encryption, the registry key.
            iam.PolicyStatement(
                sid="DecryptShadowCaptures", actions=["kms:Decrypt"], resources=[self.registry.key.key_arn]
            ),
        )
        self.registry.acknowledge_version_wildcard(role)
        self._acknowledge_experiments(role)
        artifacts = rendered_reference(cdk.Stack.of(self.registry), bucket.bucket_arn)
        reasons = {
            "Resource::*": (
                "sagemaker:Search, sagemaker:ListInferenceExperiments and cloudwatch:GetMetricStatistics have "
                "no resource type (service authorization reference); the evaluator reads only."
            ),
            f"Resource::{artifacts}/{names.SHADOW_CAPTURE_PREFIX}/*": (
                "Each shadow test stores its captures under its own key prefix, named at run time; the "
                "evaluator reads only the shadow-capture/ prefix of the artifact bucket."
            ),
        }
        for finding, reason in reasons.items():
            cdk.Validations.of(role).acknowledge(
                cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]", reason=reason)
            )

    def _acknowledge_experiments(self, role: iam.Role) -> None:
        prefix = names.shadow_experiment_prefix(self.project)
        cdk.Validations.of(role).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:"
                f"<AWS::AccountId>:inference-experiment/{prefix}*]",
                reason="Shadow test names carry the version and attempt, known only at run time; the wildcard "
                f"is limited to this project's '{prefix}' prefix in this account and region.",
            )
        )

    def notifier(self, role: iam.Role) -> None:
        self._read_and_notify(role)
        # It marks a rejection as notified in the version's metadata: that key only, no approval, no stage.
        self._add(role, *deployers.notifier_record_statements(self.packages))
        self._acknowledge(role, None, reads_artifacts=False)

    def _read_and_notify(self, role: iam.Role) -> None:
        self._add(
            role,
            iam.PolicyStatement(
                sid="ReadVersions", actions=["sagemaker:DescribeModelPackage"], resources=[self.packages]
            ),
        )
        self.registry.topic.grant_publish(role)

    def _stage_resources(self, environment: str) -> tuple[str, str]:
        prefix = names.resource_prefix(self.project, environment)
        return self._arn("model", f"{prefix}*"), self._arn("endpoint-config", f"{prefix}*")

    def _serve(
        self,
        role: iam.Role,
        environment: str,
        endpoint: str,
        execution_role: iam.IRole,
        records: Sequence[iam.PolicyStatement],
    ) -> None:
        """What deploying one endpoint takes: models and configs under its own stage's prefix, that endpoint,
        its own stage records, and passing its own stage's model execution role to SageMaker."""
        self._read_and_notify(role)
        models, configs = self._stage_resources(environment)
        self._add(
            role,
            *records,
            iam.PolicyStatement(
                sid="CreateModelsAndConfigs",
                actions=[
                    "sagemaker:CreateModel",
                    "sagemaker:DescribeModel",  # a model of that name exists: made from this package?
                    "sagemaker:CreateEndpointConfig",
                    "sagemaker:DescribeEndpointConfig",
                ],
                resources=[models, configs],
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
                resources=[endpoint, configs],
            ),
            iam.PolicyStatement(
                sid="TagWhatItServes",
                actions=["sagemaker:AddTags", "sagemaker:ListTags"],
                resources=[endpoint, configs, models],
            ),
            # After an update settles, the deployer looks for a version whose request arrived meanwhile.
            iam.PolicyStatement(sid="FindWaitingVersions", actions=["sagemaker:Search"], resources=["*"]),
            iam.PolicyStatement(
                sid="PassModelExecutionRole",
                actions=["iam:PassRole"],
                resources=[execution_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            ),
        )

    @staticmethod
    def _add(role: iam.Role, *statements: iam.PolicyStatement) -> None:
        for statement in statements:
            role.add_to_policy(statement)

    def _acknowledge(self, role: iam.Role, serving: str | None, *, reads_artifacts: bool) -> None:
        self.registry.acknowledge_version_wildcard(role)
        prefix = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>"
        reasons = {
            "Action::kms:GenerateDataKey*": (
                "Topic.grant_publish on the registry's KMS-encrypted topic: SNS needs a data key from that one "
                "key (the resource is the key's ARN, only the action name ends in a wildcard)."
            ),
        }
        if serving:
            stage = names.resource_prefix(self.project, serving)
            reasons |= {
                f"Resource::{prefix}:endpoint-config/{stage}*": (
                    "Endpoint config names derive from each version's content and are created at run time; "
                    f"the wildcard is limited to this endpoint stage's '{stage}' prefix in this account and "
                    "region, so this deployer cannot create or tag the other stage's configs."
                ),
                f"Resource::{prefix}:model/{stage}*": (
                    "Model names derive from each version's content and are created at run time; the wildcard "
                    f"is limited to this endpoint stage's '{stage}' prefix in this account and region, so "
                    "this deployer cannot create or tag the model the other stage runs."
                ),
                "Resource::*": (
                    "sagemaker:Search has no resource-level permissions (the service authorization reference "
                    "lists no resource type for it); the deployer only reads model package metadata with it, "
                    "filtered to its own group. cloudwatch:GetMetricStatistics (staging: the endpoint's "
                    "ModelLatency) has no resource type either."
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
