"""Frozen entities the registry returns instead of SageMaker's raw dictionaries.

A ``ModelVersion`` is built from one ``DescribeModelPackage`` (or ``Search``) record. Metrics and
hyperparameters come from the flat ``metric.*`` / ``hyperparameter.*`` CustomerMetadataProperties that
``modelops.contract.lifecycle`` defines, so a version can be compared without downloading any report from S3.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from modelops.contract import lifecycle


@dataclass(frozen=True)
class ModelVersion:
    """One version of a model: a versioned SageMaker model package and what it records."""

    group: str
    version: int
    arn: str
    approval_status: str
    approval_description: str | None
    stage: str | None
    stage_status: str | None
    stage_description: str | None
    metrics: Mapping[str, float]
    hyperparameters: Mapping[str, str]
    code_commit: str | None
    data_version: str | None
    image: str | None
    model_data_url: str | None
    description: str | None
    created_time: datetime
    created_by: str | None
    modified_time: datetime | None
    modified_by: str | None
    # Every other CustomerMetadataProperties entry (pipeline execution, sample payload, ...), verbatim.
    properties: Mapping[str, str] = field(default_factory=dict)
    # The three maps are read-only views when built by ``from_package``: a frozen entity stays frozen.

    def __hash__(self) -> int:
        # The maps make the generated hash fail; an ARN at a modification time identifies a version's state.
        return hash((self.arn, self.modified_time))

    @property
    def uri(self) -> str:
        """The MLflow-style URI of this version, ``models:/<group>/<version>``."""
        return f"models:/{self.group}/{self.version}"

    @property
    def sample_payload_uri(self) -> str | None:
        return self.properties.get(lifecycle.META_SAMPLE_PAYLOAD)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (times as ISO 8601), used by ``modelops --json``."""
        return {
            "group": self.group,
            "version": self.version,
            "arn": self.arn,
            "uri": self.uri,
            "approval_status": self.approval_status,
            "approval_description": self.approval_description,
            "stage": self.stage,
            "stage_status": self.stage_status,
            "stage_description": self.stage_description,
            "metrics": dict(self.metrics),
            "hyperparameters": dict(self.hyperparameters),
            "code_commit": self.code_commit,
            "data_version": self.data_version,
            "image": self.image,
            "model_data_url": self.model_data_url,
            "description": self.description,
            "created_time": _iso(self.created_time),
            "created_by": self.created_by,
            "modified_time": _iso(self.modified_time),
            "modified_by": self.modified_by,
            "properties": dict(self.properties),
        }

    @classmethod
    def from_package(cls, package: Mapping[str, Any]) -> ModelVersion:
        """Build from a DescribeModelPackage response or a Search ``ModelPackage`` record."""
        metadata: dict[str, str] = dict(package.get("CustomerMetadataProperties") or {})
        metrics = {
            key.removeprefix(lifecycle.META_METRIC_PREFIX): _metric_value(key, value)
            for key, value in metadata.items()
            if key.startswith(lifecycle.META_METRIC_PREFIX)
        }
        hyperparameters = {
            key.removeprefix(lifecycle.META_HYPERPARAMETER_PREFIX): value
            for key, value in metadata.items()
            if key.startswith(lifecycle.META_HYPERPARAMETER_PREFIX)
        }
        known = {lifecycle.META_CODE_COMMIT, lifecycle.META_DATA_VERSION}
        properties = {
            key: value
            for key, value in metadata.items()
            if key not in known
            and not key.startswith((lifecycle.META_METRIC_PREFIX, lifecycle.META_HYPERPARAMETER_PREFIX))
        }
        containers = (package.get("InferenceSpecification") or {}).get("Containers") or [{}]
        life_cycle = package.get("ModelLifeCycle") or {}
        return cls(
            group=package["ModelPackageGroupName"],
            version=int(package["ModelPackageVersion"]),
            arn=package["ModelPackageArn"],
            approval_status=package.get("ModelApprovalStatus", lifecycle.PENDING),
            approval_description=package.get("ApprovalDescription") or None,
            stage=life_cycle.get("Stage"),
            stage_status=life_cycle.get("StageStatus"),
            stage_description=life_cycle.get("StageDescription") or None,
            metrics=MappingProxyType(metrics),
            hyperparameters=MappingProxyType(hyperparameters),
            code_commit=metadata.get(lifecycle.META_CODE_COMMIT),
            data_version=metadata.get(lifecycle.META_DATA_VERSION),
            image=containers[0].get("Image"),
            model_data_url=containers[0].get("ModelDataUrl"),
            description=package.get("ModelPackageDescription") or None,
            created_time=package["CreationTime"],
            created_by=user_name(package.get("CreatedBy")),
            modified_time=package.get("LastModifiedTime"),
            modified_by=user_name(package.get("LastModifiedBy")),
            properties=MappingProxyType(properties),
        )


