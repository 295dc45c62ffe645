"""The real MLflow tracking server beside the embedded AWS served over HTTP (what `modelops local up` runs):
runs tracked in its SQLite, artifacts in the embedded S3 bucket, its registry pages answered from SageMaker
through modelops' store in read-only mode; stopping it ends every process it started and its state."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import mlflow
import pytest

from modelops.demo_mlflow import process_count
from modelops.local.mlflow_server import MlflowServerError, MlflowTrackingServer, port_taken
from modelops.local.server import LocalServer
from modelops.mlflow_registry import registry_uri
from tests.mlflow.conftest import BUCKET, GROUP, PIP_REQUIREMENTS, SKOPS_TRUSTED, forget_s3_clients


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LocalServer, MlflowTrackingServer]]:
    for name in [k for k in os.environ if k.startswith(("AWS_ENDPOINT_URL", "MLFLOW_"))]:
        monkeypatch.delenv(name)
    forget_s3_clients()
    monkeypatch.setenv("MLFLOW_LOG_UV_FILES", "false")
    aws = LocalServer(None, port=0)
    aws.start()
    tracking = None
    try:
        sm, s3 = aws.aws.client("sagemaker"), aws.aws.client("s3")  # type: ignore[union-attr]
        sm.create_model_package_group(ModelPackageGroupName=GROUP)
        s3.create_bucket(Bucket=BUCKET)
        environment = {"AWS_ENDPOINT_URL": aws.endpoint_url, "AWS_DEFAULT_REGION": "us-east-1"}
        tracking = MlflowTrackingServer(
            artifact_bucket=BUCKET,
            registry_uri=registry_uri([GROUP], BUCKET),
            environment={**environment, **aws.credentials.environment()},
            port=_free_port(),
        )
        tracking.start()
        monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking.tracking_uri)
        monkeypatch.setenv("MLFLOW_REGISTRY_URI", registry_uri([GROUP], BUCKET))
        yield aws, tracking
    finally:
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]
        if tracking is not None:
            tracking.stop()
        aws.stop()


def test_the_servers_registry_pages_show_the_sagemaker_version_production_serves_with_its_alias(
    served: tuple[LocalServer, MlflowTrackingServer], diabetes: Any
) -> None:
    aws, tracking = served
    from sklearn.ensemble import RandomForestRegressor

    x, y = diabetes
    mlflow.set_experiment("house-prices")  # created on this server, under its default artifact root
    with mlflow.start_run(run_name="My RandomForest Run") as run:
        mlflow.log_metric("rmse", 0.15)
        mlflow.sklearn.log_model(
            RandomForestRegressor(n_estimators=5, random_state=0).fit(x, y),
            name="random-forest-model",
            registered_model_name=GROUP,
            skops_trusted_types=SKOPS_TRUSTED,
            pip_requirements=PIP_REQUIREMENTS,
        )
    experiment = mlflow.get_experiment(run.info.experiment_id)
    assert experiment.artifact_location.startswith(f"s3://{BUCKET}/mlflow/")
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/1"
    sm = aws.aws.client("sagemaker")  # type: ignore[union-attr]
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    sm.update_model_package(
        ModelPackageArn=arn,
        ModelLifeCycle={"Stage": "Production", "StageStatus": "Deployed", "StageDescription": "deployer"},
    )
    # What the UI's registered-models page and a model's page ask the server.
    status, models = _get(
        f"{tracking.tracking_uri}/ajax-api/2.0/mlflow/registered-models/search?max_results=25"
    )
    assert status == 200
    [model] = models["registered_models"]
    assert model["name"] == GROUP
    assert {(a["alias"], a["version"]) for a in model["aliases"]} == {("production", "1"), ("champion", "1")}
    query = urllib.parse.urlencode({"filter": f"name='{GROUP}'"})
    status, versions = _get(f"{tracking.tracking_uri}/ajax-api/2.0/mlflow/model-versions/search?{query}")
    assert status == 200
    [version] = versions["model_versions"]
    assert (version["version"], version["run_id"], version["aliases"]) == (
        "1",
        run.info.run_id,
        ["production", "champion"],
    )


def test_the_server_never_writes_the_registry_with_its_own_identity(
    served: tuple[LocalServer, MlflowTrackingServer],
) -> None:
    _, tracking = served
    body = json.dumps({"name": GROUP, "alias": "staging", "version": "1"}).encode()
    request = urllib.request.Request(
        f"{tracking.tracking_uri}/api/2.0/mlflow/registered-models/alias",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    answer = json.loads(refused.value.read())
    assert answer["error_code"] == "PERMISSION_DENIED"
    assert "only reads the registry" in answer["message"]
    # A client pointed at the server as its registry is refused the same way, and nothing is registered.
    mlflow.set_registry_uri(tracking.tracking_uri)
    with pytest.raises(mlflow.exceptions.MlflowException, match="only reads the registry"):
        mlflow.MlflowClient().create_registered_model(GROUP)


def test_stopping_ends_the_servers_processes_and_its_state(
    served: tuple[LocalServer, MlflowTrackingServer],
) -> None:
    _, tracking = served
    pid, state = tracking.pid, tracking._state
    assert pid is not None and state is not None and state.is_dir()
    # One worker runs in the server's own process (modelops.local.mlflow_serve): nothing else in its group.
    assert process_count(pid) == 1
    tracking.stop()
    assert not state.exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # no process of its group is left
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{tracking.tracking_uri}/health", timeout=5)


def test_a_taken_port_fails_in_one_line_and_starts_nothing() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        server = MlflowTrackingServer(
            artifact_bucket=BUCKET, registry_uri=registry_uri([GROUP]), environment={}, port=port
        )
        with pytest.raises(MlflowServerError) as refused:
            server.start()
    assert str(refused.value).startswith(f"cannot start MLflow on 127.0.0.1:{port}: Address already in use")
    assert "\n" not in str(refused.value) and server.pid is None


def _port_left_in_time_wait() -> int:
    """A port where a server just stopped: it closed its side of a connection first (as a server does when
    it shuts down), so that connection waits out TIME_WAIT on the port for a minute."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = int(listener.getsockname()[1])
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server's side closes first: it is the one left in TIME_WAIT
        client.recv(1)  # the peer's FIN has arrived
        client.close()
    return port


def test_a_port_a_server_just_left_is_free_to_start_on() -> None:
    # `make demo` twice in a row: the first demo's MLflow leaves its port in TIME_WAIT, which refuses a
    # plain bind (the precondition, so this test fails if the probe goes back to one) but not the server's.
    port = _port_left_in_time_wait()
    with socket.socket() as plain, pytest.raises(OSError, match="Address already in use"):
        plain.bind(("127.0.0.1", port))
    assert port_taken(port) is None
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        assert port_taken(int(listening.getsockname()[1])) == "Address already in use"
