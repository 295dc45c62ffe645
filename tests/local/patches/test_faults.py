"""The ``faults`` patch throttles every operation, moto's own and those the other patches add, and a throttle
armed until lifted outlasts any number of retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from modelops.local.embedded import EmbeddedAWS

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
# What the deployer's clients use (modelops.deploy.clients): 5 retries, so 6 attempts a call.
DEPLOYER_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})


def _throttled(call: Any) -> bool:
    try:
        call()
    except ClientError as error:
        if error.response["Error"]["Code"] == "ThrottlingException":
            return True
        raise
    return False


def _metric_statistics(cloudwatch: Any) -> Any:
    now = datetime.now(UTC)
    return cloudwatch.get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "AllTraffic"}],
        StartTime=now - timedelta(hours=1),
        EndTime=now,
        Period=60,
        ExtendedStatistics=["p50"],
    )


@pytest.mark.parametrize("operation", ["ListInferenceExperiments", "GetMetricStatistics"])
def test_operations_other_patches_answer_are_throttled_like_moto_s_own(
    embedded_aws: EmbeddedAWS, operation: str
) -> None:
    # ListInferenceExperiments is answered by the inference_experiments patch (moto has none), and
    # ExtendedStatistics by metric_percentiles: the throttle is checked before either.
    calls = {
        "ListInferenceExperiments": lambda: embedded_aws.client(
            "sagemaker", config=NO_RETRIES
        ).list_inference_experiments(),
        "GetMetricStatistics": lambda: _metric_statistics(
            embedded_aws.client("cloudwatch", config=NO_RETRIES)
        ),
    }
    embedded_aws.faults.throttle(operation, times=1)

    assert _throttled(calls[operation])
    assert not _throttled(calls[operation])  # one armed, one consumed


def test_a_throttle_until_lifted_outlasts_the_client_s_retries_and_only_that_operation(
    embedded_aws: EmbeddedAWS,
) -> None:
    client = embedded_aws.client("sagemaker", config=DEPLOYER_RETRIES)
    embedded_aws.faults.throttle_until_lifted("ListInferenceExperiments")

    for _ in range(3):  # three invocations' worth, 18 attempts: none gets through
        assert _throttled(client.list_inference_experiments)
    assert not _throttled(client.list_endpoints)

    embedded_aws.faults.lift_throttle("ListInferenceExperiments")
    assert client.list_inference_experiments()["InferenceExperiments"] == []


def test_lifting_a_counted_throttle_drops_what_is_left_of_it(embedded_aws: EmbeddedAWS) -> None:
    client = embedded_aws.client("sagemaker", config=NO_RETRIES)
    embedded_aws.faults.throttle("ListEndpoints", times=5)
    assert _throttled(client.list_endpoints)

    embedded_aws.faults.lift_throttle("ListEndpoints")

    assert not _throttled(client.list_endpoints)


def test_a_throttle_needs_at_least_one_call(embedded_aws: EmbeddedAWS) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        embedded_aws.faults.throttle("ListEndpoints", times=0)
