"""The embedded AWS for registry tests: moto in-process with the gaps ``modelops.local`` fills."""

from __future__ import annotations

from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS
from modelops.registry import ModelRegistry

GROUP = "diabetes-progression"
REGION = "us-east-1"  # the embedded AWS's default region


@pytest.fixture
def sagemaker(embedded_aws: EmbeddedAWS) -> Any:
    """A SageMaker client on a fresh embedded AWS holding one empty model package group."""
    client = embedded_aws.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName=GROUP)
    return client


@pytest.fixture
def registry(sagemaker: Any) -> ModelRegistry:
    return ModelRegistry(sagemaker, GROUP)


def register(registry: ModelRegistry, n: int = 1, **overrides: Any) -> list[Any]:
    """Register ``n`` versions with distinct, recognisable metadata."""
    versions = []
    for _ in range(n):
        number = len(registry.search_versions()) + 1 if not versions else versions[-1].version + 1
        fields: dict[str, Any] = {
            "image": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/sklearn:1.{number}",
            "model_data_url": f"s3://artifacts/models/v{number}/model.tar.gz",
            "code_commit": f"c0ffee{number:04d}",
            "data_version": f"2026-11-{number:02d}" if number <= 28 else "2026-11-28",
            "hyperparameters": {"n_estimators": 100 + number, "max_depth": 3},
            "metrics": {lifecycle.PRIMARY_METRIC: 60.0 - number, "r2": 0.4 + number / 100},
        }
        fields.update(overrides)
        versions.append(registry.register_version(**fields))
    return versions


def populate(registry: ModelRegistry) -> ModelRegistry:
    """Four versions: v2 in production (v1 retired before it), v3 passed staging, v4 just registered."""
    register(registry, 4)
    walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    walk_to(registry, 2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    walk_to(registry, 3, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    return registry


def record(sagemaker: Any, arn: str, key: str, value: str) -> None:
    """Write a deployment record the way the deployer Lambdas do (their metadata, not the registry's)."""
    sagemaker.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={key: value})


def walk_to(registry: ModelRegistry, version: int, stage: str, status: str) -> Any:
    """Move a version along the lifecycle as approver + deployer would: approve, stage, verify, promote,
    deploy. Stops at ``stage``/``status`` (Staging/Deploying, Staging/Passed or a Production status)."""
    sagemaker = registry._client
    approved = registry.approve_version(version, "looks good")
    registry.set_stage(version, lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYING, "deploying to staging")
    if (stage, status) == (lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYING):
        return registry.get_version(version)
    record(sagemaker, approved.arn, lifecycle.META_STAGING_VERIFICATION, "3 of 3 samples answered")
    registry.set_stage(version, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED, "verified on staging")
    if stage == lifecycle.STAGE_STAGING:
        return registry.get_version(version)
    registry.promote_version(version, "better rmse")
    if status == lifecycle.STATUS_APPROVED:
        return registry.get_version(version)
    return deploy(registry, version)


def deploy(registry: ModelRegistry, version: int) -> Any:
    """What the deployer does once production serves ``version``: Deployed, and the one it replaced
    archived (Retired, or RolledBack when this was a rollback)."""
    sagemaker = registry._client
    try:
        replaced = registry.get_version("production")
    except Exception:
        replaced = None
    target = registry.get_version(version)
    was_rollback = target.stage_status == lifecycle.STATUS_ROLLBACK_REQUESTED
    record(sagemaker, target.arn, lifecycle.META_PRODUCTION_SERVED, "modelops-production")
    deployed = registry.set_stage(version, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED, "serving")
    if replaced is not None and replaced.version != version:
        status = lifecycle.STATUS_ROLLED_BACK if was_rollback else lifecycle.STATUS_RETIRED
        registry.set_stage(replaced.version, lifecycle.STAGE_ARCHIVED, status, f"replaced by v{version}")
    return deployed


def snapshot(sagemaker: Any) -> list[dict[str, Any]]:
    """Every package of the group as SageMaker describes it, to prove a refused call changed nothing."""
    summaries = sagemaker.list_model_packages(ModelPackageGroupName=GROUP, MaxResults=100)
    described = [
        sagemaker.describe_model_package(ModelPackageName=s["ModelPackageArn"])
        for s in summaries["ModelPackageSummaryList"]
    ]
    return [{k: v for k, v in d.items() if k != "ResponseMetadata"} for d in described]
