"""A change made while the audit rule was disabled is not in the log (EventBridge: a disabled rule matches no
events, "Disabling or enabling an EventBridge rule", EventBridge User Guide). History shows a gap there and
never fills it in from the version's current state."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelops.cli_audit import served_table
from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.registry import ModelRegistry
from modelops.registry.audit import Served, read_log, served_at
from tests.audit.test_audit_trail import _register, _settle

PACKAGE_RULE = "modelops-audit-packages"  # the "Model Package State Change" rule (audit_trail.py)


@pytest.fixture
def embedded_aws_cdk_out(synthesized_cdk_out: Path) -> Path:
    return synthesized_cdk_out


def test_a_change_made_while_the_audit_rule_was_disabled_is_a_gap_never_filled_in(
    embedded_aws: EmbeddedAWS,
) -> None:
    arn = _register(embedded_aws)
    _settle(embedded_aws)
    approver = embedded_aws.client("sagemaker", role="approver")
    events = embedded_aws.client("events")  # the administrator: no person may disable it (test_audit_trail)
    events.disable_rule(Name=PACKAGE_RULE)
    approver.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription="missed"
    )
    _settle(embedded_aws)  # delivered while disabled: not written
    events.enable_rule(Name=PACKAGE_RULE)
    approver.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.APPROVED, ApprovalDescription="reconsidered"
    )
    _settle(embedded_aws)
    registry = ModelRegistry(
        approver,
        embedded_aws.output("ModelPackageGroupName"),
        logs_client=embedded_aws.client("logs", role="approver"),
    )
    rows = registry.get_history(1)
    assert not any(row.why == "missed" or row.approval_to == lifecycle.REJECTED for row in rows)
    approved = [row for row in rows if row.approval_to == lifecycle.APPROVED][
        -1
    ]  # the staging deployer's follow
    assert [row for row in rows if row.gap] == [
        approved
    ]  # the log misses what v1 was just before: shown as a gap ...
    assert approved.approval_from is None  # ... not as "PendingManualApproval", its last state the log holds
    assert (approved.who, approved.why) == ("approver", "reconsidered")
    registered = rows[-1]
    assert (registered.approval_to, registered.gap) == (lifecycle.PENDING, False)


def test_with_the_rule_enabled_throughout_no_gap_is_shown(embedded_aws: EmbeddedAWS) -> None:
    arn = _register(embedded_aws)
    approver = embedded_aws.client("sagemaker", role="approver")
    approver.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription="no"
    )
    approver.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription="still no"
    )
    _settle(embedded_aws)
    registry = ModelRegistry(
        approver,
        embedded_aws.output("ModelPackageGroupName"),
        logs_client=embedded_aws.client("logs", role="approver"),
    )
    rows = registry.get_history(1)
    assert [(r.approval_from, r.approval_to, r.gap) for r in rows] == [
        (lifecycle.PENDING, lifecycle.REJECTED, False),
        (None, lifecycle.PENDING, False),
    ]


ENDPOINT_RULE = "modelops-audit-endpoints"  # the "Endpoint State Change" rule (audit_trail.py)
PRODUCTION = "modelops-production"


@pytest.fixture
def registry_only(synthesized_cdk_out: Path, tmp_path: Path) -> Iterator[EmbeddedAWS]:
    """The registry stack alone (the audit trail is part of it): no deployer reacts to the endpoint these tests
    point by hand at configs of their own."""
    for template in synthesized_cdk_out.glob("modelops-registry*.template.json"):
        shutil.copy(template, tmp_path / template.name)
    with embedded_aws(tmp_path) as aws:
        yield aws


def _serve(aws: EmbeddedAWS, config_name: str, package: str, *, create: bool) -> None:
    """Point production at a config tagged as serving ``package`` (as the deployer tags it), as the admin."""
    sm = aws.client("sagemaker")
    sm.create_model(
        ModelName=config_name,
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1"},
        ExecutionRoleArn="arn:aws:iam::123456789012:role/any",
    )
    sm.create_endpoint_config(
        EndpointConfigName=config_name,
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": config_name, "InstanceType": "ml.m5.large"}
        ],
    )
    tags = [{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": package}]
    if create:
        sm.create_endpoint(EndpointName=PRODUCTION, EndpointConfigName=config_name, Tags=tags)
    else:
        sm.add_tags(ResourceArn=sm.describe_endpoint(EndpointName=PRODUCTION)["EndpointArn"], Tags=tags)
        sm.update_endpoint(EndpointName=PRODUCTION, EndpointConfigName=config_name)
    aws.settle()


def _served_at(aws: EmbeddedAWS, moment: datetime) -> Served:
    logs = aws.client("logs", role="approver")
    records, _ = read_log(logs, aws.output("AuditLogGroupName"))
    (served,) = served_at(records, [PRODUCTION], moment)
    return served


def test_status_at_a_moment_after_an_endpoint_change_the_log_missed_says_gap(
    registry_only: EmbeddedAWS,
) -> None:
    aws = registry_only
    _serve(aws, "first", "arn:v1", create=True)
    # CloudTrail's eventTime is whole seconds (a moment in a call's second cannot tell before from after it):
    # the moments asked about lie in seconds of their own.
    time.sleep(1.1)
    before = datetime.now(UTC)
    time.sleep(1.1)
    events = aws.client("events")
    events.disable_rule(Name=ENDPOINT_RULE)  # the update below reaches the log only as its CloudTrail call
    _serve(aws, "second", "arn:v2", create=False)
    events.enable_rule(Name=ENDPOINT_RULE)
    time.sleep(1.1)
    after_missed = datetime.now(UTC)

    then = _served_at(aws, before)
    assert (then.package_arn, then.gap_since) == ("arn:v1", None)
    missed = _served_at(aws, after_missed)
    # Not "arn:v1", the last state the log holds: the log misses what the update changed.
    assert (missed.package_arn, missed.status) == (None, None)
    assert missed.gap_since is not None and missed.gap_since >= before.replace(microsecond=0)
    assert "unknown (gap" in served_table([missed], after_missed)

    time.sleep(1.1)  # the next call in another second of CloudTrail's whole-second eventTime
    _serve(aws, "third", "arn:v3", create=False)  # recorded again: the gap ends with it
    now = _served_at(aws, datetime.now(UTC))
    assert (now.package_arn, now.gap_since) == ("arn:v3", None)
    still = _served_at(aws, after_missed)
    assert still.gap_since is not None  # a later record does not fill in the past


def test_with_the_endpoint_rule_enabled_throughout_status_at_shows_no_gap(registry_only: EmbeddedAWS) -> None:
    aws = registry_only
    _serve(aws, "first", "arn:v1", create=True)
    time.sleep(1.1)  # two calls of one endpoint in one CloudTrail second may show a gap (served_at says why)
    _serve(aws, "second", "arn:v2", create=False)
    now = _served_at(aws, datetime.now(UTC))
    assert (now.package_arn, now.status, now.gap_since) == ("arn:v2", "IN_SERVICE", None)
