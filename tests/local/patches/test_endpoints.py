"""Endpoint behaviour moto lacks: status transitions, UpdateEndpoint, faults, throttling, InvokeEndpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from modelops.local.embedded import EmbeddedAWS
from tests.local.serving import model_tar, model_with_config

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
SERVING_CODE = """
import json, os

def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        return json.load(f)

def input_fn(body, content_type):
    if content_type != "application/json":
        raise ValueError(f"unsupported content type {content_type}")
    return json.loads(body)

def predict_fn(data, model):
    return [model["scale"] * x for x in data["instances"]]

def output_fn(prediction, accept):
    return json.dumps({"predictions": prediction}), "application/json"
"""


def artifact(scale: float) -> bytes:
    return model_tar({"model.json": json.dumps({"scale": scale}), "code/inference.py": SERVING_CODE})


@pytest.fixture
def sm(embedded_aws: EmbeddedAWS) -> Any:
    client = embedded_aws.client("sagemaker")
    for version in (1, 2):
        model_with_config(
            client,
            model=f"m{version}",
            config=f"c{version}",
            container={
                "Image": "sklearn",
                "ModelDataUrl": f"s3://models/v{version}/model.tar.gz",
                "Environment": {
                    "SAGEMAKER_PROGRAM": "inference.py",
                    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                },
            },
            role=ROLE,
            instances=version,
        )
    s3 = embedded_aws.client("s3")
    s3.create_bucket(Bucket="models")
    for version, scale in ((1, 2.0), (2, 3.0)):
        s3.put_object(Bucket="models", Key=f"v{version}/model.tar.gz", Body=artifact(scale))
    return client


def status(sm: Any, name: str = "e") -> str:
    return str(sm.describe_endpoint(EndpointName=name)["EndpointStatus"])


@pytest.fixture
def embedded_aws_options() -> dict[str, Any]:
    return {"endpoint_delay_seconds": 3600.0}  # transitions run only when a test fast-forwards the clock


def test_new_endpoint_is_creating_until_its_transition_runs(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    assert status(sm) == "Creating"

    embedded_aws.clock.fast_forward()

    assert status(sm) == "InService"


def test_update_passes_through_updating_and_serves_the_old_config_meanwhile(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    embedded_aws.clock.fast_forward()
    config = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                "WaitIntervalInSeconds": 300,
            }
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]},
    }

    sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=config)

    during = sm.describe_endpoint(EndpointName="e")
    assert (during["EndpointStatus"], during["EndpointConfigName"]) == ("Updating", "c1")
    assert during["PendingDeploymentSummary"]["EndpointConfigName"] == "c2"
    embedded_aws.clock.fast_forward()
    after = sm.describe_endpoint(EndpointName="e")
    assert (after["EndpointStatus"], after["EndpointConfigName"]) == ("InService", "c2")
    assert after["LastDeploymentConfig"] == config
    assert "PendingDeploymentSummary" not in after
    assert after["ProductionVariants"][0]["CurrentInstanceCount"] == 2


def test_retain_all_variant_properties_keeps_the_instance_count(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    embedded_aws.clock.fast_forward()

    sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", RetainAllVariantProperties=True)
    embedded_aws.clock.fast_forward()

    variant = sm.describe_endpoint(EndpointName="e")["ProductionVariants"][0]
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (1, 1)


@pytest.mark.parametrize("setup", ["creating", "updating", "missing"])
def test_update_of_an_endpoint_that_is_not_in_service_is_a_validation_error(
    sm: Any, embedded_aws: EmbeddedAWS, setup: str
) -> None:
    if setup != "missing":
        sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    if setup == "updating":
        embedded_aws.clock.fast_forward()
        sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")

    with pytest.raises(ClientError) as raised:
        sm.update_endpoint(EndpointName="e", EndpointConfigName="c1")
    assert raised.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize(
    "config",
    [
        {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 60}
            }
        },
        {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {"Type": "SOMETIMES", "WaitIntervalInSeconds": 6}
            }
        },
    ],
)
def test_deployment_config_missing_what_its_routing_type_needs_is_a_validation_error(
    sm: Any, embedded_aws: EmbeddedAWS, config: dict[str, Any]
) -> None:
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    embedded_aws.clock.fast_forward()
    unchecked = embedded_aws.client("sagemaker", config=Config(parameter_validation=False))

    with pytest.raises(ClientError) as raised:
        unchecked.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=config)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert status(sm) == "InService"


def test_fault_switch_makes_the_next_create_end_failed(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    embedded_aws.faults.fail_next_endpoint_change(reason="image cannot be pulled")

    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    embedded_aws.clock.fast_forward()

    described = sm.describe_endpoint(EndpointName="e")
    assert (described["EndpointStatus"], described["FailureReason"]) == ("Failed", "image cannot be pulled")
    sm.create_endpoint(EndpointName="f", EndpointConfigName="c1")  # the switch fires once
    embedded_aws.clock.fast_forward()
    assert status(sm, "f") == "InService"


def test_failed_update_ends_in_service_on_the_old_config_with_a_failure_reason(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    # DescribeEndpoint (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html):
    # FailureReason is set "if the status of the endpoint is Failed, or the status is InService but update
    # operation fails"; RollingBack "only applies to an endpoint that has autoscaling enabled" whose weights or
    # capacities change, so a failed UpdateEndpoint never shows it.
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    embedded_aws.clock.fast_forward()
    embedded_aws.faults.fail_next_endpoint_change(reason="alarm errors fired", endpoint_name="e")

    sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    embedded_aws.clock.fast_forward()

    described = sm.describe_endpoint(EndpointName="e")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c1")
    assert described["FailureReason"] == "alarm errors fired"
    statuses = [
        e["detail"]["EndpointStatus"]
        for e in embedded_aws.dispatcher.events
        if e["detail-type"] == "SageMaker Endpoint State Change"
    ]
    assert statuses == ["CREATING", "IN_SERVICE", "UPDATING", "IN_SERVICE"]
    assert "PendingDeploymentSummary" not in described


def test_throttle_switch_fails_the_next_calls_of_one_operation_only(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    client = embedded_aws.client("sagemaker", config=NO_RETRIES)
    embedded_aws.faults.throttle("ListEndpoints", times=2)

    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            client.list_endpoints()
        assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    client.list_endpoint_configs()
    assert client.list_endpoints()["Endpoints"] == []


def test_invoke_runs_the_model_of_the_config_the_endpoint_serves(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    runtime = embedded_aws.client("sagemaker-runtime")
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    embedded_aws.clock.fast_forward()
    request = {
        "EndpointName": "e",
        "Body": json.dumps({"instances": [1, 2]}),
        "ContentType": "application/json",
        "Accept": "application/json",
    }

    before = runtime.invoke_endpoint(**request)
    sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    during = runtime.invoke_endpoint(**request)
    embedded_aws.clock.fast_forward()
    after = runtime.invoke_endpoint(**request)

    assert json.loads(before["Body"].read()) == {"predictions": [2.0, 4.0]}
    assert json.loads(during["Body"].read()) == {"predictions": [2.0, 4.0]}
    assert json.loads(after["Body"].read()) == {"predictions": [3.0, 6.0]}
    assert (after["ContentType"], after["InvokedProductionVariant"]) == ("application/json", "AllTraffic")


def test_invoke_resolves_a_model_package_container_to_its_artifact(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    sm.create_model_package_group(ModelPackageGroupName="g")
    package = sm.create_model_package(
        ModelPackageGroupName="g",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "sklearn",
                    "ModelDataUrl": "s3://models/v2/model.tar.gz",
                    "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
                }
            ],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    model_with_config(sm, model="pkg", config="cp", container={"ModelPackageName": package}, role=ROLE)
    sm.create_endpoint(EndpointName="p", EndpointConfigName="cp")
    embedded_aws.clock.fast_forward()

    answer = embedded_aws.client("sagemaker-runtime").invoke_endpoint(
        EndpointName="p", Body=json.dumps({"instances": [1]}), ContentType="application/json"
    )

    assert json.loads(answer["Body"].read()) == {"predictions": [3.0]}


def test_invoke_of_a_failing_model_answers_model_error_424(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    embedded_aws.clock.fast_forward()

    with pytest.raises(ClientError) as raised:
        embedded_aws.client("sagemaker-runtime").invoke_endpoint(
            EndpointName="e", Body=b"1,2", ContentType="text/csv"
        )

    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("ModelError", 424)
    assert "unsupported content type text/csv" in error["Error"]["Message"]
    assert error["OriginalStatusCode"] == 400


def test_a_model_that_fails_to_load_is_logged_at_in_service_and_its_invocations_answer_why(
    sm: Any, embedded_aws: EmbeddedAWS, caplog: pytest.LogCaptureFixture
) -> None:
    broken = model_tar({"code/inference.py": SERVING_CODE})  # serving code without the model.json it loads
    embedded_aws.client("s3").put_object(Bucket="models", Key="v1/model.tar.gz", Body=broken)
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")

    with caplog.at_level("WARNING", logger="modelops.local.invoke"):
        embedded_aws.clock.fast_forward()

    assert status(sm) == "InService"
    assert (
        "endpoint e: model s3://models/v1/model.tar.gz failed to load (model_fn failed: FileNotFoundError"
        in (caplog.text)
    )
    with pytest.raises(ClientError) as raised:
        embedded_aws.client("sagemaker-runtime").invoke_endpoint(
            EndpointName="e", Body=b'{"instances": [1]}', ContentType="application/json"
        )
    assert raised.value.response["Error"]["Code"] == "ModelError"
    assert "model_fn failed: FileNotFoundError" in raised.value.response["Error"]["Message"]


@pytest.mark.parametrize("name", ["e", "missing"])
def test_invoke_of_an_endpoint_not_in_service_is_a_validation_error(
    sm: Any, embedded_aws: EmbeddedAWS, name: str
) -> None:
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")  # stays Creating: the clock is not advanced

    with pytest.raises(ClientError) as raised:
        embedded_aws.client("sagemaker-runtime").invoke_endpoint(EndpointName=name, Body=b"{}")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
