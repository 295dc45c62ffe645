"""Endpoint gaps of moto 5.2.5, filled as the SageMaker API reference documents them.

moto makes an endpoint ``InService`` at once, has no ``UpdateEndpoint``, emits no events, and answers
``InvokeEndpoint`` with canned data. Here: ``CreateEndpoint`` goes ``Creating`` -> ``InService`` (or ``Failed``
when the fault switch is armed); ``UpdateEndpoint`` (``DeploymentConfig``, ``RetainAllVariantProperties``,
``ExcludeRetainedVariantProperties``, ``RetainDeploymentConfig``) goes ``Updating`` -> ``InService`` on the new
config, or ``Updating`` -> ``RollingBack`` -> ``InService`` on the old one with ``FailureReason`` set when it
fails (SageMaker's documented behaviour for a failed update); every status emits "SageMaker Endpoint State
Change"; ``InvokeEndpoint`` runs the served model through ``modelops.local.inference.run_inference``.

Transitions are scheduled on ``endpoint_clock.CLOCK`` and run when due, at the next SageMaker API call or
``settle``. Every API call also passes the throttle switch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from modelops.local import events, invoke
from modelops.local.endpoint_clock import CLOCK, FAULTS

NATIVE: dict[str, Any] = {
    "backend.create_endpoint": vars(SageMakerModelBackend)["create_endpoint"],
    "backend.update_endpoint": vars(SageMakerModelBackend).get("update_endpoint"),
    "response.update_endpoint": vars(SageMakerResponse).get("update_endpoint"),
    "runtime.invoke_endpoint": vars(SageMakerRuntimeResponse)["invoke_endpoint"],
    "BaseResponse.call_action": vars(BaseResponse)["call_action"],
}

_TRAFFIC_TYPES = ("ALL_AT_ONCE", "CANARY", "LINEAR")
_RETAINABLE = {
    "DesiredInstanceCount": ("CurrentInstanceCount", "DesiredInstanceCount"),
    "DesiredWeight": ("CurrentWeight", "DesiredWeight"),
}


class ThrottlingException(ServiceException):
    code = "ThrottlingException"


def _now() -> datetime:
    return datetime.now(UTC)


def _emit(backend: Any, endpoint: Any) -> None:
    detail = events.endpoint_detail(endpoint.response_object, endpoint.tags)
    events.emit(events.ENDPOINT_STATE_CHANGE, backend.account_id, backend.region_name, [endpoint.arn], detail)


def _set_status(backend: Any, endpoint: FakeEndpoint, status: str) -> None:
    endpoint.endpoint_status = status
    endpoint.last_modified_time = _now()
    _emit(backend, endpoint)


def _still_there(backend: Any, endpoint: Any) -> bool:
    return backend.endpoints.get(endpoint.endpoint_name) is endpoint


def _not_found(backend: Any, name: str) -> ValidationError:
    arn = FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
    return ValidationError(f"Could not find endpoint '{arn}'.")


# --- backend ------------------------------------------------------------------------------------------


def create_endpoint(
    self: Any, endpoint_name: str, endpoint_config_name: str, tags: list[dict[str, str]]
) -> Any:
    if endpoint_name in self.endpoints:
        arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
        raise ValidationError(f'Cannot create already existing endpoint "{arn}".')
    endpoint: Any = NATIVE["backend.create_endpoint"](self, endpoint_name, endpoint_config_name, tags)
    failure = FAULTS.take_endpoint_failure(endpoint_name)
    _set_status(self, endpoint, "Creating")

    def finish() -> None:
        if not _still_there(self, endpoint):
            return
        if not failure:
            invoke.warm(self, endpoint_name)
        endpoint.failure_reason = failure
        _set_status(self, endpoint, "Failed" if failure else "InService")

    CLOCK.schedule(finish)
    return endpoint


def update_endpoint(
    self: Any,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_all_variant_properties: bool = False,
    exclude_retained_variant_properties: list[dict[str, str]] | None = None,
    deployment_config: dict[str, Any] | None = None,
    retain_deployment_config: bool = False,
) -> str:
    """UpdateEndpoint: the endpoint serves its old config while ``Updating``, then the new one."""
    endpoint = self.endpoints.get(endpoint_name)
    if endpoint is None:
        raise _not_found(self, endpoint_name)
    if endpoint.endpoint_status != "InService":
        raise ValidationError(
            f'Cannot update endpoint "{endpoint.arn}" while its status is {endpoint.endpoint_status}; '
            "it must be InService."
        )
    config = self.endpoint_configs.get(endpoint_config_name)
    if config is None:
        arn = FakeEndpointConfig.arn_formatter(endpoint_config_name, self.account_id, self.region_name)
        raise ValidationError(f"Could not find endpoint configuration '{arn}'.")
    _validate_deployment_config(deployment_config)

    new_variants = endpoint._process_production_variants(config.production_variants)
    if retain_all_variant_properties:
        excluded = {e["VariantPropertyType"] for e in exclude_retained_variant_properties or []}
        new_variants = _retain_variant_properties(endpoint.production_variants, new_variants, excluded)
    previous_deployment_config = getattr(endpoint, "last_deployment_config", None)
    endpoint.pending_deployment_summary = {
        "EndpointConfigName": endpoint_config_name,
        "ProductionVariants": new_variants,
        "StartTime": _now(),
    }
    failure = FAULTS.take_endpoint_failure(endpoint_name)
    _set_status(self, endpoint, "Updating")

    def finish() -> None:
        if not _still_there(self, endpoint):
            return
        if failure:
            endpoint.failure_reason = failure
            _set_status(self, endpoint, "RollingBack")
            CLOCK.schedule(rolled_back)
            return
        endpoint.endpoint_config_name = endpoint_config_name
        invoke.warm(self, endpoint_name)
        endpoint.production_variants = new_variants
        endpoint.data_capture_config = config.data_capture_config
        endpoint.failure_reason = None
        endpoint.pending_deployment_summary = None
        endpoint.last_deployment_config = deployment_config or (
            previous_deployment_config if retain_deployment_config else None
        )
        _set_status(self, endpoint, "InService")

    def rolled_back() -> None:
        if _still_there(self, endpoint):
            endpoint.pending_deployment_summary = None
            _set_status(self, endpoint, "InService")

    CLOCK.schedule(finish)
    return str(endpoint.arn)


def _retain_variant_properties(
    old: list[dict[str, Any]], new: list[dict[str, Any]], excluded: set[str]
) -> list[dict[str, Any]]:
    by_name = {variant["VariantName"]: variant for variant in old}
    retained = []
    for variant in new:
        merged = dict(variant)
        previous = by_name.get(variant["VariantName"], {})
        for prop, keys in _RETAINABLE.items():
            if prop in excluded:
                continue
            for key in keys:
                if key in previous:
                    merged[key] = previous[key]
        retained.append(merged)
    return retained


def _validate_deployment_config(config: dict[str, Any] | None) -> None:
    if not config:
        return
    blue_green, rolling = config.get("BlueGreenUpdatePolicy"), config.get("RollingUpdatePolicy")
    if blue_green and rolling:
        raise ValidationError(
            "DeploymentConfig can have either BlueGreenUpdatePolicy or RollingUpdatePolicy, not both."
        )
    if blue_green:
        routing = blue_green.get("TrafficRoutingConfiguration") or {}
        kind = routing.get("Type")
        if kind not in _TRAFFIC_TYPES:
            raise ValidationError(
                f"Value '{kind}' at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.type' "
                f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(_TRAFFIC_TYPES)}]"
            )
        if "WaitIntervalInSeconds" not in routing:
            raise ValidationError("TrafficRoutingConfiguration.WaitIntervalInSeconds is required.")
        needed = {"CANARY": "CanarySize", "LINEAR": "LinearStepSize"}.get(kind)
        if needed and needed not in routing:
            raise ValidationError(
                f"TrafficRoutingConfiguration.{needed} is required for {kind} traffic routing."
            )
    if rolling and not {"MaximumBatchSize", "WaitIntervalInSeconds"} <= set(rolling):
        raise ValidationError("RollingUpdatePolicy requires MaximumBatchSize and WaitIntervalInSeconds.")
    for alarm in (config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []:
        if not alarm.get("AlarmName"):
            raise ValidationError("Each AutoRollbackConfiguration alarm needs an AlarmName.")


# --- responses ----------------------------------------------------------------------------------------


def _update_endpoint_response(self: Any) -> ActionResult:
    arn = self.sagemaker_backend.update_endpoint(
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_all_variant_properties=self._get_param("RetainAllVariantProperties", False),
        exclude_retained_variant_properties=self._get_param("ExcludeRetainedVariantProperties"),
        deployment_config=self._get_param("DeploymentConfig"),
        retain_deployment_config=self._get_param("RetainDeploymentConfig", False),
    )
    return ActionResult({"EndpointArn": arn})


def _call_action(self: Any) -> Any:
    """Every API call: throttle if the switch says so; let due endpoint transitions happen first."""
    if FAULTS.take_throttle(self._get_action()):
        with (
            warnings.catch_warnings()
        ):  # not in every service's error model (AWS sends it anyway): moto warns
            warnings.simplefilter("ignore")
            return self.serialized(ActionResult(ThrottlingException("Rate exceeded")))
    if self.service_name in ("sagemaker", "sagemaker-runtime"):
        CLOCK.tick()
    return NATIVE["BaseResponse.call_action"](self)


def _invoke_endpoint(self: Any) -> Any:
    name = self.path.split("/")[2]
    backend = sagemaker_backends[self.current_account][self.region]
    body, content_type, variant = invoke.invoke(
        backend,
        endpoint_name=name,
        body=self.raw_body if isinstance(self.raw_body, bytes) else str(self.raw_body or "").encode(),
        content_type=self.headers.get("Content-Type", "application/octet-stream"),
        accept=self.headers.get("Accept", "*/*"),
        target_variant=self.headers.get("X-Amzn-SageMaker-Target-Variant"),
    )
    headers = {"status": 200, "Content-Type": content_type, "x-Amzn-Invoked-Production-Variant": variant}
    return 200, headers, body


_BACKEND_METHODS: dict[str, Callable[..., Any]] = {
    "create_endpoint": create_endpoint,
    "update_endpoint": update_endpoint,
}


def apply() -> None:
    """Install the patches (idempotent)."""
    for name, function in _BACKEND_METHODS.items():
        setattr(SageMakerModelBackend, name, function)
    # setattr: these replace (or add) methods on moto's classes, which mypy would refuse as assignments.
    setattr(SageMakerResponse, "update_endpoint", _update_endpoint_response)  # noqa: B010
    setattr(SageMakerRuntimeResponse, "invoke_endpoint", _invoke_endpoint)  # noqa: B010
    setattr(BaseResponse, "call_action", _call_action)  # noqa: B010
