"""What the store refuses, each in one line, leaving nothing behind on either side; and every method MLflow
can call answers (MLflow's abstract store would silently return None for one left out)."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Callable
from typing import Any

import mlflow
import pytest
from mlflow.exceptions import MlflowException
from mlflow.store.model_registry.abstract_store import AbstractStore

from modelops.mlflow_registry.store import SageMakerRegistryStore
from tests.mlflow.conftest import BUCKET, GROUP, OTHER_GROUP, MlflowWorld, log_forest


def _one_line(refused: pytest.ExceptionInfo[MlflowException]) -> str:
    message = refused.value.message
    assert "\n" not in message and message.strip() == message
    return message


def _versions(world: MlflowWorld, group: str) -> list[Any]:
    return list(world.sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"])


def _objects(world: MlflowWorld, prefix: str) -> list[str]:
    listed = world.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_every_abstract_method_mlflow_may_call_is_implemented() -> None:
    abstract = [
        name
        for name, member in inspect.getmembers(AbstractStore)
        if getattr(member, "__isabstractmethod__", False)
    ]
    assert len(abstract) >= 20
    missing = [n for n in abstract if getattr(SageMakerRegistryStore, n) is getattr(AbstractStore, n)]
    assert missing == []


def test_a_name_that_is_not_a_governed_group_is_refused_naming_the_groups(
    world: MlflowWorld, diabetes: Any
) -> None:
    # churn-model exists in SageMaker, but this registry URI governs only diabetes-progression.
    with pytest.raises(MlflowException) as refused:
        log_forest(OTHER_GROUP, diabetes)
    assert _one_line(refused) == (
        f"registered model {OTHER_GROUP!r} is not governed here; register into {GROUP}"
    )
    assert _versions(world, OTHER_GROUP) == [] and _objects(world, "pipelines/") == []


@pytest.mark.parametrize("name", ["house_price_predictor", "a" * 64, "house.price", "-leading-hyphen"])
def test_a_name_sagemaker_would_reject_is_refused_with_the_rule(world: MlflowWorld, name: str) -> None:
    with pytest.raises(MlflowException) as refused:
        mlflow.MlflowClient().create_registered_model(name)
    assert "1-63 letters, digits and hyphens" in _one_line(refused)
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"


def test_a_second_create_registered_model_hears_resource_already_exists(
    world: MlflowWorld, diabetes: Any
) -> None:
    client = mlflow.MlflowClient()
    assert client.create_registered_model(GROUP).name == GROUP  # the stack made it; no version yet
    log_forest(GROUP, diabetes)
    with pytest.raises(MlflowException) as refused:
        client.create_registered_model(GROUP)
    assert refused.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_a_run_whose_params_sagemaker_would_refuse_registers_nothing_and_uploads_nothing(
    world: MlflowWorld, diabetes: Any
) -> None:
    from sklearn.linear_model import LinearRegression

    x, y = diabetes
    with mlflow.start_run(), pytest.raises(MlflowException) as refused:
        mlflow.log_param("features", "[age, bmi]")  # brackets and commas: not allowed in metadata
        mlflow.sklearn.log_model(
            LinearRegression().fit(x, y),
            name="model",
            registered_model_name=GROUP,
            pip_requirements=["scikit-learn==1.9.1"],
        )
    assert _one_line(refused).startswith("the run cannot be registered as it is: metadata")
    assert _versions(world, GROUP) == [] and _objects(world, "pipelines/") == []


def test_without_an_artifact_bucket_nothing_is_registered(
    world: MlflowWorld, diabetes: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODELOPS_ARTIFACT_BUCKET", raising=False)
    mlflow.set_registry_uri(f"modelops://{GROUP}")
    with pytest.raises(MlflowException) as refused:
        log_forest(GROUP, diabetes)
    assert "no artifact bucket for the serving archive" in _one_line(refused)
    assert _versions(world, GROUP) == []


def test_a_group_that_does_not_exist_is_refused_as_missing(world: MlflowWorld) -> None:
    mlflow.set_registry_uri(f"modelops://not-deployed?artifact_bucket={BUCKET}")
    with pytest.raises(MlflowException) as refused:
        mlflow.MlflowClient().get_registered_model("not-deployed")
    assert refused.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert "does not exist" in _one_line(refused)


def test_an_unknown_version_is_resource_does_not_exist(world: MlflowWorld, diabetes: Any) -> None:
    log_forest(GROUP, diabetes)
    with pytest.raises(MlflowException) as refused:
        mlflow.MlflowClient().get_model_version(GROUP, "7")
    assert refused.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert _one_line(refused) == f"version 7 of {GROUP!r} does not exist; the newest is 1"


REFUSED: dict[str, Callable[[Any], Any]] = {
    "delete_registered_model": lambda c: c.delete_registered_model(GROUP),
    "rename_registered_model": lambda c: c.rename_registered_model(GROUP, "other"),
    "update_registered_model": lambda c: c.update_registered_model(GROUP, "new description"),
    "set_registered_model_tag": lambda c: c.set_registered_model_tag(GROUP, "k", "v"),
    "delete_registered_model_tag": lambda c: c.delete_registered_model_tag(GROUP, "k"),
    "update_model_version": lambda c: c.update_model_version(GROUP, "1", "new description"),
    "transition_model_version_stage": lambda c: c.transition_model_version_stage(GROUP, "1", "Production"),
    "delete_model_version": lambda c: c.delete_model_version(GROUP, "1"),
    "set_model_version_tag": lambda c: c.set_model_version_tag(GROUP, "1", "k", "v"),
    "delete_model_version_tag": lambda c: c.delete_model_version_tag(GROUP, "1", "k"),
    "delete_registered_model_alias": lambda c: c.delete_registered_model_alias(GROUP, "production"),
    "copy_model_version": lambda c: c.copy_model_version(f"models:/{GROUP}/1", OTHER_GROUP),
}


def test_what_the_governed_registry_does_not_allow_is_refused_in_one_line_and_changes_nothing(
    world: MlflowWorld, diabetes: Any
) -> None:
    log_forest(GROUP, diabetes)
    arn = _versions(world, GROUP)[0]["ModelPackageArn"]
    before = world.sagemaker.describe_model_package(ModelPackageName=arn)
    before.pop("ResponseMetadata")
    client = mlflow.MlflowClient()
    for method, call in REFUSED.items():
        with pytest.raises(MlflowException) as refused:
            call(client)
        assert _one_line(refused), method
    after = world.sagemaker.describe_model_package(ModelPackageName=arn)
    after.pop("ResponseMetadata")
    assert after == before
    assert len(_versions(world, GROUP)) == 1 and _versions(world, OTHER_GROUP) == []


def test_searches_answer_from_sagemaker(world: MlflowWorld, diabetes: Any) -> None:
    first = log_forest(GROUP, diabetes)
    log_forest(GROUP, diabetes)
    client = mlflow.MlflowClient()
    assert [m.name for m in client.search_registered_models()] == [GROUP]
    found = client.search_model_versions(f"name = '{GROUP}'")
    assert [v.version for v in found] == ["2", "1"]
    assert [v.version for v in client.search_model_versions(f"run_id = '{first.run_id}'")] == ["1"]
    assert [v.version for v in client.get_latest_versions(GROUP)] == ["2"]
    assert client.get_registered_model(GROUP).latest_versions[0].version == "2"
    logged = mlflow.get_logged_model(first.model_id)
    assert client.get_model_version_download_uri(GROUP, "1") == logged.artifact_location
    assert logged.artifact_location.startswith(f"s3://{BUCKET}/")


def test_with_the_tracking_server_down_registration_fails_clearly_and_sagemaker_is_untouched(
    world: MlflowWorld, diabetes: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = log_forest(None, diabetes)  # logged while the server was up
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with socket.socket() as probe:  # a port nothing listens on: the tracking server is down
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}"
    client = mlflow.MlflowClient(tracking_uri=down, registry_uri=world.registry_uri)
    with pytest.raises(MlflowException) as refused:
        client.create_model_version(GROUP, f"models:/{info.model_id}", model_id=info.model_id)
    assert _one_line(refused).startswith(f"the tracking server cannot resolve 'models:/{info.model_id}'")
    assert _versions(world, GROUP) == [] and _objects(world, "pipelines/") == []
    # SageMaker's side is unaffected: the registry answers as before.
    assert world.sagemaker.describe_model_package_group(ModelPackageGroupName=GROUP)["ModelPackageGroupName"]
