"""The modelops registry client: versions of a model in a SageMaker model package group.

``ModelRegistry(sagemaker_client, group_name)`` registers, finds, lists, compares and governs versions;
state lives in SageMaker (``ModelApprovalStatus`` and ``ModelLifeCycle``), see ``modelops.contract.lifecycle``.
"""

from modelops.registry.audit import Transition
from modelops.registry.client import ModelRegistry
from modelops.registry.diff import diff_versions
from modelops.registry.entities import (
    EndpointStatus,
    FieldChange,
    MetricChange,
    ModelVersion,
    VersionDiff,
)
from modelops.registry.errors import (
    AuditLogNotFoundError,
    IllegalTransitionError,
    InvalidMetadataError,
    MalformedReferenceError,
    ReasonRequiredError,
    RegistryError,
    UnknownModelError,
    UnknownVersionError,
)
from modelops.registry.references import Reference, parse_reference

__all__ = [
    "AuditLogNotFoundError",
    "EndpointStatus",
    "FieldChange",
    "IllegalTransitionError",
    "InvalidMetadataError",
    "MalformedReferenceError",
    "MetricChange",
    "ModelRegistry",
    "ModelVersion",
    "ReasonRequiredError",
    "Reference",
    "RegistryError",
    "Transition",
    "UnknownModelError",
    "UnknownVersionError",
    "VersionDiff",
    "diff_versions",
    "parse_reference",
]
