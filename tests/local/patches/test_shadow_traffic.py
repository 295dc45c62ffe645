"""Under a running shadow test: what the caller sees, what the shadow receives, what is captured and counted."""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from modelops.local.embedded import EmbeddedAWS
from modelops.local.shadow_traffic import WORKER
from tests.local.patches.shadow_setup import (
    CAPTURE_BUCKET,
    ENDPOINT,
    PRODUCTION,
    PRODUCTION_SCALE,
    SHADOW,
    SHADOW_SCALE,
    create_model,
    experiment_request,
    production_endpoint,
)


def start(aws: EmbeddedAWS, *, shadow_fails: bool = False, **overrides: Any) -> Any:
    sm = production_endpoint(aws, shadow_fails=shadow_fails)
    sm.create_inference_experiment(**experiment_request(**overrides))
    aws.settle()
    assert sm.describe_inference_experiment(Name="shadow-1")["Status"] == "Running"
    return sm


def invoke(aws: EmbeddedAWS, value: float, **extra: Any) -> dict[str, Any]:
    answer = aws.client("sagemaker-runtime").invoke_endpoint(
        EndpointName=ENDPOINT,
        Body=json.dumps({"instances": [value]}),
        ContentType="application/json",
        **extra,
    )
    return {"variant": answer["InvokedProductionVariant"], **json.loads(answer["Body"].read())}


def metric(aws: EmbeddedAWS, name: str, variant: str, statistic: str = "Sum") -> float:
    now = datetime.now(UTC)
    points = aws.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName=name,
        Dimensions=[{"Name": "EndpointName", "Value": ENDPOINT}, {"Name": "VariantName", "Value": variant}],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=1),
        Period=7200,
        Statistics=[statistic],
    )["Datapoints"]
    return float(sum(p[statistic] for p in points))


def captured(aws: EmbeddedAWS, variant: str) -> list[dict[str, Any]]:
    s3 = aws.client("s3")
    prefix = f"shadow/{ENDPOINT}/{variant}/"
    listed = s3.list_objects_v2(Bucket=CAPTURE_BUCKET, Prefix=prefix).get("Contents", [])
    records = []
    for item in listed:
        key = item["Key"]
        hour = datetime.now(UTC).strftime("%Y/%m/%d/%H")
        assert key.startswith(prefix + hour[:10]) and key.endswith(".jsonl")  # <variant>/yyyy/mm/dd/hh/<name>
        body = s3.get_object(Bucket=CAPTURE_BUCKET, Key=key)["Body"].read().decode()
        records += [json.loads(line) for line in body.splitlines() if line]
    return records


def prediction(record: dict[str, Any]) -> float:
    output = record["captureData"]["endpointOutput"]
    data = base64.b64decode(output["data"]).decode() if output["encoding"] == "BASE64" else output["data"]
    return float(json.loads(data)["predictions"][0])


def test_the_caller_gets_production_s_answer_and_the_shadow_answers_a_copy(embedded_aws: EmbeddedAWS) -> None:
    start(embedded_aws)

    answers = [invoke(embedded_aws, float(v)) for v in range(1, 6)]
    embedded_aws.settle()

    assert [a["variant"] for a in answers] == [PRODUCTION] * 5
    assert [a["predictions"][0] for a in answers] == [PRODUCTION_SCALE * v for v in range(1, 6)]
    assert metric(embedded_aws, "Invocations", PRODUCTION) == 5
    assert metric(embedded_aws, "Invocations", SHADOW) == 5
    assert metric(embedded_aws, "ModelLatency", SHADOW, "SampleCount") == 5


