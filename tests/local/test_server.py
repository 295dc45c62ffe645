"""The embedded AWS as a server on 127.0.0.1: boto3 over loopback, handlers dispatched in the background."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from modelops.contract import lifecycle
from modelops.local.server import LocalServer, ServerError
from tests.local import handlers
from tests.local.serving import model_with_config

CDK_OUT = Path(__file__).parent / "cdk_out"
REPO = Path(__file__).parents[2]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)
    handlers.RECEIVED.clear()
    local = LocalServer(CDK_OUT, port=0)
    local.start()
    yield local
    local.stop()
    handlers.RECEIVED.clear()


def client(server: LocalServer, service: str, key: str | None = None, secret: str | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key or server.credentials.access_key_id,
        aws_secret_access_key=secret or server.credentials.secret_access_key,
        aws_session_token=None,
    )


def _status(request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_an_unsigned_request_is_refused(server: LocalServer) -> None:
    body = b"Action=ListModelPackageGroups&Version=2017-07-24"
    request = urllib.request.Request(server.endpoint_url + "/", data=body, method="POST")
    request.add_header("X-Amz-Target", "SageMaker.ListModelPackageGroups")

    status, _, answer = _status(request)

    assert status == 403 and b"not signed" in answer


def test_the_fixed_testing_keys_no_longer_work(server: LocalServer) -> None:
    with pytest.raises(ClientError) as refused:
        client(server, "sagemaker", "testing", "testing").list_model_package_groups()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_forged_signature_is_refused(server: LocalServer) -> None:
    # The server's access key id is printed for all to see; the secret is what a signature proves.
    forged = client(server, "s3", server.credentials.access_key_id, "not-the-secret")
    with pytest.raises(ClientError) as refused:
        forged.list_buckets()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_signed_request_with_its_body_swapped_is_refused(server: LocalServer) -> None:
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="models")
    swapped: dict[str, bytes] = {}

    def swap(request: Any, **_: Any) -> None:
        swapped["original"] = request.body
        request.body = b"print('not what was signed')"
        request.headers["Content-Length"] = str(len(request.body))

    s3.meta.events.register_last("before-send.s3.PutObject", swap)
    with pytest.raises(ClientError):
        s3.put_object(Bucket="models", Key="m.tar.gz", Body=b"model", ContentMD5=None or "")
    assert "Contents" not in client(server, "s3").list_objects_v2(Bucket="models")


def test_a_sagemaker_request_that_leaves_its_body_unsigned_is_refused(server: LocalServer) -> None:
    """UNSIGNED-PAYLOAD is an S3 option; botocore honours the header for any service, so a signed
    SageMaker request declaring it could have its body replaced after signing."""
    sagemaker = client(server, "sagemaker")

    def unsigned(request: Any, **_: Any) -> None:
        request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"

    def swap(request: Any, **_: Any) -> None:
        request.body = b'{"ModelPackageGroupName": "not-what-was-signed"}'
        request.headers["Content-Length"] = str(len(request.body))

    sagemaker.meta.events.register_first("before-sign.sagemaker.CreateModelPackageGroup", unsigned)
    sagemaker.meta.events.register_last("before-send.sagemaker.CreateModelPackageGroup", swap)
    with pytest.raises(ClientError) as refused:
        sagemaker.create_model_package_group(ModelPackageGroupName="signed-name")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    names = [
        g["ModelPackageGroupName"]
        for g in client(server, "sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"]
    ]
    assert "not-what-was-signed" not in names


def test_mottos_control_routes_are_closed(server: LocalServer) -> None:
    for path in ("/moto-api/reset", "/moto-api/reset-auth", "/moto-api/data.json"):
        status, _, _ = _status(urllib.request.Request(server.endpoint_url + path, data=b"{}", method="POST"))
        assert status == 404, path
    # Nothing was reset: what the templates provisioned is still there.
    assert client(server, "sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"]


def test_a_foreign_origin_gets_no_cors_answer(server: LocalServer) -> None:
    preflight = urllib.request.Request(server.endpoint_url + "/", method="OPTIONS")
    preflight.add_header("Origin", "http://evil.example")
    preflight.add_header("Access-Control-Request-Method", "POST")
    status, headers, _ = _status(preflight)
    assert status == 403
    assert not any(k.lower().startswith("access-control-") for k in headers)

    # A signed request from a page (impossible without the secret) still carries no CORS permission.
    sm = client(server, "sagemaker")
    sm.meta.events.register(
        "before-sign.sagemaker.*",
        lambda request, **_: request.headers.add_header("Origin", "http://evil.example"),
    )
    answer = sm.list_model_package_groups()
    assert not any(k.lower().startswith("access-control-") for k in answer["ResponseMetadata"]["HTTPHeaders"])


def test_the_project_route_needs_a_signature_too(server: LocalServer) -> None:
    from modelops.local.execution_route import ROUTE

    request = urllib.request.Request(server.endpoint_url + ROUTE, data=b"{}", method="POST")
    status, _, answer = _status(request)
    assert status == 403 and b"not signed" in answer


def test_server_answers_boto3_over_loopback_with_what_the_templates_declare(server: LocalServer) -> None:
    groups = client(server, "sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"]
    stack = client(server, "cloudformation").describe_stacks(StackName="modelops-base")["Stacks"][0]

    assert [g["ModelPackageGroupName"] for g in groups] == ["test-group"]
    assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["GroupName"] == "test-group"


def test_server_dispatches_events_to_handlers_that_call_back_over_loopback(server: LocalServer) -> None:
    sm = client(server, "sagemaker")
    arn = sm.create_model_package(
        ModelPackageGroupName="test-group",
        ModelApprovalStatus=lifecycle.PENDING,
        InferenceSpecification={
            "Containers": [{"Image": "sklearn"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelLifeCycle={"Stage": lifecycle.STAGE_DEVELOPMENT, "StageStatus": lifecycle.STATUS_REGISTERED},
    )["ModelPackageArn"]

    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=lifecycle.APPROVED)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [r["handler"] for r in handlers.RECEIVED] != [
        "to_staging",
        "record",
    ]:
        time.sleep(0.05)
    assert [r["handler"] for r in handlers.RECEIVED] == ["to_staging", "record"]
    assert (
        sm.describe_model_package(ModelPackageName=arn)["ModelLifeCycle"]["Stage"] == lifecycle.STAGE_STAGING
    )


def test_a_port_in_use_is_a_clear_error(server: LocalServer) -> None:
    with pytest.raises(ServerError, match=f"cannot listen on 127.0.0.1:{server.port}"):
        LocalServer(CDK_OUT, port=server.port).start()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_local_up_prints_the_endpoint_to_export_and_stops_cleanly(stop: signal.Signals) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    process = subprocess.Popen(
        [sys.executable, "-m", "modelops.cli", "local", "up", "--port", "0", "--cdk-out", str(CDK_OUT)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.strip().startswith("export AWS_ENDPOINT_URL="):
                break
        url = lines[-1].strip().split("=", 1)[1]
        assert url.startswith("http://127.0.0.1:")
        assert any("not provisioned:" in line for line in lines)
        assert any("runs the model's serving code" in line for line in lines)
        exports = process.stdout.readline().strip().removeprefix("export AWS_DEFAULT_REGION=")
        assert exports == "us-east-1"
        keys = dict(item.split("=", 1) for item in process.stdout.readline().split()[1:])
        assert keys["AWS_ACCESS_KEY_ID"] != "testing"
        sts = boto3.client(
            "sts",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=None,
        )
        assert sts.get_caller_identity()["Account"] == "123456789012"
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "stopping" in out


def test_invoke_endpoint_over_loopback_runs_the_model_from_the_emulators_s3(server: LocalServer) -> None:
    from tests.local.patches.test_endpoints import ROLE, artifact

    client(server, "s3").create_bucket(Bucket="models")
    client(server, "s3").put_object(Bucket="models", Key="m.tar.gz", Body=artifact(5.0))
    sm = client(server, "sagemaker")
    model_with_config(
        sm,
        model="m",
        config="c",
        container={"Image": "sklearn", "ModelDataUrl": "s3://models/m.tar.gz"},
        role=ROLE,
    )
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="e", WaiterConfig={"Delay": 1, "MaxAttempts": 10})

    answer = client(server, "sagemaker-runtime").invoke_endpoint(
        EndpointName="e", Body=b'{"instances": [2]}', ContentType="application/json"
    )

    assert answer["Body"].read() == b'{"predictions": [10.0]}'


def test_startup_summary_counts_resources_by_type_and_reason() -> None:
    from modelops.local.commands import _by_type

    lines = [
        "modelops-registry/KeyE003 (AWS::KMS::Key) -> 9941335e",
        "modelops-deployment/QueueA (AWS::SQS::Queue) -> queue-a",
        "modelops-deployment/QueueB (AWS::SQS::Queue) -> queue-b",
        "modelops-deployment/RoleA (AWS::IAM::Role): IAM is not enforced locally",
        "modelops-deployment/RoleB (AWS::IAM::Role): IAM is not enforced locally",
    ]
    assert _by_type(lines) == [
        "  2 AWS::IAM::Role: IAM is not enforced locally",
        "  1 AWS::KMS::Key",
        "  2 AWS::SQS::Queue",
    ]
