"""Inference experiments as the embedded AWS keeps them: one record per experiment, kept with moto's SageMaker
backend (so moto's reset forgets them with it), answered as DescribeInferenceExperiment and
ListInferenceExperiments document their members (API reference: DescribeInferenceExperiment,
InferenceExperimentSummary, ModelVariantConfigSummary, EndpointMetadata).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.utils import parse_timestamp
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceNotFound

SHADOW_MODE = "ShadowMode"
# DescribeInferenceExperiment's Status values, in the order an experiment passes through them.
CREATING, CREATED, UPDATING, STARTING, RUNNING, STOPPING = (
    "Creating",
    "Created",
    "Updating",
    "Starting",
    "Running",
    "Stopping",
)
COMPLETED, CANCELLED = "Completed", "Cancelled"
FINAL_STATUSES = (COMPLETED, CANCELLED)
# CreateInferenceExperiment: "If you don't specify this field, the experiment automatically starts immediately
# upon creation and concludes after 7 days." InferenceExperimentSchedule: "The maximum duration that you can set
# for an inference experiment is 30 days."
DEFAULT_DURATION = timedelta(days=7)
MAX_DURATION = timedelta(days=30)
# ModelVariantConfigSummary.Status values.
VARIANT_CREATING, VARIANT_UPDATING, VARIANT_IN_SERVICE, VARIANT_DELETED = (
    "Creating",
    "Updating",
    "InService",
    "Deleted",
)


def now() -> datetime:
    return utcnow()  # naive UTC, as moto keeps every SageMaker time (see the endpoints patch)


def as_time(value: Any) -> datetime:
    """A request timestamp (epoch seconds, as boto3 and the AWS CLI send it, or ISO 8601) as naive UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(float(value), UTC)
    else:
        parsed = parse_timestamp(value)
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


@dataclass
class Experiment:
    """One inference experiment; ``variants`` are the request's ModelVariants, by variant name."""

    name: str
    arn: str
    endpoint_name: str
    role_arn: str
    variants: dict[str, dict[str, Any]]
    shadow_mode: dict[str, Any]
    start: datetime
    end: datetime
    description: str | None = None
    data_storage: dict[str, Any] | None = None
    kms_key: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    status: str = CREATING
    status_reason: str | None = None
    created: datetime = field(default_factory=now)
    modified: datetime = field(default_factory=now)
    completed: datetime | None = None
    variant_status: dict[str, str] = field(default_factory=dict)
    # The endpoint config the endpoint served before the experiment changed it, and the one it made.
    prior_config_name: str | None = None
    experiment_config_name: str | None = None
    # Names the endpoint configs this experiment makes: one deleted and created again under the same name
    # must not meet the configs of the first.
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def source_variant(self) -> str:
        return str(self.shadow_mode["SourceModelVariantName"])

    @property
    def shadow_variant(self) -> str:
        return str(self.shadow_mode["ShadowModelVariants"][0]["ShadowModelVariantName"])

    @property
    def sampling_percentage(self) -> int:
        return int(self.shadow_mode["ShadowModelVariants"][0]["SamplingPercentage"])

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    def set_status(self, status: str, reason: str | None = None) -> None:
        self.status = status
        if reason is not None:
            self.status_reason = reason
        self.modified = now()
        if status in FINAL_STATUSES:
            self.completed = self.modified

    def schedule(self) -> dict[str, datetime]:
        return {"StartTime": self.start, "EndTime": self.end}

    def summary(self) -> dict[str, Any]:
        """InferenceExperimentSummary."""
        return _present(
            {
                "Name": self.name,
                "Type": SHADOW_MODE,
                "Schedule": self.schedule(),
                "Status": self.status,
                "StatusReason": self.status_reason,
                "Description": self.description,
                "CreationTime": self.created,
                "CompletionTime": self.completed,
                "LastModifiedTime": self.modified,
                "RoleArn": self.role_arn,
            }
        )

    def describe(self, backend: Any) -> dict[str, Any]:
        """DescribeInferenceExperiment's response."""
        endpoint = backend.endpoints.get(self.endpoint_name)
        metadata: dict[str, Any] = {"EndpointName": self.endpoint_name}
        if endpoint is not None:
            metadata.update(
                _present(
                    {
                        "EndpointConfigName": endpoint.endpoint_config_name,
                        "EndpointStatus": endpoint.endpoint_status,
                        "FailureReason": endpoint.failure_reason,
                    }
                )
            )
        described = self.summary()
        described.pop("RoleArn")
        described.update(
            _present(
                {
                    "Arn": self.arn,
                    "RoleArn": self.role_arn,
                    "EndpointMetadata": metadata,
                    "ModelVariants": [
                        {**variant, "Status": self.variant_status.get(name, VARIANT_CREATING)}
                        for name, variant in self.variants.items()
                    ],
                    "DataStorageConfig": self.data_storage,
                    "ShadowModeConfig": self.shadow_mode,
                    "KmsKey": self.kms_key,
                }
            )
        )
        return described


def _present(members: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in members.items() if value is not None}


def experiments(backend: Any) -> dict[str, Experiment]:
    """The backend's experiments by name (created on first use; moto's reset replaces the backend)."""
    store: dict[str, Experiment] = backend.__dict__.setdefault("inference_experiments", {})
    return store


def arn_of(backend: Any, name: str) -> str:
    # SageMaker ARNs carry the name in lower case (the IAM mapping and the other patches agree).
    return f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:inference-experiment/{name.lower()}"


def get(backend: Any, name: str) -> Experiment:
    """The experiment, or the ResourceNotFound DescribeInferenceExperiment documents."""
    found = experiments(backend).get(name)
    if found is None:
        raise ResourceNotFound(f"Inference experiment {arn_of(backend, name)} does not exist.")
    return found


def of_endpoint(backend: Any, endpoint_name: str) -> list[Experiment]:
    return [e for e in experiments(backend).values() if e.endpoint_name == endpoint_name]
