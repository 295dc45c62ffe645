"""Judge a staging endpoint's speed by SageMaker's ModelLatency, the model's own time, not the caller's clock.

SageMaker publishes ``ModelLatency`` for every invocation ("Amazon SageMaker AI metrics in Amazon CloudWatch",
invocation metrics: "the interval of time taken by a model to respond as viewed from SageMaker", in
microseconds, namespace ``AWS/SageMaker``, dimensions ``EndpointName`` and ``VariantName``). The wall-clock
time a Lambda measures around InvokeEndpoint adds the network, the service's own routing and whatever else
the machine was doing; a busy machine made a fast model look slow. The verifier reads the metric instead, as
one percentile over every invocation of its window (GetMetricStatistics with ``ExtendedStatistics``, one
period spanning the window), and waits for the datapoints, which CloudWatch publishes with a delay.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from modelops.deploy.deadline import Deadline
from modelops.deploy.errors import DeployError

NAMESPACE = "AWS/SageMaker"
METRIC = "ModelLatency"
PERCENTILE = "p90"  # one slow request in ten is tolerated; a model slower than that is slow
MIN_SAMPLES = 30  # invocations per verification: a p90 over 30 is the 4th slowest, not one unlucky call
_POLL_SECONDS = 5.0


class LatencyUnavailableError(DeployError):
    """The endpoint's ModelLatency for the verification window was not published in time."""


@dataclass(frozen=True)
class Window:
    """The time span of the verifier's invocations of one variant, and how many it made."""

    endpoint_name: str
    variant_name: str
    started: datetime
    ended: datetime
    invocations: int


@dataclass(frozen=True)
class ModelLatency:
    """The percentile of ModelLatency over the window, in milliseconds, and the samples it covers."""

    percentile: str
    milliseconds: float
    samples: int


def now() -> datetime:
    return datetime.now(UTC)


def measured(cloudwatch: Any, window: Window, deadline: Deadline) -> ModelLatency:
    """The window's ModelLatency percentile once CloudWatch holds every invocation's sample.

    Raises ``LatencyUnavailableError`` when the time bound ends first: no number is no evidence either way.
    """
    while True:
        counted, value_us = _statistics(cloudwatch, window)
        if counted >= window.invocations and value_us is not None:
            return ModelLatency(PERCENTILE, value_us / 1000.0, counted)
        if not deadline.allows(_POLL_SECONDS):
            raise LatencyUnavailableError(
                f"{METRIC} of {window.endpoint_name}/{window.variant_name}: {counted} of {window.invocations} "
                "samples published before the verification time ran out"
            )
        time.sleep(_POLL_SECONDS)


def _statistics(cloudwatch: Any, window: Window) -> tuple[int, float | None]:
    # GetMetricStatistics takes Statistics or ExtendedStatistics, not both: two calls over the same period.
    start = window.started.replace(second=0, microsecond=0)
    end = window.ended.replace(second=0, microsecond=0) + timedelta(minutes=1)
    period = max(60, math.ceil((end - start).total_seconds() / 60) * 60)
    query = {
        "Namespace": NAMESPACE,
        "MetricName": METRIC,
        "Dimensions": [
            {"Name": "EndpointName", "Value": window.endpoint_name},
            {"Name": "VariantName", "Value": window.variant_name},
        ],
        "StartTime": start,
        "EndTime": start + timedelta(seconds=period),
        "Period": period,
        "Unit": "Microseconds",
    }
    counts = cloudwatch.get_metric_statistics(**query, Statistics=["SampleCount"])["Datapoints"]
    points = cloudwatch.get_metric_statistics(**query, ExtendedStatistics=[PERCENTILE])["Datapoints"]
    counted = int(sum(point.get("SampleCount", 0) for point in counts))
    values = [
        point["ExtendedStatistics"][PERCENTILE]
        for point in points
        if PERCENTILE in point.get("ExtendedStatistics", {})
    ]
    return counted, (max(values) if values else None)
