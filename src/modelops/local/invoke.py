"""InvokeEndpoint on the embedded AWS: the endpoint runs the model it really serves.

Resolution follows what SageMaker hosts: endpoint -> its current endpoint config (the old one while an update
is in progress) -> production variant -> model -> primary container, which is either ``ModelDataUrl`` +
``Environment`` or a ``ModelPackageName`` whose ``InferenceSpecification.Containers[0]`` names the artifact.
The model runs through ``modelops.local.inference.run_inference`` (the local serving code, imported lazily:
it pulls in scikit-learn). A model that raises answers ``ModelError`` (HTTP 424) as SageMaker does. Each
answered invocation publishes its ``ModelLatency`` (the serving code's own time) to CloudWatch.
"""

from __future__ import annotations

import logging
from typing import Any

from moto.core.exceptions import ServiceException

_log = logging.getLogger(__name__)
_SERVING = ("InService", "Updating", "SystemUpdating", "RollingBack")
MODEL_LATENCY_NAMESPACE = "AWS/SageMaker"
MODEL_LATENCY_METRIC = "ModelLatency"


class RuntimeValidationError(ServiceException):
    code = "ValidationError"  # sagemaker-runtime's spelling of its validation error


class ModelError(ServiceException):
    code = "ModelError"

    def __init__(
        self,
        message: str,
        original_status_code: int = 400,
        original_message: str = "",
        log_stream_arn: str = "",
    ) -> None:
        super().__init__(message)
        # Serialized by the member names of sagemaker-runtime's ModelError shape.
        self.OriginalStatusCode = original_status_code
        self.OriginalMessage = original_message
        self.LogStreamArn = log_stream_arn


def invoke(
    backend: Any,
    endpoint_name: str,
    body: bytes,
    content_type: str,
    accept: str,
    target_variant: str | None = None,
) -> tuple[bytes, str, str]:
    """(response body, content type, variant name); raises the error SageMaker would answer."""
    endpoint, variant = resolve(backend, endpoint_name, target_variant)
    answer_body, answer_type = run_variant(
        backend, endpoint_name, endpoint, variant, body, content_type, accept
    )
    return answer_body, answer_type, str(variant["VariantName"])


def resolve(
    backend: Any, endpoint_name: str, target_variant: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """(endpoint, the production variant that answers), or the ValidationError SageMaker Runtime answers."""
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise RuntimeValidationError(f"Endpoint {endpoint_name} of account {backend.account_id} not found.")
    if endpoint.endpoint_status not in _SERVING:
        raise RuntimeValidationError(
            f"Endpoint {endpoint_name} of account {backend.account_id} is not in service "
            f"(status {endpoint.endpoint_status})."
        )
    config = backend.endpoint_configs[endpoint.endpoint_config_name]
    variant = _pick_variant(config.production_variants, target_variant)
    if variant is None:
        raise RuntimeValidationError(
            f"The variant {target_variant} does not exist on endpoint {endpoint_name}."
        )
    return endpoint, variant


def run_variant(
    backend: Any,
    endpoint_name: str,
    endpoint: Any,
    variant: dict[str, Any],
    body: bytes,
    content_type: str,
    accept: str,
) -> tuple[bytes, str]:
    """Answer one request with one variant's model (a production or a shadow variant); raises ModelError."""
    model = backend._models.get(variant["ModelName"])
    if model is None:
        raise ModelError(f"Model {variant['ModelName']} of endpoint {endpoint_name} no longer exists.")
    container = model.primary_container or (model.containers[0] if model.containers else {})
    model_data_url, environment = _resolve_container(backend, container)

    from modelops.local.inference import serve, serving_key

    loaded = _loaded_models(endpoint).get(serving_key(model_data_url, environment))
    try:
        answer = serve(model_data_url, environment, body, content_type, accept, loaded=loaded)
    except Exception as exc:  # any failure of the model code is the model's error, as in SageMaker
        log_stream = (
            f"arn:aws:logs:{backend.region_name}:{backend.account_id}:log-group:/aws/sagemaker/Endpoints/"
            f"{endpoint_name}"
        )
        raise ModelError(
            f'Received client error (400) from primary with message "{exc}". See {log_stream} '
            f"in account {backend.account_id} for more information.",
            original_message=str(exc),
            log_stream_arn=log_stream,
        ) from exc
    record_model_latency(backend, endpoint_name, str(variant["VariantName"]), answer.model_latency_us)
    return answer.body, answer.content_type


def record_model_latency(backend: Any, endpoint_name: str, variant_name: str, microseconds: int) -> None:
    """Publish the invocation's ModelLatency as SageMaker does: ``AWS/SageMaker``, per endpoint and variant.

    "Invocation metrics for endpoints" (developer guide, "Amazon SageMaker AI metrics in Amazon CloudWatch"):
    ModelLatency, in microseconds, dimensions EndpointName and VariantName. Kept in moto's CloudWatch as the
    service's own metric (AWS refuses a PutMetricData to an ``AWS/`` namespace), so GetMetricStatistics reads it.
    """
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
    from moto.core.utils import utcnow

    datum = MetricDatum(
        namespace=MODEL_LATENCY_NAMESPACE,
        name=MODEL_LATENCY_METRIC,
        value=float(microseconds),
        dimensions=[
            {"Name": "EndpointName", "Value": endpoint_name},
            {"Name": "VariantName", "Value": variant_name},
        ],
        timestamp=utcnow(),
        unit="Microseconds",
    )
    cloudwatch_backends[backend.account_id][backend.region_name].metric_data.append(datum)


def warm(backend: Any, endpoint_name: str) -> None:
    """Load the endpoint's model now, as SageMaker does before it reports ``InService``.

    Without this the first invocation would pay the artifact download and the import of the serving code,
    which SageMaker never shows a caller (and which a latency check would take for a slow model). A model
    that fails to load is logged with its reason and not cached: the endpoint still goes ``InService`` (the
    local flow judges a broken version by what its invocations answer) and each invocation tries the load
    again, answering ``ModelError`` with that same reason.
    """
    from modelops.local.patches.shadow_variants import shadow_variants_of

    endpoint = backend.endpoints.get(endpoint_name)
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name) if endpoint else None
    variant = _pick_variant(config.production_variants, None) if config else None
    # A shadow variant is loaded too: the copies it receives are served as promptly as production's.
    for each in [variant, *shadow_variants_of(config)] if variant else []:
        _warm_variant(backend, endpoint, endpoint_name, each)


