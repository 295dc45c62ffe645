"""Diffs checked field by field; history read from what SageMaker records on each package."""

from __future__ import annotations

import pytest

from modelops.contract import lifecycle
from modelops.registry import ModelRegistry, UnknownVersionError
from tests.registry.conftest import register, walk_to


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


def test_history_says_who_changed_what_when_and_why(registry: ModelRegistry) -> None:
    register(registry, 3)
    walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    registry.reject_version(2, "worse rmse")
    history = registry.get_history()
    times = [entry.time for entry in history]
    assert times == sorted(times, reverse=True)
    by_version = {(e.version, e.event): e for e in history}
    assert set(by_version) == {
        (1, "registered"),
        (1, "updated"),
        (2, "registered"),
        (2, "updated"),
        (3, "registered"),
    }
    rejected = by_version[(2, "updated")]
    assert (rejected.approval_status, rejected.approval_description) == (lifecycle.REJECTED, "worse rmse")
    assert rejected.by is not None
    deployed = by_version[(1, "updated")]
    assert (deployed.approval_status, deployed.approval_description) == (lifecycle.APPROVED, "looks good")
    assert (deployed.stage, deployed.stage_description) == ("Production/Deployed", "serving")
    # A registration later overwritten no longer knows its first state; one never updated still does.
    assert by_version[(1, "registered")].approval_status is None
    assert by_version[(3, "registered")].approval_status == lifecycle.PENDING
    assert by_version[(3, "registered")].stage == "Development/Registered"


def test_history_of_one_version(registry: ModelRegistry) -> None:
    register(registry, 2)
    registry.approve_version(2, "ok")
    history = registry.get_history("latest")
    assert [(e.version, e.event) for e in history] == [(2, "updated"), (2, "registered")]
    assert history[0].to_dict()["approval_description"] == "ok"
