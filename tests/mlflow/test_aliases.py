"""Aliases read as where a version is; setting one is the governed request it stands for (approve,
promote), refused with the CLI's own one-line reason when the lifecycle forbids it."""

from __future__ import annotations

from typing import Any

import mlflow
import pytest
from mlflow.exceptions import MlflowException

from modelops.registry import IllegalTransitionError, ModelRegistry
from tests.mlflow.conftest import GROUP, MlflowWorld, log_forest


def _arn(n: int) -> str:
    return f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/{n}"


def _as_the_deployer(world: MlflowWorld, n: int, stage: str, status: str, **metadata: str) -> None:
    """What the deployer handlers record (their SageMaker writes, made here without the deployment stack)."""
    changes: dict[str, Any] = {
        "ModelLifeCycle": {"Stage": stage, "StageStatus": status, "StageDescription": "by the deployer"}
    }
    if metadata:
        changes["CustomerMetadataProperties"] = metadata
    world.sagemaker.update_model_package(ModelPackageArn=_arn(n), **changes)


def _aliases(n: int) -> list[str]:
    return list(mlflow.MlflowClient().get_model_version(GROUP, str(n)).aliases)


def test_aliases_read_where_each_version_is(world: MlflowWorld, diabetes: Any) -> None:
    for rmse in (0.3, 0.2, 0.1):
        log_forest(GROUP, diabetes, rmse=rmse)
    client = mlflow.MlflowClient()
    with pytest.raises(MlflowException) as none_yet:
        client.get_model_version_by_alias(GROUP, "production")
    assert none_yet.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    world.sagemaker.update_model_package(ModelPackageArn=_arn(1), ModelApprovalStatus="Approved")
    world.sagemaker.update_model_package(ModelPackageArn=_arn(2), ModelApprovalStatus="Approved")
    _as_the_deployer(
        world, 1, "Production", "Deployed", **{"deploy.production_endpoint": "modelops-production"}
    )
    _as_the_deployer(world, 2, "Staging", "Deploying")
    # Deploying is where someone asked it to go, not where it is: no @staging yet.
    assert _aliases(2) == []
    with pytest.raises(MlflowException) as deploying:
        client.get_model_version_by_alias(GROUP, "staging")
    assert "version 2 is Staging/Deploying" in deploying.value.message
    _as_the_deployer(world, 2, "Staging", "Passed", **{"deploy.staging_verification": "5 samples ok"})
    assert _aliases(1) == ["production", "champion"] and _aliases(2) == ["staging"] and _aliases(3) == []
    assert client.get_model_version_by_alias(GROUP, "staging").version == "2"
    assert client.get_model_version_by_alias(GROUP, "champion").version == "1"
    assert client.get_registered_model(GROUP).aliases == {"production": "1", "champion": "1", "staging": "2"}
    # The load: what production serves.
    served = mlflow.pyfunc.load_model(f"models:/{GROUP}@production")
    assert served.metadata.model_id == client.get_model_version(GROUP, "1").model_id


def test_aliases_move_with_promotion_archiving_and_rollback(world: MlflowWorld, diabetes: Any) -> None:
    for rmse in (0.3, 0.2):
        log_forest(GROUP, diabetes, rmse=rmse)
    for n in (1, 2):
        world.sagemaker.update_model_package(ModelPackageArn=_arn(n), ModelApprovalStatus="Approved")
    _as_the_deployer(
        world, 1, "Production", "Deployed", **{"deploy.production_endpoint": "modelops-production"}
    )
    _as_the_deployer(world, 2, "Staging", "Passed", **{"deploy.staging_verification": "5 samples ok"})
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(GROUP, "production", "2")  # = modelops promote
    assert ModelRegistry(world.sagemaker, GROUP).get_version(2).stage_status == "Approved"
    assert _aliases(2) == [] and _aliases(1) == ["production", "champion"]  # asked, not yet served
    _as_the_deployer(
        world, 2, "Production", "Deployed", **{"deploy.production_endpoint": "modelops-production"}
    )
    _as_the_deployer(world, 1, "Archived", "Retired")
    assert client.get_model_version_by_alias(GROUP, "production").version == "2" and _aliases(1) == []
    ModelRegistry(world.sagemaker, GROUP).rollback("version 2 misbehaves")
    _as_the_deployer(world, 1, "Production", "Deployed")
    _as_the_deployer(world, 2, "Archived", "RolledBack")
    assert client.get_model_version_by_alias(GROUP, "production").version == "1"
    assert _aliases(2) == []


def test_setting_staging_approves_and_nothing_else(world: MlflowWorld, diabetes: Any) -> None:
    log_forest(GROUP, diabetes)
    mlflow.MlflowClient().set_registered_model_alias(GROUP, "staging", "1")
    version = ModelRegistry(world.sagemaker, GROUP).get_version(1)
    assert version.approval_status == "Approved"
    assert version.approval_description == "requested through MLflow: set alias @staging"
    assert _aliases(1) == []  # approved, not yet verified on staging


def _cli_reason(call: Any) -> str:
    with pytest.raises(IllegalTransitionError) as refused:
        call()
    return str(refused.value)


def test_refused_alias_moves_give_the_clis_reason_and_change_nothing(
    world: MlflowWorld, diabetes: Any
) -> None:
    log_forest(GROUP, diabetes)
    log_forest(GROUP, diabetes)
    registry = ModelRegistry(world.sagemaker, GROUP)
    registry.reject_version(2, "rmse too high")
    client = mlflow.MlflowClient()
    cases = {
        ("staging", "2"): lambda: registry.approve_version(2, "x"),  # rejected: needs --override
        ("production", "1"): lambda: registry.promote_version(1, "x"),  # never passed staging
        ("champion", "1"): lambda: registry.promote_version(1, "x"),
    }
    before = [registry.get_version(n) for n in (1, 2)]
    for (alias, version), cli in cases.items():
        with pytest.raises(MlflowException) as refused:
            client.set_registered_model_alias(GROUP, alias, version)
        assert refused.value.message == _cli_reason(cli)
        assert refused.value.error_code == "INVALID_STATE"
    assert [registry.get_version(n) for n in (1, 2)] == before


def test_an_alias_that_is_not_a_stage_is_neither_kept_nor_found(world: MlflowWorld, diabetes: Any) -> None:
    log_forest(GROUP, diabetes)
    client = mlflow.MlflowClient()
    with pytest.raises(MlflowException) as refused:
        client.set_registered_model_alias(GROUP, "best", "1")
    assert "aliases read as where a version is" in refused.value.message
    with pytest.raises(MlflowException) as missing:
        client.get_model_version_by_alias(GROUP, "best")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert _aliases(1) == []


def test_a_data_scientist_cannot_promote_through_mlflow_what_the_cli_refuses(
    world: MlflowWorld, diabetes: Any
) -> None:
    log_forest(GROUP, diabetes)
    world.sagemaker.update_model_package(ModelPackageArn=_arn(1), ModelApprovalStatus="Approved")
    # Staging/Passed hand-set without the verifier's record: the CLI refuses to promote it, so must MLflow.
    _as_the_deployer(world, 1, "Staging", "Passed")
    with pytest.raises(MlflowException) as refused:
        mlflow.MlflowClient().set_registered_model_alias(GROUP, "production", "1")
    assert "carries no staging verification record" in refused.value.message