def _warm_variant(backend: Any, endpoint: Any, endpoint_name: str, variant: dict[str, Any]) -> None:
    model = backend._models.get(variant["ModelName"])
    if model is None:
        return  # nothing to load; an invocation answers why
    container = model.primary_container or (model.containers[0] if model.containers else {})
    try:
        model_data_url, environment = _resolve_container(backend, container)
    except ServiceException as error:  # e.g. the model package was deleted; the invocation says so too
        _log.warning("endpoint %s: cannot resolve its model to preload: %s", endpoint_name, error)
        return
    if not model_data_url:
        return

    from modelops.local.inference import InferenceError, preload, serving_key

    try:
        loaded = preload(model_data_url, environment)
    except InferenceError as error:
        _log.warning(
            "endpoint %s: model %s failed to load (%s); its invocations will answer ModelError",
            endpoint_name,
            model_data_url,
            error,
        )
    except Exception:  # not the version's fault (S3 unreachable, an emulator bug): say so with the trace
        _log.exception("endpoint %s: preloading %s failed unexpectedly", endpoint_name, model_data_url)
    else:
        _loaded_models(endpoint)[serving_key(model_data_url, environment)] = loaded


def _loaded_models(endpoint: Any) -> dict[tuple[str, str, str], Any]:
    """The models this endpoint's instances hold: loaded as it went InService, kept with the endpoint (moto's
    reset forgets them with it), served without asking S3 again."""
    models: dict[tuple[str, str, str], Any] = endpoint.__dict__.setdefault("loaded_models", {})
    return models


def _pick_variant(variants: list[dict[str, Any]], target: str | None) -> dict[str, Any] | None:
    if target is not None:
        return next((v for v in variants if v["VariantName"] == target), None)
    # SageMaker splits traffic by weight at random; locally the heaviest variant answers, so runs repeat.
    return max(variants, key=lambda v: float(v.get("InitialVariantWeight", 1.0)), default=None)


def _resolve_container(backend: Any, container: dict[str, Any]) -> tuple[str, dict[str, str]]:
    environment = dict(container.get("Environment") or {})
    package_name = container.get("ModelPackageName")
    if not package_name:
        return str(container.get("ModelDataUrl", "")), environment
    package = backend.describe_model_package(package_name)
    spec = (package.inference_specification or {}).get("Containers") or [{}]
    return str(spec[0].get("ModelDataUrl", "")), {**(spec[0].get("Environment") or {}), **environment}
