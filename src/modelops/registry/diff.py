"""Comparing two versions field by field: what changed in metrics, hyperparameters and provenance."""

from __future__ import annotations

import math

from modelops.registry.entities import FieldChange, MetricChange, ModelVersion, VersionDiff
from modelops.registry.transitions import state


def diff_versions(a: ModelVersion, b: ModelVersion) -> VersionDiff:
    """How ``b`` differs from ``a``; every metric and hyperparameter either version has appears once."""
    metrics = tuple(
        MetricChange(name, _number(a.metrics.get(name)), _number(b.metrics.get(name)))
        for name in sorted(set(a.metrics) | set(b.metrics))
    )
    hyperparameters = tuple(
        FieldChange(name, a.hyperparameters.get(name), b.hyperparameters.get(name))
        for name in sorted(set(a.hyperparameters) | set(b.hyperparameters))
    )
    fields = (
        FieldChange("data_version", a.data_version, b.data_version),
        FieldChange("code_commit", a.code_commit, b.code_commit),
        FieldChange("image", a.image, b.image),
        FieldChange("model_data_url", a.model_data_url, b.model_data_url),
        FieldChange("approval_status", a.approval_status, b.approval_status),
        FieldChange("stage", state(a), state(b)),
    )
    return VersionDiff(a=a, b=b, metrics=metrics, hyperparameters=hyperparameters, fields=fields)


def _number(value: float | None) -> float | None:
    # An unreadable metric (NaN) compares as missing: NaN != NaN would report a change that is not one.
    if value is None or math.isnan(value):
        return None
    return value
