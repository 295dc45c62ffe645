"""The ``metric_percentiles`` patch: CloudWatch GetMetricStatistics answers ExtendedStatistics (percentiles).

GetMetricStatistics (CloudWatch API reference): ``ExtendedStatistics`` are "the percentile statistics. Specify
values between p0.0 and p100", at most 10, and "when calling GetMetricStatistics, you must specify either
Statistics or ExtendedStatistics, but not both"; each datapoint then carries ``ExtendedStatistics`` (a map from
the statistic to its value). moto 5.2.5 reads the parameter and ignores it, answering datapoints without them.
The percentile of a period is computed from the raw values published in it, nearest-rank (the smallest value
at or above which the given share of samples lies); CloudWatch's own estimate (user guide, "CloudWatch
statistics definitions": percentiles of raw values when all are known) may interpolate, which the reference
does not specify. Used by the staging verifier, which judges ModelLatency by a percentile.
"""

from __future__ import annotations

import math
import re
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterCombination, InvalidParameterValue
from moto.cloudwatch.models import MetricDatum
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from modelops.local.patches.patch import Patch, PatchGroup

_PERCENTILE = re.compile(r"^p(\d{1,3}(\.\d+)?)$")
MAX_EXTENDED_STATISTICS = 10


def percentile_share(statistic: str) -> float:
    """``p90`` -> 0.90, or the InvalidParameterValue CloudWatch answers for another spelling."""
    match = _PERCENTILE.match(statistic)
    share = float(match.group(1)) / 100 if match else -1.0
    if not 0.0 <= share <= 1.0:
        raise InvalidParameterValue(
            f"The value {statistic} for parameter ExtendedStatistics is not supported; use p0.0 to p100."
        )
    return share


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def get_metric_statistics(original: Any, self: Any) -> Any:
    extended = self._get_param("ExtendedStatistics") or []
    if not extended:
        return original(self)
    if self._get_param("Statistics"):
        raise InvalidParameterCombination("Specify either Statistics or ExtendedStatistics, but not both.")
    if len(extended) > MAX_EXTENDED_STATISTICS:
        raise InvalidParameterValue(f"At most {MAX_EXTENDED_STATISTICS} ExtendedStatistics may be requested.")
    shares = {statistic: percentile_share(statistic) for statistic in extended}
    periods = self.cloudwatch_backend.get_metric_statistics(
        self._get_param("Namespace"),
        self._get_param("MetricName"),
        self._get_param("StartTime"),
        self._get_param("EndTime"),
        self._get_int_param("Period"),
        ["SampleCount"],
        unit=self._get_param("Unit"),
        dimensions=self._get_param("Dimensions", []),
    )
    datapoints = []
    for period in periods:
        values = [float(d.value) for d in period.metric_data if isinstance(d, MetricDatum)]
        if not values:
            continue  # aggregated uploads (StatisticValues) hold no raw values to rank
        point: dict[str, Any] = {
            "Timestamp": period.timestamp,
            "ExtendedStatistics": {name: nearest_rank(values, share) for name, share in shares.items()},
        }
        if period.unit:
            point["Unit"] = period.unit
        datapoints.append(point)
    return ActionResult({"Label": self._get_param("MetricName"), "Datapoints": datapoints})


GROUP = PatchGroup(
    name="metric_percentiles",
    behaviour="CloudWatch GetMetricStatistics answers ExtendedStatistics (percentiles such as p90) from the "
    "raw values of each period",
    operations=("GetMetricStatistics",),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html",
    ),
    build=lambda: [Patch(CloudWatchResponse, "get_metric_statistics", get_metric_statistics, wraps=True)],
)
