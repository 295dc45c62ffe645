"""A local pipeline run logs to MLflow when given a tracking URI: one run per execution, linked both ways with
the version it registers, and a version MLflow loads. MLflow failing never half-registers.

The tracking store is a real MLflow SQLite store with artifacts in the embedded S3 bucket (as
``modelops local up`` runs it); the registry URI selects modelops' store, as a user's MLflow finds it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.local.execution_mlflow import TAG_EXECUTION_ARN, TAG_PACKAGE_ARN, TAG_PACKAGE_VERSION
from modelops.local.pipeline_runner import (
    LocalPipelineRun,
    MlflowOptions,
    PipelineRunError,
    run_local_pipeline,
)
from modelops.mlflow_registry.conversion import META_EXPERIMENT_ID, META_RUN_ID, META_SOURCE
from tests.mlflow.conftest import forget_s3_clients

GROUP = "diabetes-progression"
BUCKET = "modelops-test-artifacts"
EXPERIMENT = "pipeline-runs"


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedAWS]:
    with embedded_aws(None) as running:
        running.client("sagemaker").create_model_package_group(ModelPackageGroupName=GROUP)
        running.client("s3").create_bucket(Bucket=BUCKET)
        yield running


@pytest.fixture(scope="module")
def tracking(aws: EmbeddedAWS, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import mlflow
    from mlflow.tracking import MlflowClient

    from modelops.mlflow_registry import registry_uri

    forget_s3_clients()
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    client.create_experiment(EXPERIMENT, artifact_location=f"s3://{BUCKET}/mlflow/pipeline")
    # A store whose artifacts cannot be written: the tracking database answers, the artifact store does not.
    client.create_experiment("no-artifact-store", artifact_location="s3://modelops-no-such-bucket/mlflow")
    mlflow.set_registry_uri(registry_uri([GROUP], BUCKET))
    try:
        yield uri
    finally:
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def logged_run(aws: EmbeddedAWS, tracking: str) -> LocalPipelineRun:
    return _run(aws, mlflow=MlflowOptions(tracking, EXPERIMENT))


def _run(aws: EmbeddedAWS, **options: Any) -> LocalPipelineRun:
    return run_local_pipeline(
        aws.client("sagemaker"),
        aws.client("s3"),
        group=GROUP,
        bucket=BUCKET,
        threshold=70.0,
        code_commit="abc1234",
        hyperparameters={"n_estimators": 20},
        **options,
    )


def _versions(aws: EmbeddedAWS) -> int:
    return len(
        aws.client("sagemaker").list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    )


def _latest_execution(aws: EmbeddedAWS) -> dict[str, Any]:
    found = aws.client("sagemaker").list_pipeline_executions(PipelineName="modelops-training-local")
    return dict(max(found["PipelineExecutionSummaries"], key=lambda e: e["StartTime"]))


def test_one_mlflow_run_per_execution_with_its_parameters_metrics_and_the_version_it_registered(
    aws: EmbeddedAWS, tracking: str, logged_run: LocalPipelineRun
) -> None:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    runs = client.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.`{TAG_EXECUTION_ARN}` = '{logged_run.pipeline_execution_arn}'",
    )
    assert [r.info.run_id for r in runs] == [logged_run.mlflow_run_id]
    (run,) = runs
    assert run.info.status == "FINISHED"
    assert run.data.params["n_estimators"] == "20"
    assert {k: run.data.params[k] for k in logged_run.hyperparameters} == {
        k: str(v) for k, v in logged_run.hyperparameters.items()
    }
    assert run.data.metrics == pytest.approx(dict(logged_run.metrics))
    assert run.data.tags[TAG_PACKAGE_ARN] == logged_run.model_package_arn
    assert run.data.tags[TAG_PACKAGE_VERSION] == str(logged_run.version)
    metadata = aws.client("sagemaker").describe_model_package(ModelPackageName=logged_run.model_package_arn)[
        "CustomerMetadataProperties"
    ]
    assert metadata[META_RUN_ID] == run.info.run_id
    assert metadata[META_EXPERIMENT_ID] == experiment.experiment_id
    assert metadata[META_SOURCE] == f"{run.info.artifact_uri}/model"


def test_the_pipeline_trained_version_loads_with_mlflow_and_predicts(logged_run: LocalPipelineRun) -> None:
    import math

    import mlflow
    from sklearn.datasets import load_diabetes

    model = mlflow.pyfunc.load_model(f"models:/{GROUP}/{logged_run.version}")
    predictions = model.predict(load_diabetes(as_frame=True).data.head(5))
    assert len(predictions) == 5 and all(math.isfinite(float(p)) for p in predictions)


def test_a_version_trained_without_mlflow_is_refused_by_load_model_in_one_line(
    aws: EmbeddedAWS, tracking: str
) -> None:
    import mlflow
    from mlflow.exceptions import MlflowException

    plain = _run(aws)
    assert plain.mlflow_run_id is None
    with pytest.raises(MlflowException) as refused:
        mlflow.pyfunc.load_model(f"models:/{GROUP}/{plain.version}")
    assert "registered without an MLflow-format model" in refused.value.message
    assert "\n" not in refused.value.message


def test_a_tracking_server_that_is_down_stops_the_run_before_its_execution_starts(aws: EmbeddedAWS) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free now, and nothing listens on it
    before = (_versions(aws), _latest_execution(aws)["PipelineExecutionArn"])
    with pytest.raises(PipelineRunError) as refused:
        _run(aws, mlflow=MlflowOptions(f"http://127.0.0.1:{port}"))
    message = str(refused.value)
    assert message.startswith(f"cannot log to MLflow at http://127.0.0.1:{port}: ")
    assert "no version registered" in message and "\n" not in message
    assert (_versions(aws), _latest_execution(aws)["PipelineExecutionArn"]) == before


def test_mlflow_failing_during_the_run_fails_the_execution_and_registers_nothing(
    aws: EmbeddedAWS, tracking: str, tmp_path: Path
) -> None:
    from mlflow.tracking import MlflowClient

    before = _versions(aws)
    with pytest.raises(PipelineRunError) as refused:
        _run(aws, mlflow=MlflowOptions(tracking, "no-artifact-store"))
    assert str(refused.value).startswith(f"cannot log to MLflow at {tracking}: ")
    assert _versions(aws) == before
    execution = _latest_execution(aws)
    assert execution["PipelineExecutionStatus"] == "Failed"
    client = MlflowClient(tracking_uri=tracking)
    experiment = client.get_experiment_by_name("no-artifact-store")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FAILED"
    assert run.data.tags[TAG_EXECUTION_ARN] == execution["PipelineExecutionArn"]
    assert TAG_PACKAGE_ARN not in run.data.tags
