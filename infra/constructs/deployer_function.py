"""``DeployerFunction``: one deployer Lambda with its rule, retries, dead-letter queue, logs and alarm."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.deployer_routes import Route
from modelops.contract.events import SOURCE
from modelops.contract.names import DEPLOYER_SERVICE, handler_path

RUNTIME = lambda_.Runtime.PYTHON_3_14  # the newest Python runtime CDK 2.275 offers


class DeployerFunction(Construct):
    """The Lambda of one route, invoked by its rule on the default event bus.

    Props:
        route: the handler, its pattern, description and timeout.
        code: the deployer bundle (``lambda_bundle.build_bundle``).
        role: the role the function runs as (shared by the handlers of one endpoint).
        environment: the deployer settings (``modelops.contract.names`` ENV_*), set on the function.
        alarm_topic: where the dead-letter alarm is published.
        alarm_name: the dead-letter alarm's name (``names.dead_letter_alarm_name``): the topic accepts only
            the project's alarms, by name.
        retry_attempts: how often EventBridge and Lambda retry an event whose handler fails (for instance
            because the endpoint is busy) before it goes to the dead-letter queue.

    Child IDs (DeadLetterQueue, Logs, Function, Rule, DeadLetterAlarm) are part of the logical IDs.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        route: Route,
        code: lambda_.Code,
        role: iam.IRole,
        environment: Mapping[str, str],
        alarm_topic: sns.ITopic,
        retry_attempts: int,
        alarm_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # SQS-managed encryption: EventBridge and Lambda can write to it without a key policy grant, and
        # the queue holds only event envelopes (ARNs, names, statuses), never model data.
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=cdk.RemovalPolicy.RETAIN
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=route.description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler_path(route.handler),
            code=code,
            role=role,
            memory_size=256,
            timeout=cdk.Duration.seconds(route.timeout_seconds),
            environment={
                **environment,
                "POWERTOOLS_SERVICE_NAME": DEPLOYER_SERVICE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
            },
            log_group=log_group,
            # A failed asynchronous invocation (the handler raised) goes to the same queue as an event
            # EventBridge could not deliver: one place to look, one alarm.
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=retry_attempts,
            max_event_age=cdk.Duration.hours(1),
        )
        log_group.grant_write(role)
        self.rule = self._rule(route, retry_attempts)
        self.dead_letter_alarm = self._dead_letter_alarm(route, alarm_topic, alarm_name)
        cdk.Validations.of(self.dead_letter_queue).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-SQS3",
                reason="This queue is itself the dead-letter queue of a rule target and a Lambda function.",
            )
        )

    def _rule(self, route: Route, retry_attempts: int) -> events.Rule:
        if route.schedule is not None:
            rule = events.Rule(
                self,
                "Rule",
                description=route.description,
                schedule=events.Schedule.expression(route.schedule),
            )
        else:
            rule = events.Rule(
                self,
                "Rule",
                description=route.description,
                event_pattern=events.EventPattern(
                    source=[SOURCE], detail_type=[route.detail_type], detail=dict(route.detail)
                ),
            )
        rule.add_target(
            targets.LambdaFunction(
                self.function,
                dead_letter_queue=self.dead_letter_queue,
                retry_attempts=retry_attempts,
                max_event_age=cdk.Duration.hours(1),
            )
        )
        return rule

    def _dead_letter_alarm(self, route: Route, topic: sns.ITopic, name: str | None) -> cloudwatch.Alarm:
        """Any message in the queue, published to ``topic``: a dead-lettered event needs a person."""
        alarm = cloudwatch.Alarm(
            self,
            "DeadLetterAlarm",
            alarm_name=name,
            alarm_description=f"{route.handler}: events failed and were dead-lettered; inspect the queue",
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
