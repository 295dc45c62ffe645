"""The one builder of a registration request (CreateModelPackage input), with its one validation.

``ModelRegistry.register_version`` (library and CLI) and ``modelops local run-pipeline`` send what
``registration_request`` builds; the training pipeline's ``ModelStep`` (``pipelines.training``) builds its
CustomerMetadataProperties with the same ``version_metadata``, over pipeline variables instead of strings,
so every path records the same keys. Metrics are written by ``metric_text`` only: ``repr`` of the float,
which reads back as exactly the same number.

SageMaker caps CustomerMetadataProperties at 50 entries, keys at 128 and values at 256 characters, and
allows only letters, digits, spaces and ``_.:/=+-@``; botocore does not check these, so a bad value would
fail at the API with a less helpful message, after the artifacts were uploaded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from modelops.contract import lifecycle
from modelops.contract.training import CONTENT_TYPES, RESPONSE_TYPES

MAX_ENTRIES: Final = 50
MAX_KEY: Final = 128
MAX_VALUE: Final = 256
MAX_DESCRIPTION: Final = 1024
_ALLOWED: Final = re.compile(r"^[\w\s.:/=+\-@]*$")  # \w covers Unicode letters and digits, as \p{L}\p{N} do
_RESERVED_PREFIXES: Final = (lifecycle.META_METRIC_PREFIX, lifecycle.META_HYPERPARAMETER_PREFIX)

T = TypeVar("T")


class RegistrationError(ValueError):
    """A registration request SageMaker would refuse, or whose metadata would not read back faithfully."""


@dataclass(frozen=True)
class Registration:
    """Everything a new version is registered with. Optional provenance is left out when None."""

    group_name: str
    image: str
    model_data_url: str
    approval_status: str = lifecycle.PENDING
    environment: Mapping[str, str] = field(default_factory=dict)
    content_types: tuple[str, ...] = CONTENT_TYPES
    response_types: tuple[str, ...] = RESPONSE_TYPES
    instance_types: tuple[str, ...] = ()
    code_commit: str | None = None
    data_version: str | None = None
    pipeline_execution: str | None = None  # also recorded as MetadataProperties.GeneratedBy
    training_job: str | None = None
    sample_payload_uri: str | None = None
    evaluation_uri: str | None = None  # evaluation.json: ModelMetrics.ModelQuality.Statistics
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None


def version_metadata(
    *,
    code_commit: T | None = None,
    data_version: T | None = None,
    pipeline_execution: T | None = None,
    training_job: T | None = None,
    sample_payload_uri: T | None = None,
    hyperparameters: Mapping[str, T] | None = None,
    metrics: Mapping[str, T] | None = None,
    properties: Mapping[str, T] | None = None,
) -> dict[str, T]:
    """The CustomerMetadataProperties keys of a version with their values (strings or pipeline variables);
    None leaves a key out. ``properties`` are free-form and may not use the metric or hyperparameter prefix."""
    entries: dict[str, T] = {}
    for key, value in (properties or {}).items():
        if key.startswith(_RESERVED_PREFIXES):
            raise RegistrationError(
                f"property {key!r}: pass metrics and hyperparameters by their own arguments"
            )
        entries[key] = value
    provenance = {
        lifecycle.META_CODE_COMMIT: code_commit,
        lifecycle.META_DATA_VERSION: data_version,
        lifecycle.META_PIPELINE_EXECUTION: pipeline_execution,
        lifecycle.META_TRAINING_JOB: training_job,
        lifecycle.META_SAMPLE_PAYLOAD: sample_payload_uri,
    }
    entries.update({key: value for key, value in provenance.items() if value is not None})
    entries.update({lifecycle.META_HYPERPARAMETER_PREFIX + k: v for k, v in (hyperparameters or {}).items()})
    entries.update({lifecycle.META_METRIC_PREFIX + k: v for k, v in (metrics or {}).items()})
    return entries


def metric_text(name: str, value: float) -> str:
    """A metric as CustomerMetadataProperties stores it: ``repr`` of the float, exact on reading back."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RegistrationError(f"metric {name!r} must be a number; got {value!r}")
    if not math.isfinite(value):
        raise RegistrationError(f"metric {name!r} must be finite; got {value!r}")
    return repr(float(value))


