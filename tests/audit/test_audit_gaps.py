"""A change made while the audit rule was disabled is not in the log (EventBridge: a disabled rule matches no
events, "Disabling or enabling an EventBridge rule", EventBridge User Guide). History shows a gap there and
never fills it in from the version's current state."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS
from modelops.registry import ModelRegistry
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
