"""What the MLflow UI's registry pages show, asked over HTTP the way the UI asks, while a real deployment runs
(the synthesized stacks, the deployer handlers, endpoints answering with the version's own code): the version
production serves carries the ``production`` alias, and the alias moves only when what production serves does.

The UI's own requests, read from MLflow 3.17.2's bundled JS (``mlflow/server/js/build/static/js/main.*.js``):
the registered-models list asks ``GET ajax-api/2.0/mlflow/registered-models/search?max_results=1000``
(``listRegisteredModelsLite``; ``searchRegisteredModels`` sends the same path with its filter), a model's page
``GET ajax-api/2.0/mlflow/registered-models/get`` and ``GET ajax-api/2.0/mlflow/model-versions/search`` with
``filter=name='<model>'``. The tracking server is started as the demo starts it (``modelops.demo_mlflow``).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle as lc
from modelops.demo_mlflow import mlflow_as, tracking_server
from modelops.local.mlflow_server import READER_ROLE_OUTPUT, READER_SESSION, reader_environment
from modelops.registry import ModelRegistry
from tests.deploy.app import synth_to
from tests.mlflow.conftest import GROUP, PIP_REQUIREMENTS, SKOPS_TRUSTED, forget_s3_clients


@pytest.fixture(scope="module")
def embedded_aws_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Latency is real wall time on a shared 2-core machine: these tests are about what the pages show.
    return synth_to(tmp_path_factory.mktemp("cdk.out"), context={"verification_latency_budget_ms": "60000"})


@pytest.fixture
def tracking(embedded_aws: Any) -> Iterator[Any]:
    """The tracking server, serving this embedded AWS's registry read-only (as in the demo)."""
    forget_s3_clients()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with tracking_server(embedded_aws, port) as server:
        yield server


@pytest.fixture
def ui(tracking: Any) -> str:
    return str(tracking.tracking_uri)


def _ui_get(base: str, route: str, **query: str) -> dict[str, Any]:
    url = f"{base}/ajax-api/2.0/mlflow/{route}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return dict(json.loads(answer.read()))
    except urllib.error.HTTPError as error:
        raise AssertionError(f"GET {url}: {error.code} {error.read()[:300]!r}") from None


def _log_version(aws: Any, ui: str, diabetes: Any) -> str:
    """The data scientist logs a forest and registers it (the issue's example); the run id."""
    from sklearn.ensemble import RandomForestRegressor

    x, y = diabetes
    with mlflow_as(aws, "data-scientist", ui) as mlflow:
        mlflow.set_experiment("house-prices")
        with mlflow.start_run() as run:
            mlflow.log_metric("rmse", 55.0)
            mlflow.sklearn.log_model(
                RandomForestRegressor(n_estimators=5, random_state=0).fit(x, y),
                name="random-forest-model",
                registered_model_name=GROUP,
                skops_trusted_types=SKOPS_TRUSTED,
                pip_requirements=PIP_REQUIREMENTS,
                input_example=x.head(3),
            )
        return str(run.info.run_id)


def _as_approver(aws: Any, ui: str, alias: str, version: str) -> None:
    with mlflow_as(aws, "approver", ui) as mlflow:
        mlflow.MlflowClient().set_registered_model_alias(GROUP, alias, version)  # = approve / promote
    aws.settle(timeout=120)


def _served_by_production(aws: Any) -> str:
    sm = aws.client("sagemaker")
    arn = sm.describe_endpoint(EndpointName=aws.output("ProductionEndpointName"))["EndpointArn"]
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    return tags[lc.TAG_SERVED_PACKAGE].rsplit("/", 1)[-1]


def _aliases_on_pages(ui: str) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """(the list page's aliases, the model page's, each version's) as alias -> version / version -> aliases."""
    [listed] = _ui_get(ui, "registered-models/search", max_results="1000")["registered_models"]
    assert listed["name"] == GROUP
    model = _ui_get(ui, "registered-models/get", name=GROUP)["registered_model"]
    versions = _ui_get(ui, "model-versions/search", filter=f"name='{GROUP}'")["model_versions"]
    return (
        {a["alias"]: a["version"] for a in listed.get("aliases", [])},
        {a["alias"]: a["version"] for a in model.get("aliases", [])},
        {v["version"]: v.get("aliases", []) for v in versions},
    )


def test_the_ui_pages_show_the_version_production_serves_with_its_production_alias(
    embedded_aws: Any, ui: str, diabetes: Any
) -> None:
    run_id = _log_version(embedded_aws, ui, diabetes)
    _as_approver(embedded_aws, ui, "staging", "1")
    _as_approver(embedded_aws, ui, "production", "1")
    assert _served_by_production(embedded_aws) == "1"
    listed, model, versions = _aliases_on_pages(ui)
    assert listed["production"] == model["production"] == "1"
    assert "production" in versions["1"]
    [version] = _ui_get(ui, "model-versions/search", filter=f"name='{GROUP}'")["model_versions"]
    assert version["run_id"] == run_id  # the run the UI links the version to


