"""The audit log under concurrent delivery (the dispatcher runs the Lambda targets of a batch on 4 threads,
as EventBridge invokes targets concurrently): every transition is in the log once, none lost, none doubled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.contract.events import PACKAGE_STATE_CHANGE
from modelops.local.embedded import EmbeddedAWS
from modelops.registry.audit import transitions
from tests.audit.test_audit_trail import _records, _register, _settle


@pytest.fixture
def embedded_aws_cdk_out(synthesized_cdk_out: Path) -> Path:
    return synthesized_cdk_out


@pytest.fixture
def embedded_aws_options() -> dict[str, Any]:
    return {"concurrency": 4}


def test_concurrent_delivery_keeps_every_transition_exactly_once(embedded_aws: EmbeddedAWS) -> None:
    arns = [_register(embedded_aws) for _ in range(3)]
    approver = embedded_aws.client("sagemaker", role="approver")
    for arn in arns:
        approver.update_model_package(
            ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription="no"
        )
    _settle(embedded_aws)
    logs = embedded_aws.client("logs", role="approver")
    raw = logs.filter_log_events(logGroupName=embedded_aws.output("AuditLogGroupName"))["events"]
    written = [json.loads(e["message"]) for e in raw]
    changes = [e["id"] for e in written if e["detail-type"] == PACKAGE_STATE_CHANGE]
    # each event written once (the notifier's own metadata updates add events of their own, not repeats)
    assert len(changes) == len(set(changes)) >= 6
    records = _records(embedded_aws)
    for number in (1, 2, 3):
        rows = transitions(records, number)
        assert [(r.approval_from, r.approval_to) for r in rows] == [
            (lifecycle.PENDING, lifecycle.REJECTED),
            (None, lifecycle.PENDING),
        ]
        assert [r.who for r in rows] == ["approver", "data-scientist"]
