"""What each endpoint serves next to what the registry records, with drift flagged."""

from __future__ import annotations

from typing import Any

from modelops.contract import lifecycle, names
from modelops.registry import ModelRegistry
from tests.registry.conftest import register, walk_to

PROJECT = "modelops"


def serve(sagemaker: Any, environment: str, package_arn: str) -> None:
    """An endpoint tagged with the package it serves, as the deployer leaves it."""
    name = names.endpoint_name(PROJECT, environment)
    sagemaker.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
        PrimaryContainer={"ModelPackageName": package_arn},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-model",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sagemaker.create_endpoint(
        EndpointName=name,
        EndpointConfigName=f"{name}-config",
        Tags=[{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": package_arn}],
    )


def test_status_matches_endpoints_with_the_registry(registry: ModelRegistry, sagemaker: Any) -> None:
    register(registry, 2)
    production = walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    staging = walk_to(registry, 2, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    serve(sagemaker, "staging", staging.arn)
    serve(sagemaker, "production", production.arn)
    statuses = {s.environment: s for s in registry.get_endpoint_status(PROJECT)}
    assert statuses["production"].endpoint_name == "modelops-production"
    assert statuses["production"].endpoint_status == "InService"
    assert statuses["production"].served_arn == production.arn
    assert statuses["production"].registry_version == 1
    assert statuses["staging"].served_arn == staging.arn
    assert not statuses["production"].drift
    assert not statuses["staging"].drift


def test_status_flags_drift_and_missing_endpoints(registry: ModelRegistry, sagemaker: Any) -> None:
    register(registry, 2)
    walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    serve(
        sagemaker, "production", registry.get_version(2).arn
    )  # serves something the registry did not put there
    statuses = {s.environment: s for s in registry.get_endpoint_status(PROJECT)}
    assert statuses["production"].drift
    assert statuses["production"].registry_version == 1
    assert statuses["staging"].endpoint_status is None
    assert statuses["staging"].served_arn is None
    assert statuses["staging"].registry_arn is None
    assert not statuses["staging"].drift
    assert statuses["production"].to_dict()["drift"] is True


def test_staging_still_serving_the_promoted_version_is_not_drift(
    registry: ModelRegistry, sagemaker: Any
) -> None:
    register(registry, 1)
    promoted = walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    serve(sagemaker, "staging", promoted.arn)
    serve(sagemaker, "production", promoted.arn)
    statuses = {s.environment: s for s in registry.get_endpoint_status(PROJECT)}
    assert statuses["staging"].registry_arn is None
    assert not statuses["staging"].drift
    assert not statuses["production"].drift


def test_production_serving_a_version_the_registry_took_out_is_drift(
    registry: ModelRegistry, sagemaker: Any
) -> None:
    register(registry, 1)
    version = walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    serve(sagemaker, "production", version.arn)
    registry.set_stage(1, lifecycle.STAGE_ARCHIVED, lifecycle.STATUS_RETIRED, "archived by hand in Studio")
    (production,) = [s for s in registry.get_endpoint_status(PROJECT) if s.environment == "production"]
    assert production.registry_arn is None
    assert production.drift
