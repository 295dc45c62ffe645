"""The audit log under EventBridge's at-least-once delivery: every event delivered twice, then read in any
order, still gives one row per transition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS
from modelops.registry.audit import transitions
from tests.audit.test_audit_trail import _records, _register, _settle


@pytest.fixture
def embedded_aws_cdk_out(synthesized_cdk_out: Path) -> Path:
    return synthesized_cdk_out


@pytest.fixture
def embedded_aws_options() -> dict[str, Any]:
    return {"delivery": "duplicated"}


def test_duplicated_and_reordered_deliveries_give_one_row_per_transition(embedded_aws: EmbeddedAWS) -> None:
    arn = _register(embedded_aws)
    embedded_aws.client("sagemaker", role="approver").update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription="no"
    )
    _settle(embedded_aws)
    records = _records(embedded_aws)
    rows = transitions(records, 1)
    assert [r.approval_to for r in rows] == [lifecycle.REJECTED, lifecycle.PENDING]
    assert transitions(list(reversed(records)), 1) == rows  # ordered by time, not by storage