def test_the_alias_moves_only_when_production_does_and_never_reads_a_request(
    embedded_aws: Any, ui: str, diabetes: Any
) -> None:
    registry = ModelRegistry(embedded_aws.client("sagemaker"), GROUP)
    _log_version(embedded_aws, ui, diabetes)
    _as_approver(embedded_aws, ui, "staging", "1")
    _as_approver(embedded_aws, ui, "production", "1")
    _log_version(embedded_aws, ui, diabetes)
    _as_approver(embedded_aws, ui, "staging", "2")
    # Version 2 passed staging, but production still serves 1: the pages say so, not what anyone wants next.
    assert registry.get_version(2).stage_status == lc.STATUS_PASSED
    listed, model, versions = _aliases_on_pages(ui)
    assert (listed["production"], listed["staging"]) == ("1", "2") and model == listed
    assert "production" not in versions["2"]
    _as_approver(embedded_aws, ui, "production", "2")
    assert _served_by_production(embedded_aws) == "2"
    listed, _, versions = _aliases_on_pages(ui)
    assert listed["production"] == "2"
    assert "production" in versions["2"] and "production" not in versions["1"]  # 1 is archived now
    assert registry.get_version(1).stage == lc.STAGE_ARCHIVED


def _process_environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the server process's environment from /proc")
def test_the_server_process_runs_as_the_registry_reader_role_not_the_administrator(
    embedded_aws: Any, tracking: Any
) -> None:
    assert tracking.pid is not None
    environment = _process_environment(tracking.pid)
    key = environment["AWS_ACCESS_KEY_ID"]
    assert key not in embedded_aws.iam.callers.admin_keys
    caller = embedded_aws.iam.callers.resolve(key)
    assert caller is not None
    assert caller.identity.principal.arn == embedded_aws.output(READER_ROLE_OUTPUT)
    assert caller.session_arn.endswith(f"/{READER_SESSION}")
    assert environment["AWS_SESSION_TOKEN"]


def test_the_registry_reader_reads_the_pages_and_artifacts_and_is_refused_every_write(
    embedded_aws: Any, tracking: Any, diabetes: Any
) -> None:
    from botocore.exceptions import ClientError

    ui = tracking.tracking_uri
    run_id = _log_version(embedded_aws, ui, diabetes)
    with mlflow_as(embedded_aws, "data-scientist", ui) as mlflow, mlflow.start_run(run_id=run_id):
        mlflow.log_text("trained on the bundled diabetes set", "notes/readme.txt")
    # What the UI asks, answered by the server under the reader's keys: the versions and the run's artifacts.
    assert set(_aliases_on_pages(ui)[2]) == {"1"}
    files = _ui_get(ui, "artifacts/list", run_id=run_id, path="notes")["files"]
    assert [f["path"] for f in files] == ["notes/readme.txt"]
    query = urllib.parse.urlencode({"path": "notes/readme.txt", "run_uuid": run_id})
    with urllib.request.urlopen(f"{ui}/get-artifact?{query}", timeout=60) as answer:
        assert answer.read() == b"trained on the bundled diabetes set"
    reader = [r for r in embedded_aws.iam.counters.refusals if f"/{READER_SESSION} " in r]
    assert reader == []  # the pages needed nothing its policy withholds
    # The same keys, used for a write: the embedded AWS's IAM refuses each, as AWS would.
    keys = reader_environment(embedded_aws)
    credentials = {
        "aws_access_key_id": keys["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": keys["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": keys["AWS_SESSION_TOKEN"],
    }
    sagemaker, s3 = embedded_aws.client("sagemaker", **credentials), embedded_aws.client("s3", **credentials)
    version = ModelRegistry(embedded_aws.client("sagemaker"), GROUP).get_version(1)
    writes = {
        "UpdateModelPackage": lambda: sagemaker.update_model_package(
            ModelPackageArn=version.arn, ModelApprovalStatus=lc.APPROVED
        ),
        "CreateModelPackage": lambda: sagemaker.create_model_package(
            ModelPackageGroupName=GROUP, ModelPackageDescription="not the reader's to register"
        ),
        "PutObject": lambda: s3.put_object(
            Bucket=embedded_aws.output("ArtifactBucketName"), Key="mlflow/written-by-the-reader", Body=b"x"
        ),
    }
    for operation, write in writes.items():
        with pytest.raises(ClientError) as refused:
            write()
        assert refused.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"), operation
        assert READER_SESSION in str(refused.value), operation
    assert ModelRegistry(embedded_aws.client("sagemaker"), GROUP).get_version(1).approval_status == lc.PENDING
