"""CloudWatch alarms on a SageMaker endpoint, used as the rollback alarms of its blue/green updates.

Alarm names are deterministic (``<endpoint>-5xx-errors``, ``<endpoint>-model-latency``) because
UpdateEndpoint's AutoRollbackConfiguration refers to alarms by name, and the deployer Lambda receives
these names through its environment.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from modelops.contract.names import VARIANT, rollback_alarm_names


class EndpointAlarms(Construct):
    """Errors and latency alarms on one endpoint variant.

    Props:
        endpoint_name: the endpoint (it need not exist yet: alarms on absent metrics stay OK).
        latency_threshold: average model latency above which the endpoint is unhealthy.
        error_threshold: 5XX responses per minute above which it is unhealthy (default: any).
        topic: where alarm state changes are published, when given.

    Both alarms need 2 breaching minutes out of 3, so a single slow request does not roll back a canary,
    and treat missing data as OK: an idle endpoint is not a failing one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        latency_threshold: cdk.Duration,
        error_threshold: int = 0,
        topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._dimensions = {"EndpointName": endpoint_name, "VariantName": VARIANT}
        # Plain strings, not the alarms' Ref tokens: the deployer's environment names them before they exist.
        self.alarm_names: tuple[str, ...] = rollback_alarm_names(endpoint_name)
        self.errors = self._alarm(
            "Errors",
            self.alarm_names[0],
            f"{endpoint_name} answers with server errors; rolls back a blue/green update",
            metric_name="Invocation5XXErrors",
            statistic="Sum",
            threshold=error_threshold,
        )
        self.latency = self._alarm(
            "Latency",
            self.alarm_names[1],
            f"{endpoint_name} model latency is over budget; rolls back a blue/green update",
            metric_name="ModelLatency",
            statistic="Average",
            # SageMaker reports ModelLatency in microseconds.
            threshold=latency_threshold.to_milliseconds() * 1000,
        )
        # In the order of alarm_names: what UpdateEndpoint names and what its callers may read.
        self.alarms: tuple[cloudwatch.IAlarm, ...] = (self.errors, self.latency)
        if topic is not None:
            for alarm in (self.errors, self.latency):
                alarm.add_alarm_action(actions.SnsAction(topic))
                alarm.add_ok_action(actions.SnsAction(topic))

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """DescribeAlarms on these alarms: what SageMaker's auto-rollback (as the endpoint's execution role)
        and whoever names them in UpdateEndpoint need ("Auto-Rollback Configuration and Monitoring")."""
        return grant_read_alarms(grantee, self.alarms)

    def _alarm(
        self,
        construct_id: str,
        name: str,
        description: str,
        *,
        metric_name: str,
        statistic: str,
        threshold: float,
    ) -> cloudwatch.Alarm:
        """The endpoint variant's metric above ``threshold`` in 2 of 3 minutes; no data is not breaching."""
        return cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=name,
            alarm_description=description,
            metric=cloudwatch.Metric(
                namespace="AWS/SageMaker",
                metric_name=metric_name,
                dimensions_map=self._dimensions,
                statistic=statistic,
                period=cdk.Duration.minutes(1),
            ),
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )


def grant_read_alarms(grantee: iam.IGrantable, alarms: Sequence[cloudwatch.IAlarm]) -> iam.Grant:
    """DescribeAlarms on ``alarms`` only."""
    return iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["cloudwatch:DescribeAlarms"],
        resource_arns=[alarm.alarm_arn for alarm in alarms],
    )
