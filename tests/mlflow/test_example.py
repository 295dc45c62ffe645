"""The issue's example code, run unchanged (but for skops_trusted_types) against the embedded AWS: the
version MLflow creates is a governed SageMaker version with one number everywhere."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pytest
from click.testing import CliRunner
from mlflow.exceptions import MlflowException

from modelops.cli import main
from modelops.registry import ModelRegistry
from tests.mlflow.conftest import BUCKET, GROUP, MlflowWorld, log_forest

ARN = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/{{n}}"


def _package(world: MlflowWorld, n: int) -> dict[str, Any]:
    return dict(world.sagemaker.describe_model_package(ModelPackageName=ARN.format(n=n)))


def _object(world: MlflowWorld, uri: str) -> bytes:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return bytes(world.s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_the_example_code_registers_a_pending_version_that_mlflow_loads_by_the_sagemaker_number(
    world: MlflowWorld, diabetes: Any
) -> None:
    # The example as the issue gives it, on the bundled data, with requirements inferred as MLflow does.
    info = log_forest(GROUP, diabetes, n_estimators=100, max_depth=10, infer_requirements=True)
    assert str(info.registered_model_version) == "1"
    package = _package(world, 1)
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    assert package["ModelLifeCycle"]["Stage"] == "Development"
    metadata = package["CustomerMetadataProperties"]
    assert metadata["hyperparameter.n_estimators"] == "100"
    assert metadata["hyperparameter.max_depth"] == "10"
    assert metadata["metric.rmse"] == "0.15"
    assert metadata["mlflow.run_id"] == info.run_id
    assert metadata["mlflow.experiment_id"] == world.experiment_id
    assert metadata["mlflow.model_id"] == info.model_id
    loaded = mlflow.pyfunc.load_model(model_uri=f"models:/{GROUP}/1")
    x, _ = diabetes
    assert np.asarray(loaded.predict(x.head(2))).shape == (2,)


def test_one_number_names_the_same_version_in_mlflow_in_modelops_show_and_in_sagemaker(
    world: MlflowWorld, diabetes: Any
) -> None:
    first = log_forest(GROUP, diabetes, rmse=0.3)
    second = log_forest(GROUP, diabetes, rmse=0.2)
    assert (str(first.registered_model_version), str(second.registered_model_version)) == ("1", "2")
    shown = CliRunner().invoke(main, ["show", f"models:/{GROUP}/2", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["arn"] == ARN.format(n=2)
    assert json.loads(shown.output)["metrics"]["rmse"] == 0.2
    version = mlflow.MlflowClient().get_model_version(GROUP, "2")
    assert (version.run_id, version.model_id) == (second.run_id, second.model_id)
    assert _package(world, 2)["CustomerMetadataProperties"]["mlflow.run_id"] == second.run_id


def test_the_version_is_servable_without_mlflow_by_the_pipelines_serving_code(
    world: MlflowWorld, diabetes: Any, tmp_path: Path
) -> None:
    log_forest(GROUP, diabetes)
    package = _package(world, 1)
    container = package["InferenceSpecification"]["Containers"][0]
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"
    assert "sagemaker-scikit-learn" in container["Image"]
    with tarfile.open(fileobj=io.BytesIO(_object(world, container["ModelDataUrl"]))) as tar:
        assert sorted(tar.getnames()) == ["code/inference.py", "model.joblib", "model.json"]
        tar.extractall(tmp_path, filter="data")
    import pipelines

    assert (tmp_path / "code/inference.py").read_bytes() == (
        pipelines.steps_dir() / "inference.py"
    ).read_bytes()
    # The same four functions the container (and the embedded InvokeEndpoint) calls, fed the samples.
    import importlib.util

    spec = importlib.util.spec_from_file_location("served_inference", tmp_path / "code/inference.py")
    assert spec is not None and spec.loader is not None
    serving = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serving)
    model = serving.model_fn(str(tmp_path))
    samples = json.loads(_object(world, package["CustomerMetadataProperties"]["sample_payload_uri"]))
    x, _ = diabetes
    assert [body["instances"][0] for body in samples] == x.head(3).to_numpy().tolist()
    body, content_type = serving.output_fn(
        serving.predict_fn(serving.input_fn(json.dumps(samples[0]), "application/json"), model),
        "application/json",
    )
    expected = mlflow.pyfunc.load_model(f"models:/{GROUP}/1").predict(x.head(1))
    assert json.loads(body)["predictions"] == pytest.approx(list(np.ravel(expected)))
    assert content_type == "application/json"


def test_the_runs_code_commit_and_dataset_digest_are_recorded(world: MlflowWorld, diabetes: Any) -> None:
    from sklearn.ensemble import RandomForestRegressor

    x, y = diabetes
    with mlflow.start_run() as run:
        mlflow.set_tag("mlflow.source.git.commit", "0123456789abcdef0123456789abcdef01234567")
        data = x.assign(target=y)
        dataset = mlflow.data.from_pandas(data, name="diabetes", targets="target")  # type: ignore[attr-defined]
        mlflow.log_input(dataset, context="training")
        mlflow.log_metric("rmse", 52.5)
        mlflow.sklearn.log_model(
            RandomForestRegressor(n_estimators=5, random_state=0).fit(x, y),
            name="model",
            registered_model_name=GROUP,
            skops_trusted_types=["sklearn.tree._tree.Tree"],
            pip_requirements=["scikit-learn==1.9.1"],
        )
    version = ModelRegistry(world.sagemaker, GROUP).get_version(1)
    assert version.code_commit == "0123456789abcdef0123456789abcdef01234567"
    assert version.data_version == dataset.digest
    assert version.properties["mlflow.run_id"] == run.info.run_id
    # No input example and no earlier version with samples: none is invented (staging then says so).
    assert "sample_payload_uri" not in version.properties


def test_a_run_without_input_example_takes_the_groups_default_samples(
    world: MlflowWorld, diabetes: Any
) -> None:
    log_forest(GROUP, diabetes)
    log_forest(GROUP, diabetes, input_example=False)
    first, second = (_package(world, n)["CustomerMetadataProperties"] for n in (1, 2))
    assert second["sample_payload_uri"] == first["sample_payload_uri"]


def test_a_pipeline_trained_version_is_refused_by_load_model_in_one_line(
    world: MlflowWorld, diabetes: Any
) -> None:
    world.s3.put_object(Bucket=BUCKET, Key="pipelines/p/e/model/model.tar.gz", Body=b"archive")
    ModelRegistry(world.sagemaker, GROUP).register_version(
        image="683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3",
        model_data_url=f"s3://{BUCKET}/pipelines/p/e/model/model.tar.gz",
        metrics={"rmse": 53.0},
    )
    log_forest(GROUP, diabetes)
    with pytest.raises(MlflowException) as refused:
        mlflow.pyfunc.load_model(f"models:/{GROUP}/1")
    assert "registered without an MLflow-format model" in refused.value.message
    assert "\n" not in refused.value.message
    assert mlflow.pyfunc.load_model(f"models:/{GROUP}/2") is not None