def test_both_variants_requests_and_responses_are_captured_as_sagemaker_writes_them(
    embedded_aws: EmbeddedAWS,
) -> None:
    start(embedded_aws)

    for value in (1.0, 2.0, 3.0):
        invoke(embedded_aws, value, InferenceId=f"request-{value:g}")
    embedded_aws.settle()

    production, shadow = captured(embedded_aws, PRODUCTION), captured(embedded_aws, SHADOW)
    assert len(production) == len(shadow) == 3
    record = production[0]
    assert set(record) == {"captureData", "eventMetadata", "eventVersion"} and record["eventVersion"] == "0"
    request = record["captureData"]["endpointInput"]
    assert (request["mode"], request["encoding"], request["observedContentType"]) == (
        "INPUT",
        "JSON",
        "application/json",
    )
    assert json.loads(request["data"]) == {"instances": [1.0]}
    assert record["captureData"]["endpointOutput"]["mode"] == "OUTPUT"
    datetime.strptime(record["eventMetadata"]["inferenceTime"], "%Y-%m-%dT%H:%M:%SZ")
    # The same request's two records pair up by eventId; the shadow's answers are its own model's.
    by_event = {r["eventMetadata"]["eventId"]: r for r in shadow}
    for answered in production:
        copy = by_event[answered["eventMetadata"]["eventId"]]
        assert copy["eventMetadata"]["inferenceId"] == answered["eventMetadata"]["inferenceId"]
        assert prediction(copy) / SHADOW_SCALE == prediction(answered) / PRODUCTION_SCALE


def test_a_content_type_not_listed_is_captured_base64_encoded(embedded_aws: EmbeddedAWS) -> None:
    start(embedded_aws, DataStorageConfig={"Destination": f"s3://{CAPTURE_BUCKET}/shadow"})

    invoke(embedded_aws, 4.0)
    embedded_aws.settle()

    record = captured(embedded_aws, PRODUCTION)[0]
    request = record["captureData"]["endpointInput"]
    assert request["encoding"] == "BASE64"
    assert json.loads(base64.b64decode(request["data"])) == {"instances": [4.0]}
    assert prediction(record) == PRODUCTION_SCALE * 4.0


def test_without_a_data_storage_config_nothing_is_captured_but_the_shadow_still_answers(
    embedded_aws: EmbeddedAWS,
) -> None:
    request = experiment_request()
    del request["DataStorageConfig"]
    sm = production_endpoint(embedded_aws)
    sm.create_inference_experiment(**request)
    embedded_aws.settle()

    invoke(embedded_aws, 1.0)
    embedded_aws.settle()

    assert captured(embedded_aws, PRODUCTION) == [] == captured(embedded_aws, SHADOW)
    assert metric(embedded_aws, "Invocations", SHADOW) == 1


def test_a_zero_sampling_percentage_sends_the_shadow_nothing(embedded_aws: EmbeddedAWS) -> None:
    start(embedded_aws, sampling=0)

    for value in range(10):
        invoke(embedded_aws, float(value))
    embedded_aws.settle()

    assert metric(embedded_aws, "Invocations", SHADOW) == 0
    assert len(captured(embedded_aws, PRODUCTION)) == 10
    assert captured(embedded_aws, SHADOW) == []


def test_the_sampling_percentage_sends_about_that_share_of_requests(embedded_aws: EmbeddedAWS) -> None:
    start(embedded_aws, sampling=50)

    for value in range(200):
        invoke(embedded_aws, float(value))
    embedded_aws.settle()

    # Binomial(200, 0.5): outside 60..140 with a probability below one in a hundred million.
    assert 60 <= metric(embedded_aws, "Invocations", SHADOW) <= 140
    assert metric(embedded_aws, "Invocations", PRODUCTION) == 200


def test_a_sampling_percentage_updated_while_running_takes_effect(embedded_aws: EmbeddedAWS) -> None:
    sm = start(embedded_aws, sampling=100)
    config = experiment_request(sampling=0)["ShadowModeConfig"]

    sm.update_inference_experiment(Name="shadow-1", ShadowModeConfig=config)
    embedded_aws.settle()
    invoke(embedded_aws, 1.0)
    embedded_aws.settle()

    assert metric(embedded_aws, "Invocations", SHADOW) == 0


