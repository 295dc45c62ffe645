"""The SageMaker model package condition keys, and small builders for the conditions that use them.

Service authorization reference, Amazon SageMaker, CreateModelPackage / UpdateModelPackage:
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
A metadata key cannot be wildcarded in a condition key name, so every protected key is named explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from modelops.contract import lifecycle as lc

APPROVAL = "sagemaker:ModelApprovalStatus"
STAGE = "sagemaker:ModelLifeCycle:Stage"
STATUS = "sagemaker:ModelLifeCycle:StageStatus"
CURRENT_STAGE = "sagemaker:CurrentModelLifeCycleStage"
CURRENT_STATUS = "sagemaker:CurrentModelLifeCycleStageStatus"
TO_REMOVE = "sagemaker:CustomerMetadataPropertiesToRemove"

# Metadata keys no human role may write: the system's evidence and the registration's facts.
PROTECTED = (*lc.EVIDENCE_KEYS, *lc.REGISTRATION_FACTS)
# A version in one of these states is what production serves or is about to serve.
LIVE_IN_PRODUCTION = (
    lc.STATUS_APPROVED,
    lc.STATUS_DEPLOYING,
    lc.STATUS_DEPLOYED,
    lc.STATUS_ROLLBACK_REQUESTED,
)

Conditions = dict[str, dict[str, Any]]


def metadata(key: str) -> str:
    """The request's value for one CustomerMetadataProperties key."""
    return f"sagemaker:CustomerMetadataProperties/{key}"


def current_metadata(key: str) -> str:
    """The stored value of one CustomerMetadataProperties key of the package acted on."""
    return f"sagemaker:CurrentCustomerMetadataProperties/{key}"


def absent(keys: Iterable[str]) -> Conditions:
    """Every key absent from the request (Null: true ANDs across keys)."""
    return {"Null": {key: "true" for key in keys}}


def present(key: str) -> Conditions:
    return {"Null": {key: "false"}}


def merge(*blocks: Mapping[str, Mapping[str, Any]]) -> Conditions:
    """One Condition element from several (operators and keys are ANDed)."""
    merged: Conditions = {}
    for block in blocks:
        for operator, keys in block.items():
            merged.setdefault(operator, {}).update(keys)
    return merged


def writes_only(allowed: Iterable[str]) -> Conditions:
    """The request writes none of the evidence keys except ``allowed``, no registration fact, and removes
    nothing (the deployers never remove a key; SageMaker merges the map they send)."""
    others = [key for key in PROTECTED if key not in set(allowed)]
    return absent([*(metadata(key) for key in others), TO_REMOVE])
