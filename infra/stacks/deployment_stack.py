"""DeploymentStack: approval-driven deployment of the registry's versions to staging and production."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.approval_deployer import ApprovalDeployer
from infra.constructs.endpoint_alarms import EndpointAlarms
from infra.constructs.governance import artifacts
from infra.constructs.governed_registry import GovernedRegistry
from infra.constructs.nag_ids import rendered_reference
from modelops.contract import names as env
from modelops.contract.names import (
    DATA_CAPTURE_PREFIX,
    MODEL_ARTIFACT_KEYS,
    SHADOW_CAPTURE_PREFIX,
    endpoint_name,
)
from modelops.contract.settings import StageSettings
from modelops.contract.training import SKLEARN_IMAGE_ACCOUNTS, SKLEARN_REPOSITORY


class DeploymentStack(cdk.Stack):
    """The deployer (rules, Lambdas, queues), the production rollback alarms and one model execution role
    per endpoint stage (so what the staging deployer may pass is never what production runs as).

    The endpoints themselves are not CloudFormation resources: the deployer creates and updates them as
    versions are approved, so a deployment never waits for, or fights with, a stack update.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        registry: GovernedRegistry,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        project = settings.project_name
        staging = endpoint_name(project, "staging")
        production = endpoint_name(project, "production")

        # The scikit-learn image lives in an AWS account that differs per region: map it at deploy time.
        images = cdk.CfnMapping(
            self,
            "ScikitLearnImageAccounts",
            mapping={
                region: {"account": account} for region, account in sorted(SKLEARN_IMAGE_ACCOUNTS.items())
            },
        )
        self._image_repository_arn = self.format_arn(
            service="ecr",
            account=images.find_in_map(cdk.Aws.REGION, "account"),
            resource="repository",
            resource_name=SKLEARN_REPOSITORY,
        )
        self.staging_execution_role = self._model_execution_role(settings, registry, staging, "Staging")
        self.model_execution_role = self._model_execution_role(settings, registry, production, "")
        self.production_alarms = EndpointAlarms(
            self,
            "ProductionAlarms",
            endpoint_name=production,
            topic=registry.topic,
            latency_threshold=cdk.Duration.millis(settings.verification_latency_budget_ms),
        )
        # SageMaker's deployment guardrails read the auto-rollback alarms as the endpoint's execution role
        # ("Auto-Rollback Configuration and Monitoring" in the developer guide); the production deployer,
        # which names them in UpdateEndpoint, gets the same read (ApprovalDeployer).
        self.production_alarms.grant_read(self.model_execution_role)
        environment = self._deployer_environment(settings, registry)
        self.deployer = ApprovalDeployer(
            self,
            "ApprovalDeployer",
            registry=registry,
            project_name=project,
            staging_endpoint_name=staging,
            production_endpoint_name=production,
            staging_execution_role=self.staging_execution_role,
            production_execution_role=self.model_execution_role,
            environment=environment,
            rollback_alarms=self.production_alarms.alarms,
            shadow_gate=bool(settings.shadow_gate),
        )
        outputs = {
            "StagingEndpointName": staging,
            "ProductionEndpointName": production,
            "ModelExecutionRoleArn": self.model_execution_role.role_arn,
            "StagingModelExecutionRoleArn": self.staging_execution_role.role_arn,
            **{
                f"{''.join(p.title() for p in name.split('_'))}DeadLetterQueueUrl": queue.queue_url
                for name, queue in self.deployer.dead_letter_queues.items()
            },
        }
        for name, value in outputs.items():
            cdk.CfnOutput(self, name, value=value)

    def _deployer_environment(self, settings: StageSettings, registry: GovernedRegistry) -> dict[str, str]:
        """The deployer Lambdas' whole configuration, under the contract's variable names."""
        project = settings.project_name
        production = endpoint_name(project, "production")
        capture_uri = ""
        if settings.production_data_capture:
            capture_uri = f"s3://{registry.artifact_bucket.bucket_name}/{DATA_CAPTURE_PREFIX}/{production}"
        return {
            env.ENV_PROJECT_NAME: project,
            env.ENV_GROUP_NAME: registry.model_package_group_name,
            env.ENV_TOPIC_ARN: registry.topic.topic_arn,
            # The staging deployer's functions get the staging role instead (ApprovalDeployer).
            env.ENV_EXECUTION_ROLE_ARN: self.model_execution_role.role_arn,
            env.ENV_STAGING_ENDPOINT: endpoint_name(project, "staging"),
            env.ENV_PRODUCTION_ENDPOINT: production,
            env.ENV_STAGING_INSTANCE_TYPE: settings.staging_instance_type,
            env.ENV_STAGING_SERVERLESS: str(settings.staging_serverless).lower(),
            env.ENV_STAGING_TRAFFIC_SHIFTING: settings.staging_traffic_shifting,
            env.ENV_PRODUCTION_INSTANCE_TYPE: settings.production_instance_type,
            env.ENV_PRODUCTION_INSTANCE_COUNT: str(settings.production_instance_count),
            env.ENV_PRODUCTION_TRAFFIC_SHIFTING: settings.production_traffic_shifting,
            env.ENV_ROLLBACK_ALARMS: ",".join(self.production_alarms.alarm_names),
            env.ENV_DATA_CAPTURE_URI: capture_uri,
            env.ENV_DATA_CAPTURE_KMS_KEY: registry.key.key_arn if capture_uri else "",
            env.ENV_LATENCY_BUDGET_MS: str(settings.verification_latency_budget_ms),
            env.ENV_CHAMPION_TOLERANCE: str(settings.champion_tolerance),
            **self._shadow_environment(settings, registry),
        }

    @staticmethod
    def _shadow_environment(settings: StageSettings, registry: GovernedRegistry) -> dict[str, str]:
        if not settings.shadow_gate:
            return {env.ENV_SHADOW_GATE: "false"}
        production = endpoint_name(settings.project_name, "production")
        return {
            env.ENV_SHADOW_GATE: "true",
            env.ENV_SHADOW_WINDOW_MINUTES: str(settings.shadow_window_minutes),
            env.ENV_SHADOW_MIN_REQUESTS: str(settings.shadow_min_requests),
            env.ENV_SHADOW_SAMPLING_PERCENT: str(settings.shadow_sampling_percent),
            env.ENV_SHADOW_ERROR_RATE_TOLERANCE: str(settings.shadow_error_rate_tolerance),
            env.ENV_SHADOW_LATENCY_TOLERANCE: str(settings.shadow_latency_tolerance),
            env.ENV_SHADOW_AGREEMENT_TOLERANCE: str(settings.shadow_agreement_tolerance),
            env.ENV_SHADOW_CAPTURE_URI: (
                f"s3://{registry.artifact_bucket.bucket_name}/{SHADOW_CAPTURE_PREFIX}/{production}"
            ),
        }

    def _model_execution_role(
        self, settings: StageSettings, registry: GovernedRegistry, endpoint: str, construct_prefix: str
    ) -> iam.Role:
        """What SageMaker needs to serve a version on ``endpoint``: its artifact (model artifacts only, not
        the datasets), the scikit-learn image of this region's AWS account, its logs, data capture."""
        production = not construct_prefix
        role = iam.Role(
            self,
            f"{construct_prefix}ModelExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"SageMaker serves model versions on {endpoint} with this role",
        )
        artifacts.model_artifact_read(registry.artifact_bucket, registry.key, role)
        if production and settings.production_data_capture:
            registry.artifact_bucket.grant_put(role, f"{DATA_CAPTURE_PREFIX}/*")
        if production and settings.shadow_gate:
            # SageMaker stores a shadow test's captures as the experiment's role (RoleArn), this one.
            registry.artifact_bucket.grant_put(role, f"{SHADOW_CAPTURE_PREFIX}/*")
        role.add_to_policy(
            iam.PolicyStatement(
                sid="PullServingImage",
                actions=[
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                resources=[self._image_repository_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
        log_group = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/sagemaker/Endpoints/{endpoint}",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="EndpointLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group, f"{log_group}:log-stream:*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="EndpointMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={
                    "StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/Endpoints*", "AWS/SageMaker*"]}
                },
            )
        )
        self._acknowledge_execution_role(role, settings, registry, endpoint, production)
        return role

    def _acknowledge_execution_role(
        self,
        role: iam.Role,
        settings: StageSettings,
        registry: GovernedRegistry,
        endpoint: str,
        production: bool,
    ) -> None:
        bucket = rendered_reference(cdk.Stack.of(registry), registry.artifact_bucket.bucket_arn)
        log_group = f"arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/Endpoints/{endpoint}"
        reasons = {
            f"Resource::{bucket}/{MODEL_ARTIFACT_KEYS}": (
                "Model artifacts are written under each pipeline execution's own model/ prefix (execution IDs "
                "are created at run time); SageMaker reads only those keys, not the datasets or evaluations."
            ),
            "Resource::*": (
                "ecr:GetAuthorizationToken has no resource type, and cloudwatch:PutMetricData has none either; "
                "the latter is limited to SageMaker's namespaces by a condition."
            ),
            f"Resource::{log_group}:log-stream:*": "Log streams are created per instance at run time.",
        }
        if production and settings.shadow_gate:
            shadow = (
                "Bucket.grant_put for shadow test captures, on the artifact bucket's shadow-capture/ prefix."
            )
            reasons.update(
                {
                    "Action::s3:Abort*": shadow,
                    f"Resource::{bucket}/{SHADOW_CAPTURE_PREFIX}/*": shadow,
                    "Action::kms:GenerateDataKey*": "Encrypting captured data with the registry key (that key only).",
                    "Action::kms:ReEncrypt*": "Encrypting captured data with the registry key (that key only).",
                }
            )
        if production and settings.production_data_capture:
            capture = "Bucket.grant_put for data capture, on the artifact bucket's data-capture/ prefix only."
            reasons.update(
                {
                    "Action::s3:GetBucket*": capture,
                    "Action::s3:GetObject*": capture,
                    "Action::s3:List*": capture,
                    f"Resource::{bucket}/{DATA_CAPTURE_PREFIX}/*": capture,
                    "Action::s3:Abort*": capture,
                    "Action::kms:GenerateDataKey*": "Encrypting captured data with the registry key (that key only).",
                    "Action::kms:ReEncrypt*": "Encrypting captured data with the registry key (that key only).",
                }
            )
        for finding, reason in reasons.items():
            cdk.Validations.of(role).acknowledge(
                cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]", reason=reason)
            )
