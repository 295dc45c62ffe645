"""Read a model package version and record its stage, through an injected SageMaker client."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from modelops.contract import lifecycle
from modelops.deploy.errors import PackageNotFoundError

# SageMaker caps StageDescription; a longer one fails the whole update, so trim rather than lose the record.
_MAX_DESCRIPTION = 1024


@dataclass(frozen=True)
class PackageVersion:
    """The deployer's view of one model package version, as SageMaker holds it now."""

    arn: str
    group_name: str
    version: int
    approval_status: str
    stage: str | None
    stage_status: str | None
    stage_description: str = ""
    approval_description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    model_data_urls: tuple[str, ...] = ()  # each container's artifact, as registered
    spec_digest: str = ""  # sha256 of the InferenceSpecification as SageMaker holds it now

    def metric(self, name: str = lifecycle.PRIMARY_METRIC) -> float | None:
        """A registered metric (``metric.<name>``), or None when absent or not a finite number."""
        raw = self.metadata.get(lifecycle.META_METRIC_PREFIX + name)
        try:
            value = float(raw) if raw is not None else None
        except ValueError:
            return None
        return value if value is not None and math.isfinite(value) else None

    @property
    def registered_by_pipeline(self) -> bool:
        """Only the pipeline's role may write ``pipeline_execution_arn`` (lifecycle.SYSTEM_PROVENANCE)."""
        return all(self.metadata.get(key) for key in lifecycle.SYSTEM_PROVENANCE)

    def measured_metric(self, name: str = lifecycle.PRIMARY_METRIC) -> float | None:
        """The registered metric if a pipeline execution registered the version; None for a metric a
        person registered, which is their claim."""
        return self.metric(name) if self.registered_by_pipeline else None

    def is_at(self, stage: str, *statuses: str) -> bool:
        return self.stage == stage and (not statuses or self.stage_status in statuses)

    @property
    def label(self) -> str:
        return f"{self.group_name} v{self.version}"


def version_of(package_arn: str) -> int:
    """The version number at the end of a versioned model package ARN."""
    return int(package_arn.rsplit("/", 1)[1])


def describe_package(sagemaker: Any, package_arn: str) -> PackageVersion:
    try:
        raw = sagemaker.describe_model_package(ModelPackageName=package_arn)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("ValidationException", "ResourceNotFound"):
            raise PackageNotFoundError(f"model package {package_arn} does not exist") from error
        raise
    life = raw.get("ModelLifeCycle") or {}
    return PackageVersion(
        arn=raw["ModelPackageArn"],
        group_name=raw.get("ModelPackageGroupName", ""),
        version=int(raw.get("ModelPackageVersion") or version_of(raw["ModelPackageArn"])),
        approval_status=raw.get("ModelApprovalStatus", ""),
        stage=life.get("Stage"),
        stage_status=life.get("StageStatus"),
        stage_description=life.get("StageDescription", ""),
        approval_description=raw.get("ApprovalDescription") or "",
        metadata=dict(raw.get("CustomerMetadataProperties") or {}),
        model_data_urls=tuple(
            str(c["ModelDataUrl"])
            for c in (raw.get("InferenceSpecification") or {}).get("Containers", [])
            if c.get("ModelDataUrl")
        ),
        spec_digest=specification_digest(raw.get("InferenceSpecification") or {}),
    )


def specification_digest(specification: Mapping[str, Any]) -> str:
    """What the version runs (images, environments, artifacts, content types), as one comparable value."""
    canonical = json.dumps(specification, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def record_stage(
    sagemaker: Any,
    package: PackageVersion,
    stage: str,
    status: str,
    description: str,
    *,
    approval: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> PackageVersion:
    """Set ModelLifeCycle (and optionally approval and metadata) in one update; return the new view.

    Only the keys this record sets are sent: SageMaker merges CustomerMetadataProperties (UpdateModelPackage
    in the API reference), and IAM refuses a deployer that sends a key it may not write, such as another
    role's evidence or a registration fact (``infra.constructs.governance``), even with its current value.
    """
    merged = {**package.metadata, **(metadata or {})}
    description = description[:_MAX_DESCRIPTION]
    request: dict[str, Any] = {
        "ModelPackageArn": package.arn,
        "ModelLifeCycle": {"Stage": stage, "StageStatus": status, "StageDescription": description},
    }
    if metadata:
        request["CustomerMetadataProperties"] = dict(metadata)
    if approval is not None and approval != package.approval_status:
        request["ModelApprovalStatus"] = approval
        request["ApprovalDescription"] = description[:1024]
    sagemaker.update_model_package(**request)
    return PackageVersion(
        arn=package.arn,
        group_name=package.group_name,
        version=package.version,
        approval_status=approval or package.approval_status,
        stage=stage,
        stage_status=status,
        stage_description=description,
        approval_description=package.approval_description,
        metadata=merged,
        model_data_urls=package.model_data_urls,
    )


def newest(sagemaker: Any, group_name: str, sort_by: str, **equals: str) -> dict[str, Any] | None:
    """The version of the group with the latest ``sort_by`` (CreationTime or LastModifiedTime) whose
    fields equal ``equals``, as Search returns it; None when no version matches."""
    found = matching(sagemaker, group_name, sort_by, **equals)
    return found[0] if found else None


def matching(sagemaker: Any, group_name: str, sort_by: str, **equals: str) -> list[dict[str, Any]]:
    """The versions of the group whose fields equal ``equals``, latest ``sort_by`` first, as Search
    returns them (first page of 100: the deployer looks for the few waiting or serving versions).

    Keys are Search property names with dots written as double underscores, e.g.
    ``ModelLifeCycle__StageStatus="Approved"``.
    """
    filters = [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": group_name}]
    filters += [
        {"Name": key.replace("__", "."), "Operator": "Equals", "Value": value}
        for key, value in equals.items()
    ]
    page = sagemaker.search(
        Resource="ModelPackage",
        SearchExpression={"Filters": filters},
        SortBy=sort_by,
        SortOrder="Descending",
        MaxResults=100,
    )
    found = [
        r["ModelPackage"]
        for r in page.get("Results", [])
        if (r.get("ModelPackage") or {}).get("ModelPackageVersion") is not None
    ]
    # Re-sorted here too, so an emulator that ignores SortBy gives the same answer.
    found.sort(
        key=lambda p: (p.get(sort_by) or p["CreationTime"], int(p["ModelPackageVersion"])), reverse=True
    )
    return found
