"""Each variant's invocation metrics over a shadow test's window, from CloudWatch.

SageMaker publishes invocation metrics per variant ("Amazon SageMaker AI metrics in Amazon CloudWatch",
namespace ``AWS/SageMaker``, dimensions ``EndpointName`` and ``VariantName``): ``Invocations``,
``Invocation4XXErrors``, ``Invocation5XXErrors``, ``InvocationModelErrors`` (counts, read as Sum) and
``ModelLatency`` (microseconds, read as the p50 and p99 ``ExtendedStatistics`` of GetMetricStatistics).
One period spans the window (GetMetricStatistics: a multiple of 60 seconds), so each statistic is one
datapoint over every invocation of the test; a percentile cannot be combined from several periods.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from modelops.deploy.shadow_verdict import VariantNumbers

NAMESPACE = "AWS/SageMaker"
_COUNTS = ("Invocations", "Invocation4XXErrors", "Invocation5XXErrors", "InvocationModelErrors")
_PERCENTILES = ("p50", "p99")


def variant_numbers(
    cloudwatch: Any, endpoint: str, variant: str, started: datetime, ended: datetime
) -> VariantNumbers:
    """The counts and latency percentiles of one variant between ``started`` and ``ended``."""
    query = _query(endpoint, variant, started, ended)
    sums = {name: _sum(cloudwatch, query, name) for name in _COUNTS}
    latency = cloudwatch.get_metric_statistics(
        **query, MetricName="ModelLatency", Unit="Microseconds", ExtendedStatistics=list(_PERCENTILES)
    )["Datapoints"]
    percentiles = {p: _percentile(latency, p) for p in _PERCENTILES}
    # InvocationModelErrors counts every non-2XX answer of the model, which the 4XX and 5XX counts also
    # include: the larger of the two is the number of failed requests, without counting one twice.
    errors = max(sums["Invocation4XXErrors"] + sums["Invocation5XXErrors"], sums["InvocationModelErrors"])
    return VariantNumbers(
        invocations=sums["Invocations"], errors=errors, p50_ms=percentiles["p50"], p99_ms=percentiles["p99"]
    )


def _query(endpoint: str, variant: str, started: datetime, ended: datetime) -> dict[str, Any]:
    start = started.replace(second=0, microsecond=0)
    period = max(60, math.ceil((ended - start).total_seconds() / 60) * 60)
    return {
        "Namespace": NAMESPACE,
        "Dimensions": [
            {"Name": "EndpointName", "Value": endpoint},
            {"Name": "VariantName", "Value": variant},
        ],
        "StartTime": start,
        "EndTime": start + timedelta(seconds=period),
        "Period": period,
    }


def _sum(cloudwatch: Any, query: dict[str, Any], metric: str) -> int:
    points = cloudwatch.get_metric_statistics(**query, MetricName=metric, Statistics=["Sum"])["Datapoints"]
    return int(sum(point.get("Sum", 0) for point in points))


def _percentile(points: list[dict[str, Any]], name: str) -> float | None:
    values = [p["ExtendedStatistics"][name] for p in points if name in p.get("ExtendedStatistics", {})]
    return max(values) / 1000.0 if values else None
