"""``AuditTrail``: every transition of the registry's versions and endpoints, kept as it happens, in AWS.

Three EventBridge rules on the default bus send their events, unchanged, to one KMS-encrypted CloudWatch Logs
log group: the group's "SageMaker Model Package State Change" events (approval and ModelLifeCycle with their
descriptions), the project endpoints' "SageMaker Endpoint State Change" events (what each one serves, from its
tags), and the "AWS API Call via CloudTrail" events of the calls that make those changes (who). No code of
ours runs: EventBridge writes each event's JSON as one log event ("Amazon CloudWatch Logs" in the EventBridge
User Guide's targets list; "Using resource-based policies for Amazon EventBridge", CloudWatch Logs
permissions). An EventBridge archive would keep the events too, but an archive cannot be read, only replayed.

CDK's ``targets.CloudWatchLogGroup`` writes the log group's resource policy through a custom-resource Lambda;
here it is a plain ``AWS::Logs::ResourcePolicy``. Each target retries and dead-letters like the deployer's
targets, and the dead-letter queue's alarm notifies the lifecycle topic. Retained on stack deletion: the log is
the record of what was approved and served.

Child IDs (Log, LogPolicy, PackageChanges, EndpointChanges, ApiCalls, DeadLetterQueue, DeadLetterAlarm) are part
of the logical IDs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from modelops.contract import names
from modelops.contract.events import (
    API_CALL,
    CLOUDTRAIL_EVENT_SOURCE,
    ENDPOINT_STATE_CHANGE,
    PACKAGE_STATE_CHANGE,
    SOURCE,
)

READ_ACTIONS = ("logs:FilterLogEvents", "logs:GetLogEvents", "logs:DescribeLogStreams")
# The principals the EventBridge User Guide names in a CloudWatch Logs target's resource policy.
_DELIVERY_PRINCIPALS = ("events.amazonaws.com", "delivery.logs.amazonaws.com")


def api_call_detail(group: str, endpoints: Sequence[str]) -> dict[str, Any]:
    """The CloudTrail records of the calls that change the group's versions or the project's endpoints.

    CloudTrail writes SageMaker's request members in lower camel case ("Understand SageMaker AI log file
    entries", SageMaker Developer Guide: ``requestParameters.endpointName``). A group may be named by name or
    ARN in CreateModelPackage; UpdateModelPackage takes the version's ARN.
    """
    return {
        "eventSource": [CLOUDTRAIL_EVENT_SOURCE],
        "$or": [
            {
                "eventName": ["CreateModelPackage"],
                "requestParameters": {
                    "modelPackageGroupName": [
                        group,
                        {"wildcard": f"arn:*:sagemaker:*:*:model-package-group/{group}"},
                    ]
                },
            },
            {
                "eventName": ["UpdateModelPackage"],
                "requestParameters": {
                    "modelPackageArn": [{"wildcard": f"arn:*:sagemaker:*:*:model-package/{group}/*"}]
                },
            },
            {
                "eventName": ["CreateEndpoint", "UpdateEndpoint"],
                "requestParameters": {"endpointName": list(endpoints)},
            },
        ],
    }


@jsii.implements(events.IRuleTarget)
class _LogGroupTarget:
    """A CloudWatch Logs target without CDK's custom resource: the resource policy is the construct's."""

    def __init__(self, log_group_arn: str, queue: sqs.IQueue, retry_attempts: int) -> None:
        self._arn, self._queue, self._retries = log_group_arn, queue, retry_attempts

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(
            arn=self._arn,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._queue.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=self._retries, maximum_event_age_in_seconds=3600
            ),
        )


class AuditTrail(Construct):
    """The audit log of one model package group and the two endpoints of its project.

    Props:
        group_name: the model package group whose versions' transitions are kept.
        project_name: names the rules (``<project>-audit-*``), so one ARN pattern names them all.
        endpoint_names: the endpoints whose changes (what they serve) are kept.
        key: encrypts the log (its key policy gets CloudWatch Logs' use of it for this log group only).
        topic: where the dead-letter alarm notifies.
        alarm_name: the dead-letter alarm's name (``names.audit_dead_letter_alarm_name``).
        retention_days: how long each log event is kept (a value CloudWatch Logs accepts).
        retry_attempts: how often EventBridge retries a delivery before it dead-letters the event.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        group_name: str,
        project_name: str,
        endpoint_names: Sequence[str],
        key: kms.IKey,
        topic: sns.ITopic,
        alarm_name: str,
        retention_days: int,
        retry_attempts: int = 2,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self._group_name = group_name
        self.log_group_name = names.audit_log_group_name(group_name)
        self.log_group_arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=self.log_group_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self._allow_logs_to_use(key)
        # The L1 resource: the retention is a number of days the stage settings validated.
        self.log_group = logs.CfnLogGroup(
            self,
            "Log",
            log_group_name=self.log_group_name,
            kms_key_id=key.key_arn,
            retention_in_days=retention_days,
        )
        self.log_group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        cdk.Validations.of(self.dead_letter_queue).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-SQS3",
                reason="This queue is itself the dead-letter queue of the audit trail's rule targets.",
            )
        )
        patterns: dict[str, tuple[str, str, dict[str, Any]]] = {
            "PackageChanges": ("packages", PACKAGE_STATE_CHANGE, {"ModelPackageGroupName": [group_name]}),
            "EndpointChanges": ("endpoints", ENDPOINT_STATE_CHANGE, {"EndpointName": list(endpoint_names)}),
            "ApiCalls": ("api-calls", API_CALL, api_call_detail(group_name, endpoint_names)),
        }
        self.rule_name_prefix = f"{project_name}-audit-"
        target = _LogGroupTarget(self.log_group_arn, self.dead_letter_queue, retry_attempts)
        self.rules: dict[str, events.Rule] = {}
        for rule_id, (suffix, detail_type, detail) in patterns.items():
            rule = events.Rule(
                self,
                rule_id,
                rule_name=f"{self.rule_name_prefix}{suffix}",
                description=f"{group_name}: {detail_type} -> the audit log",
                event_pattern=events.EventPattern(source=[SOURCE], detail_type=[detail_type], detail=detail),
            )
            rule.add_target(target)
            self.rules[rule_id] = rule
        self._resource_policy()
        self._dead_letter_policy()
        self.dead_letter_alarm = self._alarm(topic, alarm_name)

    def _allow_logs_to_use(self, key: kms.IKey) -> None:
        """CloudWatch Logs encrypts with the key only for this log group ("Encrypt log data in CloudWatch Logs
        using AWS KMS", CloudWatch Logs User Guide: the key policy statement and its encryption context)."""
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsForTheAuditLog",
                principals=[iam.ServicePrincipal(f"logs.{cdk.Aws.REGION}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],  # in a key policy "*" means this key
                conditions={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": self.log_group_arn}},
            )
        )

    def _resource_policy(self) -> None:
        """EventBridge writes to CloudWatch Logs under the log group's resource policy, never a role
        ("Using resource-based policies for Amazon EventBridge": CloudWatch Logs permissions)."""
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "EventBridgeWritesTheAuditLog",
                    "Effect": "Allow",
                    "Principal": {"Service": list(_DELIVERY_PRINCIPALS)},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{self.log_group_arn}:*",
                }
            ],
        }
        logs.CfnResourcePolicy(
            self,
            "LogPolicy",
            policy_name=f"modelops-audit-{self._group_name}",
            policy_document=cdk.Stack.of(self).to_json_string(document),
        )

    def _dead_letter_policy(self) -> None:
        """EventBridge sends an undeliverable event to the queue only if its policy lets the rule do so
        ("Using dead-letter queues to process undelivered events", EventBridge User Guide)."""
        self.dead_letter_queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AuditRulesDeadLetter",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.dead_letter_queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": [r.rule_arn for r in self.rules.values()]}},
            )
        )

    def _alarm(self, topic: sns.ITopic, name: str) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            "DeadLetterAlarm",
            alarm_name=name,
            alarm_description="audit trail: events could not be written to the audit log; inspect the queue",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(5)
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(topic))
        return alarm

    def read_statement(self) -> iam.PolicyStatement:
        """Read the log (``modelops history``, ``status --at``): filter and get its events, list streams."""
        return iam.PolicyStatement(
            sid="ReadAuditLog", actions=list(READ_ACTIONS), resources=[self.log_pattern]
        )

    def acknowledge_streams(self, scope: Construct) -> None:
        """cdk-nag: the people's policy names the audit log with its streams, and the rules, by one pattern
        each: EventBridge names the streams, and the rules share the project's audit prefix."""
        rendered = {
            self.log_pattern: "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:"
            f"{self.log_group_name}*",
            self.rules_pattern: "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/"
            f"{self.rule_name_prefix}*",
        }
        for finding in rendered.values():
            cdk.Validations.of(scope).acknowledge(
                cdk.Acknowledgment(
                    id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{finding}]",
                    reason="EventBridge names the audit log's streams; one pattern covers the log group and its "
                    "streams (or the project's audit rules). Reads are of the audit log only; the explicit Deny "
                    "of writes fails closed.",
                )
            )

    @property
    def log_pattern(self) -> str:
        """The audit log group and its streams in one ARN pattern."""
        return f"{self.log_group_arn}*"

    @property
    def rules_pattern(self) -> str:
        """Every audit rule of the project (the rules are named ``<project>-audit-*``)."""
        return cdk.Stack.of(self).format_arn(
            service="events", resource="rule", resource_name=f"{self.rule_name_prefix}*"
        )

    @property
    def streams_arn(self) -> str:
        return f"{self.log_group_arn}:log-stream:*"
