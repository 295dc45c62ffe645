"""The CDK floor: a one-stack CDK Python app of the project's size (63 resources of the same types), with
none of the project's own synth-time work (no SageMaker SDK, no cdk-nag, no Lambda bundle probe).

``bench/synth_ratio.py`` synthesizes it beside the project's app, so the ratio says what the project adds to
what any CDK Python app of this size costs on this machine.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

HANDLERS = ("one", "two", "three", "four", "five")


class FloorStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        key = kms.Key(self, "Key", enable_key_rotation=True)
        logs_bucket = s3.Bucket(self, "Logs", enforce_ssl=True)
        bucket = s3.Bucket(
            self, "Artifacts", encryption_key=key, enforce_ssl=True, server_access_logs_bucket=logs_bucket
        )
        topic = sns.Topic(self, "Topic", master_key=key, enforce_ssl=True)
        sagemaker.CfnModelPackageGroup(self, "Group", model_package_group_name="floor")
        for name in ("Reader", "Writer"):
            iam.ManagedPolicy(
                self,
                name,
                statements=[
                    iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")])
                ],
            )
        role = iam.Role(self, "PipelineRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
        bucket.grant_read_write(role)
        sagemaker.CfnPipeline(
            self,
            "Pipeline",
            pipeline_name="floor",
            role_arn=role.role_arn,
            pipeline_definition={"PipelineDefinitionBody": '{"Version": "2020-12-01", "Steps": []}'},
        )
        for index, name in enumerate(HANDLERS):
            dlq = sqs.Queue(self, f"Dlq{index}", enforce_ssl=True)
            function = lambda_.Function(
                self,
                f"Handler{index}",
                runtime=lambda_.Runtime.PYTHON_3_14,
                handler="index.handler",
                code=lambda_.Code.from_inline(f"def handler(event, context):\n    return {name!r}\n"),
                log_group=logs.LogGroup(self, f"Log{index}", retention=logs.RetentionDays.ONE_MONTH),
                retry_attempts=2,
                on_failure=None,
                dead_letter_queue=dlq,
            )
            topic.grant_publish(function)
            rule = events.Rule(
                self, f"Rule{index}", event_pattern=events.EventPattern(source=["aws.sagemaker"])
            )
            rule.add_target(targets.LambdaFunction(function, dead_letter_queue=dlq, retry_attempts=2))
            cloudwatch.Alarm(
                self,
                f"DlqAlarm{index}",
                metric=dlq.metric_approximate_number_of_messages_visible(),
                threshold=1,
                evaluation_periods=1,
            )
        for index in range(2):
            cloudwatch.Alarm(
                self,
                f"EndpointAlarm{index}",
                metric=topic.metric_number_of_messages_published(),
                threshold=1,
                evaluation_periods=1,
            )


app = cdk.App()
FloorStack(app, "floor")
app.synth()
