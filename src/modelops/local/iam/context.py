"""The pieces every operation mapping shares: the target's stored state, one authorization, and the call
being mapped (which computes the request-tag and stored-state keys)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modelops.local.iam.cfn import Environment

ContextValue = str | tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """The stored state of the resource a request acts on."""

    tags: Mapping[str, str] = field(default_factory=dict)
    approval_status: str | None = None
    stage: str | None = None
    stage_status: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    kms_key_arn: str | None = None  # the key of an SSE-KMS object or an encrypted topic
    next_version: int = 1  # CreateModelPackage: the version number SageMaker will give the new package

    @classmethod
    def from_model_package(
        cls, described: Mapping[str, Any], tags: Sequence[Mapping[str, str]] = ()
    ) -> Target:
        """From a DescribeModelPackage response (and the package's ListTags)."""
        life = described.get("ModelLifeCycle") or {}
        return cls(
            tags={t["Key"]: t["Value"] for t in tags},
            approval_status=described.get("ModelApprovalStatus"),
            stage=life.get("Stage"),
            stage_status=life.get("StageStatus"),
            metadata=dict(described.get("CustomerMetadataProperties") or {}),
        )


@dataclass(frozen=True)
class Authorization:
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass
class Call:
    """One call being mapped: its parameters, where it runs, its target, and the authorizations found."""

    params: Mapping[str, Any]
    env: Environment
    target: Target
    base: dict[str, ContextValue]
    found: list[Authorization] = field(default_factory=list)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        e = self.env
        return f"arn:{e.partition}:{service}:{e.region if regional else ''}:{e.account}:{resource}"

    def sagemaker(self, kind: str, name: str) -> str:
        return name if name.startswith("arn:") else self.arn("sagemaker", f"{kind}/{name.lower()}")

    def add(self, action: str, resource: str, context: Mapping[str, ContextValue] | None = None) -> None:
        self.found.append(Authorization(action, resource, {**self.base, **(context or {})}))

    def tags(self, tags: Sequence[Mapping[str, str]] | None) -> dict[str, ContextValue]:
        if not tags:
            return {}
        keys: dict[str, ContextValue] = {f"aws:RequestTag/{t['Key']}": t["Value"] for t in tags}
        keys["aws:TagKeys"] = tuple(t["Key"] for t in tags)
        return keys

    def stored(self, *, package: bool = False) -> dict[str, ContextValue]:
        """The keys read from the target's stored state (``Current*`` only for a model package)."""
        t = self.target
        keys: dict[str, ContextValue] = {}
        for key, value in t.tags.items():
            keys[f"aws:ResourceTag/{key}"] = value
            keys[f"sagemaker:ResourceTag/{key}"] = value
        if package:
            if t.stage is not None:
                keys["sagemaker:CurrentModelLifeCycleStage"] = t.stage
            if t.stage_status is not None:
                keys["sagemaker:CurrentModelLifeCycleStageStatus"] = t.stage_status
            for key, value in t.metadata.items():
                keys[f"sagemaker:CurrentCustomerMetadataProperties/{key}"] = value
        return keys
