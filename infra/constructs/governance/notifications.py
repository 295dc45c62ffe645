"""Who may publish to the lifecycle topic besides the deployer roles: the project's CloudWatch alarms.

A topic policy replaces SNS's default policy, so the TLS-only statement alone left no way for CloudWatch to
publish: the dead-letter and rollback alarms failed silently. CloudWatch publishes as the service principal;
``aws:SourceArn`` (the alarm) and ``aws:SourceAccount`` keep it to this project's alarms in this account
(the confused-deputy guard the SNS and CloudWatch guides recommend). The topic is KMS-encrypted, so the
same alarms need the key to encrypt the message.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

_CLOUDWATCH = "cloudwatch.amazonaws.com"


def _conditions(account: str, alarm_arns: Sequence[str]) -> dict[str, dict[str, object]]:
    return {"ArnLike": {"aws:SourceArn": list(alarm_arns)}, "StringEquals": {"aws:SourceAccount": account}}


def alarm_publish_statement(topic_arn: str, account: str, alarm_arns: Sequence[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid="AllowProjectAlarmsToPublish",
        principals=[iam.ServicePrincipal(_CLOUDWATCH)],
        actions=["sns:Publish"],
        resources=[topic_arn],
        conditions=_conditions(account, alarm_arns),
    )


def alarm_key_statement(account: str, alarm_arns: Sequence[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid="AllowCloudWatchAlarmsToPublishEncrypted",
        principals=[iam.ServicePrincipal(_CLOUDWATCH)],
        actions=["kms:Decrypt", "kms:GenerateDataKey*"],
        resources=["*"],  # in a key policy "*" means this key
        conditions=_conditions(account, alarm_arns),
    )
