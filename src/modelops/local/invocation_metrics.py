"""The per-variant invocation metrics SageMaker publishes for every InvokeEndpoint.

Developer guide, "Amazon SageMaker AI metrics in Amazon CloudWatch", endpoint invocation metrics (namespace
``AWS/SageMaker``, dimensions ``EndpointName`` and ``VariantName``): ``Invocations`` ("The number of
InvokeEndpoint requests sent to a model endpoint", Units: None, statistic Sum), ``Invocation4XXErrors`` and
``Invocation5XXErrors`` ("For each 4xx [5xx] response, 1 is sent; otherwise, 0 is sent", Units: None),
``InvocationModelErrors`` ("The number of model invocation requests which did not result in 2XX HTTP
response ... For each error response, 1 is sent; otherwise, 0 is sent", Units: None). ``ModelLatency`` is
``modelops.local.invoke.record_model_latency``'s. A shadow variant's copies are counted under its own
VariantName, as the shadow test dashboard compares them ("Monitor a shadow test"). Kept in moto's CloudWatch as
the service's own metrics (a caller's PutMetricData to ``AWS/`` is refused by AWS).
"""

from __future__ import annotations

from typing import Any

from modelops.local.invoke import MODEL_LATENCY_NAMESPACE

INVOCATIONS = "Invocations"
ERRORS_4XX, ERRORS_5XX, MODEL_ERRORS = "Invocation4XXErrors", "Invocation5XXErrors", "InvocationModelErrors"


def record(backend: Any, endpoint_name: str, variant_name: str, error_status: int | None) -> None:
    """One invocation of one variant: answered (``error_status`` None) or answered with that HTTP status."""
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
    from moto.core.utils import utcnow

    failed = error_status is not None
    values = {
        INVOCATIONS: 1.0,
        ERRORS_4XX: float(failed and 400 <= (error_status or 0) < 500),
        ERRORS_5XX: float(failed and (error_status or 0) >= 500),
        MODEL_ERRORS: float(failed),
    }
    dimensions = [
        {"Name": "EndpointName", "Value": endpoint_name},
        {"Name": "VariantName", "Value": variant_name},
    ]
    now = utcnow()
    data = cloudwatch_backends[backend.account_id][backend.region_name].metric_data
    for name, value in values.items():
        data.append(
            MetricDatum(
                namespace=MODEL_LATENCY_NAMESPACE,
                name=name,
                value=value,
                dimensions=dimensions,
                timestamp=now,
                unit="None",
            )
        )
