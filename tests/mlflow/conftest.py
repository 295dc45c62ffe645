"""The real MLflow client against the embedded AWS, in-process: a SQLite tracking store in a temporary
folder, artifacts in the embedded S3 bucket, and the registry URI selecting modelops' store (through the
installed ``mlflow.model_registry_store`` entry point, as a user's MLflow finds it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GROUP = "diabetes-progression"
OTHER_GROUP = "churn-model"
BUCKET = "modelops-artifacts-test"
PIP_REQUIREMENTS = ["scikit-learn==1.9.1", "skops==0.16.0"]
SKOPS_TRUSTED = ["sklearn.tree._tree.Tree"]  # MLflow 3's own requirement for a forest (README)


def forget_s3_clients() -> None:
    """MLflow caches its boto3 S3 clients process-wide (keyed without AWS_ENDPOINT_URL): one made for an
    earlier test's emulator would reach another, or real AWS."""
    from mlflow.store.artifact.s3_artifact_repo import _cached_get_s3_client

    _cached_get_s3_client.cache_clear()


@dataclass
class MlflowWorld:
    aws: Any
    sagemaker: Any
    s3: Any
    tracking_uri: str
    registry_uri: str
    experiment_id: str


@pytest.fixture
def diabetes() -> tuple[Any, Any]:
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    return data.data, data.target


@pytest.fixture(scope="session")
def tracking_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty MLflow SQLite database, migrated once per session (the migrations take ~10 s)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    SqlAlchemyStore(f"sqlite:///{path}", str(path.parent / "artifacts")).engine.dispose()
    return path


@pytest.fixture
def world(
    embedded_aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tracking_db_template: Path
) -> Iterator[MlflowWorld]:
    import shutil

    import mlflow

    from modelops.mlflow_registry import registry_uri

    forget_s3_clients()
    sagemaker = embedded_aws.client("sagemaker")
    s3 = embedded_aws.client("s3")
    for group in (GROUP, OTHER_GROUP):
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
    s3.create_bucket(Bucket=BUCKET)
    shutil.copyfile(tracking_db_template, tmp_path / "mlflow.db")
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_LOG_UV_FILES", "false")  # the checkout's uv.lock is not the model's
    uri = registry_uri([GROUP], BUCKET)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", uri)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(uri)
    experiment_id = mlflow.create_experiment("house-prices", artifact_location=f"s3://{BUCKET}/mlflow/1")
    mlflow.set_experiment(experiment_id=experiment_id)
    try:
        yield MlflowWorld(embedded_aws, sagemaker, s3, tracking_uri, uri, experiment_id)
    finally:
        if mlflow.active_run():
            mlflow.end_run()
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]
        # MLflow keeps the active experiment process-wide and has no public reset; the next test's
        # tracking store does not have this one.
        mlflow.tracking.fluent._active_experiment_id = None


def log_forest(
    name: str | None,
    data: tuple[Any, Any],
    *,
    n_estimators: int = 10,
    max_depth: int = 4,
    rmse: float = 0.15,
    input_example: bool = True,
    infer_requirements: bool = False,
) -> Any:
    """The issue's example, on the bundled data; returns the ModelInfo. Requirements are named rather than
    inferred (MLflow's inference runs the model in a subprocess, ~30 s) unless ``infer_requirements``."""
    import mlflow
    from sklearn.ensemble import RandomForestRegressor

    x, y = data
    with mlflow.start_run(run_name="My RandomForest Run"):
        rf = RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth, random_state=0)
        rf.fit(x, y)
        mlflow.log_param("n_estimators", n_estimators)
        mlflow.log_param("max_depth", max_depth)
        mlflow.log_metric("rmse", rmse)
        return mlflow.sklearn.log_model(
            sk_model=rf,
            artifact_path="random-forest-model",
            registered_model_name=name,
            skops_trusted_types=SKOPS_TRUSTED,
            input_example=x.head(3) if input_example else None,
            **({} if infer_requirements else {"pip_requirements": PIP_REQUIREMENTS}),
        )
