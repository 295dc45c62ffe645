"""ListPipelineExecutionSteps and an execution's final status, as the SageMaker API reference documents them.

The steps are recorded with ``record_execution``, the call a local pipeline run makes; the API is read
through boto3 like any client would.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from modelops.local.embedded import EmbeddedAWS
from modelops.local.execution_recorder import RecordingError, record_execution
from modelops.local.server import LocalServer

PIPELINE = "steps-pipeline"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
_model = botocore.session.get_session().get_service_model("sagemaker")
STEP_MEMBERS: Any = _model.shape_for("PipelineExecutionStep").members
METADATA_MEMBERS: Any = _model.shape_for("PipelineExecutionStepMetadata").members


def start_execution(aws: EmbeddedAWS) -> str:
    sm = aws.client("sagemaker")
    sm.create_pipeline(
        PipelineName=PIPELINE,
        PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
        RoleArn=f"arn:aws:iam::{aws.account_id}:role/pipeline",
    )
    return str(sm.start_pipeline_execution(PipelineName=PIPELINE)["PipelineExecutionArn"])


def step(
    name: str, minute: int, metadata: dict[str, Any], status: str = "Succeeded", **extra: Any
) -> dict[str, Any]:
    return {
        "StepName": name,
        "StartTime": T0 + timedelta(minutes=minute),
        "EndTime": T0 + timedelta(minutes=minute, seconds=30),
        "StepStatus": status,
        "AttemptCount": 1,
        "Metadata": metadata,
        **extra,
    }


def job(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:123456789012:{kind}/{name}"


FAILED_RUN = [
    step("Preprocess", 0, {"ProcessingJob": {"Arn": job("processing-job", "p")}}),
    step("Train", 1, {"TrainingJob": {"Arn": job("training-job", "t")}}),
    step("Evaluate", 2, {"ProcessingJob": {"Arn": job("processing-job", "e")}}),
    step("Gate", 3, {"Condition": {"Outcome": "False"}}),
    step("MetricAboveBar", 4, {"Fail": {"ErrorMessage": "too high"}}, "Failed", FailureReason="too high"),
]


@pytest.fixture
def execution(embedded_aws: EmbeddedAWS) -> str:
    return start_execution(embedded_aws)


def steps_of(aws: EmbeddedAWS, arn: str, **options: Any) -> list[dict[str, Any]]:
    response = aws.client("sagemaker").list_pipeline_execution_steps(PipelineExecutionArn=arn, **options)
    return list(response["PipelineExecutionSteps"])


def test_a_started_execution_is_executing_with_no_steps(embedded_aws: EmbeddedAWS, execution: str) -> None:
    described = embedded_aws.client("sagemaker").describe_pipeline_execution(PipelineExecutionArn=execution)

    assert described["PipelineExecutionStatus"] == "Executing"
    assert "FailureReason" not in described
    assert steps_of(embedded_aws, execution) == []


def test_steps_come_back_in_the_documented_shape_newest_first(
    embedded_aws: EmbeddedAWS, execution: str
) -> None:
    sm = embedded_aws.client("sagemaker")
    assert record_execution(sm, execution, FAILED_RUN, "Failed", "too high") is True

    listed = steps_of(embedded_aws, execution)

    assert [s["StepName"] for s in listed] == ["MetricAboveBar", "Gate", "Evaluate", "Train", "Preprocess"]
    for got, sent in zip(listed, reversed(FAILED_RUN), strict=True):
        assert set(got) <= set(STEP_MEMBERS)
        assert set(got["Metadata"]) <= set(METADATA_MEMBERS)
        assert (got["StartTime"], got["EndTime"]) == (sent["StartTime"], sent["EndTime"])
        assert (got["StepStatus"], got["AttemptCount"], got["Metadata"]) == (
            sent["StepStatus"],
            1,
            sent["Metadata"],
        )
        assert got["StepDisplayName"] == got["StepName"]
    assert listed[0]["FailureReason"] == "too high"
    assert all("FailureReason" not in s for s in listed[1:])
    ascending = steps_of(embedded_aws, execution, SortOrder="Ascending")
    assert [s["StepName"] for s in ascending] == [s["StepName"] for s in FAILED_RUN]


def test_describe_reports_the_final_status_and_why_it_failed(
    embedded_aws: EmbeddedAWS, execution: str
) -> None:
    sm = embedded_aws.client("sagemaker")
    record_execution(sm, execution, FAILED_RUN, "Failed", "too high")

    described = sm.describe_pipeline_execution(PipelineExecutionArn=execution)
    summary = sm.list_pipeline_executions(PipelineName=PIPELINE)["PipelineExecutionSummaries"][0]

    assert (described["PipelineExecutionStatus"], described["FailureReason"]) == ("Failed", "too high")
    assert (summary["PipelineExecutionStatus"], summary["PipelineExecutionFailureReason"]) == (
        "Failed",
        "too high",
    )


def test_a_succeeded_execution_has_no_failure_reason(embedded_aws: EmbeddedAWS, execution: str) -> None:
    sm = embedded_aws.client("sagemaker")
    record_execution(sm, execution, FAILED_RUN[:3], "Succeeded")

    described = sm.describe_pipeline_execution(PipelineExecutionArn=execution)
    summary = sm.list_pipeline_executions(PipelineName=PIPELINE)["PipelineExecutionSummaries"][0]

    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert "FailureReason" not in described
    assert "PipelineExecutionFailureReason" not in summary


@pytest.mark.parametrize("order", ["Descending", "Ascending"])
def test_pages_cover_every_step_once_in_order(embedded_aws: EmbeddedAWS, execution: str, order: str) -> None:
    sm = embedded_aws.client("sagemaker")
    record_execution(sm, execution, FAILED_RUN)
    pages, token = [], None
    while True:
        options = {"NextToken": token} if token else {}
        response = sm.list_pipeline_execution_steps(
            PipelineExecutionArn=execution, MaxResults=2, SortOrder=order, **options
        )
        pages.append([s["StepName"] for s in response["PipelineExecutionSteps"]])
        token = response.get("NextToken")
        if token is None:
            break

    names = [s["StepName"] for s in (FAILED_RUN if order == "Ascending" else FAILED_RUN[::-1])]
    assert pages == [names[0:2], names[2:4], names[4:]]
    paginated = sm.get_paginator("list_pipeline_execution_steps").paginate(
        PipelineExecutionArn=execution, SortOrder=order, PaginationConfig={"PageSize": 3}
    )
    assert [s["StepName"] for page in paginated for s in page["PipelineExecutionSteps"]] == names


def test_a_token_is_refused_with_another_sort_order(embedded_aws: EmbeddedAWS, execution: str) -> None:
    sm = embedded_aws.client("sagemaker")
    record_execution(sm, execution, FAILED_RUN)
    token = sm.list_pipeline_execution_steps(PipelineExecutionArn=execution, MaxResults=1)["NextToken"]

    with pytest.raises(ClientError) as error:
        sm.list_pipeline_execution_steps(
            PipelineExecutionArn=execution, NextToken=token, SortOrder="Ascending"
        )
    assert error.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize("options", [{"MaxResults": 0}, {"MaxResults": 101}, {"SortOrder": "Sideways"}])
def test_out_of_range_parameters_are_refused(embedded_aws: EmbeddedAWS, execution: str, options: Any) -> None:
    # boto3 would stop these before sending them; the emulator must refuse them as SageMaker does.
    raw = embedded_aws.client("sagemaker", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as error:
        raw.list_pipeline_execution_steps(PipelineExecutionArn=execution, **options)
    assert error.value.response["Error"]["Code"] == "ValidationException"


def test_an_unknown_execution_is_resource_not_found(embedded_aws: EmbeddedAWS, execution: str) -> None:
    unknown = execution.rsplit("/", 1)[0] + "/nosuchexecution"
    for arn in (unknown, unknown.replace(PIPELINE, "no-such-pipeline")):
        with pytest.raises(ClientError) as error:
            embedded_aws.client("sagemaker").list_pipeline_execution_steps(PipelineExecutionArn=arn)
        assert error.value.response["Error"]["Code"] == "ResourceNotFound"


def test_recording_refuses_what_the_api_could_not_answer(embedded_aws: EmbeddedAWS, execution: str) -> None:
    sm = embedded_aws.client("sagemaker")
    for steps, status in (
        ([step("S", 0, {"Invented": {"Arn": "x"}})], None),
        ([step("S", 0, {}, status="Done")], None),
        ([], "Failed"),  # a Failed execution needs a reason
    ):
        with pytest.raises(RecordingError):
            record_execution(sm, execution, steps, status)
    with pytest.raises(RecordingError):
        record_execution(sm, execution.rsplit("/", 1)[0] + "/nosuchexecution", FAILED_RUN)
    assert steps_of(embedded_aws, execution) == []


def test_nothing_is_recorded_on_a_real_account() -> None:
    # Outside the emulator the client points at AWS: the call must neither fail nor reach the network.
    client = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    assert not client.meta.endpoint_url.startswith("http://127.")
    assert (
        record_execution(client, "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/e", [])
        is False
    )


@pytest.fixture
def foreign_server() -> Iterator[str]:
    """An HTTP server that is not the embedded AWS: it answers 404 to everything."""

    class NotFound(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)


def test_a_server_without_the_route_records_nothing(foreign_server: str) -> None:
    client = boto3.client(
        "sagemaker",
        region_name="us-east-1",
        endpoint_url=foreign_server,
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )
    assert (
        record_execution(client, "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/e", [])
        is False
    )


def test_the_local_server_takes_records_and_says_why_it_refuses_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)
    server = LocalServer(None, port=0)
    aws = server.start()
    try:
        sm = aws.client("sagemaker")
        arn = start_execution(aws)
        assert record_execution(sm, arn, FAILED_RUN, "Failed", "too high") is True
        with pytest.raises(RecordingError, match="does not exist"):
            record_execution(sm, arn.rsplit("/", 1)[0] + "/nosuchexecution", FAILED_RUN)
        with pytest.raises(RecordingError, match="Invented"):
            record_execution(sm, arn, [step("S", 9, {"Invented": {"Arn": "x"}})])

        listed = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
        assert [s["StepName"] for s in listed] == [s["StepName"] for s in reversed(FAILED_RUN)]
        assert listed[0]["StartTime"] == FAILED_RUN[-1]["StartTime"]
    finally:
        server.stop()
