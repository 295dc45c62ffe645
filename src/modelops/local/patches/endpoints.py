"""The ``endpoints`` patch: endpoints that take time to change, updates, failures, and their events.

As the SageMaker API reference documents CreateEndpoint, UpdateEndpoint and DescribeEndpoint: a new endpoint
is ``Creating`` until it is ``InService`` (or ``Failed``, with ``FailureReason``); "when SageMaker receives
the [UpdateEndpoint] request, it sets the endpoint status to Updating. After updating the endpoint, it sets
the status to InService", serving the old configuration meanwhile; ``DeploymentConfig``,
``RetainAllVariantProperties``, ``ExcludeRetainedVariantProperties`` and ``RetainDeploymentConfig`` are
honoured; a name already in use is refused. Every status emits "SageMaker Endpoint State Change" (developer
guide, "Events that Amazon SageMaker sends to Amazon EventBridge").

A failed update goes from ``Updating`` straight back to ``InService`` on the old configuration with
``FailureReason`` set (DescribeEndpoint: FailureReason is given "if the status of the endpoint is Failed, or
the status is InService but update operation fails"). It does not pass through ``RollingBack``: the reference
reserves that status for endpoints with autoscaling whose UpdateEndpointWeightsAndCapacities fails.

moto 5.2.5 makes an endpoint ``InService`` at once, overwrites an endpoint of the same name, has no
``UpdateEndpoint`` and emits no events. Transitions are scheduled on the embedded AWS's clock
(``modelops.local.clock``) and run when due; the failure switch is ``modelops.local.faults``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from modelops.local import events, invoke
from modelops.local.clock import CLOCK
from modelops.local.faults import FAULTS
from modelops.local.patches import data_capture
from modelops.local.patches.patch import Patch, PatchGroup
from modelops.local.patches.shadow_variants import carry_shadow_variants

_TRAFFIC_TYPES = ("ALL_AT_ONCE", "CANARY", "LINEAR")
_RETAINABLE = {
    "DesiredInstanceCount": ("CurrentInstanceCount", "DesiredInstanceCount"),
    "DesiredWeight": ("CurrentWeight", "DesiredWeight"),
}


def _now() -> datetime:
    # moto keeps every SageMaker time naive in UTC and compares them (ListEndpoints' time filters): an aware
    # time here made those comparisons raise (HTTP 500). The event details convert naive times as UTC.
    return utcnow()


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
    original: Any, self: Any, endpoint_name: str, endpoint_config_name: str, tags: list[dict[str, str]]
) -> Any:
    """CreateEndpoint: ``Creating``, then ``InService`` (or ``Failed``) when the clock says so."""
    if endpoint_name in self.endpoints:
        arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
        raise ValidationError(f'Cannot create already existing endpoint "{arn}".')
    endpoint: Any = original(self, endpoint_name, endpoint_config_name, tags)
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
    endpoint, config = _update_target(self, endpoint_name, endpoint_config_name)
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
            # Still serving the old config, as it did while Updating; the new one never took traffic.
            endpoint.failure_reason = failure
            endpoint.pending_deployment_summary = None
            _set_status(self, endpoint, "InService")
            return
        endpoint.endpoint_config_name = endpoint_config_name
        invoke.warm(self, endpoint_name)
        endpoint.production_variants = new_variants
        carry_shadow_variants(endpoint, config)  # the new config's shadow variant, or none
        endpoint.data_capture_config = data_capture.summary(config.data_capture_config)
        endpoint.failure_reason = None
        endpoint.pending_deployment_summary = None
        endpoint.last_deployment_config = deployment_config or (
            previous_deployment_config if retain_deployment_config else None
        )
        _set_status(self, endpoint, "InService")

    CLOCK.schedule(finish)
    return str(endpoint.arn)


def _update_target(backend: Any, endpoint_name: str, endpoint_config_name: str) -> tuple[Any, Any]:
    """The endpoint to update and the config to move it to, or the ValidationException SageMaker answers."""
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise _not_found(backend, endpoint_name)
    if endpoint.endpoint_status != "InService":
        raise ValidationError(
            f'Cannot update endpoint "{endpoint.arn}" while its status is {endpoint.endpoint_status}; '
            "it must be InService."
        )
    config = backend.endpoint_configs.get(endpoint_config_name)
    if config is None:
        arn = FakeEndpointConfig.arn_formatter(endpoint_config_name, backend.account_id, backend.region_name)
        raise ValidationError(f"Could not find endpoint configuration '{arn}'.")
    return endpoint, config


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


GROUP = PatchGroup(
    name="endpoints",
    behaviour="endpoints go Creating -> InService/Failed and Updating -> InService over time, UpdateEndpoint "
    "exists, a taken name is refused, every status emits SageMaker Endpoint State Change",
    operations=("CreateEndpoint", "UpdateEndpoint", "DescribeEndpoint"),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html",
    ),
    build=lambda: [
        Patch(SageMakerModelBackend, "create_endpoint", create_endpoint, wraps=True),
        Patch(SageMakerModelBackend, "update_endpoint", update_endpoint),
        Patch(SageMakerResponse, "update_endpoint", _update_endpoint_response),
    ],
)