def user_name(user_context: Mapping[str, Any] | None) -> str | None:
    """Who a SageMaker ``UserContext`` names: the Studio user profile, else the IAM principal's ARN."""
    if not user_context:
        return None
    identity = user_context.get("IamIdentity") or {}
    return user_context.get("UserProfileName") or identity.get("Arn") or identity.get("PrincipalId")


def _metric_value(key: str, value: str) -> float:
    # A metric that does not parse is left out of comparisons rather than guessed: NaN marks it as unreadable.
    try:
        return float(value)
    except ValueError:
        return math.nan


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class FieldChange:
    """One compared field: its value in version ``a`` and in version ``b``."""

    name: str
    a: str | None
    b: str | None

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass(frozen=True)
class MetricChange:
    """One metric in both versions; ``delta`` is ``b - a`` (None when either side lacks the metric)."""

    name: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        if self.a is None or self.b is None:
            return None
        return self.b - self.a

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass(frozen=True)
class VersionDiff:
    """How version ``b`` differs from version ``a``: metrics, hyperparameters, provenance and state."""

    a: ModelVersion
    b: ModelVersion
    metrics: tuple[MetricChange, ...]
    hyperparameters: tuple[FieldChange, ...]
    fields: tuple[FieldChange, ...]  # data version, code commit, image, model data, approval, stage

    @property
    def changed(self) -> bool:
        return any(m.changed for m in self.metrics) or any(
            f.changed for f in (*self.hyperparameters, *self.fields)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": {"version": self.a.version, "arn": self.a.arn},
            "b": {"version": self.b.version, "arn": self.b.arn},
            "metrics": {
                m.name: {"a": m.a, "b": m.b, "delta": m.delta, "changed": m.changed} for m in self.metrics
            },
            "hyperparameters": {
                h.name: {"a": h.a, "b": h.b, "changed": h.changed} for h in self.hyperparameters
            },
            "fields": {f.name: {"a": f.a, "b": f.b, "changed": f.changed} for f in self.fields},
        }


ENDPOINT_TRANSITIONAL = ("Creating", "Updating", "SystemUpdating", "RollingBack")


@dataclass(frozen=True)
class EndpointStatus:
    """What one endpoint serves next to what the registry says the same environment holds."""

    environment: str
    endpoint_name: str
    endpoint_status: str | None  # None: the endpoint does not exist
    served_arn: str | None
    registry_arn: str | None
    registry_version: int | None

    @property
    def updating(self) -> bool:
        """The endpoint is being created or updated: what it serves is about to change."""
        return self.endpoint_status in ENDPOINT_TRANSITIONAL

    @property
    def drift(self) -> bool:
        """True when the endpoint serves something other than what the registry records for its stage.

        Not judged while the endpoint is updating. A staging endpoint with no version in the Staging stage
        is not drift: after a promotion it keeps serving the promoted version, which has left Staging.
        """
        if self.updating:
            return False
        if self.registry_arn is None and self.environment == "staging":
            return False
        return self.served_arn != self.registry_arn

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "endpoint_name": self.endpoint_name,
            "endpoint_status": self.endpoint_status,
            "served_arn": self.served_arn,
            "registry_arn": self.registry_arn,
            "registry_version": self.registry_version,
            "updating": self.updating,
            "drift": self.drift,
        }