def test_the_caller_is_answered_while_the_shadow_has_not_yet_run(embedded_aws: EmbeddedAWS) -> None:
    start(embedded_aws)
    release = threading.Event()

    def busy() -> None:
        release.wait(30)

    WORKER.submit(busy)  # the worker is busy: the shadow's copy must wait behind it

    try:
        answer = invoke(embedded_aws, 2.0)
        assert answer["predictions"] == [PRODUCTION_SCALE * 2.0]
        assert metric(embedded_aws, "Invocations", PRODUCTION) == 1
        assert metric(embedded_aws, "Invocations", SHADOW) == 0  # not answered yet: nobody waited for it
    finally:
        release.set()
    embedded_aws.settle()

    assert metric(embedded_aws, "Invocations", SHADOW) == 1


def test_a_failing_shadow_never_reaches_the_caller_and_is_counted_as_its_errors(
    embedded_aws: EmbeddedAWS,
) -> None:
    start(embedded_aws, shadow_fails=True)

    answers = [invoke(embedded_aws, float(v)) for v in range(3)]
    embedded_aws.settle()

    assert [a["predictions"][0] for a in answers] == [0.0, PRODUCTION_SCALE, 2 * PRODUCTION_SCALE]
    assert metric(embedded_aws, "InvocationModelErrors", SHADOW) == 3
    assert metric(embedded_aws, "Invocation4XXErrors", SHADOW) == 3
    assert metric(embedded_aws, "Invocation5XXErrors", SHADOW) == 0
    assert metric(embedded_aws, "InvocationModelErrors", PRODUCTION) == 0
    assert metric(embedded_aws, "Invocations", SHADOW) == 3
    assert captured(embedded_aws, SHADOW) == []  # a failed request has no output to capture


def test_a_failing_production_variant_is_counted_and_its_shadow_copy_still_sent(
    embedded_aws: EmbeddedAWS,
) -> None:
    sm = production_endpoint(embedded_aws)
    s3 = embedded_aws.client("s3")
    create_model(sm, s3, "broken", PRODUCTION_SCALE, fail=True)
    failing = {"VariantName": "Broken", "ModelName": "broken", "InstanceType": "ml.m5.large"}
    sm.create_endpoint_config(
        EndpointConfigName="broken-config",
        ProductionVariants=[{**failing, "InitialInstanceCount": 1}],
    )
    sm.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="broken-config")
    embedded_aws.settle()
    request = experiment_request()
    request["ModelVariants"][0]["ModelName"] = "broken"
    request["ModelVariants"][0]["VariantName"] = "Broken"
    request["ShadowModeConfig"]["SourceModelVariantName"] = "Broken"
    sm.create_inference_experiment(**request)
    embedded_aws.settle()

    with pytest.raises(ClientError) as raised:
        invoke(embedded_aws, 1.0)
    embedded_aws.settle()

    assert raised.value.response["Error"]["Code"] == "ModelError"
    assert metric(embedded_aws, "Invocation4XXErrors", "Broken") == 1
    assert metric(embedded_aws, "Invocations", SHADOW) == 1
    assert metric(embedded_aws, "InvocationModelErrors", SHADOW) == 0


def test_after_the_experiment_the_shadow_receives_nothing(embedded_aws: EmbeddedAWS) -> None:
    sm = start(embedded_aws)
    sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Remove"})
    embedded_aws.settle()

    invoke(embedded_aws, 1.0)
    embedded_aws.settle()

    assert metric(embedded_aws, "Invocations", SHADOW) == 0
    assert metric(embedded_aws, "Invocations", PRODUCTION) == 1


def test_steady_traffic_has_its_captures_written_before_the_traffic_stops(
    embedded_aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelops.local import shadow_traffic

    start(embedded_aws)
    monkeypatch.setattr(shadow_traffic, "FLUSH_RECORDS", 3)
    release = threading.Event()

    def busy() -> None:
        release.wait(30)

    WORKER.submit(busy)  # the queue never runs dry while these requests' jobs pile up behind it
    for value in range(6):
        invoke(embedded_aws, float(value))
    release.set()
    embedded_aws.settle()

    listed = embedded_aws.client("s3").list_objects_v2(Bucket=CAPTURE_BUCKET, Prefix=f"shadow/{ENDPOINT}/")
    assert len(listed["Contents"]) > 2  # written every 3 records, not once at the end
    assert len(captured(embedded_aws, PRODUCTION)) == len(captured(embedded_aws, SHADOW)) == 6
