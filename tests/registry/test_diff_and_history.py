"""Diffs checked field by field; history read from the audit log only (``registry.history``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.registry import AuditLogNotFoundError, ModelRegistry, UnknownVersionError
from tests.registry.conftest import register


def test_diff_reports_every_field_with_metric_deltas(registry: ModelRegistry) -> None:
    registry.register_version(
        image="ecr/sklearn:1.3",
        model_data_url="s3://artifacts/v1/model.tar.gz",
        code_commit="aaa111",
        data_version="d1",
        hyperparameters={"n_estimators": 100, "max_depth": 3, "loss": "squared_error"},
        metrics={"rmse": 55.5, "r2": 0.40, "mae": 44.0},
    )
    registry.register_version(
        image="ecr/sklearn:1.4",
        model_data_url="s3://artifacts/v2/model.tar.gz",
        code_commit="bbb222",
        data_version="d1",
        hyperparameters={"n_estimators": 200, "max_depth": 3, "subsample": 0.8},
        metrics={"rmse": 53.25, "r2": 0.45},
    )
    registry.approve_version(2, "better")
    diff = registry.diff_versions(1, "latest")
    assert (diff.a.version, diff.b.version) == (1, 2)
    metrics = {m.name: (m.a, m.b, m.delta, m.changed) for m in diff.metrics}
    assert metrics == {
        "mae": (44.0, None, None, True),
        "r2": (0.40, 0.45, pytest.approx(0.05), True),
        "rmse": (55.5, 53.25, -2.25, True),
    }
    hyperparameters = {h.name: (h.a, h.b, h.changed) for h in diff.hyperparameters}
    assert hyperparameters == {
        "loss": ("squared_error", None, True),
        "max_depth": ("3", "3", False),
        "n_estimators": ("100", "200", True),
        "subsample": (None, "0.8", True),
    }
    fields = {f.name: (f.a, f.b, f.changed) for f in diff.fields}
    assert fields == {
        "data_version": ("d1", "d1", False),
        "code_commit": ("aaa111", "bbb222", True),
        "image": ("ecr/sklearn:1.3", "ecr/sklearn:1.4", True),
        "model_data_url": ("s3://artifacts/v1/model.tar.gz", "s3://artifacts/v2/model.tar.gz", True),
        "approval_status": (lifecycle.PENDING, lifecycle.APPROVED, True),
        "stage": ("Development/Registered", "Development/Registered", False),
    }
    assert diff.changed
    as_json = diff.to_dict()
    assert as_json["metrics"]["rmse"] == {"a": 55.5, "b": 53.25, "delta": -2.25, "changed": True}
    assert as_json["fields"]["code_commit"]["changed"] is True


def test_a_version_does_not_differ_from_itself(registry: ModelRegistry) -> None:
    register(registry, 1)
    diff = registry.diff_versions(1, "models:/diabetes-progression/1")
    assert not diff.changed
    assert all(m.delta == 0 for m in diff.metrics)


def test_diff_of_an_unknown_version_is_refused(registry: ModelRegistry) -> None:
    register(registry, 1)
    with pytest.raises(UnknownVersionError):
        registry.diff_versions(1, 7)


def _audited(aws: EmbeddedAWS, role: str) -> ModelRegistry:
    """The registry as ``role`` sees it, reading the group's audit log (provisioned from the templates)."""
    group = aws.output("ModelPackageGroupName")
    return ModelRegistry(aws.client("sagemaker", role=role), group, logs_client=aws.client("logs", role=role))


def _two_versions_one_approved_one_rejected(aws: EmbeddedAWS) -> ModelRegistry:
    register(_audited(aws, "data-scientist"), 2)
    approver = _audited(aws, "approver")
    approver.approve_version(1, "looks good")
    approver.reject_version(2, "worse rmse")
    aws.settle()
    return approver


def test_history_is_every_transition_the_audit_log_kept_with_who_and_why(synthesized_cdk_out: Path) -> None:
    with embedded_aws(synthesized_cdk_out) as aws:
        history = _two_versions_one_approved_one_rejected(aws).get_history()
    times = [row.time for row in history]
    assert times == sorted(times, reverse=True)
    v1 = [row for row in history if row.version == 1]
    # each transition of v1 on its own row, the approval kept though the deployer moved v1 on after it
    registered, approved = v1[-1], v1[-2]
    assert (registered.approval_from, registered.approval_to, registered.who) == (
        None,
        lifecycle.PENDING,
        "data-scientist",
    )
    assert (approved.approval_from, approved.approval_to) == (lifecycle.PENDING, lifecycle.APPROVED)
    assert (approved.who, approved.why) == ("approver", "looks good")
    assert len(v1) > 2 and v1[0].stage_to != approved.stage_to  # the staging deployer's later changes
    (rejected,) = [row for row in history if row.approval_to == lifecycle.REJECTED]
    assert (rejected.version, rejected.who, rejected.why) == (2, "approver", "worse rmse")
    assert not any(row.gap for row in history)  # the log holds every change from each registration on


def test_history_of_one_version_and_since_a_moment(synthesized_cdk_out: Path) -> None:
    with embedded_aws(synthesized_cdk_out) as aws:
        registry = _two_versions_one_approved_one_rejected(aws)
        everything = registry.get_history()
        only_v2 = registry.get_history("latest")
        later = registry.get_history(since=datetime.now(UTC) + timedelta(seconds=1))
    assert only_v2 == [row for row in everything if row.version == 2]
    assert [row.approval_to for row in only_v2] == [lifecycle.REJECTED, lifecycle.PENDING]
    assert later == []  # nothing recorded after the moment: no row, and none made up from current state


def test_history_without_an_audit_log_is_a_specific_error(
    registry: ModelRegistry, embedded_aws: EmbeddedAWS
) -> None:
    register(registry, 1)
    audited = ModelRegistry(registry._client, registry.group_name, logs_client=embedded_aws.client("logs"))
    with pytest.raises(AuditLogNotFoundError, match="no audit log /modelops/audit/"):
        audited.get_history()


def test_history_needs_a_logs_client_and_never_falls_back_to_the_current_state(
    registry: ModelRegistry,
) -> None:
    register(registry, 1)
    with pytest.raises(TypeError, match="logs_client"):
        registry.get_history()