def model_metrics(evaluation_uri: T) -> dict[str, object]:
    """The ModelMetrics of a version: Studio reads model quality from evaluation.json."""
    return {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": evaluation_uri}}}


def check_metadata(entries: Mapping[str, str]) -> None:
    """Refuse a CustomerMetadataProperties map SageMaker would refuse."""
    if len(entries) > MAX_ENTRIES:
        raise RegistrationError(
            f"{len(entries)} metadata entries; SageMaker keeps at most {MAX_ENTRIES} per version "
            "(record fewer hyperparameters or metrics)"
        )
    for key, value in entries.items():
        if not key or len(key) > MAX_KEY or not _ALLOWED.match(key):
            raise RegistrationError(
                f"metadata key {key!r}: 1-{MAX_KEY} characters of letters, digits, spaces and _.:/=+-@"
            )
        if not value or len(value) > MAX_VALUE or not _ALLOWED.match(value):
            raise RegistrationError(
                f"metadata {key!r}={value!r}: the value must be 1-{MAX_VALUE} characters of letters, digits, "
                "spaces and _.:/=+-@"
            )


def inference_specification(registration: Registration) -> dict[str, Any]:
    """The InferenceSpecification: one container serving the artifact, and what it accepts."""
    for name in ("image", "model_data_url"):
        value = getattr(registration, name)
        if not value or not value.strip():
            raise RegistrationError(f"{name} is required to register a version that can be deployed")
    if not registration.model_data_url.startswith("s3://"):
        raise RegistrationError(f"model_data_url must be an s3:// URI; got {registration.model_data_url!r}")
    container: dict[str, Any] = {"Image": registration.image, "ModelDataUrl": registration.model_data_url}
    if registration.environment:
        container["Environment"] = dict(registration.environment)
    spec: dict[str, Any] = {
        "Containers": [container],
        "SupportedContentTypes": list(registration.content_types),
        "SupportedResponseMIMETypes": list(registration.response_types),
    }
    if registration.instance_types:
        spec["SupportedRealtimeInferenceInstanceTypes"] = sorted(set(registration.instance_types))
    return spec


def registration_request(registration: Registration) -> dict[str, Any]:
    """The CreateModelPackage request for ``registration``, validated; raises RegistrationError."""
    r = registration
    if r.approval_status not in lifecycle.APPROVAL_STATUSES:
        raise RegistrationError(
            f"unknown approval status {r.approval_status!r}; use {', '.join(lifecycle.APPROVAL_STATUSES)}"
        )
    metadata = version_metadata(
        code_commit=r.code_commit,
        data_version=r.data_version,
        pipeline_execution=r.pipeline_execution,
        training_job=r.training_job,
        sample_payload_uri=r.sample_payload_uri,
        hyperparameters={name: str(value) for name, value in r.hyperparameters.items()},
        metrics={name: metric_text(name, value) for name, value in r.metrics.items()},
        properties=r.properties,
    )
    check_metadata(metadata)
    request: dict[str, Any] = {
        "ModelPackageGroupName": r.group_name,
        "InferenceSpecification": inference_specification(r),
        "ModelApprovalStatus": r.approval_status,
        "ModelLifeCycle": {
            "Stage": lifecycle.STAGE_DEVELOPMENT,
            "StageStatus": lifecycle.STATUS_REGISTERED,
            "StageDescription": "registered",
        },
    }
    if metadata:  # SageMaker refuses an empty map
        request["CustomerMetadataProperties"] = metadata
    if (
        r.pipeline_execution is not None
    ):  # a pipeline run: SageMaker's own lineage fields, as ModelStep sets them
        lineage = {"CommitId": r.code_commit, "GeneratedBy": r.pipeline_execution}
        request["MetadataProperties"] = {key: value for key, value in lineage.items() if value}
    if r.evaluation_uri is not None:
        request["ModelMetrics"] = model_metrics(r.evaluation_uri)
    if r.description:
        request["ModelPackageDescription"] = r.description[:MAX_DESCRIPTION]
    return request
