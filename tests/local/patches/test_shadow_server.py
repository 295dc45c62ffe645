"""A shadow test driven over HTTP: boto3 against the embedded AWS served on 127.0.0.1 (``modelops local up``)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from modelops.local.clock import Clock
from modelops.local.server import LocalServer
from modelops.local.shadow_traffic import WORKER
from tests.local.patches.shadow_setup import (
    CAPTURE_BUCKET,
    ENDPOINT,
    PRODUCTION_SCALE,
    SHADOW,
    SHADOW_SCALE,
    experiment_request,
    production_endpoint,
)

CDK_OUT = Path(__file__).parents[1] / "cdk_out"


@dataclass
class OverHttp:
    """What the shadow test helpers use of an embedded AWS (its clients, its clock), over loopback."""

    server: LocalServer

    @property
    def clock(self) -> Clock:
        assert self.server.aws is not None
        return self.server.aws.clock

    def client(self, service: str) -> Any:
        factory: Any = boto3.client  # typed per service literal; the name here is a plain str
        return factory(
            service,
            endpoint_url=self.server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=self.server.credentials.access_key_id,
            aws_secret_access_key=self.server.credentials.secret_access_key,
            aws_session_token=None,
        )


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[OverHttp]:
    for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)
    local = LocalServer(CDK_OUT, port=0)
    local.start()
    yield OverHttp(local)
    local.stop()


def wait(sm: Any, status: str) -> None:
    for _ in range(50):
        if sm.describe_inference_experiment(Name="shadow-1")["Status"] == status:
            return
        WORKER.wait_idle(0.1)
    raise AssertionError(f"shadow-1 never reached {status}")


def test_a_shadow_test_over_http_captures_both_variants_and_promotes_in_place(http: OverHttp) -> None:
    sm = production_endpoint(http)
    sm.create_inference_experiment(**experiment_request())
    wait(sm, "Running")
    runtime = http.client("sagemaker-runtime")

    answers = [
        json.loads(
            runtime.invoke_endpoint(
                EndpointName=ENDPOINT, Body=json.dumps({"instances": [v]}), ContentType="application/json"
            )["Body"].read()
        )["predictions"][0]
        for v in (1.0, 2.0)
    ]
    assert WORKER.wait_idle(10)

    assert answers == [PRODUCTION_SCALE, 2 * PRODUCTION_SCALE]
    keys = [o["Key"] for o in http.client("s3").list_objects_v2(Bucket=CAPTURE_BUCKET)["Contents"]]
    assert {key.split("/")[2] for key in keys} == {"AllTraffic", SHADOW}
    sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Promote"})
    wait(sm, "Completed")
    promoted = runtime.invoke_endpoint(
        EndpointName=ENDPOINT, Body=b'{"instances": [1]}', ContentType="application/json"
    )
    assert json.loads(promoted["Body"].read())["predictions"] == [SHADOW_SCALE]
