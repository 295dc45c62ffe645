"""DeploymentStack: approval-driven deployment of the registry's versions to staging and production."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.approval_deployer import ApprovalDeployer
from infra.constructs.endpoint_alarms import EndpointAlarms
from infra.constructs.governed_registry import GovernedRegistry
from infra.constructs.nag_ids import rendered_reference
from modelops.contract import names as env
from modelops.contract.names import DATA_CAPTURE_PREFIX, endpoint_name
from modelops.contract.settings import StageSettings


class DeploymentStack(cdk.Stack):
    """The deployer (rules, Lambdas, queues), the production rollback alarms and the model execution role.

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

        self.model_execution_role = self._model_execution_role(settings, registry)
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
            model_execution_role=self.model_execution_role,
            environment=environment,
            rollback_alarms=self.production_alarms.alarms,
        )
        outputs = {
            "StagingEndpointName": staging,
            "ProductionEndpointName": production,
            "ModelExecutionRoleArn": self.model_execution_role.role_arn,
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
        }

    def _model_execution_role(self, settings: StageSettings, registry: GovernedRegistry) -> iam.Role:
        """What SageMaker needs to serve a version: its artifact, the serving image, logs, data capture."""
        project = settings.project_name
        role = iam.Role(
            self,
            "ModelExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"SageMaker serves {project} model versions with this role",
        )
        registry.artifact_bucket.grant_read(role)
        if settings.production_data_capture:
            registry.artifact_bucket.grant_put(role, f"{DATA_CAPTURE_PREFIX}/*")
        role.add_to_policy(
            iam.PolicyStatement(
                sid="PullServingImage",
                actions=[
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                resources=[
                    self.format_arn(
                        service="ecr",
                        account="*",
                        resource="repository",
                        resource_name="sagemaker-scikit-learn",
                    )
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
        log_group = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/sagemaker/Endpoints/{project}-*",
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
        self._acknowledge_execution_role(role, settings, registry)
        return role

    def _acknowledge_execution_role(
        self, role: iam.Role, settings: StageSettings, registry: GovernedRegistry
    ) -> None:
        artifacts = rendered_reference(cdk.Stack.of(registry), registry.artifact_bucket.bucket_arn)
        log_group = (
            "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:"
            f"/aws/sagemaker/Endpoints/{settings.project_name}-*"
        )
        read = "Bucket.grant_read on the registry's artifact bucket only: SageMaker downloads model.tar.gz."
        reasons = {
            "Action::s3:GetBucket*": read,
            "Action::s3:GetObject*": read,
            "Action::s3:List*": read,
            f"Resource::{artifacts}/*": (
                "Model artifacts of every version live under per-run prefixes of the registry's artifact "
                "bucket (and data capture under its data-capture/ prefix); only that bucket is reachable."
            ),
            "Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:*:repository/sagemaker-scikit-learn": (
                "The scikit-learn serving image lives in an AWS-owned account that differs per region; the "
                "wildcard is the account only, the repository is named."
            ),
            "Resource::*": (
                "ecr:GetAuthorizationToken has no resource type, and cloudwatch:PutMetricData has none either; "
                "the latter is limited to SageMaker's namespaces by a condition."
            ),
            f"Resource::{log_group}": "SageMaker creates one log group per endpoint of this project prefix.",
            f"Resource::{log_group}:log-stream:*": "Log streams are created per instance at run time.",
        }
        if settings.production_data_capture:
            capture = "Bucket.grant_put for data capture, on the artifact bucket's data-capture/ prefix only."
            reasons.update(
                {
                    f"Resource::{artifacts}/{DATA_CAPTURE_PREFIX}/*": capture,
                    "Action::s3:Abort*": capture,
                    "Action::kms:GenerateDataKey*": "Encrypting captured data with the registry key (that key only).",
                    "Action::kms:ReEncrypt*": "Encrypting captured data with the registry key (that key only).",
                }
            )
        for finding, reason in reasons.items():
            cdk.Validations.of(role).acknowledge(
                cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]", reason=reason)
            )
