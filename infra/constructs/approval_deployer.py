"""ApprovalDeployer: the EventBridge rules and Lambdas that turn registry events into deployments.

One rule and one Lambda per event type (see ``modelops.deploy.handlers``), each with retries and a
dead-letter queue watched by an alarm. The code is ``modelops.deploy`` and what it imports, built by
``lambda_bundle`` at synth time; configuration reaches it only through environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.lambda_bundle import HANDLER_PACKAGE, build_bundle
from infra.constructs.model_registry import ModelRegistry
from infra.constructs.nag_ids import rendered_reference
from modelops import lifecycle
from modelops.deploy.events import ENDPOINT_STATE_CHANGE, PACKAGE_STATE_CHANGE, SOURCE

RUNTIME = lambda_.Runtime.PYTHON_3_14  # the newest Python runtime CDK 2.275 offers


# The lifecycle states in which deploy_staging acts on an approval (``modelops.deploy.staging.awaits_staging``):
# never staged, or Staging/Failed approved again. Every other Approved update is one of our own lifecycle
# records (Staging/Deploying, Passed, Production/*, Archived/*), which would only invoke it to do nothing.
# ``exists`` works on leaf fields only, hence on Stage rather than on ModelLifeCycle.
_AWAITING_STAGING = [
    {"ModelLifeCycle": {"Stage": [{"exists": False}]}},
    {"ModelLifeCycle": {"Stage": [lifecycle.STAGE_DEVELOPMENT]}},
    {"ModelLifeCycle": {"Stage": [lifecycle.STAGE_STAGING], "StageStatus": [lifecycle.STATUS_FAILED]}},
]


# The Lambdas that act on one endpoint share a role, since each of them may have to deploy it (a verifier or
# finalizer starts the request that arrived while the endpoint was busy). Nothing else is shared: the staging
# role cannot change production, the production role cannot invoke anything, the notifier touches no endpoint.
STAGING_ROLE, PRODUCTION_ROLE, NOTIFIER_ROLE = "Staging", "Production", "Notifier"
_ROLE_DESCRIPTIONS = {
    STAGING_ROLE: "deploys and verifies the staging endpoint",
    PRODUCTION_ROLE: "deploys, finalizes and rolls back the production endpoint",
    NOTIFIER_ROLE: "notifies approvers of rejected versions",
}


@dataclass(frozen=True)
class _Route:
    handler: str
    role: str
    description: str
    detail_type: str
    detail: Mapping[str, object]
    timeout_seconds: int = 30


class ApprovalDeployer(Construct):
    """Rules on the default event bus for one model package group, and the deployer Lambdas they invoke.

    Props:
        registry: the group, its topic (notifications) and artifact bucket (sample payloads).
        project_name: prefix of every model, endpoint config and endpoint the deployer may touch.
        staging_endpoint_name / production_endpoint_name: the two endpoints it manages.
        model_execution_role: the role SageMaker assumes to serve a model; the only role it may pass.
        environment: the deployer settings (``modelops.deploy.settings`` names), added to every Lambda.
        retry_attempts: how often EventBridge and Lambda retry an event whose handler fails (for instance
            because the endpoint is busy) before it goes to the dead-letter queue.
        rollback_alarm_arns: the production endpoint's auto-rollback alarms, which the production deployer
            names in UpdateEndpoint and may read.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        registry: ModelRegistry,
        project_name: str,
        staging_endpoint_name: str,
        production_endpoint_name: str,
        model_execution_role: iam.IRole,
        environment: Mapping[str, str],
        retry_attempts: int = 2,
        rollback_alarm_arns: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        group = registry.model_package_group_name
        self._stack = stack
        self.roles = {
            name: iam.Role(
                self,
                f"{name}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"modelops deployer of {group}: {purpose}",
            )
            for name, purpose in _ROLE_DESCRIPTIONS.items()
        }
        code = lambda_.Code.from_asset(str(build_bundle()))
        package_change = {"ModelPackageGroupName": [group]}
        routes = (
            _Route(
                "deploy_staging",
                STAGING_ROLE,
                f"{group}: a version was approved -> deploy it to staging",
                PACKAGE_STATE_CHANGE,
                {**package_change, "ModelApprovalStatus": [lifecycle.APPROVED], "$or": _AWAITING_STAGING},
            ),
            _Route(
                "verify_staging",
                STAGING_ROLE,
                f"{staging_endpoint_name} changed state -> verify what it serves",
                ENDPOINT_STATE_CHANGE,
                {"EndpointName": [staging_endpoint_name]},
                timeout_seconds=120,
            ),
            _Route(
                "deploy_production",
                PRODUCTION_ROLE,
                f"{group}: a version was promoted or rolled back to -> production",
                PACKAGE_STATE_CHANGE,
                {
                    **package_change,
                    "ModelLifeCycle": {
                        "Stage": [lifecycle.STAGE_PRODUCTION],
                        "StageStatus": [lifecycle.STATUS_APPROVED, lifecycle.STATUS_ROLLBACK_REQUESTED],
                    },
                },
            ),
            _Route(
                "finalize_production",
                PRODUCTION_ROLE,
                f"{production_endpoint_name} changed state -> record the outcome",
                ENDPOINT_STATE_CHANGE,
                {"EndpointName": [production_endpoint_name]},
            ),
            _Route(
                "notify_rejected",
                NOTIFIER_ROLE,
                f"{group}: a version was rejected -> notify approvers",
                PACKAGE_STATE_CHANGE,
                {**package_change, "ModelApprovalStatus": [lifecycle.REJECTED]},
            ),
        )
        self.functions: dict[str, lambda_.Function] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        self.rules: dict[str, events.Rule] = {}
        self.dead_letter_alarms: dict[str, cloudwatch.Alarm] = {}
        for route in routes:
            self._add_route(route, code, environment, registry, retry_attempts)
        grants = _Grants(self, registry, project_name, model_execution_role)
        grants.staging(self.roles[STAGING_ROLE], staging_endpoint_name, production_endpoint_name)
        grants.production(self.roles[PRODUCTION_ROLE], production_endpoint_name, rollback_alarm_arns)
        grants.notifier(self.roles[NOTIFIER_ROLE])
        for queue in self.dead_letter_queues.values():
            cdk.Validations.of(queue).acknowledge(
                cdk.Acknowledgment(
                    id="AwsSolutions::AwsSolutions-SQS3",
                    reason="This queue is itself the dead-letter queue of a rule target and a Lambda function.",
                )
            )
        # CDK makes each function depend on its role and the role's policy; the GetAtt of the role already
        # orders the role first (cfn-lint W3005), so keep only the policy: no invocation before its permissions.
        for route in routes:
            role = self.roles[route.role]
            policy = cast(cdk.CfnElement, role.node.find_child("DefaultPolicy").node.default_child)
            cast(cdk.CfnResource, self.functions[route.handler].node.default_child).add_override(
                "DependsOn", [stack.get_logical_id(policy)]
            )

    def _add_route(
        self,
        route: _Route,
        code: lambda_.Code,
        environment: Mapping[str, str],
        registry: ModelRegistry,
        retry_attempts: int,
    ) -> None:
        name = "".join(part.title() for part in route.handler.split("_"))
        scope = Construct(self, name)
        # SQS-managed encryption: EventBridge and Lambda can write to it without a key policy grant, and
        # the queue holds only event envelopes (ARNs, names, statuses), never model data.
        dlq = sqs.Queue(
            scope,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        log_group = logs.LogGroup(
            scope, "Logs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=cdk.RemovalPolicy.RETAIN
        )
        function = lambda_.Function(
            scope,
            "Function",
            description=route.description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=f"{HANDLER_PACKAGE}.{route.handler}.handler",
            code=code,
            role=self.roles[route.role],
            memory_size=256,
            timeout=cdk.Duration.seconds(route.timeout_seconds),
            environment={
                **environment,
                "POWERTOOLS_SERVICE_NAME": "modelops-deployer",
                "POWERTOOLS_LOG_LEVEL": "INFO",
            },
            log_group=log_group,
            # A failed asynchronous invocation (the handler raised) goes to the same queue as an event
            # EventBridge could not deliver: one place to look, one alarm.
            dead_letter_queue=dlq,
            retry_attempts=retry_attempts,
            max_event_age=cdk.Duration.hours(1),
        )
        log_group.grant_write(self.roles[route.role])
        rule = events.Rule(
            scope,
            "Rule",
            description=route.description,
            event_pattern=events.EventPattern(
                source=[SOURCE], detail_type=[route.detail_type], detail=dict(route.detail)
            ),
        )
        rule.add_target(
            targets.LambdaFunction(
                function,
                dead_letter_queue=dlq,
                retry_attempts=retry_attempts,
                max_event_age=cdk.Duration.hours(1),
            )
        )
        alarm = cloudwatch.Alarm(
            scope,
            "DeadLetterAlarm",
            alarm_description=f"{route.handler}: events failed and were dead-lettered; inspect the queue",
            metric=dlq.metric_approximate_number_of_messages_visible(period=cdk.Duration.minutes(5)),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(registry.topic))
        self.functions[route.handler] = function
        self.dead_letter_queues[route.handler] = dlq
        self.rules[route.handler] = rule
        self.dead_letter_alarms[route.handler] = alarm


class _Grants:
    """The permissions of each deployer role, and the cdk-nag acknowledgements for the wildcards they hold."""

    def __init__(
        self,
        scope: Construct,
        registry: ModelRegistry,
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

    def production(self, role: iam.Role, endpoint_name: str, rollback_alarm_arns: Sequence[str]) -> None:
        # Production records Production and Archived stages and never touches approval (Null: the request
        # may not carry ModelApprovalStatus), so it can neither approve nor reject a version.
        conditions = {
            "StringEqualsIfExists": {
                "sagemaker:ModelLifeCycle:stage": [lifecycle.STAGE_PRODUCTION, lifecycle.STAGE_ARCHIVED]
            },
            "Null": {"sagemaker:ModelApprovalStatus": "true"},
        }
        self._serve(role, self._arn("endpoint", endpoint_name), conditions)
        if rollback_alarm_arns:
            self._add(
                role,
                iam.PolicyStatement(
                    sid="ReadRollbackAlarms",
                    actions=["cloudwatch:DescribeAlarms"],
                    resources=list(rollback_alarm_arns),
                ),
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
